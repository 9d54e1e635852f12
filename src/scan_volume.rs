//! A scan as every image format reads into it: stored samples on a grid placed in patient
//! space. This is the contract between the format readers (`crate::nrrd`, `crate::nifti`,
//! `crate::metaimage`, `crate::dicom`) and `crate::volume`, which picks a reader by
//! content; it sits below both so that no reader depends on the dispatcher.
//!
//! Invariants:
//! - `samples` are the values as stored, in the file's voxel order (axis 0 fastest), before
//!   any rescale; [`Rescale`] says how to get physical values (DICOM RescaleSlope/Intercept,
//!   NIfTI `scl_slope`/`scl_inter`), so hashes of stored samples stay comparable with other
//!   readers' (`samples_sha256_le`).
//! - `geometry` is in LPS for every anatomical frame (NIfTI's RAS+ affine is flipped on
//!   reading), so two files of one patient compare directly.

use crate::nrrd::Samples;
use crate::seg::Geometry;

/// The image formats radflow reads, as detected from a file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Nrrd,
    Nifti1,
    Nifti2,
    MetaImage,
    /// A folder of single-frame or multi-frame images of one series.
    DicomSeries,
    /// A DICOM Segmentation object (binary or fractional).
    DicomSeg,
}

/// How stored samples map to physical values: `value = stored * slope + intercept`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rescale {
    pub slope: f64,
    pub intercept: f64,
}

impl Rescale {
    /// Physical values of every sample, as f32.
    pub fn apply(&self, samples: &Samples) -> Option<Vec<f32>> {
        let values = samples.to_f64().ok()?;
        Some(
            values
                .into_iter()
                .map(|v| (v * self.slope + self.intercept) as f32)
                .collect(),
        )
    }
}

/// A decoded scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanVolume {
    pub format: Format,
    /// Stored samples, axis 0 fastest, `geometry.voxel_count()` of them.
    pub samples: Samples,
    pub geometry: Geometry,
    /// `None` when stored samples are the physical values.
    pub rescale: Option<Rescale>,
}
