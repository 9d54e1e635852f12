//! Errors of the segmentation layer. Every variant names the file it is about;
//! alignment errors name both files.

use std::path::PathBuf;

use thiserror::Error;

use super::geometry_error::GeometryError;
use super::grid_offset::Mismatch;
use super::selection::SelectionError;
use crate::nrrd::NrrdError;

#[derive(Debug, Error)]
pub enum SegError {
    /// The NRRD reader's error already names the file.
    #[error(transparent)]
    Read {
        #[from]
        source: NrrdError,
    },
    #[error("`{}`: {source}", path.display())]
    Geometry {
        path: PathBuf,
        #[source]
        source: GeometryError,
    },
    #[error("`{}` has {found}; expected {expected}", path.display())]
    Layout {
        path: PathBuf,
        found: String,
        expected: &'static str,
    },
    #[error("`{}` stores `{found}` samples; expected integer labels", path.display())]
    LabelType { path: PathBuf, found: String },
    #[error("`{}`: sample {index} is {value}, which is not an integer label", path.display())]
    NonIntegerLabel {
        path: PathBuf,
        index: usize,
        value: f64,
    },
    #[error("`{}`: `{key}` is `{value}`; expected {expected}", path.display())]
    SegmentField {
        path: PathBuf,
        key: String,
        value: String,
        expected: &'static str,
    },
    #[error(
        "`{}`: segment `{segment}` is on layer {layer}, but the file has {layers} layer(s)",
        path.display()
    )]
    LayerOutOfRange {
        path: PathBuf,
        segment: String,
        layer: usize,
        layers: usize,
    },
    #[error("`{}`: {source}", path.display())]
    Selection {
        path: PathBuf,
        #[source]
        source: SelectionError,
    },
    #[error("`{}` cannot be aligned to `{}`: {mismatch}", label.display(), scan.display())]
    Misaligned {
        label: PathBuf,
        scan: PathBuf,
        mismatch: Mismatch,
    },
}
