//! "Nice" axis ranges and tick labels: steps of 1, 2, 2.5 or 5 times a power of ten,
//! bounds on a tick, labels with just enough decimals to tell ticks apart.

/// Ticks of one axis: `lo` and `hi` are the axis bounds, both multiples of `step`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub values: Vec<f64>,
    /// Decimals that tell every tick apart, for labels.
    pub decimals: usize,
}

impl Ticks {
    /// Ticks covering `lo..=hi` with about `target` intervals (at least 1), never
    /// leaving `limits` when given. Empty or reversed ranges are widened around `lo`.
    pub fn covering(lo: f64, hi: f64, target: usize, limits: Option<(f64, f64)>) -> Ticks {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.05 };
            (lo - pad, lo + pad)
        };
        let step = nice_step((hi - lo) / target.max(1) as f64);
        // A small tolerance so 0.9300000001 does not push the bound a whole step out.
        let tolerance = step * 1e-9;
        let mut first = ((lo + tolerance) / step).floor() * step;
        let mut last = ((hi - tolerance) / step).ceil() * step;
        if let Some((min, max)) = limits {
            first = first.max(min);
            last = last.min(max);
        }
        let count = ((last - first) / step).round() as usize;
        let values = (0..=count)
            .map(|i| clean(first + i as f64 * step))
            .collect();
        Ticks {
            lo: clean(first),
            hi: clean(last),
            step,
            values,
            decimals: decimals_for(step),
        }
    }

    /// The tightest [`Ticks::covering`] with 4 to `max_intervals` intervals: the
    /// least empty space, then the fewest ticks. Plots of accuracies between 0.39 and
    /// 1.0 get 0.3..1.0 in steps of 0.1 rather than 0.2..1.0 in steps of 0.2. At
    /// least four intervals, so that an axis never reads as three odd labels.
    pub fn tight(lo: f64, hi: f64, max_intervals: usize, limits: Option<(f64, f64)>) -> Ticks {
        (4..=max_intervals.max(4))
            .map(|target| Ticks::covering(lo, hi, target, limits))
            .filter(|ticks| ticks.values.len() > 4)
            .min_by(|a, b| {
                let span = |t: &Ticks| t.hi - t.lo;
                span(a)
                    .total_cmp(&span(b))
                    .then(a.values.len().cmp(&b.values.len()))
            })
            .unwrap_or_else(|| Ticks::covering(lo, hi, 5, limits))
    }

    pub fn label(&self, value: f64) -> String {
        format_number(value, self.decimals)
    }
}

/// The nice step nearest above `raw`: 1, 2, 2.5 or 5 times a power of ten.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&n| fraction <= n * (1.0 + 1e-9))
        .unwrap_or(10.0);
    nice * power
}

fn decimals_for(step: f64) -> usize {
    (0..=9)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(9)
}

/// Drops the float noise of `i * step` (0.30000000000000004) so labels and
/// comparisons see the intended value.
fn clean(value: f64) -> f64 {
    let cleaned = (value * 1e9).round() / 1e9;
    if cleaned == 0.0 { 0.0 } else { cleaned }
}

/// Fixed decimals, thousands grouped with commas, no "-0".
pub fn format_number(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(fraction) = fraction {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    let is_zero = text.chars().all(|c| c == '0' || c == '.');
    if value < 0.0 && !is_zero {
        format!("−{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_round_up_to_one_two_two_and_a_half_or_five() {
        let cases = [
            (0.0105, 0.02),
            (0.01, 0.01),
            (0.13, 0.2),
            (0.22, 0.25),
            (0.3, 0.5),
            (0.7, 1.0),
            (1666.0, 2000.0),
            (0.0, 1.0),
            (f64::NAN, 1.0),
        ];
        for (raw, expected) in cases {
            assert!(
                (nice_step(raw) - expected).abs() < 1e-12,
                "{raw}: {}",
                nice_step(raw)
            );
        }
    }

    #[test]
    fn accuracy_axes_get_round_bounds_that_contain_the_data() {
        type Case = (f64, f64, usize, Option<(f64, f64)>, f64, f64, f64);
        let cases: &[Case] = &[
            (0.933, 0.996, 6, Some((0.0, 1.0)), 0.92, 1.0, 0.02),
            (0.31, 0.99, 6, Some((0.0, 1.0)), 0.2, 1.0, 0.2),
            (0.0, 10_000.0, 5, None, 0.0, 10_000.0, 2_000.0),
            (0.0, 9_900.0, 5, None, 0.0, 10_000.0, 2_000.0),
            (0.5, 0.5, 4, Some((0.0, 1.0)), 0.46, 0.54, 0.02),
        ];
        for &(lo, hi, target, limits, want_lo, want_hi, want_step) in cases {
            let ticks = Ticks::covering(lo, hi, target, limits);
            assert!(
                (ticks.lo - want_lo).abs() < 1e-9
                    && (ticks.hi - want_hi).abs() < 1e-9
                    && (ticks.step - want_step).abs() < 1e-9,
                "{lo}..{hi}: {ticks:?}"
            );
            assert!(ticks.lo <= lo && ticks.hi >= hi);
        }
    }

    #[test]
    fn tight_ticks_waste_the_least_space() {
        let cases = [
            (0.39, 1.0, 0.3, 1.0, 0.1),
            (0.933, 0.996, 0.93, 1.0, 0.01),
            (0.478, 1.0, 0.4, 1.0, 0.1),
            (0.9267, 0.996, 0.92, 1.0, 0.02),
        ];
        for (lo, hi, want_lo, want_hi, want_step) in cases {
            let ticks = Ticks::tight(lo, hi, 8, Some((0.0, 1.0)));
            assert!(
                (ticks.lo - want_lo).abs() < 1e-9
                    && (ticks.hi - want_hi).abs() < 1e-9
                    && (ticks.step - want_step).abs() < 1e-9,
                "{lo}..{hi}: {ticks:?}"
            );
        }
    }

    #[test]
    fn limits_clip_the_axis() {
        let ticks = Ticks::covering(0.95, 1.0, 10, Some((0.0, 1.0)));
        assert_eq!(ticks.hi, 1.0);
        assert_eq!(*ticks.values.last().unwrap(), 1.0);
    }

    #[test]
    fn tick_values_are_clean_multiples_of_the_step() {
        let ticks = Ticks::covering(0.2, 1.0, 8, None);
        assert_eq!(ticks.values, [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
        let labels: Vec<_> = ticks.values.iter().map(|&v| ticks.label(v)).collect();
        assert_eq!(
            labels,
            [
                "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"
            ]
        );
    }

    #[test]
    fn labels_have_the_decimals_of_the_step() {
        let cases = [(0.02, 2), (0.25, 2), (0.5, 1), (2000.0, 0), (0.001, 3)];
        for (step, decimals) in cases {
            assert_eq!(decimals_for(step), decimals, "{step}");
        }
    }

    #[test]
    fn numbers_are_grouped_by_thousands_with_a_true_minus() {
        let cases = [
            (0.0, 0, "0"),
            (10_000.0, 0, "10,000"),
            (999.0, 0, "999"),
            (1234567.891, 2, "1,234,567.89"),
            (-2500.0, 0, "−2,500"),
            (-0.0001, 2, "0.00"),
            (0.96, 3, "0.960"),
        ];
        for (value, decimals, expected) in cases {
            assert_eq!(format_number(value, decimals), expected);
        }
    }
}
