//! The head around the lesion: scalp, skull, a CSF rim, brain tissue with grey and
//! white matter texture, two ventricles, a coil bias field and MR-like noise.
//!
//! All positions are in mm from the centre of the scan's grid (the x, y, z of the
//! voxel axes), so the anatomy is the same whatever the pixel size: a tiny CI
//! cohort shows the same head with coarser pixels. Levels are T1-like and scaled by
//! a per-patient gain, so absolute intensity says nothing about the grade.

use super::rng::Rng;
use super::smooth_field::SmoothField;

/// Where a voxel lies; decides which noise it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Region {
    Air = 0,
    Head = 1,
    Brain = 2,
}

/// Voxel centres of a scan's grid, in mm from its centre.
#[derive(Debug, Clone)]
pub(crate) struct GridMm {
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    pub zs: Vec<f32>,
}

impl GridMm {
    pub fn new(in_plane: usize, slices: usize, spacing: f64, thickness: f64) -> GridMm {
        let axis = |n: usize, step: f64| -> Vec<f32> {
            (0..n)
                .map(|i| ((i as f64 - (n as f64 - 1.0) / 2.0) * step) as f32)
                .collect()
        };
        GridMm {
            xs: axis(in_plane, spacing),
            ys: axis(in_plane, spacing),
            zs: axis(slices, thickness),
        }
    }

    pub fn low(&self) -> [f32; 3] {
        [self.xs[0], self.ys[0], self.zs[0]]
    }

    pub fn high(&self) -> [f32; 3] {
        let last = |v: &[f32]| v[v.len() - 1];
        [last(&self.xs), last(&self.ys), last(&self.zs)]
    }
}

#[derive(Debug, Clone, Copy)]
struct Ellipsoid {
    center: [f32; 3],
    inverse_semi: [f32; 3],
}

impl Ellipsoid {
    fn contains(&self, p: [f32; 3]) -> bool {
        let d = [0, 1, 2].map(|a| (p[a] - self.center[a]) * self.inverse_semi[a]);
        d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < 1.0
    }
}

/// Squared normalized radii where each tissue shell ends (the head surface is 1).
const SCALP_INNER: f32 = 0.93 * 0.93;
const SKULL_INNER: f32 = 0.865 * 0.865;
const CSF_INNER: f32 = 0.83 * 0.83;
/// The brain's share of the head's semi-axes.
pub(crate) const BRAIN_SHARE: f32 = 0.83;

/// One patient's head.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    /// Semi-axes of the head ellipsoid (L-R, A-P, S-I), mm.
    pub semi: [f32; 3],
    /// Height of the head's centre, mm (below the grid centre, so the bottom
    /// slices cut through the widest part and the top ones shrink).
    pub center_z: f32,
    pub gain: f32,
    scalp: f32,
    skull: f32,
    csf: f32,
    grey: f32,
    white: f32,
    pub noise_sd: f32,
    air_sd: f32,
    ventricles: [Ellipsoid; 2],
    texture: SmoothField,
    fine: SmoothField,
    bias: SmoothField,
}

impl Head {
    /// A head that fills the grid's field of view the way a brain MR does; the grid
    /// spans `coverage` mm from bottom to top slice.
    pub fn random(rng: &mut Rng, grid: &GridMm) -> Head {
        let coverage = grid.high()[2] - grid.low()[2];
        let semi = [
            rng.range(66.0, 76.0) as f32,
            rng.range(84.0, 96.0) as f32,
            coverage * rng.range(0.6, 0.66) as f32,
        ];
        let center_z = -coverage * rng.range(0.12, 0.18) as f32;
        let ventricle = |side: f32, rng: &mut Rng| Ellipsoid {
            center: [
                side * rng.range(6.0, 10.0) as f32,
                rng.range(-8.0, 2.0) as f32,
                center_z + semi[2] * 0.2,
            ],
            inverse_semi: [
                1.0 / rng.range(4.0, 7.0) as f32,
                1.0 / rng.range(16.0, 24.0) as f32,
                1.0 / rng.range(10.0, 16.0) as f32,
            ],
        };
        let ventricles = [ventricle(-1.0, rng), ventricle(1.0, rng)];
        let (low, high) = (grid.low(), grid.high());
        let texture_cell = rng.range(7.0, 10.0) as f32;
        Head {
            semi,
            center_z,
            gain: rng.range(0.85, 1.15) as f32,
            scalp: rng.range(560.0, 680.0) as f32,
            skull: rng.range(50.0, 90.0) as f32,
            csf: rng.range(130.0, 180.0) as f32,
            grey: rng.range(370.0, 420.0) as f32,
            white: rng.range(430.0, 480.0) as f32,
            noise_sd: rng.range(10.0, 18.0) as f32,
            air_sd: rng.range(2.0, 4.0) as f32,
            ventricles,
            texture: SmoothField::new(rng, low, high, texture_cell),
            fine: SmoothField::new(rng, low, high, 3.0),
            bias: SmoothField::new(rng, low, high, 80.0),
        }
    }

