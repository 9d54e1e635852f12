//! Where the DICOM reader plugs in.
//!
//! The DICOM reader lives in `crate::dicom` (series, multi-frame, DICOM-SEG, compressed
//! transfer syntaxes), built on another branch. These two functions are the only place
//! the rest of radflow calls it; until it is merged they refuse with a clear reason.
//! Wiring it is two lines: `crate::dicom::read_series(path)` and
//! `crate::dicom::read_seg(path)`, with their errors converted to [`VolumeError`].

use std::path::Path;

use super::ScanVolume;
use super::error::VolumeError;
use crate::seg::Segmentation;

fn not_built(path: &Path) -> VolumeError {
    VolumeError::Unsupported {
        path: path.to_path_buf(),
        what: "DICOM support is not built in this branch".to_string(),
    }
}

/// A DICOM series: a folder of its slices, or one (multi-frame) file.
pub fn read_dicom_scan(path: &Path) -> Result<ScanVolume, VolumeError> {
    Err(not_built(path))
}

/// A DICOM-SEG object (or a folder holding one).
pub fn read_dicom_segmentation(path: &Path) -> Result<Segmentation, VolumeError> {
    Err(not_built(path))
}
