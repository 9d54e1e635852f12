//! Separable bicubic resize of a single-channel `f32` image.
//!
//! Two passes, as Pillow does them: horizontal first (only over the rows the vertical
//! pass will read), into an `f32` intermediate, then vertical. An axis whose size does
//! not change is not resampled at all (its weights would be the identity). Each output
//! value is a sum of taps in ascending source order, multiplied and added in `f64`,
//! rounded once to `f32` (see `mix_rows`): Pillow's arithmetic, so that with
//! `edge: renormalize` the result equals Pillow's (tested against committed reference
//! arrays).
//!
//! See [`Bicubic`] for the kernel and [`super::axis_weights`] for the sampling
//! convention (pixel centres, half-pixel offset) and the edge modes.

use std::cell::RefCell;

use super::axis_weights::AxisWeights;
use super::bicubic::Bicubic;
use super::error::ImagingError;
use super::image::{Image, check_size};
use super::mix_rows::{Layout, mix_rows, transpose};

/// Floats of scratch space a thread keeps between calls (16 MiB): enough for any
/// slice, and an occasional huge image does not pin its buffers for ever.
const SCRATCH_KEPT: usize = 4 << 20;

thread_local! {
    /// The transposed input and the horizontal pass's output, kept between calls:
    /// allocated afresh for every slice, buffers of a few hundred KiB went back to
    /// the operating system each time, and page faults took a third of the time.
    static SCRATCH: RefCell<[Vec<f32>; 2]> = const { RefCell::new([Vec::new(), Vec::new()]) };
}

/// Precomputed weights for one input size and one output size; reuse it for every
/// image of that size.
pub struct Resampler {
    src_width: usize,
    src_height: usize,
    dst_width: usize,
    dst_height: usize,
    horizontal: Option<AxisWeights>,
    vertical: Option<AxisWeights>,
}

impl Resampler {
    pub fn new(
        src_width: usize,
        src_height: usize,
        dst_width: usize,
        dst_height: usize,
        kernel: &Bicubic,
    ) -> Result<Self, ImagingError> {
        kernel.validate()?;
        check_size(src_width, src_height)?;
        check_size(dst_width, dst_height)?;
        let axis = |n_in, n_out| (n_in != n_out).then(|| AxisWeights::new(n_in, n_out, kernel));
        Ok(Self {
            src_width,
            src_height,
            dst_width,
            dst_height,
            horizontal: axis(src_width, dst_width),
            vertical: axis(src_height, dst_height),
        })
    }

    /// The resized image; `image` must have the input size given to [`Resampler::new`].
    pub fn resize(&self, image: &Image<f32>) -> Result<Image<f32>, ImagingError> {
        if (image.width(), image.height()) != (self.src_width, self.src_height) {
            return Err(ImagingError::SizeMismatch {
                found_width: image.width(),
                found_height: image.height(),
                width: self.src_width,
                height: self.src_height,
            });
        }
        // Rows the vertical pass reads; the horizontal pass computes only these.
        let (first_row, end_row) = match &self.vertical {
            Some(v) => v.span(),
            None => (0, self.src_height),
        };
        let rows = &image.pixels()[first_row * self.src_width..end_row * self.src_width];
        let n_rows = end_row - first_row;
        let pixels = SCRATCH.with_borrow_mut(|[columns, intermediate]| {
            // The horizontal pass mixes columns; on the transposed rows it mixes rows,
            // the loop that vectorizes. The arithmetic per value is unchanged.
            let horizontal_output = match &self.horizontal {
                Some(h) => {
                    transpose(rows, self.src_width, n_rows, columns);
                    mix_rows(h, columns, n_rows, 0, Layout::Columns, intermediate);
                    &intermediate[..]
                }
                None => rows,
            };
            let mut pixels = Vec::new();
            match &self.vertical {
                Some(v) => mix_rows(
                    v,
                    horizontal_output,
                    self.dst_width,
                    first_row,
                    Layout::Rows,
                    &mut pixels,
                ),
                None => pixels.extend_from_slice(horizontal_output),
            }
            for buffer in [columns, intermediate] {
                if buffer.capacity() > SCRATCH_KEPT {
                    *buffer = Vec::new();
                }
            }
            pixels
        });
        Image::new(self.dst_width, self.dst_height, pixels)
    }
}

