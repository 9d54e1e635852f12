//! One DICOM Part 10 file, parsed by dicom-rs after [`length_guard`](super::length_guard)
//! has checked its element lengths, with typed access to the attributes radflow uses.
//!
//! Invariant: a [`DicomFile`] was read from bytes whose every defined length fits its
//! container, so nothing dicom-rs allocated exceeds the file's size.

use std::path::{Path, PathBuf};

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};

use super::error::DicomError;
use super::length_guard;
use super::limits::Limits;
use super::transfer_syntax::TransferSyntax;

/// A parsed file and where it came from.
#[derive(Debug)]
pub struct DicomFile {
    pub path: PathBuf,
    pub object: DefaultDicomObject,
    pub transfer_syntax: TransferSyntax,
}

/// The SOP class of DICOMDIR files, which index a folder and hold no image.
pub const MEDIA_STORAGE_DIRECTORY: &str = "1.2.840.10008.1.3.10";
/// Segmentation Storage.
pub const SEGMENTATION_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.66.4";

impl DicomFile {
    /// Reads and parses the file at `path`.
    pub fn open(path: &Path, limits: &Limits) -> Result<DicomFile, DicomError> {
        let io = |source| DicomError::Io {
            path: path.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > limits.max_file_bytes {
            return Err(DicomError::TooLarge {
                path: path.to_path_buf(),
                what: "the file size",
                found: size,
                limit: limits.max_file_bytes,
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        DicomFile::from_bytes(&bytes, path, limits)
    }

    /// Parses a whole file held in memory; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path, limits: &Limits) -> Result<DicomFile, DicomError> {
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(DicomError::TooLarge {
                path: path.to_path_buf(),
                what: "the file size",
                found: bytes.len() as u64,
                limit: limits.max_file_bytes,
            });
        }
        let checked = length_guard::check_file(bytes, limits.max_file_bytes).map_err(|detail| {
            if detail.contains("DICM") {
                DicomError::NotDicom {
                    path: path.to_path_buf(),
                    detail,
                }
            } else {
                DicomError::Parse {
                    path: path.to_path_buf(),
                    detail,
                }
            }
        })?;
        let object = OpenFileOptions::new()
            .read_preamble(ReadPreamble::Always)
            .from_reader(bytes)
            .map_err(|e| DicomError::Parse {
                path: path.to_path_buf(),
                detail: error_chain(&e),
            })?;
        Ok(DicomFile {
            path: path.to_path_buf(),
            object,
            transfer_syntax: TransferSyntax::from_uid(&checked.transfer_syntax),
        })
    }

    /// The dataset (without the file meta group).
    pub fn dataset(&self) -> &InMemDicomObject {
        &self.object
    }

    pub fn sop_class_uid(&self) -> String {
        let from_meta = self.object.meta().media_storage_sop_class_uid();
        let uid =
            string(self.dataset(), tags::SOP_CLASS_UID).unwrap_or_else(|| from_meta.to_string());
        uid.trim_end_matches(['\0', ' ']).to_string()
    }

    pub fn series_uid(&self) -> String {
        string(self.dataset(), tags::SERIES_INSTANCE_UID).unwrap_or_default()
    }

    /// A required attribute that must be an unsigned integer.
    pub fn required_u32(
        &self,
        tag: Tag,
        name: &'static str,
        expected: &'static str,
    ) -> Result<u32, DicomError> {
        required_u32(self.dataset(), tag, name, expected, &self.path)
    }

    /// Names this file's fields in errors.
    pub fn bad_field(
        &self,
        field: &'static str,
        found: impl ToString,
        expected: &'static str,
    ) -> DicomError {
        DicomError::BadField {
            path: self.path.clone(),
            field,
            found: found.to_string(),
            expected,
        }
    }
}

/// A dicom-rs error with its causes, on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A string attribute with padding removed; `None` when absent or empty.
pub fn string(object: &InMemDicomObject, tag: Tag) -> Option<String> {
    let value = object.get(tag)?.to_str().ok()?;
    let trimmed = value.trim_matches(['\0', ' ']);
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// All values of a numeric (or decimal string) attribute; `None` when absent or empty.
pub fn floats(object: &InMemDicomObject, tag: Tag) -> Option<Result<Vec<f64>, String>> {
    let element = object.get(tag)?;
    if element.value().multiplicity() == 0 {
        return None;
    }
    Some(
        element
            .to_multi_float64()
            .map_err(|_| format!("`{}`", element.to_str().unwrap_or_default().trim()))
            .and_then(|values| {
                if values.iter().all(|v| v.is_finite()) {
                    Ok(values)
                } else {
                    Err(format!("{values:?}"))
                }
            }),
    )
}

/// A numeric attribute with exactly `N` finite values.
pub fn float_array<const N: usize>(
    object: &InMemDicomObject,
    tag: Tag,
    name: &'static str,
    expected: &'static str,
    path: &Path,
) -> Result<Option<[f64; N]>, DicomError> {
    let Some(values) = floats(object, tag) else {
        return Ok(None);
    };
    let bad = |found: String| DicomError::BadField {
        path: path.to_path_buf(),
        field: name,
        found,
        expected,
    };
    let values = values.map_err(bad)?;
    let array: [f64; N] = values
        .as_slice()
        .try_into()
        .map_err(|_| bad(format!("{values:?}")))?;
    Ok(Some(array))
}

/// An unsigned integer attribute; `None` when absent or empty.
pub fn optional_u32(
    object: &InMemDicomObject,
    tag: Tag,
    name: &'static str,
    expected: &'static str,
    path: &Path,
) -> Result<Option<u32>, DicomError> {
    let Some(element) = object.get(tag) else {
        return Ok(None);
    };
    if element.value().multiplicity() == 0 {
        return Ok(None);
    }
    element
        .to_int::<u32>()
        .map(Some)
        .map_err(|_| DicomError::BadField {
            path: path.to_path_buf(),
            field: name,
            found: format!("`{}`", element.to_str().unwrap_or_default().trim()),
            expected,
        })
}

pub fn required_u32(
    object: &InMemDicomObject,
    tag: Tag,
    name: &'static str,
    expected: &'static str,
    path: &Path,
) -> Result<u32, DicomError> {
    optional_u32(object, tag, name, expected, path)?.ok_or(DicomError::MissingField {
        path: path.to_path_buf(),
        field: name,
        expected,
    })
}

/// The first item of a sequence attribute, if any.
pub fn first_item(object: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    object.get(tag)?.items()?.first()
}

/// The items of a sequence attribute (empty when absent).
pub fn items(object: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    object.get(tag).and_then(|e| e.items()).unwrap_or(&[])
}
