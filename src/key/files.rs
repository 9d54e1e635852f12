//! Hashing the external files a stage declares.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::glob::matches;
use super::stat_cache::StatCache;
use crate::dataset::FileRef;
use crate::stage_api::FileInput;
use crate::workspace::{Workspace, normalize};

/// A declared file that cannot be hashed. `path` is as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{path}`: {message}")]
pub struct FileError {
    pub path: String,
    pub message: String,
}

/// Hashes every declared file; the map is keyed by the files' key names (root-relative).
pub fn hash_inputs(
    workspace: &Workspace,
    inputs: &[FileInput],
    stat: &StatCache,
) -> Result<BTreeMap<String, FileRef>, FileError> {
    let mut wanted: Vec<(String, PathBuf)> = Vec::new();
    for input in inputs {
        match input {
            FileInput::Path(path) => {
                let full = workspace.resolve(path);
                let meta = fs::metadata(&full).map_err(|e| FileError {
                    path: path.clone(),
                    message: describe(&e),
                })?;
                if meta.is_dir() {
                    let mut files = Vec::new();
                    walk(&full, &full, &mut files).map_err(|e| FileError {
                        path: path.clone(),
                        message: describe(&e),
                    })?;
                    if files.is_empty() {
                        return Err(FileError {
                            path: path.clone(),
                            message: "the folder is empty".into(),
                        });
                    }
                    wanted.extend(files.into_iter().map(|(_, f)| (workspace.key_name(&f), f)));
                } else {
                    wanted.push((workspace.key_name(&full), full));
                }
            }
            FileInput::Tree { dir, include } => {
                let root = workspace.resolve(dir);
                let meta = fs::metadata(&root).map_err(|e| FileError {
                    path: dir.clone(),
                    message: describe(&e),
                })?;
                if !meta.is_dir() {
                    return Err(FileError {
                        path: dir.clone(),
                        message: "is not a folder".into(),
                    });
                }
                let mut files = Vec::new();
                walk(&root, &root, &mut files).map_err(|e| FileError {
                    path: dir.clone(),
                    message: describe(&e),
                })?;
                let before = files.len();
                files.retain(|(rel, _)| {
                    include.is_empty() || include.iter().any(|p| matches(p, rel))
                });
                if files.is_empty() {
                    let message = if before == 0 {
                        "the folder is empty".to_string()
                    } else {
                        format!(
                            "none of its {before} files matches {}",
                            include
                                .iter()
                                .map(|p| format!("`{p}`"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        )
                    };
                    return Err(FileError {
                        path: dir.clone(),
                        message,
                    });
                }
                wanted.extend(
                    files
                        .into_iter()
                        .map(|(_, full)| (workspace.key_name(&full), full)),
                );
            }
        }
    }
    wanted.sort();
    wanted.dedup();
    let hashed: Result<Vec<(String, FileRef)>, FileError> = wanted
        .into_par_iter()
        .map(|(name, full)| {
            let hashed = stat.hash(&full).map_err(|e| FileError {
                path: name.clone(),
                message: describe(&e),
            })?;
            Ok((
                name.clone(),
                FileRef {
                    path: name,
                    digest: hashed.digest,
                    size: hashed.size,
                },
            ))
        })
        .collect();
    Ok(hashed?.into_iter().collect())
}

/// Every regular file below `dir` (following symlinks), as (relative name, path), sorted.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    let mut entries: Vec<(PathBuf, fs::FileType)> = fs::read_dir(dir)?
        .map(|e| e.and_then(|e| Ok((e.path(), e.file_type()?))))
        .collect::<Result<_, _>>()?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        // The folder entry's type costs no `stat`; only a link needs its target's.
        let kind = if kind.is_symlink() {
            fs::metadata(&path)?.file_type()
        } else {
            kind
        };
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            let rel = normalize(path.strip_prefix(root).unwrap_or(&path));
            out.push((rel, path));
        }
    }
    Ok(())
}

fn describe(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_are_filtered_and_named_relative_to_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().to_path_buf());
        fs::create_dir_all(dir.path().join("img/P1")).unwrap();
        fs::write(dir.path().join("img/P1/scan.nrrd"), b"s").unwrap();
        fs::write(dir.path().join("img/P1/notes.txt"), b"n").unwrap();
        let input = FileInput::Tree {
            dir: "img".into(),
            include: vec!["*/*.nrrd".into()],
        };
        let files = hash_inputs(&ws, &[input], &StatCache::in_memory()).unwrap();
        assert_eq!(files.keys().collect::<Vec<_>>(), ["img/P1/scan.nrrd"]);
    }

    #[test]
    fn linked_files_and_folders_are_followed_under_their_link_names() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("store");
        fs::create_dir_all(elsewhere.join("P2")).unwrap();
        fs::write(elsewhere.join("P2/scan.nrrd"), b"s2").unwrap();
        fs::write(elsewhere.join("one.nrrd"), b"s3").unwrap();
        fs::create_dir_all(dir.path().join("img/P1")).unwrap();
        fs::write(dir.path().join("img/P1/scan.nrrd"), b"s1").unwrap();
        std::os::unix::fs::symlink(elsewhere.join("P2"), dir.path().join("img/P2")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("one.nrrd"), dir.path().join("img/P1/b.nrrd"))
            .unwrap();
        let ws = Workspace::new(dir.path().to_path_buf());
        let input = FileInput::Tree {
            dir: "img".into(),
            include: vec!["**/*.nrrd".into()],
        };
        let files = hash_inputs(&ws, &[input], &StatCache::in_memory()).unwrap();
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            ["img/P1/b.nrrd", "img/P1/scan.nrrd", "img/P2/scan.nrrd"]
        );
    }

    #[test]
    fn a_pattern_matching_nothing_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("img")).unwrap();
        fs::write(dir.path().join("img/a.txt"), b"a").unwrap();
        let ws = Workspace::new(dir.path().to_path_buf());
        let input = FileInput::Tree {
            dir: "img".into(),
            include: vec!["*.nrrd".into()],
        };
        let err = hash_inputs(&ws, &[input], &StatCache::in_memory()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`img`: none of its 1 files matches `*.nrrd`"
        );
        let missing = hash_inputs(
            &ws,
            &[FileInput::Path("nope.csv".into())],
            &StatCache::in_memory(),
        )
        .unwrap_err();
        assert_eq!(missing.to_string(), "`nope.csv`: no such file or folder");
    }
}
