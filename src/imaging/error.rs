//! The one error type of `imaging`: what a caller can get wrong about images, boxes
//! and parameters.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ImagingError {
    #[error("image is {width} x {height}, expected at least 1 x 1")]
    EmptyImage { width: usize, height: usize },
    #[error("image of {width} x {height} has {found} pixels, expected {expected}")]
    PixelCountMismatch {
        width: usize,
        height: usize,
        found: usize,
        expected: usize,
    },
    #[error("size {width} x {height} is too large, expected at most {max} pixels per side")]
    TooLarge {
        width: usize,
        height: usize,
        max: usize,
    },
    #[error("bounding box `{what}` has min {min} above max {max}")]
    InvertedBox {
        what: &'static str,
        min: usize,
        max: usize,
    },
    #[error(
        "bounding box x {x_min}..={x_max}, y {y_min}..={y_max} lies outside the {width} x {height} image"
    )]
    BoxOutsideImage {
        x_min: usize,
        x_max: usize,
        y_min: usize,
        y_max: usize,
        width: usize,
        height: usize,
    },
    #[error("pixel ({x}, {y}) is NaN, expected a number")]
    NanPixel { x: usize, y: usize },
    #[error("`{name}` is {found}, expected {expected}")]
    InvalidParameter {
        name: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error(
        "image is {found_width} x {found_height}, expected {width} x {height} (the resampler's input size)"
    )]
    SizeMismatch {
        found_width: usize,
        found_height: usize,
        width: usize,
        height: usize,
    },
}
