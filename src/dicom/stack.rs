//! Planes of one series stacked into a voxel grid, by position along the slice normal.
//!
//! Invariants of the result: planes are ordered by `position . normal`, ascending (as
//! ITK's series reader orders them), never by file name, InstanceNumber or
//! SliceLocation; every plane has the first plane's orientation and pixel spacing; the
//! gaps between neighbours are equal within [`GAP_TOLERANCE`], and the slice step is
//! taken from the positions (SliceThickness only steps a single plane). Voxel `(i, j,
//! k)` is column `i`, row `j` of the `k`-th plane.

use std::path::PathBuf;

use super::error::DicomError;
use super::plane::{Plane, dot, norm, scale, sub};
use crate::seg::{Geometry, Space};

/// Direction cosines of two planes may differ by this much (rounding in 16-character
/// decimal strings is far smaller; a different orientation is far larger).
pub const ORIENTATION_TOLERANCE: f64 = 1e-4;
/// Neighbouring slices may be this fraction of the median gap off it.
pub const GAP_TOLERANCE: f64 = 0.01;

/// The grid of a stack and the planes in slice order.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub geometry: Geometry,
    /// `planes[k]` is slice `k`.
    pub order: Vec<Plane>,
}

/// Orders `planes` into a grid. `files` names planes' files in errors; `rows` and
/// `columns` are the common frame size (checked by the caller).
pub fn stack(
    series: &str,
    planes: Vec<Plane>,
    files: &[PathBuf],
    rows: usize,
    columns: usize,
) -> Result<Stack, DicomError> {
    let file = |plane: &Plane| files.get(plane.file).cloned().unwrap_or_default();
    let first = planes
        .first()
        .cloned()
        .ok_or_else(|| DicomError::NoImages {
            dir: files.first().cloned().unwrap_or_default(),
            skipped: 0,
        })?;
    let inconsistent =
        |plane: &Plane, field, found: String, expected: String| DicomError::Inconsistent {
            series: series.to_string(),
            path: file(plane),
            field,
            found,
            expected,
        };
    for plane in &planes {
        let differs = plane
            .row_direction
            .iter()
            .chain(&plane.column_direction)
            .zip(first.row_direction.iter().chain(&first.column_direction))
            .any(|(a, b)| (a - b).abs() > ORIENTATION_TOLERANCE);
        if differs {
            return Err(inconsistent(
                plane,
                "orientation",
                format!("{:?} {:?}", plane.row_direction, plane.column_direction),
                format!(
                    "`{}` has {:?} {:?}",
                    file(&first).display(),
                    first.row_direction,
                    first.column_direction
                ),
            ));
        }
        let spacing_differs = plane
            .pixel_spacing
            .iter()
            .zip(&first.pixel_spacing)
            .any(|(a, b)| (a - b).abs() > 1e-4 * b.abs().max(1.0));
        if spacing_differs {
            return Err(inconsistent(
                plane,
                "PixelSpacing",
                format!("{:?}", plane.pixel_spacing),
                format!("`{}` has {:?}", file(&first).display(), first.pixel_spacing),
            ));
        }
    }
    let normal = first.normal();
    let mut ordered = planes;
    ordered.sort_by(|a, b| dot(a.position, normal).total_cmp(&dot(b.position, normal)));
    let distances: Vec<f64> = ordered.iter().map(|p| dot(p.position, normal)).collect();
    let gaps: Vec<f64> = distances.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted_gaps = gaps.clone();
    sorted_gaps.sort_by(f64::total_cmp);
    let median = sorted_gaps
        .get(sorted_gaps.len() / 2)
        .copied()
        .unwrap_or(0.0);
    for (k, gap) in gaps.iter().enumerate() {
        let (before, after) = (&ordered[k], &ordered[k + 1]);
        if *gap <= 1e-3 * median.max(1e-3) || *gap < 1e-4 {
            return Err(DicomError::DuplicateSlice {
                series: series.to_string(),
                first: file(before),
                second: file(after),
                position: after.position,
            });
        }
        if (gap - median).abs() > GAP_TOLERANCE * median {
            return Err(DicomError::SliceGap {
                series: series.to_string(),
                before: file(before),
                after: file(after),
                gap: *gap,
                spacing: median,
            });
        }
    }
    let slices = ordered.len();
    let last = &ordered[slices - 1];
    let step = if slices > 1 {
        scale(
            sub(last.position, first_of(&ordered).position),
            1.0 / (slices - 1) as f64,
        )
    } else {
        scale(normal, first.thickness.unwrap_or(1.0))
    };
    // Every slice must lie where the step puts it: slices shifted in-plane do not form a grid.
    let origin = first_of(&ordered).position;
    for (k, plane) in ordered.iter().enumerate() {
        let expected = [0, 1, 2].map(|a| origin[a] + k as f64 * step[a]);
        let offset = norm(sub(plane.position, expected));
        if offset > GAP_TOLERANCE * norm(step).max(1e-3) + 1e-4 {
            return Err(DicomError::OffGrid {
                series: series.to_string(),
                path: file(plane),
                offset,
            });
        }
    }
    let [between_rows, between_columns] = first.pixel_spacing;
    let directions = [
        scale(first.row_direction, between_columns),
        scale(first.column_direction, between_rows),
        step,
    ];
    let geometry = Geometry::new([columns, rows, slices], origin, directions, Space::Lps).map_err(
        |source| DicomError::Geometry {
            series: series.to_string(),
            path: file(&first),
            source,
        },
    )?;
    Ok(Stack {
        geometry,
        order: ordered,
    })
}

