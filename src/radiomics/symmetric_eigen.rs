//! Eigenvalues of a small symmetric matrix.
//!
//! Shape features need the eigenvalues of a 2x2 or 3x3 covariance, and GLCM's MCC those of an
//! `Ng x Ng` matrix (Ng up to a few hundred) similar to a symmetric one. Householder
//! tridiagonalization and implicit QL (`tred2`/`tqli` without eigenvectors) cost `4/3 n^3`;
//! cyclic Jacobi, a few times slower, is kept for 2x2 and 3x3 and as the fallback should QL not
//! converge. Both sit within 1e-12 of LAPACK's `dgeev` that numpy calls; a linear-algebra crate
//! (with its BLAS or its compile time) would be a large dependency for this one use.

/// Eigenvalues of the symmetric `n x n` matrix `a` (row-major, only read), ascending.
pub fn eigenvalues(a: &[f64], n: usize) -> Vec<f64> {
    if n > 3
        && let Some(mut values) = tridiagonal_ql(a, n)
    {
        values.sort_by(f64::total_cmp);
        return values;
    }
    jacobi(a, n)
}

/// Householder reduction to tridiagonal form, then implicit QL; `None` if QL stalls.
fn tridiagonal_ql(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut a = a.to_vec();
    let at = |i: usize, j: usize| i * n + j;
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n];
    for i in (1..n).rev() {
        let l = i - 1;
        let mut h = 0.0;
        if l > 0 {
            let scale: f64 = (0..=l).map(|k| a[at(i, k)].abs()).sum();
            if scale == 0.0 {
                e[i] = a[at(i, l)];
            } else {
                for k in 0..=l {
                    a[at(i, k)] /= scale;
                    h += a[at(i, k)] * a[at(i, k)];
                }
                let f = a[at(i, l)];
                let g = if f >= 0.0 { -h.sqrt() } else { h.sqrt() };
                e[i] = scale * g;
                h -= f * g;
                a[at(i, l)] = f - g;
                let mut f = 0.0;
                for j in 0..=l {
                    let mut g = 0.0;
                    for k in 0..=j {
                        g += a[at(j, k)] * a[at(i, k)];
                    }
                    for k in (j + 1)..=l {
                        g += a[at(k, j)] * a[at(i, k)];
                    }
                    e[j] = g / h;
                    f += e[j] * a[at(i, j)];
                }
                let hh = f / (h + h);
                for j in 0..=l {
                    let f = a[at(i, j)];
                    let g = e[j] - hh * f;
                    e[j] = g;
                    for k in 0..=j {
                        a[at(j, k)] -= f * e[k] + g * a[at(i, k)];
                    }
                }
            }
        } else {
            e[i] = a[at(i, l)];
        }
        d[i] = h;
    }
    for (i, v) in d.iter_mut().enumerate() {
        *v = a[at(i, i)];
    }
    // Implicit QL on the tridiagonal (d: diagonal, e: sub-diagonal shifted down by one).
    e.copy_within(1..n, 0);
    e[n - 1] = 0.0;
    for l in 0..n {
        let mut iterations = 0;
        loop {
            let mut m = l;
            while m < n - 1 {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            iterations += 1;
            if iterations > 60 {
                return None;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut i = m as isize - 1;
            let mut underflow = false;
            while i >= l as isize {
                let iu = i as usize;
                let f = s * e[iu];
                let b = c * e[iu];
                r = f.hypot(g);
                e[iu + 1] = r;
                if r == 0.0 {
                    d[iu + 1] -= p;
                    e[m] = 0.0;
                    underflow = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[iu + 1] - p;
                r = (d[iu] - g) * s + 2.0 * c * b;
                p = s * r;
                d[iu + 1] = g + p;
                g = c * r - b;
                i -= 1;
            }
            if underflow {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    Some(d)
}

/// Cyclic Jacobi rotations, ascending eigenvalues.
fn jacobi(a: &[f64], n: usize) -> Vec<f64> {
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
    fn ql_and_jacobi_agree_on_random_symmetric_matrices() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for n in [4, 5, 9, 17, 40] {
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in i..n {
                    let v = next();
                    a[i * n + j] = v;
                    a[j * n + i] = v;
                }
            }
            // A rank-deficient matrix too, as a GLCM's Q often is.
            let mut b = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    b[i * n + j] = a[i] * a[j];
                }
            }
            for m in [&a, &b] {
                let mut ql = tridiagonal_ql(m, n).expect("QL converges");
                ql.sort_by(f64::total_cmp);
                let jac = jacobi(m, n);
                for (x, y) in ql.iter().zip(&jac) {
                    assert!((x - y).abs() < 1e-12, "n = {n}: {ql:?} vs {jac:?}");
                }
            }
        }
    }

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
