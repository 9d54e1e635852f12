//! The tumor: a smooth irregular 3-D blob whose texture depends on the grade.
//!
//! Shape: an ellipsoid whose radius varies with direction by a sum of a few broad
//! cosine lobes, so the outline is smooth but irregular and differs per patient.
//! A voxel's normalized radius `rho` (distance over the boundary radius in its
//! direction) is below 1 inside the tumor; between 1 and the edema reach lies a
//! peritumoral zone of slightly lower signal (the "edema" segment).
//!
//! Texture by grade, drawn per patient from overlapping ranges so the grades are
//! learnable but not separable by one number:
//! - II: near-homogeneous, mildly hypointense, little or no enhancement;
//! - III: patchier, some enhancement, sometimes a small necrotic core;
//! - IV: necrotic core, an irregular enhancing ring, strong heterogeneity.

use super::anatomy::{BRAIN_SHARE, GridMm, Head, smoothstep};
use super::rng::Rng;
use super::smooth_field::SmoothField;
use super::summary::Grade;

/// One broad bump of the boundary radius. `f32`: `rho` runs per voxel of the
/// tumor's box, and single precision halves the cost of its cosines.
#[derive(Debug, Clone, Copy)]
struct Lobe {
    direction: [f32; 3],
    frequency: f32,
    phase: f32,
    amplitude: f32,
}

/// How the tumor looks inside; every field is a fraction in `0..=1` unless noted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Texture {
    /// Tumor signal relative to the brain around it.
    pub base: f32,
    /// Strength of the enhancing ring.
    pub enhancement: f32,
    /// Radius of the necrotic core, as a share of the tumor radius (0: none).
    pub necrosis: f32,
    /// Width of the enhancing ring, as a share of the radius.
    pub ring_width: f32,
    pub heterogeneity: f32,
}

impl Texture {
    pub fn random(rng: &mut Rng, grade: Grade) -> Texture {
        let mut r = |low: f64, high: f64| rng.range(low, high) as f32;
        let (base, enhancement, heterogeneity) = match grade {
            Grade::II => (r(0.68, 0.88), r(0.0, 0.3), r(0.1, 0.45)),
            Grade::III => (r(0.74, 0.95), r(0.15, 0.65), r(0.3, 0.75)),
            Grade::IV => (r(0.75, 0.95), r(0.45, 1.0), r(0.5, 1.0)),
        };
        let (necrosis_chance, necrosis_range) = match grade {
            Grade::II => (0.15, (0.08, 0.2)),
            Grade::III => (0.45, (0.1, 0.35)),
            Grade::IV => (0.9, (0.2, 0.6)),
        };
        let necrosis = if rng.chance(necrosis_chance) {
            rng.range(necrosis_range.0, necrosis_range.1) as f32
        } else {
            0.0
        };
        Texture {
            base,
            enhancement,
            necrosis,
            ring_width: rng.range(0.15, 0.3) as f32,
            heterogeneity,
        }
    }
}

/// One patient's tumor, in mm from the grid centre.
#[derive(Debug, Clone)]
pub(crate) struct Lesion {
    center: [f64; 3],
    radius: f64,
    scale: [f64; 3],
    lobes: Vec<Lobe>,
    /// Where the peritumoral zone ends, in units of the tumor radius (> 1).
    pub edema_reach: f64,
    edema_depth: f32,
    pub texture: Texture,
    patch: SmoothField,
}