fn first_of(planes: &[Plane]) -> &Plane {
    &planes[0]
}

#[cfg(test)]
mod tests {
    use super::super::plane::IDENTITY;
    use super::*;

    /// An oblique orientation: rows along (cos 30, sin 30, 0), columns along z-ish.
    fn plane(file: usize, k: f64) -> Plane {
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let row = [c, s, 0.0];
        let column = [0.0, 0.0, -1.0];
        let normal = super::super::plane::cross(row, column);
        Plane {
            file,
            frame: 0,
            position: [
                10.0 + 2.5 * k * normal[0],
                -4.0 + 2.5 * k * normal[1],
                7.0 + 2.5 * k * normal[2],
            ],
            row_direction: row,
            column_direction: column,
            pixel_spacing: [0.8, 0.6],
            thickness: Some(3.0),
            rescale: IDENTITY,
        }
    }

    fn names(n: usize) -> Vec<PathBuf> {
        (0..n).map(|i| PathBuf::from(format!("f{i}.dcm"))).collect()
    }

    #[test]
    fn shuffled_planes_sort_along_the_normal_with_spacing_from_positions() {
        let planes = vec![plane(0, 2.0), plane(1, 0.0), plane(2, 3.0), plane(3, 1.0)];
        let stack = stack("1.2", planes, &names(4), 5, 7).expect("stacks");
        assert_eq!(
            stack.order.iter().map(|p| p.file).collect::<Vec<_>>(),
            vec![1, 3, 0, 2]
        );
        let g = &stack.geometry;
        assert_eq!(g.sizes(), [7, 5, 4]);
        let spacing = g.spacing();
        for (got, want) in spacing.iter().zip([0.6, 0.8, 2.5]) {
            assert!((got - want).abs() < 1e-12, "{spacing:?}");
        }
        assert_eq!(g.origin(), plane(1, 0.0).position);
    }

    #[test]
    fn gaps_duplicates_and_mixed_orientations_are_named() {
        let cases: Vec<(Vec<Plane>, &str)> = vec![
            (
                vec![plane(0, 0.0), plane(1, 1.0), plane(2, 3.0), plane(3, 4.0)],
                "5.0000 mm between `f1.dcm` and `f2.dcm` where the other slices are 2.5000 mm apart (a missing slice)",
            ),
            (
                vec![plane(0, 0.0), plane(1, 1.0), plane(2, 1.0)],
                "`f1.dcm` and `f2.dcm` are at the same position",
            ),
            (
                vec![plane(0, 0.0), plane(1, 1.0), plane(2, 2.3), plane(3, 3.0)],
                "non-uniform spacing",
            ),
            (
                {
                    let mut tilted = plane(1, 1.0);
                    tilted.row_direction = [1.0, 0.0, 0.0];
                    vec![plane(0, 0.0), tilted]
                },
                "`f1.dcm` has orientation",
            ),
            (
                {
                    let mut shifted = plane(2, 2.0);
                    shifted.position[2] += 1.0;
                    vec![plane(0, 0.0), plane(1, 1.0), shifted]
                },
                "`f1.dcm` is 0.5000 mm off the line",
            ),
        ];
        for (planes, expected) in cases {
            let message = stack("1.2.3", planes, &names(4), 5, 7)
                .expect_err(expected)
                .to_string();
            assert!(message.starts_with("series 1.2.3: "), "{message}");
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn a_single_plane_steps_by_its_thickness_along_the_normal() {
        let stack = stack("1", vec![plane(0, 0.0)], &names(1), 5, 7).expect("one slice");
        assert!((stack.geometry.spacing()[2] - 3.0).abs() < 1e-12);
    }
}
