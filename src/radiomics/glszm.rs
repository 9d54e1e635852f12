//! Gray Level Size Zone Matrix features (PyRadiomics `glszm`).
//!
//! A zone is a connected set of lesion voxels of one bin: 8-connected in 2-D, 26-connected in
//! 3-D (neighbours limited to the crop, as the C extension `calculate_glszm`). One matrix for
//! the whole lesion, no averaging.

use super::angles::angles;
use super::first_order::EPS;
use super::roi::Roi;

/// Feature values in [`super::feature_names::GLSZM`] order.
pub fn features(roi: &Roi, force_2d: bool) -> Vec<f64> {
    let levels = roi.gray_levels();
    let index = roi.level_index(&levels);
    let n = levels.len();
    let zones = zones(roi, force_2d);
    let max_size = zones.iter().map(|z| z.1).max().unwrap_or(1);
    let mut p = vec![0.0; n * max_size];
    for &(bin, size) in &zones {
        p[index[bin as usize] as usize * max_size + size - 1] += 1.0;
    }
    let g: Vec<f64> = levels.iter().map(|&l| l as f64).collect();
    let mut ps = vec![0.0; max_size];
    let mut pg = vec![0.0; n];
    for i in 0..n {
        for s in 0..max_size {
            ps[s] += p[i * max_size + s];
            pg[i] += p[i * max_size + s];
        }
    }
    let nz = zones.len() as f64;
    let j = |s: usize| (s + 1) as f64;
    let sum_s =
        |f: &dyn Fn(usize, f64) -> f64| ps.iter().enumerate().map(|(s, &v)| f(s, v)).sum::<f64>();
    let sum_g =
        |f: &dyn Fn(usize, f64) -> f64| pg.iter().enumerate().map(|(i, &v)| f(i, v)).sum::<f64>();
    let sum_p = |f: &dyn Fn(f64, f64, f64) -> f64| {
        let mut total = 0.0;
        for i in 0..n {
            for s in 0..max_size {
                total += f(p[i * max_size + s], g[i], j(s));
            }
        }
        total
    };
    let np = sum_s(&|s, v| v * j(s));
    let ui = sum_g(&|i, v| v / nz * g[i]);
    let uj = sum_s(&|s, v| v / nz * j(s));
    vec![
        sum_g(&|_, v| v * v) / nz,
        sum_g(&|_, v| v * v) / (nz * nz),
        sum_g(&|i, v| v / nz * (g[i] - ui).powi(2)),
        sum_g(&|i, v| v * g[i] * g[i]) / nz,
        sum_s(&|s, v| v * j(s) * j(s)) / nz,
        sum_p(&|v, i, j| v * (i * i) * (j * j)) / nz,
        sum_p(&|v, i, j| v * (j * j) / (i * i)) / nz,
        sum_g(&|i, v| v / (g[i] * g[i])) / nz,
        sum_s(&|_, v| v * v) / nz,
        sum_s(&|_, v| v * v) / (nz * nz),
        sum_s(&|s, v| v / (j(s) * j(s))) / nz,
        sum_p(&|v, i, j| v * (i * i) / (j * j)) / nz,
        sum_p(&|v, i, j| v / ((i * i) * (j * j))) / nz,
        -sum_p(&|v, _, _| (v / nz) * (v / nz + EPS).log2()),
        nz / np,
        sum_s(&|s, v| v / nz * (j(s) - uj).powi(2)),
    ]
}

/// `(bin, size)` of every zone, by flood fill in crop order.
fn zones(roi: &Roi, force_2d: bool) -> Vec<(u32, usize)> {
    let dims = roi.dims;
    let neighbours = angles(dims, &[1], true, force_2d.then_some(0));
    let mut todo = roi.mask.clone();
    let mut stack = Vec::new();
    let mut zones = Vec::new();
    for start in 0..todo.len() {
        if !todo[start] {
            continue;
        }
        let bin = roi.bins[start];
        todo[start] = false;
        stack.push(start);
        let mut size = 0;
        while let Some(k) = stack.pop() {
            size += 1;
            let pos = [
                k / (dims[1] * dims[2]),
                (k / dims[2]) % dims[1],
                k % dims[2],
            ];
            for o in &neighbours {
                let mut j = 0;
                let mut ok = true;
                for d in 0..3 {
                    let c = pos[d] as i64 + o[d] as i64;
                    if c < 0 || c >= dims[d] as i64 {
                        ok = false;
                        break;
                    }
                    j = j * dims[d] + c as usize;
                }
                if ok && todo[j] && roi.bins[j] == bin {
                    todo[j] = false;
                    stack.push(j);
                }
            }
        }
        zones.push((bin, size));
    }
    zones
}
