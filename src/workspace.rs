//! The workspace: the folder a pipeline's relative paths start from.
//!
//! Keys never hold absolute paths: files are named by their root-relative path (`/`-separated),
//! so two checkouts of one project at different places have the same keys. Paths radflow
//! *writes* to (the output folder, published file names, declared command outputs) must stay
//! inside the workspace: absolute paths and `..` are refused there. Paths it only reads may
//! point anywhere.

use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    root: PathBuf,
}

/// A path that would write outside the workspace, or an empty one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("`{0}` is absolute; use a path relative to the workspace root")]
    Absolute(String),
    #[error("`{0}` leaves the workspace through `..`")]
    ParentDir(String),
    #[error("the path is empty")]
    Empty,
}

impl Workspace {
    /// `root` should be absolute; it is used as given (not canonicalized) so the paths in
    /// messages look like the user's.
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a path from the pipeline points: relative ones start at the root.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        }
    }

    /// The canonical name of a file in keys and records: root-relative with `/` separators
    /// when the file is inside the root, else the normalized path as written.
    pub fn key_name(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        normalize(rel)
    }
}

/// Checks a path radflow will write to and returns it normalized (`a/./b` -> `a/b`).
pub fn checked_write_path(path: &str) -> Result<String, PathError> {
    let p = Path::new(path);
    if p.is_absolute() {
        return Err(PathError::Absolute(path.to_string()));
    }
    if p.components().any(|c| c == Component::ParentDir) {
        return Err(PathError::ParentDir(path.to_string()));
    }
    let normalized = normalize(p);
    if normalized.is_empty() {
        return Err(PathError::Empty);
    }
    Ok(normalized)
}

/// `/`-joined normal components, dropping `.`; `..` kept as written.
pub fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => parts.push("..".into()),
            Component::RootDir => parts.push(String::new()),
            Component::CurDir | Component::Prefix(_) => {}
        }
    }
    if parts.len() == 1 && parts[0].is_empty() {
        return "/".into();
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_paths_must_stay_inside() {
        let cases: &[(&str, Result<&str, PathError>)] = &[
            ("out/demo", Ok("out/demo")),
            ("./out//demo/", Ok("out/demo")),
            (
                "/etc/passwd",
                Err(PathError::Absolute("/etc/passwd".into())),
            ),
            (
                "out/../../x",
                Err(PathError::ParentDir("out/../../x".into())),
            ),
            (".", Err(PathError::Empty)),
        ];
        for (input, expected) in cases {
            assert_eq!(
                checked_write_path(input).as_deref().map_err(Clone::clone),
                expected.clone(),
                "{input}"
            );
        }
    }

    #[test]
    fn key_names_are_root_relative() {
        let ws = Workspace::new(PathBuf::from("/home/lab/project"));
        assert_eq!(
            ws.key_name(Path::new("/home/lab/project/data/a.nrrd")),
            "data/a.nrrd"
        );
        assert_eq!(
            ws.key_name(Path::new("/srv/shared/b.nrrd")),
            "/srv/shared/b.nrrd"
        );
        assert_eq!(
            ws.resolve("data/a.nrrd"),
            PathBuf::from("/home/lab/project/data/a.nrrd")
        );
    }
}
