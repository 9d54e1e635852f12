//! SplitMix64 (Steele, Lea and Flood, 2014): the one copy of the generator that `learn`
//! (to expand seeds into xoshiro256** states), `synth` (every cohort's random numbers) and
//! `report_page` (its sample study) build on. It sits at the bottom of the module graph so
//! that siblings share it without depending on each other.
//!
//! Written out rather than taken from a crate so that a dependency upgrade can never change
//! a split, an initial weight or a generated cohort (and through them every cache key).
//!
//! Invariant: the sequence is a pure function of the starting state; each call advances the
//! state by the golden-ratio increment and returns its finalized value.

/// A SplitMix64 generator: one 64-bit add and a finalizer per draw.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub const fn new(state: u64) -> Self {
        SplitMix64 { state }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // Output of the published C code (Vigna's splitmix64.c) seeded with 1234567.
        let mut generator = SplitMix64::new(1234567);
        let expected: [u64; 5] = [
            6457827717110365317,
            3203168211198807973,
            9817491932198370423,
            4593380528125082431,
            16408922859458223821,
        ];
        for value in expected {
            assert_eq!(generator.next_u64(), value);
        }
    }
}
