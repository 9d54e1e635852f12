//! Gray Level Co-occurrence Matrix features (PyRadiomics `glcm`).
//!
//! One matrix per offset (4 in-plane offsets in 2-D, 13 in 3-D at distance 1), counted as the C
//! extension `calculate_glcm` does inside the crop; rows and columns of bins absent from the
//! lesion are dropped but the others keep their bin as gray level; symmetric by default; empty
//! offsets dropped; each feature computed per offset, then averaged ignoring NaN offsets.

use super::angles::angles;
use super::first_order::EPS;
use super::nan_mean::nan_mean;
use super::roi::Roi;
use super::symmetric_eigen::eigenvalues;

/// Feature values in [`super::feature_names::GLCM`] order.
pub fn features(roi: &Roi, distances: &[u32], symmetric: bool, force_2d: bool) -> Vec<f64> {
    let levels = roi.gray_levels();
    let index = roi.level_index(&levels);
    let n = levels.len();
    let offsets = angles(roi.dims, distances, false, force_2d.then_some(0));
    let mut matrices: Vec<Vec<f64>> = offsets
        .iter()
        .map(|&offset| count(roi, &index, n, offset, symmetric))
        .collect();
    if matrices.len() > 1 {
        matrices.retain(|m| m.iter().sum::<f64>() != 0.0);
    }
    let per_angle: Vec<[f64; COUNT]> = matrices
        .iter_mut()
        .map(|p| {
            let total: f64 = p.iter().sum();
            let total = if total == 0.0 { f64::NAN } else { total };
            for v in p.iter_mut() {
                *v /= total;
            }
            angle_features(p, &levels, roi.max_bin)
        })
        .collect();
    (0..COUNT)
        .map(|f| {
            let values: Vec<f64> = per_angle.iter().map(|a| a[f]).collect();
            if f == JOINT_AVERAGE {
                // PyRadiomics takes a plain mean here, not nanmean.
                values.iter().sum::<f64>() / values.len() as f64
            } else {
                nan_mean(&values)
            }
        })
        .collect()
}

const COUNT: usize = 24;
const JOINT_AVERAGE: usize = 16;

fn count(roi: &Roi, index: &[u32], n: usize, offset: [i32; 3], symmetric: bool) -> Vec<f64> {
    let [d, h, w] = roi.dims;
    let mut p = vec![0.0; n * n];
    for z in 0..d {
        let nz = z as i64 + offset[0] as i64;
        if nz < 0 || nz >= d as i64 {
            continue;
        }
        for y in 0..h {
            let ny = y as i64 + offset[1] as i64;
            if ny < 0 || ny >= h as i64 {
                continue;
            }
            for x in 0..w {
                let nx = x as i64 + offset[2] as i64;
                if nx < 0 || nx >= w as i64 {
                    continue;
                }
                let i = (z * h + y) * w + x;
                let j = (nz as usize * h + ny as usize) * w + nx as usize;
                if roi.mask[i] && roi.mask[j] {
                    let a = index[roi.bins[i] as usize] as usize;
                    let b = index[roi.bins[j] as usize] as usize;
                    p[a * n + b] += 1.0;
                }
            }
        }
    }
    if symmetric {
        for a in 0..n {
            for b in a..n {
                let s = p[a * n + b] + p[b * n + a];
                p[a * n + b] = s;
                p[b * n + a] = s;
            }
        }
    }
    p
}

