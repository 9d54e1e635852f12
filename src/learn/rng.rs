//! A small deterministic pseudo-random generator, kept in the crate so that a dependency
//! upgrade can never change a split, a batch order or an initial weight.
//!
//! The generator is xoshiro256** (Blackman and Vigna, 2018): 256 bits of state, period
//! 2^256 - 1, fast, and good on every statistical test suite. Its state is filled by
//! SplitMix64, as the authors recommend, so that any 64-bit seed (0 included) gives a
//! well-mixed, non-zero state.
//!
//! Invariants: the output sequence is a pure function of `(seed, stream)`; every method
//! consumes a documented number of raw outputs (integers below `n` by rejection, so the
//! count varies but is itself deterministic); no method depends on the platform except
//! [`Rng::normal`], whose `ln`, `sqrt` and `cos` come from the system's math library.

use crate::splitmix64::SplitMix64;

/// The xoshiro256** generator.
#[derive(Debug, Clone)]
pub struct Rng {
    state: [u64; 4],
}

impl Rng {
    /// The generator for `seed` on stream 0.
    pub fn new(seed: u64) -> Self {
        Self::with_stream(seed, 0)
    }

    /// An independent generator for each `(seed, stream)` pair, so that one user seed
    /// can drive the split, the batch order and the initialization without the three
    /// sharing (and so coupling) one sequence.
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        // Both numbers pass through the mixer, so nearby seeds and nearby streams land
        // far apart and a collision is as unlikely as a 64-bit hash collision.
        let mixed_seed = SplitMix64::new(seed).next_u64();
        let mut expander = SplitMix64::new(mixed_seed ^ stream);
        let state = [
            expander.next_u64(),
            expander.next_u64(),
            expander.next_u64(),
            expander.next_u64(),
        ];
        Self { state }
    }

    #[cfg(test)]
    fn from_state(state: [u64; 4]) -> Self {
        Self { state }
    }

    /// The next raw 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n` without modulo bias (Lemire's multiply-and-reject,
    /// 2019): the high half of a 128-bit product picks the value, and the few low
    /// halves that would make some values more likely are rejected and redrawn.
    ///
    /// `n == 0` has no valid answer and returns 0, so callers need no special case
    /// for empty ranges they never index.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let mut product = u128::from(self.next_u64()) * u128::from(n);
        let mut low = product as u64;
        if low < n {
            // 2^64 mod n, computed without 128-bit division.
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                product = u128::from(self.next_u64()) * u128::from(n);
                low = product as u64;
            }
        }
        (product >> 64) as u64
    }

    /// A uniform index in `0..n`; see [`Rng::below`].
    pub fn index(&mut self, n: usize) -> usize {
        // usize is at most 64 bits on every supported target, so both casts are exact.
        self.below(n as u64) as usize
    }

    /// A uniform `f64` in `[0, 1)`: the top 53 bits of one output, so every value is
    /// a multiple of 2^-53 and all are equally likely.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal deviate by the Box-Muller transform; consumes two outputs
    /// and uses the cosine branch only, so each call is independent of the last.
    pub fn normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let radius = (-2.0 * (1.0 - self.unit_f64()).ln()).sqrt();
        let angle = std::f64::consts::TAU * self.unit_f64();
        radius * angle.cos()
    }

    /// Fisher-Yates (Durstenfeld) shuffle: every permutation equally likely; consumes
    /// one bounded draw per position from the end down to index 1.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for last in (1..items.len()).rev() {
            let pick = self.index(last + 1);
            items.swap(last, pick);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro256starstar_matches_the_reference_sequence() {
        // First outputs of the reference C implementation from state [1, 2, 3, 4].
        let mut rng = Rng::from_state([1, 2, 3, 4]);
        let expected: [u64; 10] = [
            11520,
            0,
            1509978240,
            1215971899390074240,
            1216172134540287360,
            607988272756665600,
            16172922978634559625,
            8476171486693032832,
            10595114339597558777,
            2904607092377533576,
        ];
        for value in expected {
            assert_eq!(rng.next_u64(), value);
        }
    }

    #[test]
    fn seeded_streams_are_the_ones_cached_splits_and_heads_came_from() {
        // First outputs as computed by this file before SplitMix64 moved to
        // `crate::splitmix64` (commit 2096835): every split, batch order and initial
        // weight in a cache or lock file depends on them.
        let head = |mut rng: Rng| {
            [
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
            ]
        };
        assert_eq!(
            head(Rng::with_stream(42, 7)),
            [
                4706337660387043474,
                7176503324466537499,
                7095120617914164589,
                10855950319834949948
            ]
        );
        assert_eq!(
            head(Rng::new(0)),
            [
                18110106563157542208,
                8650457082529208451,
                3032169436225125478,
                5211024849135804362
            ]
        );
    }

    #[test]
    fn the_same_seed_and_stream_give_the_same_sequence() {
        let mut a = Rng::with_stream(42, 7);
        let mut b = Rng::with_stream(42, 7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn different_seeds_or_streams_give_different_sequences() {
        let draw = |seed, stream| {
            let mut rng = Rng::with_stream(seed, stream);
            [rng.next_u64(), rng.next_u64()]
        };
        assert_ne!(draw(1, 0), draw(1, 1));
        assert_ne!(draw(0, 0), draw(1, 0));
        assert_eq!(draw(5, 0), {
            let mut rng = Rng::new(5);
            [rng.next_u64(), rng.next_u64()]
        });
    }

    #[test]
    fn below_stays_in_range_and_hits_every_value() {
        let mut rng = Rng::new(3);
        for n in [1u64, 2, 3, 7, 10, 1000] {
            let mut seen = vec![false; n as usize];
            for _ in 0..20_000 {
                let v = rng.below(n);
                assert!(v < n);
                seen[v as usize] = true;
            }
            assert!(
                seen.iter().all(|&s| s),
                "not every value below {n} was drawn"
            );
        }
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn below_is_unbiased_for_a_range_that_does_not_divide_two_to_the_64() {
        // With n = 3 * 2^62, plain `x % n` would make the lowest quarter of values twice
        // as likely: the lower third would receive half of all draws instead of a third.
        let n = 3u64 << 62;
        let mut rng = Rng::new(11);
        let draws = 30_000;
        let low = (0..draws).filter(|_| rng.below(n) < n / 3).count();
        let fraction = low as f64 / draws as f64;
        assert!((fraction - 1.0 / 3.0).abs() < 0.02, "fraction {fraction}");
    }

    #[test]
    fn unit_f64_lies_in_the_half_open_unit_interval_with_mean_one_half() {
        let mut rng = Rng::new(5);
        let mut sum = 0.0;
        for _ in 0..100_000 {
            let u = rng.unit_f64();
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        assert!((sum / 100_000.0 - 0.5).abs() < 0.01);
    }

    #[test]
    fn normal_has_mean_zero_and_unit_variance() {
        let mut rng = Rng::new(9);
        let n = 100_000;
        let draws: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.02, "variance {variance}");
        assert!(draws.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn shuffle_is_a_permutation_and_every_position_is_reachable() {
        let mut rng = Rng::new(13);
        let mut first_item_positions = [0usize; 5];
        for _ in 0..5_000 {
            let mut items = [0, 1, 2, 3, 4];
            rng.shuffle(&mut items);
            let mut sorted = items;
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3, 4]);
            let position = items.iter().position(|&v| v == 0).unwrap_or(usize::MAX);
            first_item_positions[position] += 1;
        }
        // Each position should get about 1,000 of 5,000 draws.
        assert!(
            first_item_positions
                .iter()
                .all(|&c| (800..1200).contains(&c))
        );
    }
}
