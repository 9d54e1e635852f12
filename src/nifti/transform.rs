//! Where a NIfTI grid sits in space: the sform, the qform or the fallback, as nibabel
//! chooses, converted from RAS+ to LPS.
//!
//! Rules (nibabel's `get_best_affine` and header checks, which niftilib and ITK share):
//! - a transform code outside 0..=5 counts as 0;
//! - `sform_code > 0`: the sform rows; else `qform_code > 0`: the quaternion, voxel sizes
//!   and `qfac` (`pixdim[0]`, read as 1 unless it is -1); else the Analyze fallback
//!   (voxel sizes on the diagonal, x flipped, origin at the centre), whose frame has no
//!   anatomical meaning ([`Space::Unspecified`]);
//! - a negative voxel size counts by its magnitude (the sign belongs to `qfac`), as both
//!   references fix it; a zero voxel size on an axis the chosen transform uses is
//!   refused, where nibabel would guess 1 mm: a guessed spacing would silently change
//!   every area radflow measures;
//! - when both codes are set and the qform places a corner of the grid more than one
//!   voxel away from the sform, the file is refused as inconsistent: nibabel and ITK
//!   would silently take the sform, but which transform the writer meant cannot be told.
//!
//! RAS+ to LPS: the first two rows of the affine, origin included, change sign.

use std::path::Path;

use super::error::NiftiError;
use super::header::{Header, Version};
use crate::seg::{Geometry, Space};

/// Which transform placed the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransformSource {
    Sform,
    Qform,
    /// Neither code is set: nibabel's Analyze-style fallback.
    Fallback,
}

/// A 3x4 affine: voxel index `(i, j, k, 1)` to a point.
pub type Affine = [[f64; 4]; 3];

/// Codes nibabel recognizes; others are read as 0.
fn valid_code(code: i32) -> i32 {
    if (0..=5).contains(&code) { code } else { 0 }
}

/// The RAS+ affine nibabel would use, and which transform it came from.
pub fn ras_affine(
    header: &Header,
    sizes: [usize; 3],
    file: &Path,
) -> Result<(Affine, TransformSource), NiftiError> {
    let (sform_code, qform_code) = (valid_code(header.sform_code), valid_code(header.qform_code));
    if sform_code > 0 {
        let sform = header.srow;
        if qform_code > 0
            && let Ok(qform) = qform_affine(header, file)
        {
            let distance = corner_distance(&sform, &qform, sizes);
            let voxel = (0..3)
                .map(|a| column_norm(&sform, a))
                .fold(f64::INFINITY, f64::min);
            if distance > voxel {
                return Err(NiftiError::InconsistentTransforms {
                    file: file.to_path_buf(),
                    distance_mm: distance,
                });
            }
        }
        return Ok((sform, TransformSource::Sform));
    }
    if qform_code > 0 {
        return Ok((qform_affine(header, file)?, TransformSource::Qform));
    }
    let zooms = voxel_sizes(header, file)?;
    let mut affine = [[0.0; 4]; 3];
    for axis in 0..3 {
        let step = if axis == 0 { -zooms[0] } else { zooms[axis] };
        affine[axis][axis] = step;
        affine[axis][3] = -step * (sizes[axis] as f64 - 1.0) / 2.0;
    }
    Ok((affine, TransformSource::Fallback))
}

/// The grid in LPS (or unspecified, for the fallback).
pub fn geometry(
    header: &Header,
    sizes: [usize; 3],
    file: &Path,
) -> Result<(Geometry, TransformSource), NiftiError> {
    let (affine, source) = ras_affine(header, sizes, file)?;
    let lps = to_lps(&affine);
    let origin = [lps[0][3], lps[1][3], lps[2][3]];
    let directions = [0, 1, 2].map(|a| [lps[0][a], lps[1][a], lps[2][a]]);
    let space = match source {
        TransformSource::Fallback => Space::Unspecified,
        _ => Space::Lps,
    };
    let geometry =
        Geometry::new(sizes, origin, directions, space).map_err(|e| NiftiError::Geometry {
            file: file.to_path_buf(),
            message: format!("the {source:?} affine {affine:?}: {e}").to_lowercase(),
        })?;
    Ok((geometry, source))
}

/// Negates the first two rows: RAS+ to LPS (and back).
pub fn to_lps(affine: &Affine) -> Affine {
    let mut out = *affine;
    for row in out.iter_mut().take(2) {
        for value in row.iter_mut() {
            *value = -*value;
        }
    }
    out
}

