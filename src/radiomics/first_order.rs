//! First-order statistics (PyRadiomics `firstorder`), on the lesion's raw intensities.
//!
//! Entropy and Uniformity read the binned histogram; everything else the raw values. Variance
//! uses ddof 0, Kurtosis is Pearson's (3 for a normal), Skewness and Kurtosis are 0 for a flat
//! lesion, percentiles interpolate linearly (numpy's default).

use super::numpy_sum::{sum, sum_map};
use super::roi::Roi;

/// `numpy.spacing(1)`, PyRadiomics' guard inside every logarithm.
pub const EPS: f64 = f64::EPSILON;

/// Feature values in [`super::feature_names::FIRST_ORDER`] order.
pub fn features(roi: &Roi, voxel_array_shift: f64) -> Vec<f64> {
    let x = &roi.values;
    let n = x.len() as f64;
    let mut scratch = Vec::with_capacity(x.len());
    let mut sorted = x.clone();
    sorted.sort_by(f64::total_cmp);

    let mean = sum(x) / n;
    let moment = |k: i32, scratch: &mut Vec<f64>| sum_map(x, scratch, |v| (v - mean).powi(k)) / n;
    let m2 = moment(2, &mut scratch);
    let m3 = moment(3, &mut scratch);
    let m4 = moment(4, &mut scratch);
    let (skewness, kurtosis) = if m2 == 0.0 {
        (0.0, 0.0)
    } else {
        (m3 / m2.powf(1.5), m4 / (m2 * m2))
    };
    let energy = sum_map(x, &mut scratch, |v| (v + voxel_array_shift).powi(2));
    let [sz, sy, sx] = roi.spacing;
    let total_energy = energy * (sx * sy * sz);

    // Histogram of the bins present.
    let mut counts = vec![0usize; roi.max_bin as usize + 1];
    for (&b, &m) in roi.bins.iter().zip(&roi.mask) {
        if m {
            counts[b as usize] += 1;
        }
    }
    let p: Vec<f64> = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| c as f64 / n)
        .collect();
    let entropy = -sum_map(&p, &mut scratch, |p| p * (p + EPS).log2());
    let uniformity = sum_map(&p, &mut scratch, |p| p * p);

    let p10 = percentile(&sorted, 10.0);
    let p90 = percentile(&sorted, 90.0);
    let minimum = sorted[0];
    let maximum = sorted[sorted.len() - 1];
    let mad = sum_map(x, &mut scratch, |v| (v - mean).abs()) / n;
    let robust: Vec<f64> = x
        .iter()
        .copied()
        .filter(|&v| !(v - p10 < 0.0 || v - p90 > 0.0))
        .collect();
    let robust_mean = sum(&robust) / robust.len() as f64;
    let robust_mad =
        sum_map(&robust, &mut scratch, |v| (v - robust_mean).abs()) / robust.len() as f64;
    let rms = (energy / n).sqrt();
    let variance = m2.sqrt().powi(2);

    vec![
        p10,
        p90,
        energy,
        entropy,
        percentile(&sorted, 75.0) - percentile(&sorted, 25.0),
        kurtosis,
        maximum,
        mad,
        mean,
        median(&sorted),
        minimum,
        maximum - minimum,
        robust_mad,
        rms,
        skewness,
        total_energy,
        uniformity,
        variance,
    ]
}

/// numpy's `percentile(..., method="linear")` on sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let virtual_index = (q / 100.0) * (n - 1) as f64;
    let below = virtual_index.floor();
    let gamma = virtual_index - below;
    let lo = below as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    // numpy's `_lerp`: from the nearer end so that gamma 0 and 1 return the ends exactly.
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_linearly_as_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(percentile(&v, 10.0), 1.4);
        assert_eq!(percentile(&v, 90.0), 7.6000000000000005);
        assert_eq!(percentile(&v, 50.0), 3.0);
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), 2.5);
    }
}
