//! One file's decoded image: its pixel layout and every frame's stored samples.

use std::path::Path;

use super::dicom_file::DicomFile;
use super::error::DicomError;
use super::limits::Limits;
use super::pixel_data;
use super::pixel_format::PixelFormat;
use crate::nrrd::Samples;

/// A decoded file. `samples` are in (frame, row, column, sample) order, as stored (no
/// rescale, no palette, no MONOCHROME1 inversion), `format.total_samples()` of them.
#[derive(Debug, Clone, PartialEq)]
pub struct DicomImage {
    pub format: PixelFormat,
    pub samples: Samples,
}

impl DicomImage {
    /// `[frames, rows, columns, samples per pixel]`.
    pub fn sizes(&self) -> [usize; 4] {
        let f = &self.format;
        [f.frames, f.rows, f.columns, f.samples_per_pixel]
    }
}

/// Reads and decodes one file.
pub fn read_image(path: &Path) -> Result<DicomImage, DicomError> {
    read_image_with_limits(path, &Limits::default())
}

pub fn read_image_with_limits(path: &Path, limits: &Limits) -> Result<DicomImage, DicomError> {
    let file = DicomFile::open(path, limits)?;
    decode_file(&file, limits)
}

/// Decodes a file held in memory; `path` names it in errors.
pub fn read_image_from_bytes(
    bytes: &[u8],
    path: &Path,
    limits: &Limits,
) -> Result<DicomImage, DicomError> {
    let file = DicomFile::from_bytes(bytes, path, limits)?;
    decode_file(&file, limits)
}

pub fn decode_file(file: &DicomFile, limits: &Limits) -> Result<DicomImage, DicomError> {
    let format = PixelFormat::read(file, limits)?;
    let samples = pixel_data::decode(file, &format, limits)?;
    Ok(DicomImage { format, samples })
}