    /// Semi-axes of the brain's cross-section at height `z`, or `None` above or
    /// below the brain.
    pub fn brain_section(&self, z: f32) -> Option<[f32; 2]> {
        let t = (z - self.center_z) / (self.semi[2] * BRAIN_SHARE);
        let scale = 1.0 - t * t;
        (scale > 0.0).then(|| {
            let s = scale.sqrt() * BRAIN_SHARE;
            [self.semi[0] * s, self.semi[1] * s]
        })
    }

    /// The noise-free tissue of slice `k` into `tissue`, and each voxel's region
    /// into `regions`. `scratch` needs three slices of room.
    pub fn render_slice(
        &self,
        grid: &GridMm,
        k: usize,
        tissue: &mut [f32],
        regions: &mut [u8],
        scratch: &mut [f32],
    ) {
        let z = grid.zs[k];
        let width = grid.xs.len();
        let plane = width * grid.ys.len();
        let (texture, rest) = scratch.split_at_mut(plane);
        let (fine, rest) = rest.split_at_mut(plane);
        let bias = &mut rest[..plane];
        self.texture.fill_slice(z, &grid.xs, &grid.ys, texture);
        self.fine.fill_slice(z, &grid.xs, &grid.ys, fine);
        self.bias.fill_slice(z, &grid.xs, &grid.ys, bias);
        let x2: Vec<f32> = grid.xs.iter().map(|x| (x / self.semi[0]).powi(2)).collect();
        let z2 = ((z - self.center_z) / self.semi[2]).powi(2);
        let ventricles_here = self
            .ventricles
            .iter()
            .any(|v| ((z - v.center[2]) * v.inverse_semi[2]).abs() < 1.0);
        for (j, y) in grid.ys.iter().enumerate() {
            let row = j * width..(j + 1) * width;
            let yz2 = (y / self.semi[1]).powi(2) + z2;
            // Most of a slice is air: find the head's span on this row and only
            // shade voxels there (the test below still decides each voxel).
            let (first, last) = if yz2 < 1.0 {
                let half = self.semi[0] * (1.0 - yz2).sqrt();
                (
                    grid.xs.partition_point(|x| *x <= -half),
                    grid.xs.partition_point(|x| *x < half),
                )
            } else {
                (0, 0)
            };
            tissue[row.clone()].fill(0.0);
            regions[row].fill(Region::Air as u8);
            for (i, (x, x2)) in grid.xs.iter().zip(&x2).enumerate().take(last).skip(first) {
                let v = j * width + i;
                let r2 = x2 + yz2;
                let (value, region) = if r2 >= 1.0 {
                    continue;
                } else if r2 >= SCALP_INNER {
                    (self.scalp * (1.0 + 0.1 * texture[v]), Region::Head)
                } else if r2 >= SKULL_INNER {
                    (self.skull, Region::Head)
                } else if r2 >= CSF_INNER || (ventricles_here && self.in_ventricle([*x, *y, z])) {
                    (self.csf, Region::Head)
                } else {
                    // White matter where the texture is high, grey elsewhere, with a
                    // smooth border; the fine field adds sulcal-scale variation.
                    let w = smoothstep(-0.6, 0.6, texture[v]);
                    let base = self.grey + (self.white - self.grey) * w;
                    (base * (1.0 + 0.06 * fine[v]), Region::Brain)
                };
                tissue[v] = value * self.gain * (1.0 + 0.12 * bias[v]);
                regions[v] = region as u8;
            }
        }
    }