/// Resizes `image` to `width x height`; builds a [`Resampler`] for this one call.
pub fn resize(
    image: &Image<f32>,
    width: usize,
    height: usize,
    kernel: &Bicubic,
) -> Result<Image<f32>, ImagingError> {
    Resampler::new(image.width(), image.height(), width, height, kernel)?.resize(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::bicubic::EdgeMode;

    fn kernels() -> Vec<Bicubic> {
        let mut all = Vec::new();
        for a in [-0.5, -0.75] {
            for edge in [EdgeMode::Clamp, EdgeMode::Renormalize] {
                for antialias in [true, false] {
                    all.push(Bicubic { a, edge, antialias });
                }
            }
        }
        all
    }

    const SIZES: [(usize, usize); 6] = [(1, 1), (3, 7), (17, 29), (64, 64), (299, 299), (300, 5)];

    #[test]
    fn a_constant_image_stays_constant() {
        let image = Image::new(23, 17, vec![0.375f32; 23 * 17]).unwrap();
        for kernel in kernels() {
            for (w, h) in SIZES {
                let out = resize(&image, w, h, &kernel).unwrap();
                assert_eq!((out.width(), out.height()), (w, h));
                for &p in out.pixels() {
                    assert!((p - 0.375).abs() < 1e-6, "{kernel:?} {w}x{h}: {p}");
                }
            }
        }
    }

    #[test]
    fn linear_and_quadratic_ramps_survive_in_the_interior_with_a_minus_one_half() {
        // Upscaling samples the input at (o + 0.5) * scale - 0.5. Keys' kernel with
        // a = -0.5 reproduces polynomials up to degree 2 wherever all taps are inside
        // the image; other values of `a` reproduce only constants.
        let (w_in, h_in, w_out, h_out) = (20usize, 12usize, 53usize, 31usize);
        let ramps: [fn(f64, f64) -> f64; 2] = [
            |x, y| 2.0 * x - 3.0 * y,
            |x, y| 0.05 * x * x - 0.1 * x * y + 0.2 * y * y,
        ];
        let position = |o: usize, n_in: usize, n_out: usize| {
            (o as f64 + 0.5) * n_in as f64 / n_out as f64 - 0.5
        };
        for ramp in ramps {
            let pixels = (0..w_in * h_in)
                .map(|i| ramp((i % w_in) as f64, (i / w_in) as f64) as f32)
                .collect();
            let image = Image::new(w_in, h_in, pixels).unwrap();
            for edge in [EdgeMode::Clamp, EdgeMode::Renormalize] {
                let kernel = Bicubic {
                    edge,
                    ..Bicubic::default()
                };
                let out = resize(&image, w_out, h_out, &kernel).unwrap();
                let mut checked = 0;
                for y in 0..h_out {
                    for x in 0..w_out {
                        let (sx, sy) = (position(x, w_in, w_out), position(y, h_in, h_out));
                        let inside = |s: f64, n: usize| s >= 1.0 && s <= n as f64 - 3.0;
                        if inside(sx, w_in) && inside(sy, h_in) {
                            let (expected, got) = (ramp(sx, sy), f64::from(out.row(y)[x]));
                            assert!(
                                (got - expected).abs() < 1e-4,
                                "({x}, {y}): {got} vs {expected}"
                            );
                            checked += 1;
                        }
                    }
                }
                assert!(checked > 500);
            }
        }
    }

    #[test]
    fn an_unchanged_size_returns_the_image_unchanged() {
        let image = Image::new(5, 4, (0..20).map(|i| i as f32 * 0.1).collect()).unwrap();
        let out = resize(&image, 5, 4, &Bicubic::default()).unwrap();
        assert_eq!(out, image);
        // One axis unchanged: its values pass through the other axis's filter only.
        let wide = resize(&image, 9, 4, &Bicubic::default()).unwrap();
        assert_eq!(wide.height(), 4);
    }

    #[test]
    fn clamping_replicates_the_border_where_renormalizing_extrapolates() {
        // A step at the left edge: with replicated borders the first output equals
        // the edge pixel's neighbourhood, not an extrapolation.
        let image = Image::new(4, 1, vec![1.0f32, 0.0, 0.0, 0.0]).unwrap();
        let clamp = resize(&image, 8, 1, &Bicubic::default()).unwrap();
        let renormalize = resize(
            &image,
            8,
            1,
            &Bicubic {
                edge: EdgeMode::Renormalize,
                ..Bicubic::default()
            },
        )
        .unwrap();
        assert!(
            clamp.pixels()[0] > 1.0,
            "overshoot from the replicated 1s: {}",
            clamp.pixels()[0]
        );
        assert_ne!(clamp.pixels()[0], renormalize.pixels()[0]);
        assert_eq!(clamp.pixels()[4..], renormalize.pixels()[4..]);
    }

    #[test]
    fn wrong_sizes_and_kernels_are_refused() {
        let image = Image::new(4, 4, vec![0.0f32; 16]).unwrap();
        let resampler = Resampler::new(5, 4, 8, 8, &Bicubic::default()).unwrap();
        assert!(matches!(
            resampler.resize(&image),
            Err(ImagingError::SizeMismatch { .. })
        ));
        assert!(resize(&image, 0, 8, &Bicubic::default()).is_err());
        assert!(resize(&image, 100_000, 8, &Bicubic::default()).is_err());
        let bad = Bicubic {
            a: 1.0,
            ..Bicubic::default()
        };
        assert!(resize(&image, 8, 8, &bad).is_err());
    }
}
