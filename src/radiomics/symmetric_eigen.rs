//! Eigenvalues of a small symmetric matrix (cyclic Jacobi rotations).
//!
//! Shape features need the eigenvalues of a 2x2 or 3x3 covariance, and GLCM's MCC those of an
//! `Ng x Ng` matrix similar to a symmetric one. Jacobi is accurate to a few ulps of the largest
//! eigenvalue, enough to sit within 1e-12 of LAPACK's `dgeev` that numpy calls; a linear-algebra
//! crate (with its BLAS or its compile time) would be a large dependency for this one use.

/// Eigenvalues of the symmetric `n x n` matrix `a` (row-major, only read), ascending.
pub fn eigenvalues(a: &[f64], n: usize) -> Vec<f64> {
    let mut m = a.to_vec();
    for _sweep in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|p| ((p + 1)..n).map(move |q| (p, q)))
            .map(|(p, q)| m[p * n + q] * m[p * n + q])
            .sum();
        if off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in (p + 1)..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let app = m[p * n + p];
                let aqq = m[q * n + q];
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = m[k * n + p];
                    let akq = m[k * n + q];
                    m[k * n + p] = c * akp - s * akq;
                    m[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = m[p * n + k];
                    let aqk = m[q * n + k];
                    m[p * n + k] = c * apk - s * aqk;
                    m[q * n + k] = s * apk + c * aqk;
                }
                m[p * n + q] = 0.0;
                m[q * n + p] = 0.0;
            }
        }
    }
    let mut values: Vec<f64> = (0..n).map(|i| m[i * n + i]).collect();
    values.sort_by(f64::total_cmp);
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_of_known_matrices() {
        let e = eigenvalues(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((e[0] - 1.0).abs() < 1e-15 && (e[1] - 3.0).abs() < 1e-15);
        // [[4,1,0],[1,3,1],[0,1,2]] has eigenvalues 3 and 3 +- sqrt(3).
        let e = eigenvalues(&[4.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0], 3);
        let expected = [3.0 - 3f64.sqrt(), 3.0, 3.0 + 3f64.sqrt()];
        for (a, b) in e.iter().zip(expected) {
            assert!((a - b).abs() < 1e-14, "{e:?}");
        }
    }
}
