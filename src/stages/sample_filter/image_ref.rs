//! How a patient record refers to an image: the files it is read from, hashed, so that
//! every byte that decides the image reaches the item keys.
//!
//! - one file (`.nrrd`, `.nii.gz`, `.mha`, a DICOM file): a file value, as always; the
//!   other files its header names (a detached NRRD's data, a NIfTI pair's `.img`, a
//!   `.mhd`'s raw files) go in a companion list (`scan_data`, `segmentation_data`);
//! - a folder (a DICOM series, `scan: "{id}/scan"`): a map `{folder, files}` with every
//!   file under it.
//!
//! A pattern names a file when a hashed file matches it, else a folder when hashed files
//! lie under exactly one matching folder.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::dataset::{FileRef, Value};
use crate::key::glob_matches;
use crate::stage_api::{StageContext, StageError};

/// An image found for one patient.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageRef {
    File(FileRef),
    /// `folder` is workspace-relative; `files` are every file under it, sorted.
    Folder {
        folder: String,
        files: Vec<FileRef>,
    },
}

impl ImageRef {
    /// The image matching `wanted` (a pattern with the id filled in) among `files`
    /// (paths relative to the image folder), whose key names start with `prefix`.
    pub fn find(
        files: &[(&str, &FileRef)],
        wanted: &str,
        prefix: &str,
    ) -> Result<ImageRef, String> {
        let hits: Vec<&FileRef> = files
            .iter()
            .filter(|(rel, _)| glob_matches(wanted, rel))
            .map(|(_, f)| *f)
            .collect();
        match hits.as_slice() {
            [one] => return Ok(ImageRef::File((*one).clone())),
            [] => {}
            many => {
                return Err(format!(
                    "{} files match `{wanted}` ({}); make the pattern specific",
                    many.len(),
                    many.iter()
                        .map(|f| f.path.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        let depth = wanted.split('/').filter(|s| !s.is_empty()).count();
        let mut folders: BTreeMap<String, Vec<FileRef>> = BTreeMap::new();
        for (rel, file) in files {
            let segments: Vec<&str> = rel.split('/').collect();
            if segments.len() > depth {
                let folder = segments[..depth].join("/");
                if glob_matches(wanted, &folder) {
                    folders.entry(folder).or_default().push((*file).clone());
                }
            }
        }
        let mut folders = folders.into_iter();
        match (folders.next(), folders.next()) {
            (Some((folder, files)), None) => Ok(ImageRef::Folder {
                folder: format!("{prefix}{folder}"),
                files,
            }),
            (None, _) => Err(format!("no file or folder matches `{wanted}`")),
            (Some((first, _)), Some((second, _))) => Err(format!(
                "several folders match `{wanted}` (`{first}`, `{second}`, ...); make the pattern specific"
            )),
        }
    }

    /// The record value.
    pub fn to_value(&self) -> Value {
        match self {
            ImageRef::File(file) => Value::from(file.clone()),
            ImageRef::Folder { folder, files } => Value::Map(BTreeMap::from([
                ("folder".to_string(), Value::Str(folder.clone())),
                (
                    "files".to_string(),
                    Value::List(files.iter().cloned().map(Value::from).collect()),
                ),
            ])),
        }
    }

    /// Reads a record value back; `None` when it is neither form.
    pub fn from_value(value: &Value) -> Option<ImageRef> {
        match value {
            Value::File(file) => Some(ImageRef::File((**file).clone())),
            Value::Map(map) => {
                let folder = map.get("folder")?.as_str()?.to_string();
                let files = map
                    .get("files")?
                    .as_list()?
                    .iter()
                    .map(|v| v.as_file().cloned())
                    .collect::<Option<Vec<_>>>()?;
                Some(ImageRef::Folder { folder, files })
            }
            _ => None,
        }
    }

    /// The workspace-relative name of the file or folder, for messages.
    pub fn name(&self) -> &str {
        match self {
            ImageRef::File(file) => &file.path,
            ImageRef::Folder { folder, .. } => folder,
        }
    }

    /// Checks that every file still has the content it was hashed with and gives the
    /// path to read.
    pub fn open(&self, ctx: &StageContext<'_>) -> Result<PathBuf, StageError> {
        match self {
            ImageRef::File(file) => ctx.open_file(file),
            ImageRef::Folder { folder, files } => {
                for file in files {
                    ctx.open_file(file)?;
                }
                Ok(ctx.workspace().resolve(folder))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;

    fn file(path: &str) -> FileRef {
        FileRef {
            path: format!("data/{path}"),
            digest: Digest::of(path.as_bytes()),
            size: 1,
        }
    }

    #[test]
    fn a_pattern_names_one_file_or_else_one_folder() {
        let refs: Vec<FileRef> = [
            "P1/P1_t1ce.nii.gz",
            "P1/P1_seg.nii.gz",
            "P2/scan/a.dcm",
            "P2/scan/sub/b.dcm",
            "P2/seg.dcm",
            "P3/x/1.dcm",
            "P3/y/1.dcm",
        ]
        .iter()
        .map(|p| file(p))
        .collect();
        let files: Vec<(&str, &FileRef)> = refs
            .iter()
            .map(|f| (f.path.strip_prefix("data/").unwrap_or(&f.path), f))
            .collect();
        let found = |wanted: &str| ImageRef::find(&files, wanted, "data/");
        assert_eq!(
            found("P1/P1_t1ce.nii.gz"),
            Ok(ImageRef::File(file("P1/P1_t1ce.nii.gz")))
        );
        assert_eq!(
            found("P2/scan"),
            Ok(ImageRef::Folder {
                folder: "data/P2/scan".to_string(),
                files: vec![file("P2/scan/a.dcm"), file("P2/scan/sub/b.dcm")],
            })
        );
        assert!(found("P1/*.nii.gz").is_err_and(|e| e.contains("2 files match")));
        assert!(found("P3/*").is_err_and(|e| e.contains("several folders match")));
        assert!(found("P4/scan").is_err_and(|e| e.contains("no file or folder matches")));
        let folder = found("P2/scan").expect("folder");
        assert_eq!(ImageRef::from_value(&folder.to_value()), Some(folder));
    }
}
