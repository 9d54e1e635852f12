//! Reading a pack: every member checked before anything is written.

use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::{Component, Path};

use super::PackError;
use super::manifest::{MANIFEST_NAME, Manifest, PACK_FORMAT};
use super::unpack_record::{UNPACK_RECORD_NAME, UnpackRecord, is_record_path};
use crate::digest::Digest;
use crate::durable::{Durability, write_beside};

/// The largest manifest read (a hostile header may claim any size).
const MAX_MANIFEST: u64 = 16 << 20;

/// The zstd frame's magic number (a `.tar.zst` pack).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// How much larger than the file a compressed pack's members may be in all: text and
/// models compress 2-10x; a pack claiming more is a decompression bomb.
const MAX_ZSTD_RATIO: u64 = 1024;

/// Reads and checks the pack at `file`: its manifest and every member's bytes.
pub fn read_pack(file: &Path) -> Result<(Manifest, BTreeMap<String, Vec<u8>>), PackError> {
    let malformed = |message: String| PackError::Malformed {
        path: file.to_path_buf(),
        message,
    };
    let truncated = |message: String| PackError::Truncated {
        path: file.to_path_buf(),
        message,
    };
    let io = |source| PackError::Io {
        path: file.to_path_buf(),
        source,
    };
    let mut handle = std::fs::File::open(file).map_err(io)?;
    let file_size = handle.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    let mut magic = [0u8; 4];
    let compressed = handle.read_exact(&mut magic).is_ok() && magic == ZSTD_MAGIC;
    handle.rewind().map_err(io)?;
    // Every member must fit in what the file can hold: itself, or its bound when compressed.
    let mut left = if compressed {
        file_size.saturating_mul(MAX_ZSTD_RATIO)
    } else {
        file_size
    };
    let reader: Box<dyn Read> = if compressed {
        Box::new(
            zstd::stream::read::Decoder::new(handle)
                .map_err(|e| malformed(format!("cannot read the zstd stream: {e}")))?,
        )
    } else {
        Box::new(handle)
    };
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| malformed(format!("cannot read the tar: {e}")))?;
    let mut manifest: Option<Manifest> = None;
    let mut members = BTreeMap::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| truncated(format!("cannot read a tar entry: {e}")))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(PackError::Escape {
                path: file.to_path_buf(),
                member: name,
                why: "a link",
            });
        }
        check_member_path(&name).map_err(|why| PackError::Escape {
            path: file.to_path_buf(),
            member: name.clone(),
            why,
        })?;
        if !kind.is_file() {
            return Err(malformed(format!("member `{name}` is not a regular file")));
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        let limit = match &manifest {
            None => MAX_MANIFEST,
            Some(m) => match m.members.get(&name) {
                Some(member) => member.bytes,
                None => return Err(malformed(format!("member `{name}` is not in the manifest"))),
            },
        };
        if size > limit {
            return Err(malformed(format!(
                "member `{name}` claims {size} bytes, more than the manifest allows ({limit})"
            )));
        }
        if size > left {
            return Err(malformed(format!(
                "member `{name}` claims {size} bytes, more than a pack of {file_size} bytes holds"
            )));
        }
        left -= size;
        // Reserve no more than the plain file could hold: a compressed pack's bytes must
        // arrive before they take memory.
        let mut bytes = Vec::with_capacity(size.min(file_size) as usize);
        entry
            .by_ref()
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| truncated(format!("member `{name}`: {e}")))?;
        if bytes.len() as u64 != size {
            return Err(truncated(format!(
                "member `{name}` has {} of its {size} bytes",
                bytes.len()
            )));
        }
        match &manifest {
            None if name == MANIFEST_NAME => {
                let parsed: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| malformed(format!("`{MANIFEST_NAME}`: {e}")))?;
                // The format first: a newer pack may have a manifest this radflow cannot parse.
                let format = parsed.get("format").and_then(|f| f.as_u64()).unwrap_or(0);
                if format > u64::from(PACK_FORMAT) {
                    return Err(PackError::Newer {
                        path: file.to_path_buf(),
                        found: u32::try_from(format).unwrap_or(u32::MAX),
                    });
                }
                manifest = Some(
                    serde_json::from_value(parsed)
                        .map_err(|e| malformed(format!("`{MANIFEST_NAME}`: {e}")))?,
                );
            }
            None => {
                return Err(malformed(format!(
                    "the first member is `{name}`, not `{MANIFEST_NAME}`"
                )));
            }
            Some(m) => {
                let expected = m.members[&name].blake3;
                let found = Digest::of(&bytes);
                if found != expected {
                    return Err(PackError::Tampered {
                        path: file.to_path_buf(),
                        member: name,
                        expected: expected.to_hex(),
                        found: found.to_hex(),
                    });
                }
                if members.insert(name.clone(), bytes).is_some() {
                    return Err(malformed(format!("member `{name}` appears twice")));
                }
            }
        }
    }
    let Some(manifest) = manifest else {
        return Err(truncated("it holds no manifest".into()));
    };
    if let Some(missing) = manifest.members.keys().find(|m| !members.contains_key(*m)) {
        return Err(truncated(format!("member `{missing}` is missing")));
    }
    Ok((manifest, members))
}

/// Checks the pack, then writes the unpack record and its members below `dir` (created; it
/// must be empty or new).
pub fn unpack(file: &Path, dir: &Path) -> Result<Manifest, PackError> {
    let (manifest, members) = read_pack(file)?;
    if let Some(name) = members.keys().find(|name| is_record_path(name)) {
        return Err(PackError::Malformed {
            path: file.to_path_buf(),
            message: format!(
                "member `{name}` would replace the record radflow writes on unpacking \
                 (`{UNPACK_RECORD_NAME}`); nothing was unpacked"
            ),
        });
    }
    let io = |path: &Path, source| PackError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Ok(mut entries) = std::fs::read_dir(dir)
        && entries.next().is_some()
    {
        return Err(io(
            dir,
            std::io::Error::other("the target folder is not empty; unpack into a new folder"),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    // First: a folder whose unpacking stopped half-way still says where its files came from.
    let record = dir.join(UNPACK_RECORD_NAME);
    let text = serde_json::to_vec_pretty(&UnpackRecord::of(file, &manifest)).unwrap_or_default();
    write_beside(&record, &text, Durability::Safe).map_err(|e| io(&record, e))?;
    for (name, bytes) in &members {
        let target = dir.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        write_beside(&target, bytes, Durability::Safe).map_err(|e| io(&target, e))?;
    }
    Ok(manifest)
}

/// A member path must stay below the target folder: relative, no `..`, not empty.
fn check_member_path(name: &str) -> Result<(), &'static str> {
    let path = Path::new(name);
    if name.is_empty() {
        return Err("an empty name");
    }
    for component in path.components() {
        match component {
            Component::ParentDir => return Err("`..` in its path"),
            Component::RootDir | Component::Prefix(_) => return Err("an absolute path"),
            Component::CurDir | Component::Normal(_) => {}
        }
    }
    if name.contains('\\') {
        return Err("a `\\` in its path");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_that_leave_the_folder_are_refused() {
        let cases = [
            ("stages/lab.yaml", Ok(())),
            ("./radflow.yaml", Ok(())),
            ("../evil", Err("`..` in its path")),
            ("a/../../evil", Err("`..` in its path")),
            ("/etc/passwd", Err("an absolute path")),
            ("", Err("an empty name")),
            ("a\\..\\b", Err("a `\\` in its path")),
        ];
        for (name, expected) in cases {
            assert_eq!(check_member_path(name), expected, "{name}");
        }
    }
}
