//! Writing a 3-D volume as a single-file NIfTI-1 (`.nii`, or `.nii.gz` when gzipped),
//! the layout BraTS and most converters use.
//!
//! The header carries the grid twice, as NIfTI asks: the sform (code 1, scanner
//! anatomical) holds the affine exactly as float32 allows, and the qform (code 1) its
//! rotation as a quaternion, or code 0 when the directions are not orthogonal (a
//! quaternion cannot hold a shear). LPS directions are flipped to RAS+ on the way out.
//! Scaling is written only when asked for; `scl_slope` 0 means "stored values are the
//! values". The gzip stream has no timestamp, so equal volumes give equal files.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::datatype;
use super::error::NiftiError;
use super::header::NIFTI1_HEADER_BYTES;
use super::transform::{Affine, to_lps};
use crate::nrrd::Samples;
use crate::seg::Geometry;

/// How to write: gzipped or raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    pub gzip: bool,
    /// 0 (none) to 9 (best).
    pub compression_level: u32,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            gzip: true,
            compression_level: 6,
        }
    }
}

/// Writes `samples` (x fastest, `geometry.voxel_count()` of them) on `geometry`.
pub fn write(
    path: &Path,
    geometry: &Geometry,
    samples: &Samples,
    scaling: Option<(f64, f64)>,
    options: WriteOptions,
) -> Result<(), NiftiError> {
    let refuse = |message: String| NiftiError::Write {
        file: path.to_path_buf(),
        message,
    };
    if samples.len() != geometry.voxel_count() {
        return Err(refuse(format!(
            "{} samples do not fill a grid of {:?}",
            samples.len(),
            geometry.sizes()
        )));
    }
    let code = datatype::code(samples.scalar_type())
        .ok_or_else(|| refuse("block samples have no NIfTI datatype".to_string()))?;
    let sizes = geometry.sizes();
    if sizes.iter().any(|n| *n > i16::MAX as usize) {
        return Err(refuse(format!(
            "sizes {sizes:?} exceed NIfTI-1's limit of {} per axis",
            i16::MAX
        )));
    }
    let header = header_bytes(geometry, code, samples, scaling);
    let file = File::create(path).map_err(|e| NiftiError::io("create", path, e))?;
    let mut out: Box<dyn Write> = if options.gzip {
        Box::new(flate2::write::GzEncoder::new(
            BufWriter::new(file),
            flate2::Compression::new(options.compression_level.min(9)),
        ))
    } else {
        Box::new(BufWriter::new(file))
    };
    let written = (|| {
        out.write_all(&header)?;
        if cfg!(target_endian = "little") || samples.scalar_type().size_bytes() == 1 {
            out.write_all(samples.as_bytes())?;
        } else {
            let mut swapped = samples.clone();
            swapped.swap_bytes();
            out.write_all(swapped.as_bytes())?;
        }
        out.flush()
    })();
    written.map_err(|e| NiftiError::io("write", path, e))?;
    drop(out);
    Ok(())
}

/// The 348-byte header and the 4 empty extension bytes, little-endian.
fn header_bytes(
    geometry: &Geometry,
    datatype: i16,
    samples: &Samples,
    scaling: Option<(f64, f64)>,
) -> Vec<u8> {
    let mut h = vec![0u8; NIFTI1_HEADER_BYTES + 4];
    let mut put = |at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
    let sizes = geometry.sizes();
    let lps = geometry_affine(geometry);
    let ras = to_lps(&lps);
    let spacing = geometry.spacing();
    let quaternion = quaternion_of(&ras, spacing);
    put(0, &(NIFTI1_HEADER_BYTES as i32).to_le_bytes());
    let dim = [
        3,
        sizes[0] as i16,
        sizes[1] as i16,
        sizes[2] as i16,
        1,
        1,
        1,
        1,
    ];
    for (i, value) in dim.iter().enumerate() {
        put(40 + 2 * i, &value.to_le_bytes());
    }
    put(70, &datatype.to_le_bytes());
    put(
        72,
        &((samples.scalar_type().size_bytes() * 8) as i16).to_le_bytes(),
    );
    let qfac = quaternion.map_or(1.0, |q| q.qfac);
    let pixdim = [qfac, spacing[0], spacing[1], spacing[2], 0.0, 0.0, 0.0, 0.0];
    for (i, value) in pixdim.iter().enumerate() {
        put(76 + 4 * i, &(*value as f32).to_le_bytes());
    }
    put(108, &((NIFTI1_HEADER_BYTES + 4) as f32).to_le_bytes());
    let (slope, inter) = scaling.unwrap_or((0.0, 0.0));
    put(112, &(slope as f32).to_le_bytes());
    put(116, &(inter as f32).to_le_bytes());
    // xyzt_units: mm and seconds.
    put(123, &[2 | 8]);
    put(148, b"radflow");
    put(252, &i16::from(quaternion.is_some()).to_le_bytes());
    put(254, &1i16.to_le_bytes());
    if let Some(q) = quaternion {
        for (i, value) in q.bcd.iter().enumerate() {
            put(256 + 4 * i, &(*value as f32).to_le_bytes());
        }
    }
    for (row, values) in ras.iter().enumerate() {
        put(268 + 4 * row, &(values[3] as f32).to_le_bytes());
        for (col, value) in values.iter().enumerate() {
            put(280 + 16 * row + 4 * col, &(*value as f32).to_le_bytes());
        }
    }
    put(344, b"n+1\0");
    h
}

