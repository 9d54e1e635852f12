//! Numerically stable softmax and cross-entropy.
//!
//! The row maximum is subtracted before exponentiating, so the largest term is
//! `exp(0) = 1` and nothing overflows even for logits near 1e25 (features near 1e10
//! times trained weights). The work is done in `f64`: there are only a few classes, and
//! `f64` keeps probabilities near 1 distinguishable from 1.

/// Writes `softmax(logits)` into `probabilities` and returns `log(sum(exp(logits)))`,
/// from which the cross-entropy of class `y` is `log_sum_exp - logits[y]`.
///
/// Logits must be finite (training checks them first); the result is then finite,
/// every probability lies in `[0, 1]`, and they sum to 1 up to rounding.
pub(crate) fn softmax(logits: &[f32], probabilities: &mut [f64]) -> f64 {
    let max = logits
        .iter()
        .fold(f64::NEG_INFINITY, |m, &l| m.max(f64::from(l)));
    let mut sum = 0.0;
    for (p, &l) in probabilities.iter_mut().zip(logits) {
        *p = (f64::from(l) - max).exp();
        sum += *p;
    }
    // sum >= 1 because the maximum contributes exp(0).
    for p in probabilities.iter_mut() {
        *p /= sum;
    }
    max + sum.ln()
}

/// The index of the largest value; the lowest index wins a tie, so a prediction never
/// depends on anything but the values.
pub(crate) fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate().skip(1) {
        if v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_of_equal_logits_is_uniform() {
        let mut p = [0.0; 4];
        let lse = softmax(&[2.0; 4], &mut p);
        assert_eq!(p, [0.25; 4]);
        assert!((lse - (2.0 + 4f64.ln())).abs() < 1e-12);
    }

    #[test]
    fn softmax_of_huge_logits_is_finite_and_sums_to_one() {
        let cases: [[f32; 3]; 4] = [
            [1e25, -1e25, 0.0],
            [3e38, 3e38, -3e38],
            [1e10, 1e10 + 1e4, 1e10 - 1e4],
            [-1e30, -1e30, -1e30],
        ];
        for logits in cases {
            let mut p = [0.0; 3];
            let lse = softmax(&logits, &mut p);
            assert!(lse.is_finite(), "{logits:?}");
            assert!(p.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x)));
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let loss = lse - f64::from(logits[1]);
            assert!(loss.is_finite() && loss >= 0.0);
        }
    }

    #[test]
    fn argmax_takes_the_lowest_index_on_a_tie() {
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
        assert_eq!(argmax(&[0.5, 0.1, 0.4]), 0);
        assert_eq!(argmax(&[1.0 / 3.0; 3]), 0);
    }
}
