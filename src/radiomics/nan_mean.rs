//! numpy's `nanmean` over a handful of per-offset values.

/// Mean of the values that are not NaN; NaN when there is none.
pub fn nan_mean(values: &[f64]) -> f64 {
    let (sum, count) = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}
