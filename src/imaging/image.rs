//! A single-channel raster: the unit every `imaging` operation reads and writes.
//!
//! Invariants: at least 1 x 1 pixels, at most [`MAX_SIDE`] per side, and exactly
//! `width * height` pixels, row-major with x (the width) fastest, as NRRD stores an
//! axial slice.

use super::error::ImagingError;

/// The largest side accepted anywhere in `imaging`: larger values in a pipeline file
/// are mistakes, and accepting them would allow unbounded allocations.
pub const MAX_SIDE: usize = 16_384;

/// A grey image with pixels of type `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Image<T> {
    width: usize,
    height: usize,
    pixels: Vec<T>,
}

impl<T> Image<T> {
    pub fn new(width: usize, height: usize, pixels: Vec<T>) -> Result<Self, ImagingError> {
        check_size(width, height)?;
        let expected = width * height;
        if pixels.len() != expected {
            return Err(ImagingError::PixelCountMismatch {
                width,
                height,
                found: pixels.len(),
                expected,
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// All pixels, row-major.
    pub fn pixels(&self) -> &[T] {
        &self.pixels
    }

    pub fn into_pixels(self) -> Vec<T> {
        self.pixels
    }

    /// Row `y` (below `height`).
    pub fn row(&self, y: usize) -> &[T] {
        &self.pixels[y * self.width..(y + 1) * self.width]
    }
}

/// Refuses empty sizes and sides above [`MAX_SIDE`].
pub(crate) fn check_size(width: usize, height: usize) -> Result<(), ImagingError> {
    if width == 0 || height == 0 {
        return Err(ImagingError::EmptyImage { width, height });
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImagingError::TooLarge {
            width,
            height,
            max: MAX_SIDE,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_needs_one_pixel_per_position() {
        let image = Image::new(3, 2, vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(image.row(1), &[4, 5, 6]);
        assert_eq!(
            Image::new(3, 2, vec![0; 5]).unwrap_err().to_string(),
            "image of 3 x 2 has 5 pixels, expected 6"
        );
        assert!(matches!(
            Image::<u8>::new(0, 2, vec![]),
            Err(ImagingError::EmptyImage { .. })
        ));
        assert!(matches!(
            Image::new(MAX_SIDE + 1, 1, vec![0u8; MAX_SIDE + 1]),
            Err(ImagingError::TooLarge { .. })
        ));
    }
}
