//! How a file's pixels are laid out: the Image Pixel module (PS3.3 C.7.6.3) plus
//! NumberOfFrames, checked so every size computed from it fits in memory limits.

use dicom_dictionary_std::tags;

use super::dicom_file::{DicomFile, string};
use super::error::DicomError;
use super::limits::Limits;

/// The pixel layout of one file. Invariants (checked by [`PixelFormat::read`]): rows,
/// columns and frames are non-zero, `samples_per_pixel` is 1 or 3, `bits_allocated` is 1,
/// 8, 16 or 32, `1 <= bits_stored <= bits_allocated`, and the decoded size fits the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelFormat {
    pub rows: usize,
    pub columns: usize,
    pub samples_per_pixel: usize,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    /// PixelRepresentation 1: two's complement samples.
    pub signed: bool,
    pub photometric: String,
    /// PlanarConfiguration 1: a frame stores all of sample 0, then all of sample 1, ...
    pub planar: bool,
    pub frames: usize,
}

impl PixelFormat {
    pub fn read(file: &DicomFile, limits: &Limits) -> Result<PixelFormat, DicomError> {
        let rows = file.required_u32(tags::ROWS, "Rows", "a positive row count")?;
        let columns = file.required_u32(tags::COLUMNS, "Columns", "a positive column count")?;
        let samples_per_pixel = match file.dataset().get(tags::SAMPLES_PER_PIXEL) {
            Some(_) => file.required_u32(tags::SAMPLES_PER_PIXEL, "SamplesPerPixel", "1 or 3")?,
            None => 1,
        };
        let bits_allocated =
            file.required_u32(tags::BITS_ALLOCATED, "BitsAllocated", "1, 8, 16 or 32")?;
        let bits_stored = match file.dataset().get(tags::BITS_STORED) {
            Some(_) => file.required_u32(tags::BITS_STORED, "BitsStored", "1 to BitsAllocated")?,
            None => bits_allocated,
        };
        let representation = match file.dataset().get(tags::PIXEL_REPRESENTATION) {
            Some(_) => {
                file.required_u32(tags::PIXEL_REPRESENTATION, "PixelRepresentation", "0 or 1")?
            }
            None => 0,
        };
        let planar = match file.dataset().get(tags::PLANAR_CONFIGURATION) {
            Some(_) if samples_per_pixel > 1 => {
                file.required_u32(tags::PLANAR_CONFIGURATION, "PlanarConfiguration", "0 or 1")?
            }
            _ => 0,
        };
        let frames = match file.dataset().get(tags::NUMBER_OF_FRAMES) {
            Some(_) => file.required_u32(
                tags::NUMBER_OF_FRAMES,
                "NumberOfFrames",
                "a positive frame count",
            )?,
            None => 1,
        };
        if rows == 0 {
            return Err(file.bad_field("Rows", 0, "a positive row count"));
        }
        if columns == 0 {
            return Err(file.bad_field("Columns", 0, "a positive column count"));
        }
        if frames == 0 {
            return Err(file.bad_field("NumberOfFrames", 0, "a positive frame count"));
        }
        if samples_per_pixel != 1 && samples_per_pixel != 3 {
            return Err(file.bad_field("SamplesPerPixel", samples_per_pixel, "1 or 3"));
        }
        if ![1, 8, 16, 32].contains(&bits_allocated) {
            return Err(file.bad_field("BitsAllocated", bits_allocated, "1, 8, 16 or 32"));
        }
        if bits_stored == 0 || bits_stored > bits_allocated {
            return Err(file.bad_field("BitsStored", bits_stored, "1 to BitsAllocated"));
        }
        if representation > 1 {
            return Err(file.bad_field("PixelRepresentation", representation, "0 or 1"));
        }
        if planar > 1 {
            return Err(file.bad_field("PlanarConfiguration", planar, "0 or 1"));
        }
        let format = PixelFormat {
            rows: rows as usize,
            columns: columns as usize,
            samples_per_pixel: samples_per_pixel as usize,
            bits_allocated: bits_allocated as u16,
            bits_stored: bits_stored as u16,
            signed: representation == 1,
            photometric: string(file.dataset(), tags::PHOTOMETRIC_INTERPRETATION)
                .unwrap_or_default(),
            planar: planar == 1,
            frames: frames as usize,
        };
        let decoded = format
            .total_samples()
            .and_then(|n| n.checked_mul(format.sample_bytes()));
        match decoded {
            Some(bytes) if (bytes as u64) <= limits.max_decoded_bytes => Ok(format),
            _ => Err(DicomError::TooLarge {
                path: file.path.clone(),
                what: "the decoded pixel data (bytes)",
                found: decoded.map_or(u64::MAX, |b| b as u64),
                limit: limits.max_decoded_bytes,
            }),
        }
    }

    /// Samples in one frame: rows x columns x samples per pixel.
    pub fn frame_samples(&self) -> usize {
        self.rows * self.columns * self.samples_per_pixel
    }

    /// Samples in all frames; `None` on overflow.
    pub fn total_samples(&self) -> Option<usize> {
        self.rows
            .checked_mul(self.columns)?
            .checked_mul(self.samples_per_pixel)?
            .checked_mul(self.frames)
    }

    /// Bytes per decoded sample (1-bit samples unpack to one byte each).
    pub fn sample_bytes(&self) -> usize {
        usize::from(self.bits_allocated.div_ceil(8))
    }

    /// Bytes of one decoded frame, little-endian.
    pub fn frame_bytes(&self) -> usize {
        self.frame_samples() * self.sample_bytes()
    }
}
