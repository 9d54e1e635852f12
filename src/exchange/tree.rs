//! Walking a folder a program wrote, refusing what points outside it.
//!
//! A program could leave a symbolic link in its output (`{out}/model.json -> ~/.ssh/id_rsa`)
//! and have radflow store whatever it points at. A link is accepted only when it resolves to
//! a file inside the folder; a link to anything outside, or to a folder (which could make the
//! walk endless), is an error naming it. Other entries that are neither files nor folders
//! (sockets, pipes) are errors too.

use std::fs;
use std::path::{Path, PathBuf};

use super::error::ExchangeError;

/// Deepest folder nesting walked.
const MAX_DEPTH: usize = 64;

/// A file found under the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// `/`-separated, relative to the root.
    pub rel: String,
    pub path: PathBuf,
}

/// What one entry of a folder is, links resolved as above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
}

/// The kind of `path` (inside `root`, named `rel` in errors).
pub fn entry_kind(root: &Path, path: &Path, rel: &str) -> Result<EntryKind, ExchangeError> {
    let meta = fs::symlink_metadata(path).map_err(|e| ExchangeError::io(rel, e))?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Ok(EntryKind::Dir);
    }
    if kind.is_file() {
        return Ok(EntryKind::File);
    }
    if kind.is_symlink() {
        let target = fs::canonicalize(path).map_err(|e| {
            ExchangeError::file(rel, format!("is a link that cannot be followed ({e})"))
        })?;
        let root = fs::canonicalize(root).map_err(|e| ExchangeError::io(".", e))?;
        if !target.starts_with(&root) {
            return Err(ExchangeError::file(
                rel,
                format!(
                    "is a link to `{}`, outside the folder; write the file itself",
                    target.display()
                ),
            ));
        }
        if target.is_dir() {
            return Err(ExchangeError::file(
                rel,
                "is a link to a folder; write the files themselves",
            ));
        }
        return Ok(EntryKind::File);
    }
    Err(ExchangeError::file(rel, "is neither a file nor a folder"))
}

/// The kind of `rel` (a `/`-separated path inside `root`), checking every component on the
/// way, so a linked folder on the way cannot lead outside either.
pub fn resolve_inside(root: &Path, rel: &str) -> Result<EntryKind, ExchangeError> {
    let mut prefix = String::new();
    let mut kind = EntryKind::Dir;
    for part in rel.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        kind = entry_kind(root, &root.join(&prefix), &prefix)?;
    }
    Ok(kind)
}

/// Every file under `dir` (a folder inside `root`, `rel_dir` its relative name; empty for the
/// root itself), sorted by relative path.
pub fn files_under(root: &Path, rel_dir: &str) -> Result<Vec<TreeFile>, ExchangeError> {
    let mut out = Vec::new();
    let start = if rel_dir.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel_dir)
    };
    walk(root, &start, rel_dir, 0, &mut out)?;
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

fn walk(
    root: &Path,
    dir: &Path,
    rel_dir: &str,
    depth: usize,
    out: &mut Vec<TreeFile>,
) -> Result<(), ExchangeError> {
    if depth > MAX_DEPTH {
        return Err(ExchangeError::file(
            rel_dir,
            format!("folders nest deeper than {MAX_DEPTH} levels"),
        ));
    }
    let shown = if rel_dir.is_empty() { "." } else { rel_dir };
    let entries = fs::read_dir(dir).map_err(|e| ExchangeError::io(shown, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ExchangeError::io(shown, e))?;
        let name = entry.file_name();
        let name = name.to_str().ok_or_else(|| {
            ExchangeError::file(
                format!("{shown}/{}", name.to_string_lossy()),
                "the name is not UTF-8",
            )
        })?;
        let rel = if rel_dir.is_empty() {
            name.to_string()
        } else {
            format!("{rel_dir}/{name}")
        };
        let path = entry.path();
        match entry_kind(root, &path, &rel)? {
            EntryKind::Dir => walk(root, &path, &rel, depth + 1, out)?,
            EntryKind::File => out.push(TreeFile { rel, path }),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_listed_with_relative_names() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("plots/sub")).unwrap();
        fs::write(dir.path().join("plots/a.png"), b"a").unwrap();
        fs::write(dir.path().join("plots/sub/b.png"), b"b").unwrap();
        std::os::unix::fs::symlink("a.png", dir.path().join("plots/c.png")).unwrap();
        let rels: Vec<String> = files_under(dir.path(), "plots")
            .unwrap()
            .into_iter()
            .map(|f| f.rel)
            .collect();
        assert_eq!(rels, ["plots/a.png", "plots/c.png", "plots/sub/b.png"]);
    }

    #[test]
    fn links_leaving_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), b"s").unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), out.join("model.json")).unwrap();
        let error = files_under(&out, "").unwrap_err().to_string();
        assert!(
            error.starts_with("`model.json`: is a link to") && error.contains("outside the folder"),
            "{error}"
        );
        fs::remove_file(out.join("model.json")).unwrap();
        std::os::unix::fs::symlink(&out, out.join("loop")).unwrap();
        let error = files_under(&out, "").unwrap_err().to_string();
        assert!(error.contains("link to a folder"), "{error}");
    }
}