impl Lesion {
    /// A tumor that lies wholly inside the brain and inside the scanned slices.
    pub fn random(rng: &mut Rng, grade: Grade, head: &Head, grid: &GridMm) -> Lesion {
        let texture = Texture::random(rng, grade);
        let mut radius = match grade {
            Grade::II => rng.range(12.0, 25.0),
            Grade::III => rng.range(12.0, 26.0),
            Grade::IV => rng.range(14.0, 28.0),
        };
        let scale = [
            rng.range(0.8, 1.2),
            rng.range(0.8, 1.2),
            rng.range(0.75, 1.15),
        ];
        let lobes: Vec<Lobe> = (0..5)
            .map(|_| Lobe {
                direction: rng.unit_vector().map(|c| c as f32),
                frequency: rng.range(1.5, 3.5) as f32,
                phase: rng.range(0.0, std::f64::consts::TAU) as f32,
                amplitude: rng.range(0.02, 0.07) as f32,
            })
            .collect();
        let edema_reach = rng.range(1.25, 1.5);
        let bulge = 1.0 + lobes.iter().map(|l| f64::from(l.amplitude)).sum::<f64>();
        let (z_low, z_high) = (f64::from(grid.low()[2]), f64::from(grid.high()[2]));
        let mut center = [0.0, 0.0, f64::from(head.center_z)];
        // Find a spot where the tumor and its edema fit in the brain; shrink the
        // tumor if none is found (small heads in coarse grids).
        'search: for _ in 0..8 {
            let half = scale.map(|s| radius * bulge * edema_reach * s);
            if z_high - z_low > 2.0 * half[2] {
                for _ in 0..30 {
                    let z = rng.range(z_low + half[2], z_high - half[2]);
                    // The brain narrows away from its centre: the far end is tightest.
                    let far = if z >= f64::from(head.center_z) {
                        z + half[2]
                    } else {
                        z - half[2]
                    };
                    let Some(narrow) = head.brain_section(far as f32) else {
                        continue;
                    };
                    let room = [
                        f64::from(narrow[0]) - half[0],
                        f64::from(narrow[1]) - half[1],
                    ];
                    if room[0] <= 0.0 || room[1] <= 0.0 {
                        continue;
                    }
                    // Uniform over the ellipse of positions that keep the tumor inside.
                    let angle = rng.range(0.0, std::f64::consts::TAU);
                    let r = rng.unit().sqrt();
                    center = [room[0] * r * angle.cos(), room[1] * r * angle.sin(), z];
                    break 'search;
                }
            }
            radius *= 0.85;
        }
        let brain_low = [
            -head.semi[0] * BRAIN_SHARE,
            -head.semi[1] * BRAIN_SHARE,
            grid.low()[2],
        ];
        let brain_high = [
            head.semi[0] * BRAIN_SHARE,
            head.semi[1] * BRAIN_SHARE,
            grid.high()[2],
        ];
        let edema_depth = rng.range(0.06, 0.16) as f32;
        let patch_cell = rng.range(4.0, 7.0) as f32;
        Lesion {
            center,
            radius,
            scale,
            lobes,
            edema_reach,
            edema_depth,
            texture,
            patch: SmoothField::new(rng, brain_low, brain_high, patch_cell),
        }
    }

    /// Half-size of the box (per axis, mm) that holds the tumor and its edema.
    pub fn reach(&self) -> [f64; 3] {
        let bulge = 1.0
            + self
                .lobes
                .iter()
                .map(|l| f64::from(l.amplitude))
                .sum::<f64>();
        self.scale
            .map(|s| self.radius * bulge * self.edema_reach * s)
    }

    pub fn center(&self) -> [f64; 3] {
        self.center
    }

    /// Normalized radius of a point: below 1 inside the tumor.
    pub fn rho(&self, p: [f32; 3]) -> f32 {
        let q = [0, 1, 2].map(|a| (p[a] - self.center[a] as f32) / self.scale[a] as f32);
        let d = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt();
        if d == 0.0 {
            return 0.0;
        }
        let u = q.map(|c| c / d);
        let bump: f32 = self
            .lobes
            .iter()
            .map(|l| {
                let along = u[0] * l.direction[0] + u[1] * l.direction[1] + u[2] * l.direction[2];
                l.amplitude * (l.frequency * along + l.phase).cos()
            })
            .sum();
        d / (self.radius as f32 * (1.0 + bump))
    }

    /// The signal at a point of normalized radius `rho` (below the edema reach),
    /// given the brain's noise-free signal there.
    pub fn shade(&self, rng: &mut Rng, t: f32, p: [f32; 3], brain: f32, gain: f32) -> f32 {
        let edema = brain * (1.0 - self.edema_depth);
        if t >= 1.0 {
            let f = (t - 1.0) / (self.edema_reach as f32 - 1.0);
            return brain - (brain - edema) * (1.0 - smoothstep(0.0, 1.0, f));
        }
        let Texture {
            base,
            enhancement,
            necrosis,
            ring_width,
            heterogeneity,
        } = self.texture;
        let patch = self.patch.sample(p);
        let mut value = brain * base * (1.0 + 0.3 * heterogeneity * patch);
        let ring_center = if necrosis > 0.0 {
            (necrosis + 0.5 * ring_width).min(0.9)
        } else {
            1.0 - 0.5 * ring_width
        };
        let ring = (-((t - ring_center) / (0.5 * ring_width)).powi(2)).exp();
        value *= 1.0 + 1.2 * enhancement * ring * (0.7 + 0.3 * patch);
        if necrosis > 0.0 {
            let core = 1.0 - smoothstep(necrosis - 0.08, necrosis + 0.04, t);
            let necrotic = brain * 0.32 * (1.0 + 0.2 * patch);
            value += (necrotic - value) * core;
        }
        value += rng.gauss() * (4.0 + 26.0 * heterogeneity) * gain;
        // A soft border into the edema, as partial volume blurs real margins.
        value + (edema - value) * smoothstep(0.9, 1.0, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(seed: u64, grade: Grade) -> (GridMm, Head, Lesion) {
        let grid = GridMm::new(128, 60, 240.0 / 128.0, 3.0);
        let mut rng = Rng::new(seed);
        let head = Head::random(&mut rng, &grid);
        let lesion = Lesion::random(&mut rng, grade, &head, &grid);
        (grid, head, lesion)
    }

    #[test]
    fn the_tumor_and_its_edema_fit_inside_the_scanned_brain() {
        for seed in 0..40 {
            let grade = Grade::ALL[seed as usize % 3];
            let (grid, head, lesion) = setup(seed, grade);
            let (c, h) = (lesion.center(), lesion.reach());
            assert!(
                c[2] - h[2] >= f64::from(grid.low()[2]) - 1e-9,
                "seed {seed}: below"
            );
            assert!(
                c[2] + h[2] <= f64::from(grid.high()[2]) + 1e-9,
                "seed {seed}: above"
            );
            for z in [c[2] - h[2], c[2], c[2] + h[2]] {
                let section = head.brain_section(z as f32).expect("inside the brain");
                assert!(
                    c[0].abs() + h[0] <= f64::from(section[0]) + 1e-6,
                    "seed {seed}: x"
                );
                assert!(
                    c[1].abs() + h[1] <= f64::from(section[1]) + 1e-6,
                    "seed {seed}: y"
                );
            }
        }
    }

    #[test]
    fn rho_is_zero_at_the_centre_and_crosses_one_within_the_reach() {
        let (_, _, lesion) = setup(4, Grade::III);
        let c = lesion.center().map(|v| v as f32);
        assert_eq!(lesion.rho(c), 0.0);
        let reach = lesion.reach().map(|v| v as f32);
        let edema_reach = lesion.edema_reach as f32;
        for axis in 0..3 {
            let mut p = c;
            p[axis] += reach[axis];
            assert!(lesion.rho(p) >= edema_reach - 1e-4, "axis {axis}");
            p[axis] = c[axis] + reach[axis] / edema_reach / 2.0;
            assert!(lesion.rho(p) < 1.0, "axis {axis}");
        }
    }

    #[test]
    fn grade_iv_tumors_are_more_heterogeneous_and_enhancing_than_grade_ii_on_average() {
        let mean = |grade: Grade, field: fn(&Texture) -> f32| {
            let mut rng = Rng::new(1);
            (0..400)
                .map(|_| field(&Texture::random(&mut rng, grade)))
                .sum::<f32>()
                / 400.0
        };
        for field in [
            (|t: &Texture| t.enhancement) as fn(&Texture) -> f32,
            |t| t.heterogeneity,
            |t| t.necrosis,
        ] {
            let (ii, iii, iv) = (
                mean(Grade::II, field),
                mean(Grade::III, field),
                mean(Grade::IV, field),
            );
            assert!(ii < iii && iii < iv, "{ii} {iii} {iv}");
        }
    }
}
