//! A scan as every image format reads into it: stored samples on a grid placed in patient
//! space.
//!
//! NRRD, NIfTI, MetaImage and DICOM describe the same thing in different words; each reader
//! turns its file into a [`ScanVolume`], so the stages that cut slices, align segmentations
//! and compute features never ask which format a scan came in. Segmentations read into
//! [`crate::seg::Segmentation`] (label layers on their own grid, aligned to the scan through
//! geometry), whatever their format.
//!
//! The types themselves ([`ScanVolume`], [`Format`], [`Rescale`]) live in
//! `crate::scan_volume`, below every reader; this module picks the reader.
//!
//! The way through: [`detect`] (content to [`Format`]) -> [`read_scan`] /
//! [`read_segmentation`] (one arm per format: `crate::nrrd`, `crate::nifti`,
//! `crate::metaimage`, and `crate::dicom` through `dicom.rs`) -> [`Summary`]
//! (what `radflow inspect` prints). [`image_files`] lists the files an image is read
//! from, so input stages hash all of them.

mod detect;
mod dicom;
mod error;
mod read;
mod summary;

pub use detect::{detect, detect_bytes};
pub use dicom::{read_dicom_scan, read_dicom_segmentation};
pub use error::VolumeError;
pub use read::{image_files, read_scan, read_segmentation};
pub use summary::{GeometrySummary, MetaImageDetails, NiftiDetails, RescaleSummary, Summary};

pub use crate::scan_volume::{Format, Rescale, ScanVolume};
