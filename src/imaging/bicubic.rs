//! The bicubic filter and its options.
//!
//! The kernel is Keys' cubic convolution (1981) with parameter `a`:
//! `(a+2)|x|^3 - (a+3)|x|^2 + 1` for `|x| < 1`, `a|x|^3 - 5a|x|^2 + 8a|x| - 4a` for
//! `1 <= |x| < 2`, 0 beyond. The default `a = -0.5` is Pillow's choice and the only
//! value for which the interpolation is third-order accurate (it reproduces quadratic
//! ramps exactly); OpenCV uses -0.75, which looks sharper but overshoots more. With the
//! defaults, radflow's resize is Pillow's `Image.resize(size, Image.BICUBIC)` on mode
//! 'F' images in the interior; set `edge: renormalize` to match Pillow at the borders
//! too (see [`EdgeMode`]).

use serde::{Deserialize, Serialize};

use super::error::ImagingError;

/// What happens to filter taps that fall outside the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeMode {
    /// A tap outside reads the nearest edge pixel (replicated border).
    #[default]
    Clamp,
    /// Taps outside are dropped and the rest rescaled to sum to 1: Pillow's rule.
    Renormalize,
}

/// Options of the bicubic resize.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bicubic {
    /// Keys' parameter `a`, in `[-3, 0]`.
    pub a: f64,
    pub edge: EdgeMode,
    /// When shrinking, widen the filter by the shrink factor so every input pixel
    /// contributes (as Pillow does); without it, shrinking aliases (as OpenCV's
    /// `INTER_CUBIC` does).
    pub antialias: bool,
}

impl Default for Bicubic {
    fn default() -> Self {
        Self {
            a: -0.5,
            edge: EdgeMode::Clamp,
            antialias: true,
        }
    }
}

/// The filter's half-width in input pixels at scale 1.
pub(crate) const SUPPORT: f64 = 2.0;

impl Bicubic {
    pub fn validate(&self) -> Result<(), ImagingError> {
        if !(self.a.is_finite() && (-3.0..=0.0).contains(&self.a)) {
            return Err(ImagingError::InvalidParameter {
                name: "a",
                found: self.a.to_string(),
                expected: "a number from -3 to 0 (Pillow -0.5, OpenCV -0.75)",
            });
        }
        Ok(())
    }

    /// The kernel at `x`, evaluated as Pillow does so that results agree to the bit
    /// in the weights.
    pub(crate) fn weight(&self, x: f64) -> f64 {
        let a = self.a;
        let x = x.abs();
        if x < 1.0 {
            ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
        } else if x < 2.0 {
            (((x - 5.0) * x + 8.0) * x - 4.0) * a
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_interpolates_and_has_the_documented_shape() {
        for a in [-0.5, -0.75, -1.0] {
            let cubic = Bicubic {
                a,
                ..Bicubic::default()
            };
            assert_eq!(cubic.weight(0.0), 1.0);
            assert_eq!(cubic.weight(1.0), 0.0);
            assert_eq!(cubic.weight(-1.0), 0.0);
            assert_eq!(cubic.weight(2.0), 0.0);
            assert_eq!(cubic.weight(2.5), 0.0);
            // The four taps around any position sum to 1.
            for t in [0.1, 0.25, 0.5, 0.9] {
                let sum: f64 = [-1.0 - t, -t, 1.0 - t, 2.0 - t]
                    .iter()
                    .map(|&x| cubic.weight(x))
                    .sum();
                assert!((sum - 1.0).abs() < 1e-12);
            }
        }
        // a = -0.5 at x = 0.5: (1.5 * 0.5 - 2.5) * 0.25 + 1 = 0.5625.
        assert_eq!(Bicubic::default().weight(0.5), 0.5625);
    }

    #[test]
    fn out_of_range_parameters_are_refused() {
        for a in [0.5, -3.5, f64::NAN] {
            let cubic = Bicubic {
                a,
                ..Bicubic::default()
            };
            assert!(cubic.validate().is_err(), "a = {a}");
        }
        let parsed: Bicubic =
            serde_json::from_str(r#"{"a": -0.75, "edge": "renormalize"}"#).unwrap();
        assert_eq!(parsed.edge, EdgeMode::Renormalize);
        assert!(serde_json::from_str::<Bicubic>(r#"{"b": 1}"#).is_err());
    }
}