/// The geometry as a 3x4 affine in its own (LPS) frame.
fn geometry_affine(geometry: &Geometry) -> Affine {
    let origin = geometry.origin();
    let directions = geometry.directions();
    std::array::from_fn(|row| {
        [
            directions[0][row],
            directions[1][row],
            directions[2][row],
            origin[row],
        ]
    })
}

/// A quaternion (b, c, d) and qfac.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Quaternion {
    bcd: [f64; 3],
    qfac: f64,
}

/// niftilib's `nifti_mat44_to_quatern` for an affine whose columns are orthogonal;
/// `None` for a sheared one.
fn quaternion_of(affine: &Affine, spacing: [f64; 3]) -> Option<Quaternion> {
    let mut r: [[f64; 3]; 3] =
        std::array::from_fn(|row| std::array::from_fn(|col| affine[row][col] / spacing[col]));
    for a in 0..3 {
        for b in a + 1..3 {
            let dot: f64 = (0..3).map(|row| r[row][a] * r[row][b]).sum();
            if dot.abs() > 1e-6 {
                return None;
            }
        }
    }
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det < 0.0 {
        for row in r.iter_mut() {
            row[2] = -row[2];
        }
        -1.0
    } else {
        1.0
    };
    let trace = r[0][0] + r[1][1] + r[2][2] + 1.0;
    let (mut a, mut b, mut c, mut d);
    if trace > 0.5 {
        a = 0.5 * trace.sqrt();
        b = 0.25 * (r[2][1] - r[1][2]) / a;
        c = 0.25 * (r[0][2] - r[2][0]) / a;
        d = 0.25 * (r[1][0] - r[0][1]) / a;
    } else {
        let xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
        let yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
        let zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
        if xd > 1.0 {
            b = 0.5 * xd.sqrt();
            c = 0.25 * (r[0][1] + r[1][0]) / b;
            d = 0.25 * (r[0][2] + r[2][0]) / b;
            a = 0.25 * (r[2][1] - r[1][2]) / b;
        } else if yd > 1.0 {
            c = 0.5 * yd.sqrt();
            b = 0.25 * (r[0][1] + r[1][0]) / c;
            d = 0.25 * (r[1][2] + r[2][1]) / c;
            a = 0.25 * (r[0][2] - r[2][0]) / c;
        } else {
            d = 0.5 * zd.sqrt();
            b = 0.25 * (r[0][2] + r[2][0]) / d;
            c = 0.25 * (r[1][2] + r[2][1]) / d;
            a = 0.25 * (r[1][0] - r[0][1]) / d;
        }
        if a < 0.0 {
            (b, c, d) = (-b, -c, -d);
            a = -a;
        }
    }
    let _ = a;
    Some(Quaternion {
        bcd: [b, c, d],
        qfac,
    })
}

#[cfg(test)]
mod tests {
    use super::super::read::read;
    use super::super::transform::TransformSource;
    use super::*;
    use crate::seg::Space;

    /// An oblique, anisotropic, non-square grid with a flipped axis.
    fn oblique() -> Geometry {
        let (c, s) = (0.4f64.cos(), 0.4f64.sin());
        Geometry::new(
            [5, 3, 4],
            [-12.5, 40.25, -7.0],
            [
                [0.8 * c, 0.8 * s, 0.0],
                [-1.2 * s, 1.2 * c, 0.0],
                [0.0, 0.0, -3.0],
            ],
            Space::Lps,
        )
        .expect("grid")
    }

    #[test]
    fn a_written_volume_reads_back_with_its_samples_and_geometry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let geometry = oblique();
        let samples = Samples::from((0..60).map(|v| v as i16 * 37 - 900).collect::<Vec<_>>());
        for (gzip, name) in [(true, "v.nii.gz"), (false, "v.nii")] {
            let path = dir.path().join(name);
            let options = WriteOptions {
                gzip,
                compression_level: 1,
            };
            write(&path, &geometry, &samples, Some((2.0, -5.0)), options).expect("writes");
            let back = read(&path).expect("reads");
            assert_eq!(back.sizes, vec![5, 3, 4]);
            assert_eq!(back.samples, samples);
            assert_eq!(back.header.scaling(), Some((2.0, -5.0)));
            let (read_geometry, source) =
                super::super::transform::geometry(&back.header, [5, 3, 4], &path)
                    .expect("geometry");
            assert_eq!(source, TransformSource::Sform);
            assert_eq!(read_geometry.space(), Space::Lps);
            let close = |a: [f64; 3], b: [f64; 3]| (0..3).all(|i| (a[i] - b[i]).abs() < 1e-5);
            assert!(close(read_geometry.origin(), geometry.origin()));
            for axis in 0..3 {
                assert!(
                    close(
                        read_geometry.directions()[axis],
                        geometry.directions()[axis]
                    ),
                    "axis {axis}: {:?}",
                    read_geometry.directions()
                );
            }
            // The qform says the same (else the reader would refuse the file as
            // inconsistent): check it on its own too.
            let qform_only = super::super::header::Header {
                sform_code: 0,
                ..back.header.clone()
            };
            let (from_qform, _) =
                super::super::transform::geometry(&qform_only, [5, 3, 4], &path).expect("qform");
            for axis in 0..3 {
                assert!(close(
                    from_qform.directions()[axis],
                    geometry.directions()[axis]
                ));
            }
            assert!(close(from_qform.origin(), geometry.origin()));
        }
    }
}
