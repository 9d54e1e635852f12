//! The AVX2+FMA kernels, over blocks of `S` samples and `N` classes. Every function
//! here requires both CPU features: the caller guarantees them (see `Kernel::detect`),
//! which is why the functions are `unsafe`.

use std::arch::x86_64::{
    __m256, _MM_HINT_T0, _mm_prefetch, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps,
    _mm256_setzero_ps, _mm256_storeu_ps,
};

use super::portable::{LANES, reduce8, tail_dot};

/// Also prefetches the vectors `ahead` (the next block's), one 64-byte line per 16
/// columns, so that they arrive while this block is computed.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn dots<const N: usize, const S: usize>(
    rows: &[f32],
    xs: &[&[f32]; S],
    ahead: &[&[f32]],
) -> [[f32; N]; S] {
    let d = xs[0].len();
    // The pointer arithmetic below relies on these lengths.
    assert_eq!(rows.len(), N * d);
    assert!(xs.iter().chain(ahead).all(|x| x.len() == d));
    let body = d - d % LANES;
    let mut acc: [[__m256; N]; S] = [[_mm256_setzero_ps(); N]; S];
    let wp = rows.as_ptr();
    let xp = xs.map(|x| x.as_ptr());
    let mut j = 0;
    while j < body {
        // SAFETY: j + 8 <= body <= d, so xs[s][j..j + 8] and rows[k * d + j..][..8]
        // are in bounds for every s < S and k < N.
        unsafe {
            if j % 16 == 0 {
                for next in ahead {
                    // A prefetch never faults; j < d keeps the address inside `next`.
                    _mm_prefetch::<_MM_HINT_T0>(next.as_ptr().add(j).cast());
                }
            }
            let x: [__m256; S] = xp.map(|p| _mm256_loadu_ps(p.add(j)));
            // One weight vector at a time, used by every sample of the block.
            #[allow(clippy::needless_range_loop)]
            for k in 0..N {
                let w = _mm256_loadu_ps(wp.add(k * d + j));
                for s in 0..S {
                    acc[s][k] = _mm256_fmadd_ps(w, x[s], acc[s][k]);
                }
            }
        }
        j += LANES;
    }
    let mut out = [[0.0f32; N]; S];
    for s in 0..S {
        for k in 0..N {
            let mut lanes = [0.0f32; LANES];
            // SAFETY: `lanes` holds exactly 8 floats.
            unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), acc[s][k]) };
            out[s][k] =
                reduce8(&lanes) + tail_dot(&rows[k * d + body..(k + 1) * d], &xs[s][body..]);
        }
    }
    out
}

/// Adds `coeffs[s][k] * xs[s]` to row `k` for every sample in order. The gradient is
/// walked once, 24 columns at a time held in registers (9 accumulators for 3 classes:
/// enough independent chains to hide the multiply-add latency) while every sample's
/// vector passes through them: the gradient leaves L1 once per call, not per sample.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn sweep<const N: usize>(rows: &mut [f32], coeffs: &[[f32; N]], xs: &[&[f32]]) {
    let d = rows.len() / N;
    assert_eq!(rows.len(), N * d);
    assert_eq!(coeffs.len(), xs.len());
    assert!(xs.iter().all(|x| x.len() == d));
    let mut j = 0;
    while j + 3 * LANES <= d {
        // SAFETY: j + 24 <= d, and the CPU features are the caller's guarantee.
        unsafe { sweep_columns::<N, 3>(rows, d, j, coeffs, xs) };
        j += 3 * LANES;
    }
    while j + LANES <= d {
        // SAFETY: j + 8 <= d, and the CPU features are the caller's guarantee.
        unsafe { sweep_columns::<N, 1>(rows, d, j, coeffs, xs) };
        j += LANES;
    }
    // The last columns, one at a time: the same fused operations in the same order.
    for k in 0..N {
        for t in j..d {
            let g = &mut rows[k * d + t];
            for (c, x) in coeffs.iter().zip(xs) {
                *g = c[k].mul_add(x[t], *g);
            }
        }
    }
}

/// Columns `j..j + 8 * V` of every row: loaded once, updated by every sample in order,
/// stored once.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `j + 8 * V <= d`, `rows` holds `N` rows of `d`
/// values and every `xs[s]` holds `d` values.
#[inline(always)]
unsafe fn sweep_columns<const N: usize, const V: usize>(
    rows: &mut [f32],
    d: usize,
    j: usize,
    coeffs: &[[f32; N]],
    xs: &[&[f32]],
) {
    let gp = rows.as_mut_ptr();
    // SAFETY: every access is to rows[k * d + j..][..8 * V] (k < N) or
    // xs[s][j..][..8 * V], in bounds by the caller's guarantee; `rows` is borrowed
    // mutably, so nothing aliases it.
    unsafe {
        let mut acc: [[__m256; V]; N] = std::array::from_fn(|k| {
            std::array::from_fn(|v| _mm256_loadu_ps(gp.add(k * d + j + v * LANES)))
        });
        for (c, x) in coeffs.iter().zip(xs) {
            let x: [__m256; V] =
                std::array::from_fn(|v| _mm256_loadu_ps(x.as_ptr().add(j + v * LANES)));
            for (row, &coeff) in acc.iter_mut().zip(c) {
                let scale = _mm256_set1_ps(coeff);
                for (a, xv) in row.iter_mut().zip(&x) {
                    *a = _mm256_fmadd_ps(scale, *xv, *a);
                }
            }
        }
        for (k, row) in acc.iter().enumerate() {
            for (v, a) in row.iter().enumerate() {
                _mm256_storeu_ps(gp.add(k * d + j + v * LANES), *a);
            }
        }
    }
}
