//! Where the DICOM reader (`crate::dicom`) plugs into the format-neutral readers.
//!
//! A scan is a series folder (all slices of one SeriesInstanceUID, any file names, a
//! DICOMDIR ignored) or one file (an enhanced multi-frame image). A segmentation is a
//! DICOM-SEG file, or a folder holding exactly one.

use std::path::{Path, PathBuf};

use super::ScanVolume;
use super::error::VolumeError;
use crate::dicom::{self, Limits};
use crate::seg::Segmentation;

/// A DICOM series: a folder of its slices, or one (multi-frame) file.
pub fn read_dicom_scan(path: &Path) -> Result<ScanVolume, VolumeError> {
    let series = if path.is_dir() {
        dicom::read_dicom_series(path, None, &Limits::default())?
    } else {
        dicom::read_file_series(path, &Limits::default())?
    };
    Ok(series.volume)
}

/// A DICOM-SEG object (or a folder holding one).
pub fn read_dicom_segmentation(path: &Path) -> Result<Segmentation, VolumeError> {
    let file = if path.is_dir() {
        only_file(path)?
    } else {
        path.to_path_buf()
    };
    Ok(dicom::read_seg(&file)?)
}

/// The one file in `dir` (hidden files and a DICOMDIR aside).
fn only_file(dir: &Path) -> Result<PathBuf, VolumeError> {
    let io = |source| VolumeError::Io {
        action: "list",
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.eq_ignore_ascii_case("DICOMDIR") {
            continue;
        }
        if entry.file_type().map_err(io)?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    match files.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(VolumeError::Unsupported {
            path: dir.to_path_buf(),
            what: format!(
                "a DICOM-SEG folder must hold exactly one file, found {}",
                files.len()
            ),
        }),
    }
}
