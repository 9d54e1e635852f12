//! Mean and spread of a handful of numbers (test accuracies of repeated runs).
//!
//! Both variances are kept because the study prints one without saying which: its ten
//! accuracies give a sample variance (divisor n - 1) of 0.000401 and a population
//! variance (divisor n) of 0.000360, against its printed 0.000398. The sample variance
//! is the nearer one, and the right estimate for ten splits drawn from many possible
//! ones, so the page leads with it. The printed mean, 0.960, cannot come from the
//! printed accuracies at all (their mean is 0.9611), so the study's figures hold at
//! least one misprint; see the tests.

use serde::Serialize;

/// Summary statistics of a non-empty list of finite numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub n: usize,
    pub mean: f64,
    /// Sum of squared deviations divided by n - 1; `None` for a single value.
    pub sample_variance: Option<f64>,
    /// Square root of `sample_variance`.
    pub sample_std: Option<f64>,
    /// Sum of squared deviations divided by n.
    pub population_variance: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for an empty list. Values must be finite (the study check ensures it).
    pub fn of(values: &[f64]) -> Option<Spread> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let count = n as f64;
        let mean = values.iter().sum::<f64>() / count;
        // Two passes: squaring deviations from the mean keeps precision that
        // sum(x^2) - n * mean^2 loses when the spread is small against the mean,
        // as it is for accuracies near 0.96 that differ in the third decimal.
        let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let sample_variance = (n > 1).then(|| squares / (count - 1.0));
        Some(Spread {
            n,
            mean,
            sample_variance,
            sample_std: sample_variance.map(f64::sqrt),
            population_variance: squares / count,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Table 6 of the study, in its order.
    const STUDY_ACCURACIES: [f64; 10] = [
        0.952, 0.933, 0.961, 0.955, 0.941, 0.974, 0.976, 0.943, 0.980, 0.996,
    ];

    #[test]
    fn study_accuracies_give_mean_0_961_and_sample_variance_0_000401() {
        let spread = Spread::of(&STUDY_ACCURACIES).unwrap();
        assert_eq!(spread.n, 10);
        assert_eq!(format!("{:.4}", spread.mean), "0.9611");
        assert_eq!(
            format!("{:.6}", spread.sample_variance.unwrap()),
            "0.000401"
        );
        assert_eq!(format!("{:.6}", spread.population_variance), "0.000360");
        assert_eq!(format!("{:.4}", spread.sample_std.unwrap()), "0.0200");
        assert_eq!((spread.min, spread.max), (0.933, 0.996));
    }

    #[test]
    fn the_studys_printed_mean_and_variance_are_not_reproducible_from_its_accuracies() {
        // The study prints mean 0.960 and variance 0.000398. No rounding of the
        // listed three-decimal accuracies moves their mean from 0.9611 to 0.960,
        // and neither variance rounds to 0.000398; the sample variance is nearer.
        let spread = Spread::of(&STUDY_ACCURACIES).unwrap();
        assert_ne!(format!("{:.3}", spread.mean), "0.960");
        let printed = 0.000398;
        let sample_gap = (spread.sample_variance.unwrap() - printed).abs();
        let population_gap = (spread.population_variance - printed).abs();
        assert!(sample_gap < 0.000003, "{sample_gap}");
        assert!(sample_gap < population_gap);
    }

    #[test]
    fn spreads_of_small_lists_follow_the_textbook_definitions() {
        let cases: &[(&[f64], f64, Option<f64>, f64)] = &[
            (&[0.5], 0.5, None, 0.0),
            (&[0.0, 1.0], 0.5, Some(0.5), 0.25),
            (&[1.0, 2.0, 3.0, 4.0], 2.5, Some(5.0 / 3.0), 1.25),
            (&[0.9, 0.9, 0.9], 0.9, Some(0.0), 0.0),
        ];
        for &(values, mean, sample, population) in cases {
            let spread = Spread::of(values).unwrap();
            assert!((spread.mean - mean).abs() < 1e-12, "{values:?}");
            match (spread.sample_variance, sample) {
                (Some(got), Some(want)) => assert!((got - want).abs() < 1e-12, "{values:?}"),
                (got, want) => assert_eq!(got, want, "{values:?}"),
            }
            assert!((spread.population_variance - population).abs() < 1e-12);
        }
    }

    #[test]
    fn an_empty_list_has_no_spread() {
        assert_eq!(Spread::of(&[]), None);
    }

    #[test]
    fn variance_keeps_precision_for_close_values_far_from_zero() {
        let values = [1e9 + 0.001, 1e9 + 0.002, 1e9 + 0.003];
        let spread = Spread::of(&values).unwrap();
        let variance = spread.sample_variance.unwrap();
        assert!((variance - 1e-6).abs() < 1e-9, "{variance}");
    }
}
