//! The square crop around a lesion that the study resizes.
//!
//! Rule, per axis, for a lesion bounding box (inclusive pixel coordinates):
//!
//! 1. the box grows by `margin` times its size on each side, so its sides become
//!    `size * (1 + 2 * margin)`; the square's side is the larger of the two, rounded
//!    half up to whole pixels (at least 1);
//! 2. the square is centred on the box centre; when the margins cannot be equal (box
//!    and side of different parity), the extra pixel goes right (or down);
//! 3. a square that sticks out of the image is shifted inside it first, so the crop
//!    keeps its full side whenever the image is large enough;
//! 4. only a side longer than the image itself is clipped: the crop then spans that
//!    whole axis and is no longer square (resizing stretches it).
//!
//! Invariants of the result: inside the image, at least 1 x 1, containing the whole
//! part of the lesion box that lies in the image.

use serde::{Deserialize, Serialize};

use super::error::ImagingError;
use super::image::Image;

/// A lesion's extent in one slice: inclusive pixel coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundingBox {
    pub x_min: usize,
    pub x_max: usize,
    pub y_min: usize,
    pub y_max: usize,
}

/// A region of an image: `width x height` pixels from `(x, y)`, half-open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CropBox {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

/// The default margin: 10% of the box's size on each side.
pub const DEFAULT_MARGIN: f64 = 0.1;

/// The crop of a `width x height` image around `lesion`; see the module docs.
///
/// The lesion box may extend beyond the image but must overlap it.
pub fn crop_box(
    width: usize,
    height: usize,
    lesion: BoundingBox,
    margin: f64,
) -> Result<CropBox, ImagingError> {
    super::image::check_size(width, height)?;
    if !(margin.is_finite() && margin >= 0.0) {
        return Err(ImagingError::InvalidParameter {
            name: "margin",
            found: margin.to_string(),
            expected: "a finite number of at least 0",
        });
    }
    for (what, min, max) in [
        ("x", lesion.x_min, lesion.x_max),
        ("y", lesion.y_min, lesion.y_max),
    ] {
        if min > max {
            return Err(ImagingError::InvertedBox { what, min, max });
        }
    }
    if lesion.x_min >= width || lesion.y_min >= height {
        return Err(ImagingError::BoxOutsideImage {
            x_min: lesion.x_min,
            x_max: lesion.x_max,
            y_min: lesion.y_min,
            y_max: lesion.y_max,
            width,
            height,
        });
    }
    let grown = |min: usize, max: usize| (max - min + 1) as f64 * (1.0 + 2.0 * margin);
    let larger = grown(lesion.x_min, lesion.x_max).max(grown(lesion.y_min, lesion.y_max));
    // Saturating float-to-int cast: an absurd margin gives a huge side, clipped below.
    let side = ((larger + 0.5).floor() as usize).max(1);
    let (x, crop_width) = place(lesion.x_min, lesion.x_max, side, width);
    let (y, crop_height) = place(lesion.y_min, lesion.y_max, side, height);
    Ok(CropBox {
        x,
        y,
        width: crop_width,
        height: crop_height,
    })
}

/// (start, length) of a `side`-long span centred on `min..=max` inside `0..size`.
fn place(min: usize, max: usize, side: usize, size: usize) -> (usize, usize) {
    if side >= size {
        return (0, size);
    }
    // Twice the start, in whole numbers: centre (min + max + 1) / 2 minus side / 2;
    // rounding a half-pixel start up moves the odd pixel to the right.
    let twice_start = (min as i128 + max as i128 + 1) - side as i128;
    let start = (twice_start + 1).div_euclid(2);
    // side < size, so the upper bound is positive and the clamp is well formed.
    let start = start.clamp(0, (size - side) as i128) as usize;
    (start, side)
}

impl<T: Copy> Image<T> {
    /// The pixels inside `region`, which must lie inside the image.
    pub fn crop(&self, region: &CropBox) -> Result<Image<T>, ImagingError> {
        check_region(self, region)?;
        let mut pixels = Vec::with_capacity(region.width * region.height);
        for y in region.y..region.y + region.height {
            pixels.extend_from_slice(&self.row(y)[region.x..region.x + region.width]);
        }
        Image::new(region.width, region.height, pixels)
    }
}

