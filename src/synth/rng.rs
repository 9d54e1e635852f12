//! The cohort's own random numbers: SplitMix64 ([`crate::splitmix64`]) and the draws a
//! cohort needs from it.
//!
//! Kept in the crate rather than taken from a crate so that the generated files stay
//! byte-identical across dependency upgrades: a crate may change its algorithms,
//! and a changed cohort would change every downstream cache key. Each patient gets
//! its own stream, derived from the seed and the patient's index, so the output does
//! not depend on how rayon schedules patients.

use crate::splitmix64::SplitMix64;

/// SplitMix64 draws shaped for a cohort: one 64-bit add and a finalizer per draw, fast
/// enough for per-voxel noise.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    source: SplitMix64,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng {
            source: SplitMix64::new(seed),
        }
    }

    /// An independent stream for `(seed, stream)`: the pair is mixed through the
    /// finalizer so neighbouring streams do not start on overlapping sequences.
    pub fn stream(seed: u64, stream: u64) -> Rng {
        let mut mixer = Rng::new(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        let _ = mixer.next_u64();
        Rng::new(mixer.next_u64() ^ stream)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.source.next_u64()
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[low, high)`.
    pub fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform integer in `low..=high`.
    pub fn int(&mut self, low: usize, high: usize) -> usize {
        let span = (high - low + 1) as u64;
        low + (self.next_u64() % span) as usize
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An approximately standard normal value: the sum of four 16-bit uniforms
    /// (Irwin-Hall), centred and scaled. One draw per value keeps per-voxel noise
    /// cheap; the tails stop at about 3.5 sigma, which image noise does not miss.
    pub fn gauss(&mut self) -> f32 {
        let bits = self.next_u64();
        let sum =
            (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48);
        // Four uniforms on 0..65535: mean 2 * 65535, variance 4 * 65536^2 / 12.
        (sum as f32 - 131_070.0) * (1.0 / 37_837.2)
    }

    /// Two approximately standard normal values from one draw: each the sum of
    /// four byte-sized uniforms, centred and scaled. Coarser than [`Rng::gauss`]
    /// (1021 levels), which is far finer than the integer voxels it perturbs, and
    /// half the cost per value: this is the per-voxel noise of every scan.
    pub fn gauss_pair(&mut self) -> (f32, f32) {
        let bits = self.next_u64();
        let byte_sum = |word: u64| {
            ((word & 0xFF) + ((word >> 8) & 0xFF) + ((word >> 16) & 0xFF) + ((word >> 24) & 0xFF))
                as f32
        };
        // Four uniforms on 0..255: mean 510, variance 4 * (256^2 - 1) / 12.
        const SCALE: f32 = 1.0 / 147.799;
        (
            (byte_sum(bits) - 510.0) * SCALE,
            (byte_sum(bits >> 32) - 510.0) * SCALE,
        )
    }

    /// A random unit vector, uniform on the sphere.
    pub fn unit_vector(&mut self) -> [f64; 3] {
        let z = self.range(-1.0, 1.0);
        let angle = self.range(0.0, std::f64::consts::TAU);
        let r = (1.0 - z * z).sqrt();
        [r * angle.cos(), r * angle.sin(), z]
    }

    /// Shuffles in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.int(0, i);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence_and_streams_differ() {
        let draw = |mut rng: Rng| (0..4).map(|_| rng.next_u64()).collect::<Vec<_>>();
        assert_eq!(draw(Rng::stream(7, 1)), draw(Rng::stream(7, 1)));
        assert_ne!(draw(Rng::stream(7, 1)), draw(Rng::stream(7, 2)));
        assert_ne!(draw(Rng::stream(7, 1)), draw(Rng::stream(8, 1)));
    }

    #[test]
    fn patient_streams_are_the_ones_every_generated_cohort_came_from() {
        // First outputs as computed by this file before SplitMix64 moved to
        // `crate::splitmix64` (commit 2096835): a changed stream changes every cohort.
        let head = |mut rng: Rng| {
            [
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
            ]
        };
        assert_eq!(
            head(Rng::stream(7, 1)),
            [
                6442404937792596989,
                10987487615089393045,
                17062149833399102736,
                10208280939132484796
            ]
        );
        assert_eq!(
            head(Rng::stream(2024, 0)),
            [
                9043273213787567450,
                6461650360452056691,
                6293296413397497167,
                9364749123896916314
            ]
        );
    }

    #[test]
    fn splitmix64_matches_its_reference_values() {
        // Reference output of SplitMix64 seeded with 1234567 (from the published C code).
        let mut rng = Rng::new(1234567);
        let expected = [
            6457827717110365317u64,
            3203168211198807973,
            9817491932198370423,
        ];
        for value in expected {
            assert_eq!(rng.next_u64(), value);
        }
    }

    #[test]
    fn gaussian_draws_have_mean_zero_and_unit_variance() {
        let mut rng = Rng::new(3);
        let n = 200_000;
        let values: Vec<f64> = (0..n).map(|_| f64::from(rng.gauss())).collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.02, "variance {variance}");
    }

    #[test]
    fn paired_gaussian_draws_have_mean_zero_unit_variance_and_no_correlation() {
        let mut rng = Rng::new(5);
        let n = 200_000;
        let pairs: Vec<(f64, f64)> = (0..n)
            .map(|_| {
                let (a, b) = rng.gauss_pair();
                (f64::from(a), f64::from(b))
            })
            .collect();
        for values in [
            pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
            pairs.iter().map(|p| p.1).collect(),
        ] {
            let mean = values.iter().sum::<f64>() / n as f64;
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
            assert!(mean.abs() < 0.01, "mean {mean}");
            assert!((variance - 1.0).abs() < 0.02, "variance {variance}");
        }
        let correlation = pairs.iter().map(|(a, b)| a * b).sum::<f64>() / n as f64;
        assert!(correlation.abs() < 0.01, "correlation {correlation}");
    }

    #[test]
    fn ranges_stay_inside_their_bounds() {
        let mut rng = Rng::new(11);
        for _ in 0..10_000 {
            let v = rng.range(-2.0, 3.0);
            assert!((-2.0..3.0).contains(&v));
            let i = rng.int(4, 6);
            assert!((4..=6).contains(&i));
            let u = rng.unit_vector();
            assert!(((u[0] * u[0] + u[1] * u[1] + u[2] * u[2]) - 1.0).abs() < 1e-12);
        }
    }
}
