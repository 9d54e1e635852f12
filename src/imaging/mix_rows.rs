//! The inner loop of both resize passes: each output row is a weighted sum of a few
//! consecutive input rows.
//!
//! Arithmetic, per output value: start from 0, then for each tap in ascending source
//! order add `f64(pixel) * weight`, and round the sum once to `f32`: Pillow's
//! operations in Pillow's order. Rows are contiguous, so the loop runs along them, 8
//! columns at a time summed in registers, and vectorizes; on x86-64 a copy compiled
//! for AVX2 (chosen at run time) does 4 lanes at a time with the very same operations
//! (Rust never fuses a multiply and an add on its own), so both copies give identical
//! bits.

use super::axis_weights::AxisWeights;

/// Where `mix_rows` puts output row `o`.
#[derive(Clone, Copy)]
pub(crate) enum Layout {
    /// As row `o` of the result.
    Rows,
    /// As column `o` of the result (which then has `width` rows of `n_out` values):
    /// the horizontal pass, run on transposed input, writes its result back upright.
    Columns,
}

/// Output row `o` = sum over taps `t` of `weights.of(o).1[t]` times input row
/// `weights.of(o).0 + t - first_row` of `src` (rows of `width` values), written over
/// `out` (whose allocation is reused).
pub(crate) fn mix_rows(
    weights: &AxisWeights,
    src: &[f32],
    width: usize,
    first_row: usize,
    layout: Layout,
    out: &mut Vec<f32>,
) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { mix_rows_avx2(weights, src, width, first_row, layout, out) };
    }
    mix_rows_body(weights, src, width, first_row, layout, out)
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn mix_rows_avx2(
    weights: &AxisWeights,
    src: &[f32],
    width: usize,
    first_row: usize,
    layout: Layout,
    out: &mut Vec<f32>,
) {
    mix_rows_body(weights, src, width, first_row, layout, out)
}

#[inline(always)]
fn mix_rows_body(
    weights: &AxisWeights,
    src: &[f32],
    width: usize,
    first_row: usize,
    layout: Layout,
    out: &mut Vec<f32>,
) {
    /// Columns summed together in registers: two 4-lane `f64` vectors with AVX2.
    const CHUNK: usize = 8;
    let n_out = weights.n_out();
    // Every value is overwritten below, so stale contents may stay: no fill needed
    // except for growth.
    out.truncate(n_out * width);
    out.resize(n_out * width, 0.0);
    let mut row = vec![0.0f32; width];
    let mut tap_rows: Vec<&[f32]> = Vec::new();
    for o in 0..n_out {
        let (start, taps) = weights.of(o);
        tap_rows.clear();
        tap_rows.extend((0..taps.len()).map(|t| {
            let y = start + t - first_row;
            &src[y * width..(y + 1) * width]
        }));
        let full = width - width % CHUNK;
        for (c, values) in row[..full].chunks_exact_mut(CHUNK).enumerate() {
            let mut sums = [0.0f64; CHUNK];
            for (tap_row, &w) in tap_rows.iter().zip(taps) {
                let pixels = &tap_row[c * CHUNK..(c + 1) * CHUNK];
                for (s, &p) in sums.iter_mut().zip(pixels) {
                    *s += f64::from(p) * w;
                }
            }
            for (v, s) in values.iter_mut().zip(sums) {
                *v = s as f32;
            }
        }
        for x in full..width {
            let sum = tap_rows
                .iter()
                .zip(taps)
                .fold(0.0f64, |sum, (tap_row, &w)| sum + f64::from(tap_row[x]) * w);
            row[x] = sum as f32;
        }
        match layout {
            Layout::Rows => out[o * width..(o + 1) * width].copy_from_slice(&row),
            Layout::Columns => {
                for (value, &v) in out[o..].iter_mut().step_by(n_out).zip(&row) {
                    *value = v;
                }
            }
        }
    }
}

/// `src` (rows of `width` values, `height` rows) with rows and columns swapped,
/// written over `out` (whose allocation is reused).
pub(crate) fn transpose(src: &[f32], width: usize, height: usize, out: &mut Vec<f32>) {
    // Whole 8 x 8 tiles through a fixed-size buffer, which the compiler turns into
    // register shuffles; the ragged right and bottom edges one value at a time.
    const TILE: usize = 8;
    // Every value is overwritten below: no fill needed except for growth.
    out.truncate(width * height);
    out.resize(width * height, 0.0);
    let (full_width, full_height) = (width - width % TILE, height - height % TILE);
    for y0 in (0..full_height).step_by(TILE) {
        for x0 in (0..full_width).step_by(TILE) {
            let mut tile = [[0.0f32; TILE]; TILE];
            for (r, row) in tile.iter_mut().enumerate() {
                row.copy_from_slice(&src[(y0 + r) * width + x0..][..TILE]);
            }
            for c in 0..TILE {
                let column = &mut out[(x0 + c) * height + y0..][..TILE];
                for (value, row) in column.iter_mut().zip(&tile) {
                    *value = row[c];
                }
            }
        }
    }
    for y in 0..height {
        let first_x = if y < full_height { full_width } else { 0 };
        for x in first_x..width {
            out[x * height + y] = src[y * width + x];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::bicubic::Bicubic;

    #[test]
    fn transposing_swaps_rows_and_columns() {
        let src: Vec<f32> = (0..6).map(|v| v as f32).collect();
        let mut out = Vec::new();
        transpose(&src, 3, 2, &mut out);
        assert_eq!(out, [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        for (width, height) in [(37, 20), (16, 8), (5, 3), (8, 17)] {
            let src: Vec<f32> = (0..width * height).map(|v| v as f32).collect();
            let mut swapped = vec![7.0; 3];
            transpose(&src, width, height, &mut swapped);
            for y in 0..height {
                for x in 0..width {
                    assert_eq!(swapped[x * height + y], src[y * width + x]);
                }
            }
        }
    }

    #[test]
    fn the_vector_copy_matches_the_plain_loop_bit_for_bit() {
        let weights = AxisWeights::new(13, 40, &Bicubic::default());
        let src: Vec<f32> = (0..13 * 7)
            .map(|v| ((v * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let (mut plain, mut dispatched) = (Vec::new(), vec![1.0; 5]);
        for layout in [Layout::Rows, Layout::Columns] {
            mix_rows_body(&weights, &src, 7, 0, layout, &mut plain);
            mix_rows(&weights, &src, 7, 0, layout, &mut dispatched);
            assert_eq!(bits(&plain), bits(&dispatched));
        }
        let (mut rows, mut columns, mut swapped) = (Vec::new(), Vec::new(), Vec::new());
        mix_rows(&weights, &src, 7, 0, Layout::Rows, &mut rows);
        mix_rows(&weights, &src, 7, 0, Layout::Columns, &mut columns);
        transpose(&rows, 7, 40, &mut swapped);
        assert_eq!(swapped, columns);
    }
}