/// Refuses a region that is empty or reaches outside `image`.
pub(crate) fn check_region<T>(image: &Image<T>, region: &CropBox) -> Result<(), ImagingError> {
    let fits = |start: usize, len: usize, size: usize| {
        len > 0 && start.checked_add(len).is_some_and(|end| end <= size)
    };
    if fits(region.x, region.width, image.width()) && fits(region.y, region.height, image.height())
    {
        return Ok(());
    }
    Err(ImagingError::BoxOutsideImage {
        x_min: region.x,
        x_max: region.x.saturating_add(region.width).saturating_sub(1),
        y_min: region.y,
        y_max: region.y.saturating_add(region.height).saturating_sub(1),
        width: image.width(),
        height: image.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesion(x_min: usize, x_max: usize, y_min: usize, y_max: usize) -> BoundingBox {
        BoundingBox {
            x_min,
            x_max,
            y_min,
            y_max,
        }
    }

    fn crop(x: usize, y: usize, width: usize, height: usize) -> CropBox {
        CropBox {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn crop_boxes_follow_the_documented_rule() {
        // image (w, h), lesion [x_min, x_max, y_min, y_max], margin,
        // expected crop [x, y, width, height], what the case shows
        #[rustfmt::skip]
        let table = [
            ((256, 256), [100, 119, 100, 109], 0.1,  [98, 93, 24, 24],     "20 x 10 box: side 24 from the longer side, centred"),
            ((256, 256), [100, 109, 100, 109], 0.0,  [100, 100, 10, 10],   "no margin: the box itself"),
            ((256, 256), [50, 50, 60, 60],     0.1,  [50, 60, 1, 1],       "1-pixel box: 1.2 rounds to 1"),
            ((256, 256), [50, 51, 60, 61],     0.5,  [49, 59, 4, 4],       "2-pixel box, margin 0.5: side 4"),
            ((256, 256), [50, 52, 60, 62],     0.5,  [49, 59, 6, 6],       "odd box, even side: the extra pixel goes right"),
            ((256, 256), [50, 51, 60, 61],     0.25, [50, 60, 3, 3],       "even box, odd side: the extra pixel goes right"),
            ((256, 256), [0, 9, 0, 9],         0.1,  [0, 0, 12, 12],       "box at the top-left corner: shifted inside"),
            ((256, 256), [246, 255, 246, 255], 0.1,  [244, 244, 12, 12],   "box at the bottom-right corner: shifted inside"),
            ((256, 128), [10, 209, 10, 19],    0.1,  [0, 0, 240, 128],     "side 240 > height 128: height clipped"),
            ((64, 64),   [0, 199, 0, 199],     0.1,  [0, 0, 64, 64],       "box larger than the image: the whole image"),
            ((64, 64),   [60, 63, 0, 63],      0.1,  [0, 0, 64, 64],       "tall box at the right edge: whole height"),
            ((1, 1),     [0, 0, 0, 0],         0.1,  [0, 0, 1, 1],         "1 x 1 image"),
        ];
        for ((width, height), [x_min, x_max, y_min, y_max], margin, [x, y, w, h], what) in table {
            let found = crop_box(width, height, lesion(x_min, x_max, y_min, y_max), margin);
            assert_eq!(found.unwrap(), crop(x, y, w, h), "{what}");
        }
    }

    #[test]
    fn the_crop_always_contains_the_visible_lesion_and_stays_inside() {
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..2_000 {
            let (width, height) = (1 + next(80), 1 + next(80));
            let (x_min, y_min) = (next(width), next(height));
            let box_ = lesion(x_min, x_min + next(90), y_min, y_min + next(90));
            let margin = next(5) as f64 * 0.1;
            let c = crop_box(width, height, box_, margin).unwrap();
            assert!(c.width >= 1 && c.height >= 1);
            assert!(c.x + c.width <= width && c.y + c.height <= height);
            assert!(
                c.x <= box_.x_min && box_.x_max.min(width - 1) < c.x + c.width,
                "{box_:?} {c:?}"
            );
            assert!(
                c.y <= box_.y_min && box_.y_max.min(height - 1) < c.y + c.height,
                "{box_:?} {c:?}"
            );
            if c.width < width && c.height < height {
                assert_eq!(c.width, c.height, "a crop that fits is square");
            }
        }
    }

    #[test]
    fn invalid_boxes_and_margins_are_refused() {
        assert!(matches!(
            crop_box(10, 10, lesion(5, 4, 0, 0), 0.1),
            Err(ImagingError::InvertedBox { what: "x", .. })
        ));
        assert!(matches!(
            crop_box(10, 10, lesion(10, 12, 0, 0), 0.1),
            Err(ImagingError::BoxOutsideImage { .. })
        ));
        assert!(matches!(
            crop_box(10, 10, lesion(0, 1, 0, 1), f64::NAN),
            Err(ImagingError::InvalidParameter { name: "margin", .. })
        ));
        assert!(crop_box(10, 10, lesion(0, 1, 0, 1), 1e300).is_ok());
    }

    #[test]
    fn cropping_copies_the_region_row_by_row() {
        let image = Image::new(4, 3, (0..12).collect()).unwrap();
        let cropped = image.crop(&crop(1, 1, 2, 2)).unwrap();
        assert_eq!(cropped.pixels(), &[5, 6, 9, 10]);
        assert!(image.crop(&crop(3, 0, 2, 1)).is_err());
        assert!(image.crop(&crop(usize::MAX, 0, 2, 1)).is_err());
    }
}
