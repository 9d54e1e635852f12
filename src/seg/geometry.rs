//! Where a voxel grid sits in patient space.
//!
//! A [`Geometry`] maps a voxel index `(i, j, k)` (axis 0 fastest in the file) to a
//! point in space: `p = origin + i*d0 + j*d1 + k*d2`, where `d_a` is the step vector
//! of voxel axis `a` (a column of NRRD's index-to-space matrix, one entry of
//! `space directions`).
//!
//! Invariants, checked by [`Geometry::new`]: every number is finite, every step
//! vector is non-zero, the three step vectors are linearly independent (so
//! [`Geometry::space_to_index`] is defined), and anatomical frames are in LPS
//! (see [`Space`]).

use super::geometry_error::GeometryError;
use super::space::Space;

/// Below this, `|det| / (|d0| |d1| |d2|)` means the step vectors are (nearly)
/// coplanar: a grid that cannot be inverted to find voxels from points.
const MIN_NORMALIZED_DETERMINANT: f64 = 1e-6;

/// The most voxels a grid may have: what a 16 GiB byte volume holds, the NRRD
/// reader's default limit. A header claiming more is refused before any mask of
/// its size is allocated.
pub const MAX_VOXELS: usize = 16 << 30;

/// When the two axes best aligned with superior differ by less than this in their
/// alignment (cosine), neither is clearly axial and the user must choose.
const AXIAL_TIE_COSINE: f64 = 1e-3;

/// A 3-D voxel grid placed in space. See the module docs for the invariants.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    sizes: [usize; 3],
    origin: [f64; 3],
    /// `directions[a]` is the step vector of voxel axis `a` in space.
    directions: [[f64; 3]; 3],
    space: Space,
    /// Rows of the inverse of the matrix whose columns are `directions`.
    inverse: [[f64; 3]; 3],
}

/// How to choose the axis that axial slices are cut across. In YAML:
/// `axial_axis: auto` or `axial_axis: 2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "AxialAxisText", into = "AxialAxisText")]
pub enum AxialAxis {
    /// The voxel axis whose step is most aligned with superior (the third space
    /// coordinate; for non-anatomical frames the third coordinate too).
    #[default]
    Auto,
    /// This voxel axis (0, 1 or 2), whatever the directions say.
    Index(usize),
}

/// The YAML form of [`AxialAxis`]: the word `auto` or an axis number.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum AxialAxisText {
    Index(usize),
    Word(String),
}

impl TryFrom<AxialAxisText> for AxialAxis {
    type Error = String;

    fn try_from(text: AxialAxisText) -> Result<Self, Self::Error> {
        match text {
            AxialAxisText::Index(axis) if axis < 3 => Ok(AxialAxis::Index(axis)),
            AxialAxisText::Index(axis) => Err(format!(
                "axial axis {axis} is out of range; expected `auto`, 0, 1 or 2"
            )),
            AxialAxisText::Word(word) if word == "auto" => Ok(AxialAxis::Auto),
            AxialAxisText::Word(word) => {
                Err(format!("axial axis `{word}` is not `auto`, 0, 1 or 2"))
            }
        }
    }
}

impl From<AxialAxis> for AxialAxisText {
    fn from(axis: AxialAxis) -> Self {
        match axis {
            AxialAxis::Auto => AxialAxisText::Word("auto".to_string()),
            AxialAxis::Index(axis) => AxialAxisText::Index(axis),
        }
    }
}

impl Geometry {
    /// Builds a geometry, checking the invariants in the module docs.
    pub fn new(
        sizes: [usize; 3],
        origin: [f64; 3],
        directions: [[f64; 3]; 3],
        space: Space,
    ) -> Result<Self, GeometryError> {
        let count = sizes
            .iter()
            .try_fold(1usize, |n, size| n.checked_mul(*size));
        if count.is_none_or(|count| count > MAX_VOXELS) {
            return Err(GeometryError::TooLarge {
                sizes,
                limit: MAX_VOXELS,
            });
        }
        if origin.iter().any(|v| !v.is_finite()) {
            return Err(GeometryError::BadOrigin { origin });
        }
        for (axis, step) in directions.iter().enumerate() {
            if step.iter().any(|v| !v.is_finite()) {
                return Err(GeometryError::BadStep {
                    axis,
                    detail: format!("{step:?} is not finite"),
                });
            }
            if norm(*step) == 0.0 {
                return Err(GeometryError::BadStep {
                    axis,
                    detail: "the step vector is zero".to_string(),
                });
            }
        }
        let inverse = invert_columns(directions).ok_or(GeometryError::Singular)?;
        Ok(Geometry {
            sizes,
            origin,
            directions,
            space,
            inverse,
        })
    }

