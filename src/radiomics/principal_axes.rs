//! Eigenvalues of the covariance of a lesion's voxel centres (PyRadiomics' shape classes).

use super::symmetric_eigen::eigenvalues;

/// Covariance eigenvalues of `points` (physical coordinates), ascending. Values in
/// `(-1e-10, 0)` are rounding and become 0, as PyRadiomics does; larger negatives stay.
pub fn principal_axes<const D: usize>(points: &[[f64; D]]) -> [f64; D] {
    let n = points.len() as f64;
    let mut mean = [0.0; D];
    for p in points {
        for d in 0..D {
            mean[d] += p[d];
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let root = n.sqrt();
    let mut cov = vec![0.0; D * D];
    for p in points {
        let c: [f64; D] = std::array::from_fn(|d| (p[d] - mean[d]) / root);
        for r in 0..D {
            for s in 0..D {
                cov[r * D + s] += c[r] * c[s];
            }
        }
    }
    let values = eigenvalues(&cov, D);
    std::array::from_fn(|d| {
        let e = values[d];
        if e < 0.0 && e > -1e-10 { 0.0 } else { e }
    })
}