/// `pixdim[1..=3]` as nibabel fixes them: magnitudes, 1 for axes beyond `dim[0]`; a zero
/// on an axis the image has is an error.
fn voxel_sizes(header: &Header, file: &Path) -> Result<[f64; 3], NiftiError> {
    let axes = header.dim[0].clamp(0, 7) as usize;
    let mut sizes = [1.0; 3];
    for (axis, size) in sizes.iter_mut().enumerate() {
        let value = header.pixdim[axis + 1];
        if !value.is_finite() {
            return Err(pixdim_error(file, header, "finite voxel sizes"));
        }
        *size = match value.abs() {
            0.0 if axis < axes => {
                return Err(pixdim_error(
                    file,
                    header,
                    "non-zero voxel sizes (a zero size cannot place voxels; nibabel would guess 1 mm)",
                ));
            }
            0.0 => 1.0,
            magnitude => magnitude,
        };
    }
    Ok(sizes)
}

fn pixdim_error(file: &Path, header: &Header, expected: &str) -> NiftiError {
    NiftiError::Field {
        file: file.to_path_buf(),
        field: "pixdim",
        found: format!("{:?}", &header.pixdim[..4]),
        expected: expected.to_string(),
    }
}

/// The qform as nibabel's `get_qform` builds it.
fn qform_affine(header: &Header, file: &Path) -> Result<Affine, NiftiError> {
    let [b, c, d] = header.quatern;
    // nibabel's threshold for calling w zero follows the precision the values were stored at.
    let threshold = match header.version {
        Version::One => 3.0 * f64::from(f32::EPSILON),
        Version::Two => 3.0 * f64::EPSILON,
    };
    let w2 = 1.0 - (b * b + c * c + d * d);
    let a = if w2.abs() < threshold {
        0.0
    } else if w2 < 0.0 || !w2.is_finite() {
        return Err(NiftiError::Field {
            file: file.to_path_buf(),
            field: "quatern_b/c/d",
            found: format!("{:?}", header.quatern),
            expected: "a unit quaternion's b, c, d (b² + c² + d² <= 1)".to_string(),
        });
    } else {
        w2.sqrt()
    };
    let rotation = quaternion_matrix([a, b, c, d]);
    let zooms = voxel_sizes(header, file)?;
    let qfac = if header.pixdim[0] == -1.0 { -1.0 } else { 1.0 };
    let scale = [zooms[0], zooms[1], zooms[2] * qfac];
    let mut affine = [[0.0; 4]; 3];
    for row in 0..3 {
        for col in 0..3 {
            affine[row][col] = rotation[row][col] * scale[col];
        }
        affine[row][3] = header.qoffset[row];
    }
    Ok(affine)
}