    /// Mean brain tissue level, including the gain.
    pub fn brain_level(&self) -> f32 {
        0.5 * (self.grey + self.white) * self.gain
    }

    fn in_ventricle(&self, p: [f32; 3]) -> bool {
        self.ventricles.iter().any(|v| v.contains(p))
    }

    /// Adds acquisition noise and stores the slice as MR-like integers in
    /// `0..=1023`: Gaussian inside the head, Rayleigh-like (half-normal) in air,
    /// as magnitude images show.
    pub fn finish_slice(&self, rng: &mut Rng, tissue: &[f32], regions: &[u8], out: &mut [i16]) {
        let (air_sd, sd) = (self.air_sd * self.gain, self.noise_sd * self.gain);
        let noisy = |noise: f32, tissue: f32, region: u8| {
            let value = if region == Region::Air as u8 {
                (noise * air_sd).abs()
            } else {
                tissue + noise * sd
            };
            // Round half up by truncation: the value is clamped non-negative first,
            // and this avoids a libm call per voxel.
            (value.clamp(0.0, 1023.0) + 0.5) as i16
        };
        let pairs = out.len() / 2;
        for p in 0..pairs {
            let (a, b) = rng.gauss_pair();
            let v = 2 * p;
            out[v] = noisy(a, tissue[v], regions[v]);
            out[v + 1] = noisy(b, tissue[v + 1], regions[v + 1]);
        }
        if out.len() % 2 == 1 {
            let v = out.len() - 1;
            out[v] = noisy(rng.gauss(), tissue[v], regions[v]);
        }
    }
}

pub(crate) fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_middle_slice_shows_air_scalp_skull_and_brain_in_that_order() {
        let grid = GridMm::new(128, 40, 240.0 / 128.0, 4.0);
        let mut rng = Rng::new(9);
        let head = Head::random(&mut rng, &grid);
        let plane = 128 * 128;
        let (mut tissue, mut regions) = (vec![0.0; plane], vec![0u8; plane]);
        let mut scratch = vec![0.0; 3 * plane];
        let k = grid
            .zs
            .iter()
            .position(|z| (z - head.center_z).abs() < 4.0)
            .expect("a slice through the head centre");
        head.render_slice(&grid, k, &mut tissue, &mut regions, &mut scratch);
        let row = 64 * 128;
        assert_eq!(regions[row], Region::Air as u8, "corner is air");
        assert_eq!(
            regions[row + 64],
            Region::Brain as u8,
            "centre is brain (or ventricle)"
        );
        let mut out = vec![0i16; plane];
        head.finish_slice(&mut rng, &tissue, &regions, &mut out);
        assert!(out.iter().all(|v| (0..=1023).contains(v)));
        let brain: Vec<f32> = (0..plane)
            .filter(|v| regions[*v] == Region::Brain as u8)
            .map(|v| f32::from(out[v]))
            .collect();
        let mean = brain.iter().sum::<f32>() / brain.len() as f32;
        assert!((250.0..650.0).contains(&mean), "brain mean {mean}");
        let air = (0..plane).filter(|v| regions[*v] == Region::Air as u8);
        let air_mean = air.clone().map(|v| f32::from(out[v])).sum::<f32>() / air.count() as f32;
        assert!(air_mean < 15.0, "air mean {air_mean}");
    }

    #[test]
    fn the_brain_narrows_towards_the_top() {
        let grid = GridMm::new(64, 20, 3.75, 9.0);
        let head = Head::random(&mut Rng::new(2), &grid);
        let low = head.brain_section(head.center_z).expect("centre");
        let high = head
            .brain_section(head.center_z + head.semi[2] * 0.7)
            .expect("upper");
        assert!(high[0] < low[0] && high[1] < low[1]);
        assert_eq!(head.brain_section(head.center_z + head.semi[2]), None);
    }
}
