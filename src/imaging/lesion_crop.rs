//! The study's `resize` step for one slice: square lesion crop with margin, intensity
//! window, bicubic resize. Grey stays one channel here; see [`super::expand_channels`].
//!
//! Order: crop first (the cheapest way to drop most pixels), then window (so the
//! bicubic overshoot near sharp edges is kept, as a resize of a windowed image in any
//! imaging library would), then resize.

use serde::{Deserialize, Serialize};

use super::bicubic::Bicubic;
use super::crop::{BoundingBox, DEFAULT_MARGIN, crop_box};
use super::error::ImagingError;
use super::image::Image;
use super::resize::resize;
use super::window::Window;

/// Parameters of the step, as a pipeline file states them; unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LesionCrop {
    /// Margin around the lesion box, as a fraction of its size on each side.
    pub margin: f64,
    pub window: Window,
    /// Output width (Inception-v3: 299).
    pub width: usize,
    /// Output height (Inception-v3: 299).
    pub height: usize,
    pub bicubic: Bicubic,
}

impl Default for LesionCrop {
    fn default() -> Self {
        Self {
            margin: DEFAULT_MARGIN,
            window: Window::default(),
            width: 299,
            height: 299,
            bicubic: Bicubic::default(),
        }
    }
}

impl LesionCrop {
    /// The slice's lesion region, windowed and resized to `width x height`.
    pub fn apply<T: Copy + Into<f64>>(
        &self,
        slice: &Image<T>,
        lesion: BoundingBox,
    ) -> Result<Image<f32>, ImagingError> {
        let region = crop_box(slice.width(), slice.height(), lesion, self.margin)?;
        let windowed = self.window.apply_cropped(slice, &region)?;
        resize(&windowed, self.width, self.height, &self.bicubic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_becomes_a_windowed_299_square_of_its_lesion() {
        // A bright 20 x 20 lesion at (100, 100) on a dark 256 x 256 slice.
        let mut pixels = vec![0i16; 256 * 256];
        for y in 100..120 {
            for x in 100..120 {
                pixels[y * 256 + x] = 1024;
            }
        }
        let slice = Image::new(256, 256, pixels).unwrap();
        let lesion = BoundingBox {
            x_min: 100,
            x_max: 119,
            y_min: 100,
            y_max: 119,
        };
        let out = LesionCrop::default().apply(&slice, lesion).unwrap();
        assert_eq!((out.width(), out.height()), (299, 299));
        // The crop is 24 x 24 with a 2-pixel dark margin: the centre is the lesion,
        // the corner is background.
        assert!((out.row(149)[149] - 1.0).abs() < 1e-6);
        assert!((out.row(0)[0] + 1.0).abs() < 1e-6);
    }

    #[test]
    fn parameters_reject_unknown_keys() {
        let parsed: LesionCrop =
            serde_json::from_str(r#"{"width": 224, "height": 224, "window": {"hi": 2048}}"#)
                .unwrap();
        assert_eq!(
            (parsed.width, parsed.window.hi, parsed.window.lo),
            (224, 2048.0, 0.0)
        );
        assert!(serde_json::from_str::<LesionCrop>(r#"{"size": 224}"#).is_err());
    }
}
