//! Gray Level Run Length Matrix features (PyRadiomics `glrlm`).
//!
//! One matrix per offset (distance 1, one way), as the C extension `calculate_glrlm`: every
//! line of the crop along the offset is walked from its first voxel; a run is a stretch of
//! lesion voxels of one bin, broken by another bin or by a voxel outside the lesion. An offset
//! along which no line holds two lesion voxels is emptied, then empty offsets are dropped;
//! each feature is computed per offset and averaged ignoring NaN.

use super::angles::angles;
use super::first_order::EPS;
use super::nan_mean::nan_mean;
use super::roi::Roi;

const COUNT: usize = 16;

/// Feature values in [`super::feature_names::GLRLM`] order.
pub fn features(roi: &Roi, force_2d: bool) -> Vec<f64> {
    let levels = roi.gray_levels();
    let index = roi.level_index(&levels);
    let n = levels.len();
    let max_run = roi.dims.iter().copied().max().unwrap_or(1);
    let offsets = angles(roi.dims, &[1], false, force_2d.then_some(0));
    let mut matrices: Vec<Vec<f64>> = offsets
        .iter()
        .map(|&o| runs(roi, &index, n, max_run, o))
        .collect();
    if matrices.len() > 1 {
        matrices.retain(|m| m.iter().sum::<f64>() != 0.0);
    }
    let g: Vec<f64> = levels.iter().map(|&l| l as f64).collect();
    let per_angle: Vec<[f64; COUNT]> = matrices
        .iter()
        .map(|p| angle_features(p, &g, max_run))
        .collect();
    (0..COUNT)
        .map(|f| nan_mean(&per_angle.iter().map(|a| a[f]).collect::<Vec<_>>()))
        .collect()
}

/// Run counts `[level][length - 1]` along `offset`.
fn runs(roi: &Roi, index: &[u32], n: usize, max_run: usize, offset: [i32; 3]) -> Vec<f64> {
    let dims = roi.dims;
    let inside = |p: [i64; 3]| (0..3).all(|d| p[d] >= 0 && p[d] < dims[d] as i64);
    let at = |p: [i64; 3]| ((p[0] as usize * dims[1]) + p[1] as usize) * dims[2] + p[2] as usize;
    let step = offset.map(|o| o as i64);
    let mut p = vec![0.0; n * max_run];
    let mut multi_element = false;
    for z in 0..dims[0] as i64 {
        for y in 0..dims[1] as i64 {
            for x in 0..dims[2] as i64 {
                let start = [z, y, x];
                if inside([z - step[0], y - step[1], x - step[2]]) {
                    continue; // not the first voxel of its line
                }
                let mut current: Option<(usize, usize)> = None; // (level, run length - 1)
                let mut elements = 0;
                let mut pos = start;
                while inside(pos) {
                    let i = at(pos);
                    if roi.mask[i] {
                        elements += 1;
                        let level = index[roi.bins[i] as usize] as usize;
                        current = match current {
                            Some((l, r)) if l == level => Some((l, r + 1)),
                            Some((l, r)) => {
                                p[l * max_run + r] += 1.0;
                                Some((level, 0))
                            }
                            None => Some((level, 0)),
                        };
                    } else if let Some((l, r)) = current.take() {
                        p[l * max_run + r] += 1.0;
                    }
                    pos = [pos[0] + step[0], pos[1] + step[1], pos[2] + step[2]];
                }
                if let Some((l, r)) = current {
                    p[l * max_run + r] += 1.0;
                }
                multi_element |= elements > 1;
            }
        }
    }
    if !multi_element {
        // The lesion is flat across this offset: PyRadiomics drops it.
        p.iter_mut().for_each(|v| *v = 0.0);
    }
    p
}

fn angle_features(p: &[f64], g: &[f64], max_run: usize) -> [f64; COUNT] {
    let n = g.len();
    let total: f64 = p.iter().sum();
    let nr = if total == 0.0 { f64::NAN } else { total };
    let mut pr = vec![0.0; max_run];
    let mut pg = vec![0.0; n];
    for i in 0..n {
        for r in 0..max_run {
            let v = p[i * max_run + r];
            pr[r] += v;
            pg[i] += v;
        }
    }
    let j = |r: usize| (r + 1) as f64;
    let sum_r =
        |f: &dyn Fn(usize, f64) -> f64| pr.iter().enumerate().map(|(r, &v)| f(r, v)).sum::<f64>();
    let sum_g =
        |f: &dyn Fn(usize, f64) -> f64| pg.iter().enumerate().map(|(i, &v)| f(i, v)).sum::<f64>();
    let sum_p = |f: &dyn Fn(f64, f64, f64) -> f64| {
        let mut s = 0.0;
        for i in 0..n {
            for r in 0..max_run {
                s += f(p[i * max_run + r], g[i], j(r));
            }
        }
        s
    };
    let np = sum_r(&|r, v| v * j(r));
    let ui = sum_g(&|i, v| v / nr * g[i]);
    let uj = sum_r(&|r, v| v / nr * j(r));
    [
        sum_g(&|_, v| v * v) / nr,
        sum_g(&|_, v| v * v) / (nr * nr),
        sum_g(&|i, v| v / nr * (g[i] - ui).powi(2)),
        sum_g(&|i, v| v * g[i] * g[i]) / nr,
        sum_r(&|r, v| v * j(r) * j(r)) / nr,
        sum_p(&|v, i, j| v * (j * j) * (i * i)) / nr,
        sum_p(&|v, i, j| v * (j * j) / (i * i)) / nr,
        sum_g(&|i, v| v / (g[i] * g[i])) / nr,
        -sum_p(&|v, _, _| (v / nr) * (v / nr + EPS).log2()),
        sum_r(&|_, v| v * v) / nr,
        sum_r(&|_, v| v * v) / (nr * nr),
        nr / np,
        sum_r(&|r, v| v / nr * (j(r) - uj).powi(2)),
        sum_r(&|r, v| v / (j(r) * j(r))) / nr,
        sum_p(&|v, i, j| v * (i * i) / (j * j)) / nr,
        sum_p(&|v, i, j| v / ((i * i) * (j * j))) / nr,
    ]
}
