//! Fixed-bin-width discretization, as PyRadiomics' `getBinEdges` + `numpy.digitize`.
//!
//! Edges are `low, low + w, low + 2w, ...` with `low = min - (min mod w)` over the lesion's
//! intensities; a value's bin is the number of edges at or below it (1-based). numpy's
//! `arange` builds edge `k` as `low + k * ((low + w) - low)`; the same expression is used here
//! so that a value on an edge lands in the same bin.

use super::intensity::Intensity;

/// The bin (1-based) of each value, and the highest bin present.
pub struct Binned {
    pub bins: Vec<u32>,
    pub max_bin: u32,
}

/// Bins `values` (the lesion's intensities, in any order) with width `bin_width`.
/// `values` must not be empty.
pub fn bin<T: Intensity>(values: &[T], as_f64: &[f64], bin_width: f64) -> Binned {
    let (mut min_i, mut min_v) = (0, f64::INFINITY);
    for (i, &v) in as_f64.iter().enumerate() {
        if v < min_v {
            min_v = v;
            min_i = i;
        }
    }
    let low = T::bin_floor(values[min_i], bin_width);
    let delta = (low + bin_width) - low;
    let edge = |k: i64| if k == 0 { low } else { low + k as f64 * delta };
    let mut max_bin = 1;
    let bins = as_f64
        .iter()
        .map(|&v| {
            // A first guess from the division, then corrected against the edges themselves.
            let mut k = ((v - low) / delta).floor() as i64;
            k = k.max(0);
            while k > 0 && edge(k) > v {
                k -= 1;
            }
            while edge(k + 1) <= v {
                k += 1;
            }
            let b = (k + 1) as u32;
            max_bin = max_bin.max(b);
            b
        })
        .collect();
    Binned { bins, max_bin }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins_of(values: &[i16]) -> Vec<u32> {
        let f: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        bin(values, &f, 25.0).bins
    }

    #[test]
    fn bins_follow_the_pyradiomics_example() {
        // PyRadiomics' docstring: values 54..166 with width 25 give edges 50, 75, ... 175.
        assert_eq!(bins_of(&[54, 74, 75, 99, 100, 166]), vec![1, 1, 2, 2, 3, 5]);
    }

    #[test]
    fn negative_values_and_a_flat_region_bin_from_one() {
        assert_eq!(bins_of(&[-37, -26, -25, 0, 12]), vec![1, 1, 2, 3, 3]);
        assert_eq!(bins_of(&[50, 50, 50]), vec![1, 1, 1]);
    }
}
