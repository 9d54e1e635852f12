//! numpy's pairwise summation, so that sums over a lesion round as PyRadiomics' do.
//!
//! numpy adds a contiguous float64 array in blocks of 128 with eight running partial sums and
//! halves longer arrays recursively (`pairwise_sum` in numpy's loops). Using the same order
//! keeps first-order features on the same side of every rounding as the reference.

const BLOCK: usize = 128;

/// Sum of `values` in numpy's order.
pub fn sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in values {
            res += v;
        }
        res
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&values[..8]);
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for j in 0..8 {
                r[j] += values[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &values[whole..] {
            res += v;
        }
        res
    } else {
        let mut half = n / 2;
        half -= half % 8;
        sum(&values[..half]) + sum(&values[half..])
    }
}

/// Sum of `f(v)` over `values`, in numpy's order (through a scratch buffer).
pub fn sum_map(values: &[f64], scratch: &mut Vec<f64>, f: impl Fn(f64) -> f64) -> f64 {
    scratch.clear();
    scratch.extend(values.iter().map(|&v| f(v)));
    sum(scratch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_equals_the_exact_sum_on_integers() {
        for n in [0, 1, 7, 8, 9, 127, 128, 129, 1000] {
            let v: Vec<f64> = (0..n).map(|i| i as f64).collect();
            assert_eq!(sum(&v), (n * (n.max(1) - 1) / 2) as f64, "n = {n}");
        }
    }
}
