//! Why an extraction produced no features.

use thiserror::Error;

/// Why an image and mask gave no feature vector. The first variants are the inputs PyRadiomics
/// itself refuses (same reasons, same words); the others are radflow's own guards, so that a
/// degenerate input never reaches a classifier as NaN.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RadiomicsError {
    /// No voxel carries the label.
    #[error("mask holds no voxel with label {label}")]
    EmptyMask { label: u8 },
    /// PyRadiomics: "mask only contains 1 segmented voxel! Cannot extract features for a single voxel."
    #[error("mask only contains 1 segmented voxel")]
    SingleVoxel,
    /// PyRadiomics: "mask has too few dimensions (number of dimensions 1, minimum required 2)".
    #[error(
        "mask has too few dimensions (number of dimensions {found}, minimum required {required})"
    )]
    TooFewDimensions { found: usize, required: usize },
    /// The image, mask and shape disagree.
    #[error("{what}: expected {expected} values for shape {shape:?}, found {found}")]
    SizeMismatch {
        what: &'static str,
        shape: Vec<usize>,
        expected: usize,
        found: usize,
    },
    /// A spacing that is zero, negative or not finite.
    #[error("spacing must be finite and positive, found {found:?}")]
    BadSpacing { found: Vec<f64> },
    /// A setting outside its range (`bin_width` <= 0, a distance of 0, ...).
    #[error("setting `{name}`: {message}")]
    BadSetting { name: &'static str, message: String },
    /// A NaN or infinite intensity inside the lesion.
    #[error("intensity inside the lesion is not finite ({value})")]
    NonFiniteIntensity { value: f64 },
    /// A feature came out NaN or infinite (PyRadiomics would store NaN here).
    #[error("feature `{name}` is not finite ({value})")]
    NonFiniteFeature { name: String, value: f64 },
}
