//! Smooth random fields: value noise on a coarse lattice, interpolated with
//! smoothstep weights so the field and its slope are continuous.
//!
//! Used for everything in the phantom that should vary smoothly (tissue texture, a
//! coil's bias field, patchy enhancement inside a tumor). Sampling a whole slice is
//! separable (interpolate along x on each lattice row, then along y), about one
//! interpolation per pixel, which keeps the default cohort fast.

use super::rng::Rng;

/// A field over a box of space, with values in `[-1, 1]`.
#[derive(Debug, Clone)]
pub(crate) struct SmoothField {
    /// Position of lattice point `(0, 0, 0)`, mm.
    start: [f32; 3],
    /// Lattice spacing, mm.
    cell: f32,
    dims: [usize; 3],
    values: Vec<f32>,
}

/// Where a coordinate falls on the lattice: the lower lattice index and the
/// smoothstep weight of the upper one.
#[derive(Debug, Clone, Copy)]
struct Tap {
    index: usize,
    weight: f32,
}

impl SmoothField {
    /// A field covering `low..high` (mm) with one lattice point every `cell` mm.
    pub fn new(rng: &mut Rng, low: [f32; 3], high: [f32; 3], cell: f32) -> SmoothField {
        let dims = [0, 1, 2].map(|a| (((high[a] - low[a]) / cell).ceil().max(0.0) as usize) + 2);
        let count = dims[0] * dims[1] * dims[2];
        let values = (0..count).map(|_| rng.range(-1.0, 1.0) as f32).collect();
        SmoothField {
            start: low,
            cell,
            dims,
            values,
        }
    }

    fn tap(&self, axis: usize, coordinate: f32) -> Tap {
        let t = ((coordinate - self.start[axis]) / self.cell).max(0.0);
        let last = self.dims[axis] - 2;
        let index = (t.floor() as usize).min(last);
        let f = (t - index as f32).clamp(0.0, 1.0);
        Tap {
            index,
            weight: f * f * (3.0 - 2.0 * f),
        }
    }

    fn at(&self, x: usize, y: usize, z: usize) -> f32 {
        self.values[x + self.dims[0] * (y + self.dims[1] * z)]
    }

    /// The field at one point.
    pub fn sample(&self, point: [f32; 3]) -> f32 {
        let [tx, ty, tz] = [0, 1, 2].map(|a| self.tap(a, point[a]));
        let mut planes = [0.0f32; 2];
        for (dz, plane) in planes.iter_mut().enumerate() {
            let z = tz.index + dz;
            let row = |dy: usize| {
                let y = ty.index + dy;
                lerp(
                    self.at(tx.index, y, z),
                    self.at(tx.index + 1, y, z),
                    tx.weight,
                )
            };
            *plane = lerp(row(0), row(1), ty.weight);
        }
        lerp(planes[0], planes[1], tz.weight)
    }

    /// The field on the grid `xs x ys` at height `z`, written row by row (`x`
    /// fastest) into `out`, which must hold `xs.len() * ys.len()` values.
    pub fn fill_slice(&self, z: f32, xs: &[f32], ys: &[f32], out: &mut [f32]) {
        let tz = self.tap(2, z);
        let [gx, gy, _] = self.dims;
        // The lattice plane at this height, then each lattice row resampled along x.
        let plane: Vec<f32> = (0..gx * gy)
            .map(|p| {
                let (x, y) = (p % gx, p / gx);
                lerp(
                    self.at(x, y, tz.index),
                    self.at(x, y, tz.index + 1),
                    tz.weight,
                )
            })
            .collect();
        let x_taps: Vec<Tap> = xs.iter().map(|x| self.tap(0, *x)).collect();
        let mut rows = Vec::with_capacity(gy * xs.len());
        for lattice_row in plane.chunks_exact(gx) {
            for t in &x_taps {
                rows.push(lerp(
                    lattice_row[t.index],
                    lattice_row[t.index + 1],
                    t.weight,
                ));
            }
        }
        let width = xs.len();
        for (j, y) in ys.iter().enumerate() {
            let t = self.tap(1, *y);
            let (low, high) = (
                &rows[t.index * width..(t.index + 1) * width],
                &rows[(t.index + 1) * width..(t.index + 2) * width],
            );
            let out_row = &mut out[j * width..(j + 1) * width];
            for ((o, a), b) in out_row.iter_mut().zip(low).zip(high) {
                *o = lerp(*a, *b, t.weight);
            }
        }
    }
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field() -> SmoothField {
        SmoothField::new(
            &mut Rng::new(5),
            [-50.0, -40.0, -30.0],
            [50.0, 40.0, 30.0],
            7.0,
        )
    }

    #[test]
    fn a_filled_slice_equals_point_samples() {
        let f = field();
        let xs: Vec<f32> = (0..23).map(|i| -55.0 + i as f32 * 4.9).collect();
        let ys: Vec<f32> = (0..17).map(|j| -41.0 + j as f32 * 5.1).collect();
        let mut out = vec![0.0; xs.len() * ys.len()];
        f.fill_slice(3.3, &xs, &ys, &mut out);
        for (j, y) in ys.iter().enumerate() {
            for (i, x) in xs.iter().enumerate() {
                let expected = f.sample([*x, *y, 3.3]);
                assert!(
                    (out[j * xs.len() + i] - expected).abs() < 1e-5,
                    "({x}, {y})"
                );
            }
        }
    }

    #[test]
    fn the_field_is_bounded_and_continuous() {
        let f = field();
        let mut previous = f.sample([-50.0, 0.0, 0.0]);
        for step in 1..2000 {
            let value = f.sample([-50.0 + step as f32 * 0.05, 0.0, 0.0]);
            assert!((-1.0..=1.0).contains(&value));
            assert!((value - previous).abs() < 0.05, "jump at step {step}");
            previous = value;
        }
    }
}
