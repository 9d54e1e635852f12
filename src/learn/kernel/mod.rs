//! The two inner loops of head training, fused and vectorized: per sample, all class
//! logits in one pass over the feature vector, then all gradient updates in a second
//! pass while that vector is still in L1 cache.
//!
//! Builds target plain x86-64, so AVX2+FMA code is chosen at run time
//! ([`Kernel::detect`]); elsewhere a portable version runs. Both perform the same
//! floating-point operations in the same order: a dot product keeps 16 lanes of fused
//! multiply-adds (`f32::mul_add`, one rounding), adds lane `l` to lane `l + 8`, reduces
//! the 8 sums pairwise (`reduce8`), then adds the leftover columns, summed with fused
//! multiply-adds in order. So the two paths give bit-identical results (tested), and a
//! training is reproducible on any machine whose math library gives the same `exp`.
//! The portable path is fast where `mul_add` is a hardware instruction (aarch64, x86
//! with FMA) and slow, but still exact, where it is emulated.
//!
//! Classes are processed in groups of up to four, so one group's accumulators (two
//! 8-lane registers per class) stay in registers.

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

/// The widest class group one pass handles.
const GROUP: usize = 4;

/// Which implementation runs the loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

impl Kernel {
    /// The fastest implementation this CPU supports.
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Kernel::Avx2Fma;
        }
        Kernel::Portable
    }

    /// `logits[k] = weights[k] . x` for every class `k`, where `weights` holds
    /// `logits.len()` rows of `x.len()` values, row-major.
    pub(crate) fn logits(self, weights: &[f32], x: &[f32], logits: &mut [f32]) {
        let d = x.len();
        assert_eq!(
            weights.len(),
            logits.len() * d,
            "weights must be classes x features"
        );
        for (rows, out) in weights.chunks(GROUP * d).zip(logits.chunks_mut(GROUP)) {
            match out.len() {
                1 => out.copy_from_slice(&self.dots::<1>(rows, x)),
                2 => out.copy_from_slice(&self.dots::<2>(rows, x)),
                3 => out.copy_from_slice(&self.dots::<3>(rows, x)),
                _ => out.copy_from_slice(&self.dots::<4>(rows, x)),
            }
        }
    }

    /// `grads[k] += coeffs[k] * x` for every class `k`, each product added with one
    /// rounding; `grads` holds `coeffs.len()` rows of `x.len()` values.
    pub(crate) fn accumulate(self, grads: &mut [f32], coeffs: &[f32], x: &[f32]) {
        let d = x.len();
        assert_eq!(
            grads.len(),
            coeffs.len() * d,
            "grads must be classes x features"
        );
        for (rows, c) in grads.chunks_mut(GROUP * d).zip(coeffs.chunks(GROUP)) {
            match *c {
                [a] => self.axpys::<1>(rows, [a], x),
                [a, b] => self.axpys::<2>(rows, [a, b], x),
                [a, b, e] => self.axpys::<3>(rows, [a, b, e], x),
                [a, b, e, f] => self.axpys::<4>(rows, [a, b, e, f], x),
                _ => unreachable!("chunks of at most {GROUP} coefficients"),
            }
        }
    }

    fn dots<const N: usize>(self, rows: &[f32], x: &[f32]) -> [f32; N] {
        match self {
            Kernel::Portable => portable::dots::<N>(rows, x),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx2Fma` is only built by `detect` after checking both features.
            Kernel::Avx2Fma => unsafe { x86::dots::<N>(rows, x) },
        }
    }

    fn axpys<const N: usize>(self, rows: &mut [f32], coeffs: [f32; N], x: &[f32]) {
        match self {
            Kernel::Portable => portable::axpys::<N>(rows, coeffs, x),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as in `dots`.
            Kernel::Avx2Fma => unsafe { x86::axpys::<N>(rows, coeffs, x) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::rng::Rng;

    fn random(rng: &mut Rng, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| (rng.normal() as f32) * scale).collect()
    }

    /// Lengths around the 16-lane body and the 8-lane steps, and the study's 2,048.
    const LENGTHS: [usize; 9] = [1, 7, 8, 15, 16, 17, 33, 100, 2048];

    #[test]
    fn logits_match_an_f64_reference_for_every_class_count_and_length() {
        let mut rng = Rng::new(1);
        for classes in 1..=9 {
            for d in LENGTHS {
                let weights = random(&mut rng, classes * d, 1.0);
                let x = random(&mut rng, d, 1.0);
                let mut logits = vec![0.0; classes];
                Kernel::detect().logits(&weights, &x, &mut logits);
                for (k, &logit) in logits.iter().enumerate() {
                    let exact: f64 = weights[k * d..(k + 1) * d]
                        .iter()
                        .zip(&x)
                        .map(|(&w, &v)| f64::from(w) * f64::from(v))
                        .sum();
                    let tolerance = 1e-5 * (d as f64).sqrt();
                    assert!(
                        (f64::from(logit) - exact).abs() < tolerance,
                        "{classes} classes, {d} features, class {k}: {logit} vs {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn accumulate_adds_each_scaled_vector_to_its_row() {
        let mut rng = Rng::new(2);
        for classes in 1..=9 {
            for d in LENGTHS {
                let start = random(&mut rng, classes * d, 1.0);
                let coeffs = random(&mut rng, classes, 1.0);
                let x = random(&mut rng, d, 1.0);
                let mut grads = start.clone();
                Kernel::detect().accumulate(&mut grads, &coeffs, &x);
                for k in 0..classes {
                    for j in 0..d {
                        let expected = coeffs[k].mul_add(x[j], start[k * d + j]);
                        assert_eq!(grads[k * d + j].to_bits(), expected.to_bits());
                    }
                }
            }
        }
    }

    #[test]
    fn the_vector_and_portable_kernels_give_identical_bits() {
        let detected = Kernel::detect();
        if detected == Kernel::Portable {
            eprintln!("no vector kernel on this CPU: nothing to compare");
            return;
        }
        let mut rng = Rng::new(3);
        for classes in 1..=9 {
            for d in LENGTHS {
                // Mixed magnitudes make any difference in summation order visible.
                let weights = random(&mut rng, classes * d, 1e3);
                let x = random(&mut rng, d, 1e-2);
                let (mut fast, mut slow) = (vec![0.0; classes], vec![0.0; classes]);
                detected.logits(&weights, &x, &mut fast);
                Kernel::Portable.logits(&weights, &x, &mut slow);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast), bits(&slow), "{classes} classes, {d} features");
                let coeffs = random(&mut rng, classes, 1.0);
                let (mut fast, mut slow) = (weights.clone(), weights.clone());
                detected.accumulate(&mut fast, &coeffs, &x);
                Kernel::Portable.accumulate(&mut slow, &coeffs, &x);
                assert_eq!(bits(&fast), bits(&slow));
            }
        }
    }

    #[test]
    fn huge_features_give_finite_logits() {
        // Random-weight networks emit features near 1e10; 2,048 of them times weights
        // near 1e3 stay far below f32::MAX (3.4e38).
        let d = 2048;
        let x = vec![1e10f32; d];
        let weights = vec![1e3f32; 3 * d];
        let mut logits = [0.0; 3];
        Kernel::detect().logits(&weights, &x, &mut logits);
        assert!(logits.iter().all(|l| l.is_finite() && *l > 2e16));
    }
}
