//! What `radflow inspect` prints for DICOM: sizes, spacing, origin and directions in LPS,
//! the stored value range, and `samples_sha256_le`.
//!
//! `samples_sha256_le` is the sha256 of the stored samples (before any rescale), each as
//! little-endian bytes of its stored type, in (frame, row, column, sample) order: for one
//! file, its frames in file order (what pydicom's `pixel_array` holds); for a series
//! folder, its slices in the order they are stacked (by position along the normal).
//! For a DICOM-SEG, the unpacked frames (one byte per pixel, 0/1 or fractional) in file
//! order.

use std::path::Path;

use serde::Serialize;

use super::dicom_file::{DicomFile, SEGMENTATION_STORAGE};
use super::error::DicomError;
use super::image::decode_file;
use super::limits::Limits;
use super::seg_read::read_dicom_seg;
use super::series::{read_dicom_series, read_file_series};
use crate::nrrd::Samples;
use crate::scan_volume::Format;
use crate::seg::Geometry;

/// The facts of one DICOM input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DicomFacts {
    pub format: Format,
    /// The stored sample type (`uint16`, `int16`, ...), as NRRD names it.
    pub sample_type: String,
    /// Voxel grid sizes, axis 0 (columns) fastest; `None` for a file without geometry.
    pub sizes: Vec<usize>,
    pub spacing: Option<[f64; 3]>,
    pub origin: Option<[f64; 3]>,
    /// Step vector of each voxel axis, in LPS.
    pub directions: Option<[[f64; 3]; 3]>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub samples_sha256_le: String,
    pub rescale: Option<[f64; 2]>,
    pub series_uid: String,
    pub transfer_syntax: String,
    pub files: usize,
}

/// Inspects a series folder, a single image file or a DICOM-SEG.
pub fn inspect(path: &Path) -> Result<DicomFacts, DicomError> {
    let limits = Limits::default();
    if path.is_dir() {
        let series = read_dicom_series(path, None, &limits)?;
        let v = &series.volume;
        return Ok(facts(
            Format::DicomSeries,
            &v.samples,
            Some(&v.geometry),
            v.rescale.map(|r| [r.slope, r.intercept]),
            series.series_uid,
            series.transfer_syntax,
            series.files.len(),
        ));
    }
    let file = DicomFile::open(path, &limits)?;
    let transfer_syntax = file.transfer_syntax.name.to_string();
    if file.sop_class_uid() == SEGMENTATION_STORAGE {
        let seg = read_dicom_seg(path, &limits)?;
        let image = decode_file(&file, &limits)?;
        let mut out = facts(
            Format::DicomSeg,
            &image.samples,
            Some(seg.segmentation.geometry()),
            None,
            seg.series_uid,
            transfer_syntax,
            1,
        );
        out.sizes = seg.segmentation.geometry().sizes().to_vec();
        return Ok(out);
    }
    let image = decode_file(&file, &limits)?;
    // A file whose planes stack (a slice, an enhanced multi-frame) also gets geometry.
    let series = read_file_series(path, &limits).ok();
    let geometry = series.as_ref().map(|s| s.volume.geometry.clone());
    let rescale = series
        .as_ref()
        .and_then(|s| s.volume.rescale)
        .map(|r| [r.slope, r.intercept]);
    let mut out = facts(
        Format::DicomSeries,
        &image.samples,
        geometry.as_ref(),
        rescale,
        file.series_uid(),
        transfer_syntax,
        1,
    );
    if geometry.is_none() {
        let f = &image.format;
        out.sizes = vec![f.samples_per_pixel, f.columns, f.rows, f.frames];
    }
    Ok(out)
}

fn facts(
    format: Format,
    samples: &Samples,
    geometry: Option<&Geometry>,
    rescale: Option<[f64; 2]>,
    series_uid: String,
    transfer_syntax: String,
    files: usize,
) -> DicomFacts {
    DicomFacts {
        format,
        sample_type: samples.scalar_type().to_string(),
        sizes: geometry.map(|g| g.sizes().to_vec()).unwrap_or_default(),
        spacing: geometry.map(Geometry::spacing),
        origin: geometry.map(Geometry::origin),
        directions: geometry.map(Geometry::directions),
        min: samples.min(),
        max: samples.max(),
        samples_sha256_le: samples.sha256_le(),
        rescale,
        series_uid,
        transfer_syntax,
        files,
    }
}