/// The 24 features of one normalized matrix `p` (rows and columns: `levels`).
fn angle_features(p: &[f64], levels: &[u32], max_bin: u32) -> [f64; COUNT] {
    let n = levels.len();
    let ng = max_bin as usize;
    let g: Vec<f64> = levels.iter().map(|&l| l as f64).collect();
    let mut px = vec![0.0; n];
    let mut py = vec![0.0; n];
    let (mut ux, mut uy) = (0.0, 0.0);
    let mut sum_k = vec![0.0; 2 * ng - 1];
    let mut diff_k = vec![0.0; ng];
    let mut hxy = 0.0;
    let mut autocorrelation = 0.0;
    let mut contrast = 0.0;
    let mut joint_energy = 0.0;
    let mut max_probability = 0.0f64;
    for r in 0..n {
        for c in 0..n {
            let v = p[r * n + c];
            px[r] += v;
            py[c] += v;
            ux += g[r] * v;
            uy += g[c] * v;
            sum_k[levels[r] as usize + levels[c] as usize - 2] += v;
            diff_k[levels[r].abs_diff(levels[c]) as usize] += v;
            hxy -= v * (v + EPS).log2();
            autocorrelation += v * g[r] * g[c];
            contrast += v * (g[r] - g[c]).powi(2);
            joint_energy += v * v;
            max_probability = max_probability.max(v);
        }
    }
    let (mut prominence, mut shade, mut tendency) = (0.0, 0.0, 0.0);
    let (mut varx, mut vary, mut covariance) = (0.0, 0.0, 0.0);
    let mut hxy1 = 0.0;
    let mut hxy2 = 0.0;
    for r in 0..n {
        for c in 0..n {
            let v = p[r * n + c];
            let s = g[r] + g[c] - ux - uy;
            prominence += v * s.powi(4);
            shade += v * s.powi(3);
            tendency += v * s.powi(2);
            varx += v * (g[r] - ux).powi(2);
            vary += v * (g[c] - uy).powi(2);
            covariance += v * (g[r] - ux) * (g[c] - uy);
            let q = px[r] * py[c];
            hxy1 -= v * (q + EPS).log2();
            hxy2 -= q * (q + EPS).log2();
        }
    }
    let (sigx, sigy) = (varx.sqrt(), vary.sqrt());
    let correlation = if sigx * sigy == 0.0 {
        1.0
    } else {
        covariance / (sigx * sigy + EPS)
    };
    let entropy = |q: &[f64]| -q.iter().map(|&v| v * (v + EPS).log2()).sum::<f64>();
    let (hx, hy) = (entropy(&px), entropy(&py));
    let div = hx.max(hy);
    let imc1 = if div == 0.0 { 0.0 } else { (hxy - hxy1) / div };
    let imc2 = if hxy2 == hxy {
        0.0
    } else {
        (1.0 - std::f64::consts::E.powf(-2.0 * (hxy2 - hxy))).sqrt()
    };
    let k = |i: usize| i as f64;
    let diff_average: f64 = diff_k.iter().enumerate().map(|(i, v)| k(i) * v).sum();
    let diff_variance: f64 = diff_k
        .iter()
        .enumerate()
        .map(|(i, v)| v * (k(i) - diff_average).powi(2))
        .sum();
    let ngf = ng as f64;
    let sum_over = |f: &dyn Fn(f64) -> f64| -> f64 {
        diff_k.iter().enumerate().map(|(i, v)| v / f(k(i))).sum()
    };
    let idm = sum_over(&|k| 1.0 + k * k);
    let idmn = sum_over(&|k| 1.0 + (k * k) / (ngf * ngf));
    let id = sum_over(&|k| 1.0 + k);
    let idn = sum_over(&|k| 1.0 + k / ngf);
    let inverse_variance: f64 = diff_k
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, v)| v / k(i).powi(2))
        .sum();
    let sum_average: f64 = sum_k.iter().enumerate().map(|(i, v)| k(i + 2) * v).sum();
    let sum_squares = varx;
    [
        autocorrelation,
        prominence,
        shade,
        tendency,
        contrast,
        correlation,
        diff_average,
        entropy(&diff_k),
        diff_variance,
        id,
        idm,
        idmn,
        idn,
        imc1,
        imc2,
        inverse_variance,
        ux,
        joint_energy,
        hxy,
        mcc(p, &px, &py, n),
        max_probability,
        sum_average,
        entropy(&sum_k),
        sum_squares,
    ]
}

/// Maximal Correlation Coefficient: the square root of the second largest eigenvalue of
/// `Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k))`. `Q = Dx^-1 S` with `S` symmetric, so it is
/// similar to the symmetric `Dx^-1/2 S Dx^-1/2`, whose eigenvalues are computed instead.
/// PyRadiomics adds `eps` to each `px(i) py(k)`; the difference is below 1e-8 relative for any
/// matrix with fewer than 10^4 pairs per offset, and is measured by the reference test.
fn mcc(p: &[f64], px: &[f64], py: &[f64], n: usize) -> f64 {
    if n < 2 {
        return 1.0;
    }
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        if px[i] == 0.0 {
            continue;
        }
        for j in i..n {
            if px[j] == 0.0 {
                continue;
            }
            let mut s = 0.0;
            for k in 0..n {
                if py[k] != 0.0 {
                    s += p[i * n + k] * p[j * n + k] / py[k];
                }
            }
            let v = s / (px[i] * px[j]).sqrt();
            m[i * n + j] = v;
            m[j * n + i] = v;
        }
    }
    let e = eigenvalues(&m, n);
    e[n - 2].sqrt()
}
