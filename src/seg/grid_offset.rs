//! Matching a label grid to a scan grid through their geometry.
//!
//! Two grids match when they are in the same space, their step vectors agree (same
//! spacing and orientation, within tolerances), and the label's origin falls on a
//! scan voxel. Then label voxel `v` is scan voxel `v + offset` for one integer
//! offset, which is how Slicer's cropped segmentations relate to their scan.
//! Anything else would need resampling, which would silently change a physician's
//! outline, so it is refused with the first mismatch found.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Space;
use super::geometry::{Geometry, dot, norm};

/// How far two grids may differ and still be taken as the same grid.
///
/// The defaults absorb float noise from files written by different programs
/// (Slicer rounds directions through float32, about 1e-7 relative) while refusing
/// any real difference: a spacing off by 0.01% accumulates to 0.03 voxel over
/// 256 voxels, still far from the next voxel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlignTolerance {
    /// Largest relative difference between the two spacings of an axis.
    pub spacing: f64,
    /// Largest difference between the unit directions of an axis (per component).
    pub direction: f64,
    /// Largest distance, in voxels, of the label origin from the nearest scan voxel.
    pub offset_voxels: f64,
}

impl Default for AlignTolerance {
    fn default() -> Self {
        AlignTolerance {
            spacing: 1e-4,
            direction: 1e-4,
            offset_voxels: 1e-3,
        }
    }
}

/// The first way two grids disagree.
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    Space {
        label: Space,
        scan: Space,
    },
    Spacing {
        label: [f64; 3],
        scan: [f64; 3],
    },
    Orientation {
        axis: usize,
        label: [f64; 3],
        scan: [f64; 3],
    },
    /// The label origin, in scan voxel units, is not on a voxel.
    FractionalOffset {
        offset: [f64; 3],
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Space { label, scan } => write!(f, "space {label} vs {scan}"),
            Mismatch::Spacing { label, scan } => {
                write!(f, "spacing {} vs {} mm", triple(label), triple(scan))
            }
            Mismatch::Orientation { axis, label, scan } => write!(
                f,
                "axis {axis} points along {} vs {} (other orientation; resample one \
                 of them first)",
                triple(label),
                triple(scan)
            ),
            Mismatch::FractionalOffset { offset } => write!(
                f,
                "the label grid starts at scan voxel {}, not on a whole voxel",
                triple(offset)
            ),
        }
    }
}

/// `(0.78125, -0.78125, 6.5)`: short, but with enough digits to show a difference.
fn triple(values: &[f64; 3]) -> String {
    let parts: Vec<String> = values.iter().map(|v| short_number(*v)).collect();
    format!("({})", parts.join(", "))
}

fn short_number(value: f64) -> String {
    let text = format!("{value:.6}");
    let trimmed = text.trim_end_matches('0');
    let trimmed = trimmed
        .strip_suffix('.')
        .map_or(trimmed.to_string(), |t| format!("{t}.0"));
    if trimmed == "-0.0" {
        "0.0".to_string()
    } else {
        trimmed
    }
}

/// The integer offset that maps label voxel `v` to scan voxel `v + offset`, or the
/// first mismatch. Checks in the order a person would fix them: frame, spacing,
/// orientation, origin.
pub fn grid_offset(
    label: &Geometry,
    scan: &Geometry,
    tolerance: &AlignTolerance,
) -> Result<[i64; 3], Mismatch> {
    if label.space() != scan.space() {
        return Err(Mismatch::Space {
            label: label.space(),
            scan: scan.space(),
        });
    }
    let (label_spacing, scan_spacing) = (label.spacing(), scan.spacing());
    let spacing_differs = (0..3).any(|axis| {
        let (a, b) = (label_spacing[axis], scan_spacing[axis]);
        (a - b).abs() > tolerance.spacing * a.max(b)
    });
    if spacing_differs {
        return Err(Mismatch::Spacing {
            label: label_spacing,
            scan: scan_spacing,
        });
    }
    for axis in 0..3 {
        let unit = |g: &Geometry| {
            let step = g.directions()[axis];
            step.map(|c| c / norm(step))
        };
        let (a, b) = (unit(label), unit(scan));
        if (0..3).any(|c| (a[c] - b[c]).abs() > tolerance.direction) || dot(a, b) <= 0.0 {
            return Err(Mismatch::Orientation {
                axis,
                label: a,
                scan: b,
            });
        }
    }
    let start = scan.space_to_index(label.origin());
    let rounded = start.map(f64::round);
    if (0..3).any(|axis| (start[axis] - rounded[axis]).abs() > tolerance.offset_voxels)
        || rounded.iter().any(|v| v.abs() > i64::MAX as f64 / 2.0)
    {
        return Err(Mismatch::FractionalOffset { offset: start });
    }
    Ok(rounded.map(|v| v as i64))
}

// Grid numbers are copied verbatim from the real file headers, digits and all.
#[allow(clippy::excessive_precision)]
#[cfg(test)]
mod tests {
    use super::*;

