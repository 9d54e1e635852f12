//! Hashing the external files a stage declares.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::glob::matches;
use super::stat_cache::StatCache;
use crate::dataset::FileRef;
use crate::stage_api::FileInput;
use crate::workspace::Workspace;

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
    let mut wanted: Vec<(String, PathBuf, Option<fs::Metadata>)> = Vec::new();
    for input in inputs {
        match input {
            FileInput::Path(path) => {
                let full = workspace.resolve(path);
                let meta = fs::metadata(&full).map_err(|e| FileError {
                    path: path.clone(),
                    message: describe(&e),
                })?;
                if meta.is_dir() {
                    let files = walk(&full, &|_| true).map_err(|e| FileError {
                        path: path.clone(),
                        message: describe(&e),
                    })?;
                    if files.is_empty() {
                        return Err(FileError {
                            path: path.clone(),
                            message: "the folder is empty".into(),
                        });
                    }
                    let base = workspace.key_name(&full);
                    wanted.extend(
                        files
                            .into_iter()
                            .map(|f| (child_name(&base, &f.rel), f.path, f.meta)),
                    );
                } else {
                    wanted.push((workspace.key_name(&full), full, Some(meta)));
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
                let included =
                    |rel: &str| include.is_empty() || include.iter().any(|p| matches(p, rel));
                let mut files = walk(&root, &included).map_err(|e| FileError {
                    path: dir.clone(),
                    message: describe(&e),
                })?;
                let before = files.len();
                files.retain(|f| f.kept);
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
                let base = workspace.key_name(&root);
                wanted.extend(
                    files
                        .into_iter()
                        .map(|f| (child_name(&base, &f.rel), f.path, f.meta)),
                );
            }
        }
    }
    wanted.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    wanted.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let hashed: Result<Vec<(String, FileRef)>, FileError> = wanted
        .into_par_iter()
        .map(|(name, full, meta)| {
            let hashed = match meta {
                Some(meta) => stat.hash_known(&full, &meta),
                None => stat.hash(&full),
            }
            .map_err(|e| FileError {
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

/// A regular file found below a folder.
struct Found {
    /// Its name relative to the folder walked, `/`-separated.
    rel: String,
    path: PathBuf,
    /// Whether the walk's filter accepted it.
    kept: bool,
    /// Its metadata (a link's target's), read while listing when it was kept; `None` when that
    /// failed (hashing it reads it again and reports the error under the file's name).
    meta: Option<fs::Metadata>,
}

/// Every regular file below `dir` (following symlinks), in no particular order; the files
/// `keep` accepts (by relative name) carry their metadata, read relative to the folder being
/// listed so no path is looked up twice. Subfolders are listed in parallel: a cohort is
/// thousands of patient folders.
fn walk(dir: &Path, keep: &(dyn Fn(&str) -> bool + Sync)) -> std::io::Result<Vec<Found>> {
    walk_below(dir, "", keep)
}

fn walk_below(
    dir: &Path,
    rel: &str,
    keep: &(dyn Fn(&str) -> bool + Sync),
) -> std::io::Result<Vec<Found>> {
    let mut found = Vec::new();
    let mut folders = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let child = if rel.is_empty() {
            name.into_owned()
        } else {
            format!("{rel}/{name}")
        };
        // The folder entry's type costs no `stat`; only a link needs its target's.
        let kind = entry.file_type()?;
        let (is_dir, is_file, meta) = if kind.is_symlink() {
            let target = fs::metadata(entry.path())?;
            (target.is_dir(), target.is_file(), Some(target))
        } else {
            (kind.is_dir(), kind.is_file(), None)
        };
        if is_dir {
            folders.push((entry.path(), child));
        } else if is_file {
            let kept = keep(&child);
            let meta = match meta {
                Some(target) => Some(target),
                None if kept => entry.metadata().ok(),
                None => None,
            };
            found.push(Found {
                rel: child,
                path: entry.path(),
                kept,
                meta: meta.filter(|_| kept),
            });
        }
    }
    let below: Vec<Vec<Found>> = folders
        .into_par_iter()
        .map(|(path, child)| walk_below(&path, &child, keep))
        .collect::<Result<_, _>>()?;
    found.extend(below.into_iter().flatten());
    Ok(found)
}

/// The key name of `rel` inside the folder whose key name is `base`.
fn child_name(base: &str, rel: &str) -> String {
    match base {
        "" => rel.to_string(),
        "/" => format!("/{rel}"),
        _ => format!("{base}/{rel}"),
    }
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
    use crate::digest::Digest;

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
    fn many_folders_walked_in_parallel_give_every_file_once_with_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        for p in 0..60 {
            let patient = dir.path().join(format!("cohort/P{p:02}/sub"));
            fs::create_dir_all(&patient).unwrap();
            fs::write(patient.join("../image.nrrd"), format!("scan {p}")).unwrap();
            fs::write(patient.join("../notes.txt"), b"n").unwrap();
            fs::write(patient.join("deep.nrrd"), format!("deep {p}")).unwrap();
        }
        let ws = Workspace::new(dir.path().to_path_buf());
        let tree = FileInput::Tree {
            dir: "./cohort".into(),
            include: vec!["*/image.nrrd".into()],
        };
        let files = hash_inputs(&ws, &[tree], &StatCache::in_memory()).unwrap();
        assert_eq!(files.len(), 60);
        assert_eq!(files["cohort/P07/image.nrrd"].digest, Digest::of(b"scan 7"));
        let whole = FileInput::Path("cohort".into());
        let files = hash_inputs(&ws, &[whole], &StatCache::in_memory()).unwrap();
        assert_eq!(files.len(), 180);
        assert_eq!(
            files["cohort/P59/sub/deep.nrrd"].digest,
            Digest::of(b"deep 59")
        );
        assert!(files.keys().all(|k| files[k].path == *k));
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