/// The rotation of quaternion `(w, x, y, z)`, normalized as nibabel's `quat2mat` does.
fn quaternion_matrix([w, x, y, z]: [f64; 4]) -> [[f64; 3]; 3] {
    let n = w * w + x * x + y * y + z * z;
    if n < f64::EPSILON {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let s = 2.0 / n;
    let (xs, ys, zs) = (x * s, y * s, z * s);
    let (wx, wy, wz) = (w * xs, w * ys, w * zs);
    let (xx, xy, xz) = (x * xs, x * ys, x * zs);
    let (yy, yz, zz) = (y * ys, y * zs, z * zs);
    [
        [1.0 - (yy + zz), xy - wz, xz + wy],
        [xy + wz, 1.0 - (xx + zz), yz - wx],
        [xz - wy, yz + wx, 1.0 - (xx + yy)],
    ]
}

fn column_norm(affine: &Affine, axis: usize) -> f64 {
    (0..3).map(|r| affine[r][axis].powi(2)).sum::<f64>().sqrt()
}

/// The largest distance between where two affines put the eight corner voxels.
fn corner_distance(a: &Affine, b: &Affine, sizes: [usize; 3]) -> f64 {
    let mut worst: f64 = 0.0;
    for corner in 0..8 {
        let index = [0, 1, 2].map(|axis| {
            if corner >> axis & 1 == 1 {
                sizes[axis].saturating_sub(1) as f64
            } else {
                0.0
            }
        });
        let apply =
            |m: &Affine, row: usize| m[row][3] + (0..3).map(|c| m[row][c] * index[c]).sum::<f64>();
        let distance = (0..3)
            .map(|row| (apply(a, row) - apply(b, row)).powi(2))
            .sum::<f64>()
            .sqrt();
        worst = worst.max(if distance.is_nan() {
            f64::INFINITY
        } else {
            distance
        });
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::super::header::tests::blank;
    use super::*;

    fn close(a: &Affine, b: &Affine) -> bool {
        a.iter()
            .flatten()
            .zip(b.iter().flatten())
            .all(|(x, y)| (x - y).abs() < 1e-6)
    }

    #[test]
    fn the_sform_wins_when_its_code_is_set() {
        let header = Header {
            sform_code: 2,
            qform_code: 0,
            srow: [
                [0.0, 0.0, 2.0, 5.0],
                [1.5, 0.0, 0.0, -3.0],
                [0.0, 3.0, 0.0, 7.0],
            ],
            ..blank()
        };
        let (affine, source) = ras_affine(&header, [2, 2, 2], Path::new("x.nii")).expect("sform");
        assert_eq!(source, TransformSource::Sform);
        assert_eq!(affine, header.srow);
    }

    #[test]
    fn a_qform_with_qfac_minus_one_flips_the_third_axis() {
        // b=c=d=0: identity rotation; qfac -1 flips k.
        let mut header = Header {
            qform_code: 1,
            qoffset: [10.0, 20.0, 30.0],
            ..blank()
        };
        header.pixdim[..4].copy_from_slice(&[-1.0, 2.0, 3.0, 4.0]);
        let (affine, source) = ras_affine(&header, [2, 2, 2], Path::new("x.nii")).expect("qform");
        assert_eq!(source, TransformSource::Qform);
        let expected = [
            [2.0, 0.0, 0.0, 10.0],
            [0.0, 3.0, 0.0, 20.0],
            [0.0, 0.0, -4.0, 30.0],
        ];
        assert!(close(&affine, &expected), "{affine:?}");
    }

    #[test]
    fn a_180_degree_quaternion_fills_w_with_zero() {
        // b=1: rotation of 180 degrees about x.
        let header = Header {
            qform_code: 1,
            quatern: [1.0, 0.0, 0.0],
            ..blank()
        };
        let (affine, _) = ras_affine(&header, [2, 2, 2], Path::new("x.nii")).expect("qform");
        let expected = [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, -1.0, 0.0, 0.0],
            [0.0, 0.0, -1.0, 0.0],
        ];
        assert!(close(&affine, &expected), "{affine:?}");
    }

    #[test]
    fn without_codes_the_fallback_centres_the_grid_and_flips_x() {
        let mut header = blank();
        header.pixdim[1..4].copy_from_slice(&[3.0, 2.0, 1.0]);
        let (affine, source) = ras_affine(&header, [3, 5, 7], Path::new("x.nii")).expect("base");
        assert_eq!(source, TransformSource::Fallback);
        // nibabel's get_base_affine docstring example.
        let expected = [
            [-3.0, 0.0, 0.0, 3.0],
            [0.0, 2.0, 0.0, -4.0],
            [0.0, 0.0, 1.0, -3.0],
        ];
        assert!(close(&affine, &expected), "{affine:?}");
    }

    #[test]
    fn lps_negates_the_first_two_rows_origin_included() {
        let ras = [
            [1.0, 2.0, 3.0, 4.0],
            [5.0, 6.0, 7.0, 8.0],
            [9.0, 10.0, 11.0, 12.0],
        ];
        let lps = to_lps(&ras);
        assert_eq!(lps[0], [-1.0, -2.0, -3.0, -4.0]);
        assert_eq!(lps[1], [-5.0, -6.0, -7.0, -8.0]);
        assert_eq!(lps[2], ras[2]);
    }

    #[test]
    fn corrupt_transforms_are_refused_with_the_reason() {
        let mut zero_pixdim = Header {
            qform_code: 1,
            ..blank()
        };
        zero_pixdim.pixdim[2] = 0.0;
        let mut negative_pixdim = zero_pixdim.clone();
        negative_pixdim.pixdim[2] = -2.0;
        let inconsistent = Header {
            qform_code: 1,
            sform_code: 1,
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 50.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            ..blank()
        };
        let consistent = Header {
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.5],
                [0.0, 0.0, 1.0, 0.0],
            ],
            ..inconsistent.clone()
        };
        let bad_quaternion = Header {
            qform_code: 1,
            quatern: [1.0, 1.0, 0.0],
            ..blank()
        };
        let singular = Header {
            sform_code: 1,
            ..blank()
        };
        let file = Path::new("p/scan.nii");
        let cases: Vec<(Header, Option<&str>)> = vec![
            (
                zero_pixdim,
                Some("`pixdim` is [1.0, 1.0, 0.0, 1.0]; expected non-zero voxel sizes"),
            ),
            (negative_pixdim, None),
            (
                inconsistent,
                Some("the qform and the sform disagree by 50.000 mm"),
            ),
            (consistent, None),
            (bad_quaternion, Some("`quatern_b/c/d` is [1.0, 1.0, 0.0]")),
            (singular, Some("step vector is zero")),
        ];
        for (header, expected) in cases {
            let result = geometry(&header, [2, 2, 2], file);
            match expected {
                None => assert!(result.is_ok(), "{:?}", result.err()),
                Some(text) => {
                    let message = result.expect_err(text).to_string();
                    assert!(message.starts_with("`p/scan.nii`: "), "{message}");
                    assert!(message.contains(text), "{message}");
                }
            }
        }
    }
}
