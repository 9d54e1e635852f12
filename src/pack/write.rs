//! Writing a pack: the manifest, then the members, as a plain ustar/GNU tar, compressed with
//! zstd when the file name ends in `.zst` (`study.tar.zst`, which `tar --zstd -xf` opens).

use std::collections::BTreeMap;
use std::path::Path;

use super::PackError;
use super::manifest::{MANIFEST_NAME, Manifest, Member};
use crate::digest::Digest;
use crate::durable::{Durability, write_beside};

/// Writes `members` (member path -> (role, bytes)) with `manifest` (its `members` filled in
/// here) to `to`. Entries carry no owner and a zero time, so equal inputs give equal packs.
pub fn write_pack(
    to: &Path,
    mut manifest: Manifest,
    members: &BTreeMap<String, (String, Vec<u8>)>,
) -> Result<u64, PackError> {
    let io = |source| PackError::Io {
        path: to.to_path_buf(),
        source,
    };
    manifest.members = members
        .iter()
        .map(|(path, (role, bytes))| {
            (
                path.clone(),
                Member {
                    bytes: bytes.len() as u64,
                    blake3: Digest::of(bytes),
                    role: role.clone(),
                },
            )
        })
        .collect();
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    let mut builder = tar::Builder::new(Vec::new());
    append(&mut builder, MANIFEST_NAME, &manifest_bytes).map_err(io)?;
    for (path, (_, bytes)) in members {
        append(&mut builder, path, bytes).map_err(io)?;
    }
    let mut tar = builder.into_inner().map_err(io)?;
    if to.extension().is_some_and(|e| e == "zst") {
        // One thread and a fixed level: equal inputs still give equal packs.
        tar = zstd::encode_all(&tar[..], ZSTD_LEVEL).map_err(io)?;
    }
    // Absolute, so a bare file name still has a folder to flush.
    let target = std::path::absolute(to).unwrap_or_else(|_| to.to_path_buf());
    write_beside(&target, &tar, Durability::Safe).map_err(io)?;
    Ok(tar.len() as u64)
}

/// zstd's level for packs: models dominate a pack's size and barely compress, so a higher
/// level only costs time.
const ZSTD_LEVEL: i32 = 9;

fn append(builder: &mut tar::Builder<Vec<u8>>, path: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, path, bytes)
}
