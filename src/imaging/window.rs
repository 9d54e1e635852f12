//! The intensity window: clip to `[lo, hi]`, then map linearly onto `[out_lo, out_hi]`.
//!
//! Defaults: scan intensities lie roughly in 0..1024 (the study), and Inception-v3
//! expects inputs in -1..1. Arithmetic is in `f64`, rounded once to `f32`, so `lo`
//! maps to exactly `out_lo`. A NaN pixel is an error: it has no place in the window.

use serde::{Deserialize, Serialize};

use super::crop::{CropBox, check_region};
use super::error::ImagingError;
use super::image::Image;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Window {
    pub lo: f64,
    pub hi: f64,
    pub out_lo: f64,
    pub out_hi: f64,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            lo: 0.0,
            hi: 1024.0,
            out_lo: -1.0,
            out_hi: 1.0,
        }
    }
}

impl Window {
    /// Refuses non-finite bounds and an empty input range; `out_hi < out_lo` is
    /// allowed and inverts the intensities.
    pub fn validate(&self) -> Result<(), ImagingError> {
        for (name, value) in [
            ("lo", self.lo),
            ("hi", self.hi),
            ("out_lo", self.out_lo),
            ("out_hi", self.out_hi),
        ] {
            if !value.is_finite() {
                return Err(ImagingError::InvalidParameter {
                    name,
                    found: value.to_string(),
                    expected: "a finite number",
                });
            }
        }
        if self.lo >= self.hi {
            return Err(ImagingError::InvalidParameter {
                name: "hi",
                found: self.hi.to_string(),
                expected: "a number above `lo`",
            });
        }
        Ok(())
    }

    /// The windowed image, as `f32`.
    pub fn apply<T: Copy + Into<f64>>(&self, image: &Image<T>) -> Result<Image<f32>, ImagingError> {
        let whole = CropBox {
            x: 0,
            y: 0,
            width: image.width(),
            height: image.height(),
        };
        self.apply_cropped(image, &whole)
    }

    /// The windowed pixels of `region` of `image`, in one pass: cropping and
    /// windowing a slice without an intermediate copy.
    pub fn apply_cropped<T: Copy + Into<f64>>(
        &self,
        image: &Image<T>,
        region: &CropBox,
    ) -> Result<Image<f32>, ImagingError> {
        self.validate()?;
        check_region(image, region)?;
        let scale = (self.out_hi - self.out_lo) / (self.hi - self.lo);
        let mut pixels = Vec::with_capacity(region.width * region.height);
        for y in region.y..region.y + region.height {
            let row = &image.row(y)[region.x..region.x + region.width];
            pixels.extend(row.iter().map(|&value| {
                let v: f64 = value.into();
                (self.out_lo + (v.clamp(self.lo, self.hi) - self.lo) * scale) as f32
            }));
        }
        // NaN passes through the clamp and the scaling, so it can be found afterwards,
        // outside the loop that vectorizes.
        if let Some(i) = pixels.iter().position(|p| p.is_nan()) {
            return Err(ImagingError::NanPixel {
                x: region.x + i % region.width,
                y: region.y + i / region.width,
            });
        }
        Image::new(region.width, region.height, pixels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intensities_are_clipped_then_scaled() {
        let image = Image::new(6, 1, vec![-500i16, 0, 256, 512, 1024, 3000]).unwrap();
        let windowed = Window::default().apply(&image).unwrap();
        assert_eq!(windowed.pixels(), &[-1.0, -1.0, -0.5, 0.0, 1.0, 1.0]);
        let custom = Window {
            lo: 100.0,
            hi: 200.0,
            out_lo: 0.0,
            out_hi: 255.0,
        };
        let windowed = custom.apply(&Image::new(3, 1, vec![50.0f32, 150.0, 250.0]).unwrap());
        assert_eq!(windowed.unwrap().pixels(), &[0.0, 127.5, 255.0]);
        let region = CropBox {
            x: 3,
            y: 0,
            width: 2,
            height: 1,
        };
        let cropped = Window::default().apply_cropped(&image, &region).unwrap();
        assert_eq!(cropped.pixels(), &[0.0, 1.0]);
        let outside = CropBox { x: 5, ..region };
        assert!(Window::default().apply_cropped(&image, &outside).is_err());
    }

    #[test]
    fn invalid_windows_and_nan_pixels_are_refused() {
        let image = Image::new(2, 1, vec![0.0f32, f32::NAN]).unwrap();
        assert_eq!(
            Window::default().apply(&image).unwrap_err().to_string(),
            "pixel (1, 0) is NaN, expected a number"
        );
        let empty = Window {
            lo: 5.0,
            hi: 5.0,
            ..Window::default()
        };
        assert!(empty.validate().is_err());
        let infinite = Window {
            out_hi: f64::INFINITY,
            ..Window::default()
        };
        assert!(infinite.validate().is_err());
    }
}
