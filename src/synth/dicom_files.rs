//! Where the DICOM writer plugs in: a patient as a TCIA-like DICOM series
//! (`{id}/scan/`, one file per slice) and a DICOM-SEG (`{id}/seg.dcm`, segments `tumor`
//! and, for layered patients, `edema`).
//!
//! The writer lives in `crate::dicom` (`write_series`, `write_seg`), built on another
//! branch; until it is merged, asking for a DICOM cohort is refused before anything is
//! written. Wiring it: make [`check_available`] return `Ok(())` and
//! [`write_dicom_patient`] call the two writers.

use std::path::Path;

use super::error::SynthError;
use crate::nrrd::Samples;
use crate::seg::{Geometry, Segmentation};

fn not_built() -> SynthError {
    SynthError::Unsupported("DICOM support is not built in this branch".to_string())
}

/// Whether DICOM cohorts can be written by this build.
pub(crate) fn check_available() -> Result<(), SynthError> {
    Err(not_built())
}

/// Writes the scan (when given) as a series under `scan_folder` and the segmentation
/// (when given) as a DICOM-SEG at `seg_file`, referencing that series.
pub(crate) fn write_dicom_patient(
    _id: &str,
    _scan: Option<(&Geometry, &Samples)>,
    _segmentation: Option<&Segmentation>,
    _scan_folder: &Path,
    _seg_file: &Path,
) -> Result<(), SynthError> {
    Err(not_built())
}
