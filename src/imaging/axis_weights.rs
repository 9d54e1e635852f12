//! Precomputed filter weights for resampling one axis.
//!
//! Sampling convention (Pillow's, and OpenCV's): pixel `i` covers `[i, i + 1)` and is
//! sampled at its centre, so output pixel `o` of `n_out` reads the input around
//! `centre = (o + 0.5) * n_in / n_out`, and input pixel `x` gets weight
//! `kernel((x + 0.5 - centre) / s)`, with `s` the shrink factor (1 when enlarging or
//! without antialiasing). Taps run over `floor(centre - support + 0.5)` up to (but not
//! including) `floor(centre + support + 0.5)`, `support = 2 s`, as in Pillow.
//! Out-of-range taps are handled by [`EdgeMode`]; the weights are then divided by
//! their sum, so a constant image stays constant.
//!
//! Invariants: every output has a contiguous run of source indices inside
//! `0..n_in`, `start[o] + len <= n_in`, and its weights (zero-padded to `taps`) sum
//! to 1 unless every weight is 0 (impossible for the bicubic kernel).

use super::bicubic::{Bicubic, EdgeMode, SUPPORT};

pub(crate) struct AxisWeights {
    /// First source index of each output.
    starts: Vec<usize>,
    /// Number of source indices each output reads.
    lens: Vec<usize>,
    /// Weights per output, `taps` each, zero-padded after `lens[o]`.
    weights: Vec<f64>,
    taps: usize,
}

impl AxisWeights {
    /// Weights for `n_in -> n_out` (both at least 1).
    pub(crate) fn new(n_in: usize, n_out: usize, kernel: &Bicubic) -> Self {
        let scale = n_in as f64 / n_out as f64;
        let shrink = if kernel.antialias {
            scale.max(1.0)
        } else {
            1.0
        };
        let support = SUPPORT * shrink;
        // Pillow's bound on taps per output, which the clamped run never exceeds.
        let taps = (support.ceil() as usize) * 2 + 1;
        let last = n_in as isize - 1;
        let mut starts = Vec::with_capacity(n_out);
        let mut lens = Vec::with_capacity(n_out);
        let mut weights = vec![0.0f64; n_out * taps];
        let mut raw = Vec::with_capacity(taps + 1);
        for (o, row) in weights.chunks_exact_mut(taps).enumerate() {
            let centre = (o as f64 + 0.5) * scale;
            let low = (centre - support + 0.5).floor() as isize;
            let high = (centre + support + 0.5).floor() as isize;
            // (source index, weight) before edge handling.
            raw.clear();
            // Same operations, in the same order, as Pillow's `precompute_coeffs`, so
            // that the weights agree to the bit.
            let inverse_shrink = 1.0 / shrink;
            for x in low..high {
                raw.push((x, kernel.weight((x as f64 - centre + 0.5) * inverse_shrink)));
            }
            let (first, end) = match kernel.edge {
                EdgeMode::Renormalize => (low.max(0), high.min(n_in as isize)),
                EdgeMode::Clamp => (low.clamp(0, last), (high - 1).clamp(0, last) + 1),
            };
            let mut sum = 0.0;
            for &(x, w) in &raw {
                let target = match kernel.edge {
                    EdgeMode::Renormalize if x < first || x >= end => continue,
                    EdgeMode::Renormalize => x,
                    EdgeMode::Clamp => x.clamp(first, end - 1),
                };
                row[(target - first) as usize] += w;
                sum += w;
            }
            if sum != 0.0 {
                row.iter_mut().for_each(|w| *w /= sum);
            }
            starts.push(first as usize);
            lens.push((end - first) as usize);
        }
        Self {
            starts,
            lens,
            weights,
            taps,
        }
    }

    /// The first source index of output `o` and the weights of its run.
    pub(crate) fn of(&self, o: usize) -> (usize, &[f64]) {
        let start = o * self.taps;
        (self.starts[o], &self.weights[start..start + self.lens[o]])
    }

    pub(crate) fn n_out(&self) -> usize {
        self.starts.len()
    }

    /// The source indices `first..end` that some output reads.
    pub(crate) fn span(&self) -> (usize, usize) {
        let first = self.starts.iter().copied().min().unwrap_or(0);
        let end = (self.starts.iter().zip(&self.lens))
            .map(|(s, l)| s + l)
            .max()
            .unwrap_or(0);
        (first, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(weights: &AxisWeights, n_out: usize) -> Vec<f64> {
        (0..n_out).map(|o| weights.of(o).1.iter().sum()).collect()
    }

    #[test]
    fn weights_sum_to_one_and_stay_inside_the_input() {
        for edge in [EdgeMode::Clamp, EdgeMode::Renormalize] {
            for antialias in [true, false] {
                let kernel = Bicubic {
                    edge,
                    antialias,
                    ..Bicubic::default()
                };
                for (n_in, n_out) in [(1, 299), (5, 3), (37, 299), (299, 37), (64, 64), (300, 1)] {
                    let weights = AxisWeights::new(n_in, n_out, &kernel);
                    for sum in sums(&weights, n_out) {
                        assert!((sum - 1.0).abs() < 1e-12, "{n_in} -> {n_out}");
                    }
                    for o in 0..n_out {
                        let (start, w) = weights.of(o);
                        assert!(
                            !w.is_empty() && start + w.len() <= n_in,
                            "{n_in} -> {n_out}, output {o}"
                        );
                    }
                    assert!(weights.span().1 <= n_in);
                }
            }
        }
    }

    #[test]
    fn an_unchanged_size_gives_identity_weights() {
        let weights = AxisWeights::new(10, 10, &Bicubic::default());
        for o in 0..10 {
            let (start, w) = weights.of(o);
            let index = w.iter().position(|&v| v == 1.0).map(|p| start + p);
            assert_eq!(index, Some(o));
            assert_eq!(w.iter().filter(|&&v| v != 0.0).count(), 1);
        }
    }

    #[test]
    fn clamping_moves_outside_taps_onto_the_edge_pixel() {
        // Doubling: output 0 is centred at input 0.25; its taps -2..=1 lie partly
        // outside, and with clamping their weights land on pixel 0.
        let kernel = Bicubic::default();
        let clamp = AxisWeights::new(8, 16, &kernel);
        let (start, w) = clamp.of(0);
        assert_eq!(start, 0);
        let offsets = [-2.0f64, -1.0, 0.0, 1.0].map(|x| kernel.weight(x + 0.5 - 0.25));
        assert!((w[0] - (offsets[0] + offsets[1] + offsets[2])).abs() < 1e-12);
        assert!((w[1] - offsets[3]).abs() < 1e-12);
    }
}
