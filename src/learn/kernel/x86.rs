//! The AVX2+FMA kernels. Every function here requires both CPU features: the caller
//! guarantees them (see `Kernel::detect`), which is why the functions are `unsafe`.

use std::arch::x86_64::{
    __m256, _mm256_add_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps,
    _mm256_storeu_ps,
};

use super::portable::{reduce8, tail_dot};

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn dots<const N: usize>(rows: &[f32], x: &[f32]) -> [f32; N] {
    let d = x.len();
    // The pointer arithmetic below relies on these lengths.
    assert_eq!(rows.len(), N * d);
    let body = d - d % 16;
    let mut low = [_mm256_setzero_ps(); N];
    let mut high = [_mm256_setzero_ps(); N];
    let (xp, wp) = (x.as_ptr(), rows.as_ptr());
    let mut j = 0;
    while j < body {
        // SAFETY: j + 16 <= body <= d, so x[j..j + 16] and rows[k * d + j..][..16]
        // are in bounds for every k < N.
        unsafe {
            let x_low = _mm256_loadu_ps(xp.add(j));
            let x_high = _mm256_loadu_ps(xp.add(j + 8));
            for k in 0..N {
                let w = wp.add(k * d + j);
                low[k] = _mm256_fmadd_ps(_mm256_loadu_ps(w), x_low, low[k]);
                high[k] = _mm256_fmadd_ps(_mm256_loadu_ps(w.add(8)), x_high, high[k]);
            }
        }
        j += 16;
    }
    let mut out = [0.0f32; N];
    for k in 0..N {
        let mut halves = [0.0f32; 8];
        let sum: __m256 = _mm256_add_ps(low[k], high[k]);
        // SAFETY: `halves` holds exactly 8 floats.
        unsafe { _mm256_storeu_ps(halves.as_mut_ptr(), sum) };
        out[k] = reduce8(&halves) + tail_dot(&rows[k * d + body..(k + 1) * d], &x[body..]);
    }
    out
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn axpys<const N: usize>(rows: &mut [f32], coeffs: [f32; N], x: &[f32]) {
    let d = x.len();
    assert_eq!(rows.len(), N * d);
    let body = d - d % 8;
    let scale = coeffs.map(|c| _mm256_set1_ps(c));
    let (xp, gp) = (x.as_ptr(), rows.as_mut_ptr());
    let mut j = 0;
    while j < body {
        // SAFETY: j + 8 <= body <= d, so x[j..j + 8] and rows[k * d + j..][..8] are in
        // bounds for every k < N; `rows` is borrowed mutably, so nothing aliases it.
        unsafe {
            let v = _mm256_loadu_ps(xp.add(j));
            for (k, s) in scale.iter().enumerate() {
                let g = gp.add(k * d + j);
                _mm256_storeu_ps(g, _mm256_fmadd_ps(*s, v, _mm256_loadu_ps(g)));
            }
        }
        j += 8;
    }
    for (k, c) in coeffs.iter().enumerate() {
        for (g, &v) in rows[k * d + body..(k + 1) * d].iter_mut().zip(&x[body..]) {
            *g = c.mul_add(v, *g);
        }
    }
}