    const BRAIN_STEPS: [[f64; 3]; 3] = [
        [0.78124999999999989, 0.0, 0.0],
        [0.0, -0.78124999999999989, 0.0],
        [0.0, 0.0, 6.4999999999999982],
    ];
    const BRAIN_ORIGIN: [f64; 3] = [-99.609374999999986, 99.609374999999986, -77.999999999999957];

    fn grid(origin: [f64; 3], steps: [[f64; 3]; 3], space: Space) -> Geometry {
        Geometry::new([10, 10, 10], origin, steps, space).expect("valid grid")
    }

    fn scan() -> Geometry {
        grid(BRAIN_ORIGIN, BRAIN_STEPS, Space::Lps)
    }

    #[test]
    fn grids_that_share_steps_align_by_whole_voxel_offsets() {
        let cases: &[([f64; 3], [i64; 3])] = &[
            (BRAIN_ORIGIN, [0, 0, 0]),
            // brain1_tumor_cropped.seg.nrrd: the crop starts at voxel (162, 84, 11).
            ([26.953125, 33.984375, -6.4999999999999716], [162, 84, 11]),
            // A crop that starts before the scan, as Slicer forum posts report.
            (
                [
                    BRAIN_ORIGIN[0] - 2.0 * 0.78125,
                    BRAIN_ORIGIN[1],
                    BRAIN_ORIGIN[2] - 6.5,
                ],
                [-2, 0, -1],
            ),
            // Float noise well below the tolerance.
            (
                [BRAIN_ORIGIN[0] + 1e-6, BRAIN_ORIGIN[1], BRAIN_ORIGIN[2]],
                [0, 0, 0],
            ),
        ];
        for (origin, expected) in cases {
            let label = grid(*origin, BRAIN_STEPS, Space::Lps);
            assert_eq!(
                grid_offset(&label, &scan(), &AlignTolerance::default()),
                Ok(*expected),
                "origin {origin:?}"
            );
        }
    }

    #[test]
    fn grids_that_differ_report_the_first_mismatch() {
        let tolerance = AlignTolerance::default();
        let scaled = |factor: f64| BRAIN_STEPS.map(|step| step.map(|c| c * factor));
        let flipped_j = [BRAIN_STEPS[0], [0.0, 0.78125, 0.0], BRAIN_STEPS[2]];
        let swapped = [BRAIN_STEPS[1], BRAIN_STEPS[0], BRAIN_STEPS[2]];
        let cases: Vec<(Geometry, &str)> = vec![
            (
                grid(BRAIN_ORIGIN, BRAIN_STEPS, Space::ScannerXyz),
                "space scanner-xyz vs LPS",
            ),
            (
                grid(BRAIN_ORIGIN, scaled(1.2), Space::Lps),
                "spacing (0.9375, 0.9375, 7.8) vs (0.78125, 0.78125, 6.5) mm",
            ),
            (
                grid(BRAIN_ORIGIN, flipped_j, Space::Lps),
                "axis 1 points along (0.0, 1.0, 0.0) vs (0.0, -1.0, 0.0)",
            ),
            (
                grid(BRAIN_ORIGIN, swapped, Space::Lps),
                "axis 0 points along (0.0, -1.0, 0.0) vs (1.0, 0.0, 0.0)",
            ),
            (
                grid(
                    [BRAIN_ORIGIN[0] + 0.390625, BRAIN_ORIGIN[1], BRAIN_ORIGIN[2]],
                    BRAIN_STEPS,
                    Space::Lps,
                ),
                "starts at scan voxel (0.5, 0.0, 0.0), not on a whole voxel",
            ),
        ];
        for (label, expected) in cases {
            let mismatch = grid_offset(&label, &scan(), &tolerance).expect_err(expected);
            assert!(
                mismatch.to_string().contains(expected),
                "{mismatch} lacks {expected}"
            );
        }
    }

    #[test]
    fn a_small_rotation_passes_only_within_the_direction_tolerance() {
        let angle: f64 = 1e-5;
        let rotated = [
            [0.78125 * angle.cos(), 0.78125 * angle.sin(), 0.0],
            [0.78125 * angle.sin(), -0.78125 * angle.cos(), 0.0],
            BRAIN_STEPS[2],
        ];
        let label = grid(BRAIN_ORIGIN, rotated, Space::Lps);
        assert_eq!(
            grid_offset(&label, &scan(), &AlignTolerance::default()),
            Ok([0, 0, 0])
        );
        let strict = AlignTolerance {
            direction: 1e-7,
            ..AlignTolerance::default()
        };
        assert!(matches!(
            grid_offset(&label, &scan(), &strict),
            Err(Mismatch::Orientation { axis: 0, .. })
        ));
    }

    #[test]
    fn numbers_in_messages_are_short_and_never_negative_zero() {
        let cases = [
            (0.78124999999999989, "0.78125"),
            (5.0, "5.0"),
            (-0.0, "0.0"),
            (-2.5, "-2.5"),
        ];
        for (value, expected) in cases {
            assert_eq!(short_number(value), expected);
        }
    }
}
