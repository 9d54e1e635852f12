//! A borrowed image as the resize stage hands it to feature extraction.
//!
//! Invariant: `pixels.len() == width * height * channels`, checked on construction,
//! so packing never reads out of bounds. Pixels are row-major with interleaved
//! channels (`y * width * channels + x * channels + c`), RGB for three channels, and
//! f32 values in the range the resize stage produces (by default [-1, 1]).

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageRef<'a> {
    width: usize,
    height: usize,
    channels: usize,
    pixels: &'a [f32],
}

impl<'a> ImageRef<'a> {
    /// Wraps `pixels`, refusing a length that does not match the size.
    pub fn new(
        width: usize,
        height: usize,
        channels: usize,
        pixels: &'a [f32],
    ) -> Result<Self, ImageRefError> {
        if channels != 1 && channels != 3 {
            return Err(ImageRefError::Channels { channels });
        }
        let expected = width
            .checked_mul(height)
            .and_then(|area| area.checked_mul(channels));
        if expected != Some(pixels.len()) {
            return Err(ImageRefError::Length {
                width,
                height,
                channels,
                found: pixels.len(),
            });
        }
        Ok(ImageRef {
            width,
            height,
            channels,
            pixels,
        })
    }

    /// A one-channel image.
    pub fn grey(width: usize, height: usize, pixels: &'a [f32]) -> Result<Self, ImageRefError> {
        Self::new(width, height, 1, pixels)
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    pub fn pixels(&self) -> &'a [f32] {
        self.pixels
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    #[error("an image has 1 (grey) or 3 (RGB) channels, not {channels}")]
    Channels { channels: usize },
    #[error(
        "a {width}x{height} image with {channels} channel(s) needs {width}*{height}*{channels} pixel values; found {found}"
    )]
    Length {
        width: usize,
        height: usize,
        channels: usize,
        found: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_refs_check_their_length_and_channels() {
        let pixels = [0.0_f32; 12];
        let cases: &[(usize, usize, usize, bool)] = &[
            (2, 2, 3, true),
            (4, 3, 1, true),
            (2, 2, 1, false),
            (2, 3, 2, false),
            (usize::MAX, 2, 3, false),
        ];
        for &(width, height, channels, ok) in cases {
            let result = ImageRef::new(width, height, channels, &pixels);
            assert_eq!(
                result.is_ok(),
                ok,
                "{width}x{height}x{channels}: {result:?}"
            );
        }
    }

    #[test]
    fn a_length_mismatch_names_the_found_and_expected_sizes() {
        let error = ImageRef::grey(3, 3, &[0.0; 8]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a 3x3 image with 1 channel(s) needs 3*3*1 pixel values; found 8"
        );
    }
}