    /// Voxel counts per axis, axis 0 fastest.
    pub fn sizes(&self) -> [usize; 3] {
        self.sizes
    }

    /// Position of voxel `(0, 0, 0)`.
    pub fn origin(&self) -> [f64; 3] {
        self.origin
    }

    /// Step vector of each voxel axis: `directions()[a]` is the column for axis `a`.
    pub fn directions(&self) -> [[f64; 3]; 3] {
        self.directions
    }

    /// The frame the origin and directions are expressed in.
    pub fn space(&self) -> Space {
        self.space
    }

    /// Total number of voxels.
    pub fn voxel_count(&self) -> usize {
        self.sizes.iter().product()
    }

    /// Length of each axis step (voxel spacing, in the file's units, usually mm).
    pub fn spacing(&self) -> [f64; 3] {
        self.directions.map(norm)
    }

    /// The point at a (possibly fractional) voxel index.
    pub fn index_to_space(&self, index: [f64; 3]) -> [f64; 3] {
        let mut point = self.origin;
        for (axis, step) in self.directions.iter().enumerate() {
            for (coordinate, component) in point.iter_mut().zip(step) {
                *coordinate += index[axis] * component;
            }
        }
        point
    }

    /// The (fractional) voxel index of a point; the inverse of [`index_to_space`].
    ///
    /// [`index_to_space`]: Geometry::index_to_space
    pub fn space_to_index(&self, point: [f64; 3]) -> [f64; 3] {
        let relative = [
            point[0] - self.origin[0],
            point[1] - self.origin[1],
            point[2] - self.origin[2],
        ];
        self.inverse.map(|row| dot(row, relative))
    }

    /// Chooses the axial axis: the given index, or the axis most aligned with
    /// superior. A tie (an oblique grid at 45 degrees) is an error rather than a
    /// silent pick.
    pub fn axial_axis(&self, choice: AxialAxis) -> Result<usize, GeometryError> {
        match choice {
            AxialAxis::Index(axis) if axis < 3 => Ok(axis),
            AxialAxis::Index(axis) => Err(GeometryError::AxialAxisOutOfRange { axis }),
            AxialAxis::Auto => {
                let alignment = self.directions.map(|step| (step[2] / norm(step)).abs());
                let mut order = [0, 1, 2];
                order.sort_by(|a, b| alignment[*b].total_cmp(&alignment[*a]));
                if alignment[order[0]] - alignment[order[1]] < AXIAL_TIE_COSINE {
                    let (first, second) = (order[0].min(order[1]), order[0].max(order[1]));
                    return Err(GeometryError::AmbiguousAxialAxis { first, second });
                }
                Ok(order[0])
            }
        }
    }

    /// The two voxel axes that span a slice across `axial`, in increasing order
    /// (the first is the faster one in memory).
    pub fn in_plane_axes(axial: usize) -> [usize; 2] {
        match axial {
            0 => [1, 2],
            1 => [0, 2],
            _ => [0, 1],
        }
    }

    /// Area of one pixel of a slice across `axial`: the parallelogram spanned by the
    /// two in-plane steps, so sheared or oblique grids are measured correctly.
    pub fn pixel_area(&self, axial: usize) -> f64 {
        let [u, v] = Self::in_plane_axes(axial);
        norm(cross(self.directions[u], self.directions[v]))
    }

    /// Offset of voxel `(i, j, k)` in a buffer stored axis 0 fastest.
    pub fn linear_index(&self, index: [usize; 3]) -> usize {
        index[0] + self.sizes[0] * (index[1] + self.sizes[1] * index[2])
    }
}

