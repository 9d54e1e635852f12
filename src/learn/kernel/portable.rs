//! The reference implementation of the kernels, in plain Rust, one sample at a time;
//! see the parent module for the operation order the vector version reproduces.

/// Lanes of one dot-product accumulator: one 8-lane vector register.
pub(super) const LANES: usize = 8;

pub(super) fn dots<const N: usize>(rows: &[f32], x: &[f32]) -> [f32; N] {
    let d = x.len();
    assert_eq!(rows.len(), N * d);
    let body = d - d % LANES;
    let mut acc = [[0.0f32; LANES]; N];
    for start in (0..body).step_by(LANES) {
        let xs = &x[start..start + LANES];
        for (k, lanes) in acc.iter_mut().enumerate() {
            let ws = &rows[k * d + start..k * d + start + LANES];
            for ((a, &w), &v) in lanes.iter_mut().zip(ws).zip(xs) {
                *a = w.mul_add(v, *a);
            }
        }
    }
    std::array::from_fn(|k| {
        reduce8(&acc[k]) + tail_dot(&rows[k * d + body..(k + 1) * d], &x[body..])
    })
}

pub(super) fn axpys<const N: usize>(rows: &mut [f32], coeffs: [f32; N], x: &[f32]) {
    let d = x.len();
    assert_eq!(rows.len(), N * d);
    for (row, c) in rows.chunks_exact_mut(d.max(1)).zip(coeffs) {
        for (g, &v) in row.iter_mut().zip(x) {
            *g = c.mul_add(v, *g);
        }
    }
}

/// Pairwise sum of 8 lanes: (0+4, 1+5, 2+6, 3+7), then (0+2, 1+3), then the two.
#[inline(always)]
pub(super) fn reduce8(s: &[f32; LANES]) -> f32 {
    let h = [s[0] + s[4], s[1] + s[5], s[2] + s[6], s[3] + s[7]];
    (h[0] + h[2]) + (h[1] + h[3])
}

/// The columns after the last full 8-lane block, in order.
#[inline(always)]
pub(super) fn tail_dot(w: &[f32], x: &[f32]) -> f32 {
    w.iter()
        .zip(x)
        .fold(0.0f32, |acc, (&a, &b)| a.mul_add(b, acc))
}
