//! Where a synthetic scan sits in LPS space: sizes, spacing, origin, directions.
//!
//! Mirrors what brain MR series look like after DICOM-to-NRRD conversion: a field of
//! view of 220 to 250 mm (so 256-pixel images get ~0.86 to 0.98 mm pixels), 150 to
//! 190 mm of head coverage split into the chosen number of slices, an origin with
//! ordinary non-round decimals, and for some patients a negative `j` step (rows
//! running anterior), as in the pyradiomics brain images.

use crate::nrrd::{Header, Kind, Space};

use super::rng::Rng;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScanGrid {
    pub sizes: [usize; 3],
    pub spacing: f64,
    pub thickness: f64,
    pub origin: [f64; 3],
    /// `directions[a]` is the step of voxel axis `a`.
    pub directions: [[f64; 3]; 3],
}

impl ScanGrid {
    pub fn random(rng: &mut Rng, in_plane: usize, slices: (usize, usize)) -> ScanGrid {
        let nz = rng.int(slices.0, slices.1);
        let fov = [220.0, 230.0, 240.0, 250.0][rng.int(0, 3)];
        let spacing = fov / in_plane as f64;
        let coverage = rng.range(150.0, 190.0);
        // Slice thickness as scanners report it, to a hundredth of a mm.
        let thickness = (coverage / nz as f64 * 100.0).round() / 100.0;
        let j_sign = if rng.chance(0.25) { -1.0 } else { 1.0 };
        let directions = [
            [spacing, 0.0, 0.0],
            [0.0, j_sign * spacing, 0.0],
            [0.0, 0.0, thickness],
        ];
        let half = |n: usize, step: f64| (n as f64 - 1.0) / 2.0 * step;
        let origin = [
            -half(in_plane, spacing) + rng.range(-6.0, 6.0),
            -j_sign * half(in_plane, spacing) + rng.range(-6.0, 6.0),
            -half(nz, thickness) + rng.range(-40.0, 40.0),
        ];
        ScanGrid {
            sizes: [in_plane, in_plane, nz],
            spacing,
            thickness,
            origin,
            directions,
        }
    }

    /// The origin of a sub-grid starting at voxel `offset`.
    pub fn shifted_origin(&self, offset: [usize; 3]) -> [f64; 3] {
        let mut origin = self.origin;
        for (axis, step) in self.directions.iter().enumerate() {
            for (coordinate, component) in origin.iter_mut().zip(step) {
                *coordinate += offset[axis] as f64 * component;
            }
        }
        origin
    }

    /// Writes LPS geometry into `header` for the spatial axes, after `leading`
    /// non-spatial (list) axes.
    pub fn describe(&self, header: &mut Header, origin: [f64; 3], leading: usize) {
        header.space = Some(Space::LeftPosteriorSuperior);
        header.space_dimension = Some(3);
        let mut directions: Vec<Option<Vec<f64>>> = vec![None; leading];
        directions.extend(self.directions.iter().map(|d| Some(d.to_vec())));
        header.space_directions = Some(directions);
        let mut kinds = vec![Kind::List; leading];
        kinds.extend([Kind::Domain; 3]);
        header.kinds = Some(kinds);
        header.space_origin = Some(origin.to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_brain_mr_like_and_centred() {
        let mut rng = Rng::new(21);
        for _ in 0..50 {
            let grid = ScanGrid::random(&mut rng, 256, (40, 120));
            assert!((40..=120).contains(&grid.sizes[2]));
            assert!((0.85..0.99).contains(&grid.spacing), "{}", grid.spacing);
            let coverage = grid.thickness * grid.sizes[2] as f64;
            assert!((145.0..195.0).contains(&coverage), "{coverage}");
            let centre = grid.shifted_origin([128, 128, 0]);
            assert!(centre[0].abs() < 8.0 && centre[1].abs() < 8.0, "{centre:?}");
        }
    }

    #[test]
    fn a_shifted_origin_follows_the_steps() {
        let grid = ScanGrid {
            sizes: [4, 4, 4],
            spacing: 0.5,
            thickness: 2.0,
            origin: [1.0, 2.0, 3.0],
            directions: [[0.5, 0.0, 0.0], [0.0, -0.5, 0.0], [0.0, 0.0, 2.0]],
        };
        assert_eq!(grid.shifted_origin([2, 4, 1]), [2.0, 0.0, 5.0]);
    }
}