pub(crate) fn norm(v: [f64; 3]) -> f64 {
    dot(v, v).sqrt()
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Inverts the matrix whose columns are `columns`, returning the rows of the
/// inverse, or `None` when the columns are (nearly) coplanar. Uses the
/// cross-product form: row `a` of the inverse is `(c_b x c_c) / det`.
fn invert_columns(columns: [[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let [c0, c1, c2] = columns;
    let r0 = cross(c1, c2);
    let det = dot(c0, r0);
    let scale = norm(c0) * norm(c1) * norm(c2);
    if !det.is_finite() || scale == 0.0 || (det / scale).abs() < MIN_NORMALIZED_DETERMINANT {
        return None;
    }
    let rows = [r0, cross(c2, c0), cross(c0, c1)];
    Some(rows.map(|row| row.map(|v| v / det)))
}

// Grid numbers are copied verbatim from the real file headers, digits and all.
#[allow(clippy::excessive_precision)]
#[cfg(test)]
mod tests {
    use super::*;

    /// brain1_image.nrrd's grid: LPS, negative j step.
    fn brain1() -> Geometry {
        Geometry::new(
            [256, 256, 25],
            [-99.609374999999986, 99.609374999999986, -77.999999999999957],
            [
                [0.78124999999999989, 0.0, 0.0],
                [0.0, -0.78124999999999989, 0.0],
                [0.0, 0.0, 6.4999999999999982],
            ],
            Space::Lps,
        )
        .expect("brain1 grid is valid")
    }

    #[test]
    fn index_to_space_follows_origin_plus_steps() {
        let g = brain1();
        let cases: &[([f64; 3], [f64; 3])] = &[
            ([0.0, 0.0, 0.0], [-99.609375, 99.609375, -78.0]),
            ([162.0, 84.0, 11.0], [26.953125, 33.984375, -6.5]),
            ([1.0, 1.0, 1.0], [-98.828125, 98.828125, -71.5]),
        ];
        for (index, expected) in cases {
            let point = g.index_to_space(*index);
            for axis in 0..3 {
                assert!(
                    (point[axis] - expected[axis]).abs() < 1e-9,
                    "{index:?} -> {point:?}, expected {expected:?}"
                );
            }
        }
    }

    #[test]
    fn space_to_index_inverts_index_to_space_for_oblique_and_flipped_grids() {
        let (c, s) = (0.3f64.cos(), 0.3f64.sin());
        let grids = [
            brain1(),
            Geometry::new(
                [128, 128, 34],
                [193.1, 216.4, -340.25],
                [[-3.05, 0.0, 0.0], [0.0, -3.05, 0.0], [0.0, 0.0, 10.0]],
                Space::Lps,
            )
            .expect("ct grid"),
            Geometry::new(
                [10, 10, 10],
                [1.0, 2.0, 3.0],
                [[c, s, 0.0], [-s * 0.5, c * 0.5, 0.0], [0.1, 0.0, 2.0]],
                Space::Lps,
            )
            .expect("oblique grid"),
        ];
        for g in &grids {
            for index in [[0.0, 0.0, 0.0], [3.0, 7.5, 1.25], [-4.0, 100.0, 9.0]] {
                let back = g.space_to_index(g.index_to_space(index));
                for axis in 0..3 {
                    assert!(
                        (back[axis] - index[axis]).abs() < 1e-9,
                        "{index:?} -> {back:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn invalid_grids_are_refused_with_the_reason() {
        let lps = Space::Lps;
        let identity = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let cases: Vec<(Result<Geometry, GeometryError>, &str)> = vec![
            (
                Geometry::new([1 << 20, 1 << 20, 1 << 20], [0.0; 3], identity, lps),
                "more than the limit",
            ),
            (
                Geometry::new([usize::MAX, 2, 1], [0.0; 3], identity, lps),
                "more than the limit",
            ),
            (
                Geometry::new([1; 3], [0.0, f64::NAN, 0.0], identity, lps),
                "not finite",
            ),
            (
                Geometry::new(
                    [1; 3],
                    [0.0; 3],
                    [[0.0; 3], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
                    lps,
                ),
                "axis 0 has no usable step: the step vector is zero",
            ),
            (
                Geometry::new(
                    [1; 3],
                    [0.0; 3],
                    [[1.0, 0.0, 0.0], [0.0, f64::INFINITY, 0.0], [0.0, 0.0, 1.0]],
                    lps,
                ),
                "axis 1 has no usable step",
            ),
            (
                Geometry::new(
                    [1; 3],
                    [0.0; 3],
                    [[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
                    lps,
                ),
                "linearly dependent",
            ),
        ];
        for (result, expected) in cases {
            let message = result.expect_err(expected).to_string();
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
    }

    #[test]
    fn the_axial_axis_is_the_one_most_aligned_with_superior() {
        let lps = Space::Lps;
        let cases: &[([[f64; 3]; 3], usize)] = &[
            ([[0.9, 0.0, 0.0], [0.0, 0.9, 0.0], [0.0, 0.0, 5.0]], 2),
            ([[0.0, 0.0, -5.0], [0.9, 0.0, 0.0], [0.0, 0.9, 0.0]], 0),
            ([[0.9, 0.0, 0.0], [0.0, 0.1, 4.9], [0.0, 0.9, -0.05]], 1),
        ];
        for (directions, expected) in cases {
            let g = Geometry::new([4, 4, 4], [0.0; 3], *directions, lps).expect("grid");
            assert_eq!(
                g.axial_axis(AxialAxis::Auto),
                Ok(*expected),
                "{directions:?}"
            );
        }
    }

    #[test]
    fn the_axial_axis_can_be_overridden_but_not_out_of_range() {
        let g = brain1();
        assert_eq!(g.axial_axis(AxialAxis::Index(0)), Ok(0));
        assert_eq!(
            g.axial_axis(AxialAxis::Index(3)),
            Err(GeometryError::AxialAxisOutOfRange { axis: 3 })
        );
    }

    #[test]
    fn the_axial_axis_reads_from_yaml_as_auto_or_a_number() {
        let cases: &[(&str, Result<AxialAxis, &str>)] = &[
            ("auto", Ok(AxialAxis::Auto)),
            ("2", Ok(AxialAxis::Index(2))),
            ("0", Ok(AxialAxis::Index(0))),
            ("3", Err("axial axis 3 is out of range")),
            ("z", Err("axial axis `z` is not `auto`")),
        ];
        for (yaml, expected) in cases {
            let parsed = serde_yaml::from_str::<AxialAxis>(yaml).map_err(|e| e.to_string());
            match (parsed, expected) {
                (Ok(found), Ok(expected)) => assert_eq!(found, *expected, "{yaml}"),
                (Err(found), Err(expected)) => assert!(found.contains(expected), "{found}"),
                (found, _) => panic!("{yaml}: unexpected {found:?}"),
            }
        }
        let text = serde_yaml::to_string(&AxialAxis::Index(1)).expect("serializes");
        assert_eq!(
            serde_yaml::from_str::<AxialAxis>(&text).ok(),
            Some(AxialAxis::Index(1))
        );
    }

    #[test]
    fn a_grid_at_45_degrees_has_no_axial_axis_of_its_own() {
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let g = Geometry::new(
            [4, 4, 4],
            [0.0; 3],
            [[1.0, 0.0, 0.0], [0.0, h, h], [0.0, -h, h]],
            Space::Lps,
        )
        .expect("grid");
        assert_eq!(
            g.axial_axis(AxialAxis::Auto),
            Err(GeometryError::AmbiguousAxialAxis {
                first: 1,
                second: 2
            })
        );
    }

    #[test]
    fn pixel_area_uses_the_in_plane_steps() {
        let g = brain1();
        let cases = [
            (2, 0.78125 * 0.78125),
            (1, 0.78125 * 6.5),
            (0, 0.78125 * 6.5),
        ];
        for (axial, expected) in cases {
            assert!(
                (g.pixel_area(axial) - expected).abs() < 1e-9,
                "axial {axial}"
            );
        }
        let sheared = Geometry::new(
            [2, 2, 2],
            [0.0; 3],
            [[2.0, 0.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]],
            Space::Lps,
        )
        .expect("grid");
        assert!((sheared.pixel_area(2) - 6.0).abs() < 1e-12);
    }

    #[test]
    fn spacing_and_linear_index_match_the_file_layout() {
        let g = brain1();
        let spacing = g.spacing();
        assert!((spacing[0] - 0.78125).abs() < 1e-12);
        assert!((spacing[2] - 6.5).abs() < 1e-12);
        assert_eq!(g.linear_index([1, 2, 3]), 1 + 256 * (2 + 256 * 3));
        assert_eq!(g.voxel_count(), 256 * 256 * 25);
    }
}
