//! The NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers, parsed into one struct.
//!
//! The two versions hold the same fields at different offsets and widths (NIfTI-2 widens
//! `dim` to int64 and every float to float64); reading both into one [`Header`] keeps the
//! geometry and data rules in one place. The byte order is the one under which
//! `sizeof_hdr` reads 348 or 540, as every NIfTI reader decides it.

use std::path::Path;

use super::error::NiftiError;

/// NIfTI-1 header size, and the offset of its data in a single `.nii` file at least.
pub const NIFTI1_HEADER_BYTES: usize = 348;
/// NIfTI-2 header size.
pub const NIFTI2_HEADER_BYTES: usize = 540;

/// Which NIfTI version a header is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    One,
    Two,
}

/// The parsed header: every field radflow uses, as f64 and i64 whatever the version.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub version: Version,
    pub little_endian: bool,
    /// `n+1`/`n+2`: header and data in one file; `ni1`/`ni2`: a `.hdr`/`.img` pair.
    pub single_file: bool,
    /// `dim[0]` is the number of axes, `dim[1..=dim[0]]` their sizes.
    pub dim: [i64; 8],
    pub datatype: i16,
    pub bitpix: i16,
    /// `pixdim[0]` is qfac, `pixdim[1..=3]` the voxel sizes.
    pub pixdim: [f64; 8],
    pub vox_offset: f64,
    pub scl_slope: f64,
    pub scl_inter: f64,
    pub qform_code: i32,
    pub sform_code: i32,
    pub quatern: [f64; 3],
    pub qoffset: [f64; 3],
    /// `srow_x`, `srow_y`, `srow_z`.
    pub srow: [[f64; 4]; 3],
    pub intent_code: i32,
    pub xyzt_units: i32,
    pub descrip: String,
}

/// Little-endian or big-endian field reads from a header buffer.
struct Fields<'a> {
    bytes: &'a [u8],
    little: bool,
}

impl Fields<'_> {
    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[at..at + N]);
        if !self.little {
            out.reverse();
        }
        out
    }
    fn i16(&self, at: usize) -> i16 {
        i16::from_le_bytes(self.array(at))
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes(self.array(at))
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.array(at))
    }
    fn f32(&self, at: usize) -> f64 {
        f64::from(f32::from_le_bytes(self.array(at)))
    }
    fn f64(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.array(at))
    }
    fn text(&self, at: usize, len: usize) -> String {
        let raw = &self.bytes[at..at + len];
        let end = raw.iter().position(|b| *b == 0).unwrap_or(len);
        String::from_utf8_lossy(&raw[..end]).trim_end().to_string()
    }
}

/// The version and byte order announced by `sizeof_hdr`, or `None` when the first four
/// bytes are not 348 or 540 in either order.
pub fn sniff(bytes: &[u8]) -> Option<(Version, bool)> {
    let first: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    let (le, be) = (i32::from_le_bytes(first), i32::from_be_bytes(first));
    match (le, be) {
        (348, _) => Some((Version::One, true)),
        (_, 348) => Some((Version::One, false)),
        (540, _) => Some((Version::Two, true)),
        (_, 540) => Some((Version::Two, false)),
        _ => None,
    }
}

impl Header {
    /// Parses a header from the first bytes of a file.
    pub fn parse(bytes: &[u8], file: &Path) -> Result<Header, NiftiError> {
        let not_nifti = |found: String| NiftiError::NotNifti {
            file: file.to_path_buf(),
            found,
        };
        let (version, little) = sniff(bytes).ok_or_else(|| {
            not_nifti(format!(
                "the first 4 bytes are {:02x?}; expected `sizeof_hdr` 348 or 540",
                &bytes[..bytes.len().min(4)]
            ))
        })?;
        let needed = match version {
            Version::One => NIFTI1_HEADER_BYTES,
            Version::Two => NIFTI2_HEADER_BYTES,
        };
        if bytes.len() < needed {
            return Err(not_nifti(format!(
                "the header holds {} bytes; `sizeof_hdr` says {needed}",
                bytes.len()
            )));
        }
        let f = Fields { bytes, little };
        let magic_at = match version {
            Version::One => 344,
            Version::Two => 4,
        };
        let magic = &bytes[magic_at..magic_at + 4];
        let digit = match version {
            Version::One => b'1',
            Version::Two => b'2',
        };
        let single_file = match magic {
            [b'n', b'+', d, 0] if *d == digit => true,
            [b'n', b'i', d, 0] if *d == digit => false,
            _ => {
                let digit = digit as char;
                return Err(not_nifti(format!(
                    "the magic is `{}`; expected `n+{digit}` or `ni{digit}`",
                    String::from_utf8_lossy(magic).trim_end_matches('\0'),
                )));
            }
        };
        Ok(match version {
            Version::One => Header {
                version,
                little_endian: little,
                single_file,
                dim: std::array::from_fn(|i| i64::from(f.i16(40 + 2 * i))),
                datatype: f.i16(70),
                bitpix: f.i16(72),
                pixdim: std::array::from_fn(|i| f.f32(76 + 4 * i)),
                vox_offset: f.f32(108),
                scl_slope: f.f32(112),
                scl_inter: f.f32(116),
                qform_code: i32::from(f.i16(252)),
                sform_code: i32::from(f.i16(254)),
                quatern: std::array::from_fn(|i| f.f32(256 + 4 * i)),
                qoffset: std::array::from_fn(|i| f.f32(268 + 4 * i)),
                srow: std::array::from_fn(|r| std::array::from_fn(|c| f.f32(280 + 16 * r + 4 * c))),
                intent_code: i32::from(f.i16(68)),
                xyzt_units: i32::from(bytes[123]),
                descrip: f.text(148, 80),
            },
            Version::Two => Header {
                version,
                little_endian: little,
                single_file,
                dim: std::array::from_fn(|i| f.i64(16 + 8 * i)),
                datatype: f.i16(12),
                bitpix: f.i16(14),
                pixdim: std::array::from_fn(|i| f.f64(104 + 8 * i)),
                vox_offset: f.i64(168) as f64,
                scl_slope: f.f64(176),
                scl_inter: f.f64(184),
                qform_code: f.i32(344),
                sform_code: f.i32(348),
                quatern: std::array::from_fn(|i| f.f64(352 + 8 * i)),
                qoffset: std::array::from_fn(|i| f.f64(376 + 8 * i)),
                srow: std::array::from_fn(|r| std::array::from_fn(|c| f.f64(400 + 32 * r + 8 * c))),
                intent_code: f.i32(504),
                xyzt_units: f.i32(500),
                descrip: f.text(240, 80),
            },
        })
    }

    /// The size of the header in bytes (348 or 540).
    pub fn size_bytes(&self) -> usize {
        match self.version {
            Version::One => NIFTI1_HEADER_BYTES,
            Version::Two => NIFTI2_HEADER_BYTES,
        }
    }

    /// The magic as written: `n+1`, `ni1`, `n+2` or `ni2`.
    pub fn magic(&self) -> &'static str {
        match (self.version, self.single_file) {
            (Version::One, true) => "n+1",
            (Version::One, false) => "ni1",
            (Version::Two, true) => "n+2",
            (Version::Two, false) => "ni2",
        }
    }

    /// The axis sizes `dim[1..=dim[0]]`, checked: 1 to 7 axes, each at least 1.
    pub fn sizes(&self, file: &Path) -> Result<Vec<usize>, NiftiError> {
        let field = |field: &'static str, found: String, expected: &str| NiftiError::Field {
            file: file.to_path_buf(),
            field,
            found,
            expected: expected.to_string(),
        };
        let axes = self.dim[0];
        if !(1..=7).contains(&axes) {
            return Err(field("dim[0]", axes.to_string(), "1 to 7 axes"));
        }
        self.dim[1..=axes as usize]
            .iter()
            .map(|&n| {
                usize::try_from(n)
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| field("dim", format!("{:?}", self.dim), "sizes of at least 1"))
            })
            .collect()
    }

    /// `scl_slope`/`scl_inter` as a scaling, or `None` when stored values are the values:
    /// a slope of 0, NaN or infinity means no scaling (as nibabel and niftilib read it), and
    /// so does the identity.
    pub fn scaling(&self) -> Option<(f64, f64)> {
        let slope = self.scl_slope;
        if slope == 0.0 || !slope.is_finite() {
            return None;
        }
        let inter = if self.scl_inter.is_finite() {
            self.scl_inter
        } else {
            0.0
        };
        (slope != 1.0 || inter != 0.0).then_some((slope, inter))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn sizeof_hdr_tells_the_version_and_byte_order() {
        type Case = ([u8; 4], Option<(Version, bool)>);
        let cases: &[Case] = &[
            ([0x5c, 1, 0, 0], Some((Version::One, true))),
            ([0, 0, 1, 0x5c], Some((Version::One, false))),
            ([0x1c, 2, 0, 0], Some((Version::Two, true))),
            ([0, 0, 2, 0x1c], Some((Version::Two, false))),
            (*b"NRRD", None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(sniff(bytes), *expected, "{bytes:?}");
        }
    }

    #[test]
    fn a_short_or_unmagical_header_is_not_nifti() {
        let mut bytes = vec![0u8; 348];
        bytes[..4].copy_from_slice(&348i32.to_le_bytes());
        let error = Header::parse(&bytes, Path::new("x.nii")).expect_err("no magic");
        assert!(error.to_string().contains("the magic is ``"), "{error}");
        let error = Header::parse(&bytes[..100], Path::new("x.nii")).expect_err("short");
        assert!(error.to_string().contains("holds 100 bytes"), "{error}");
    }

    #[test]
    fn scaling_is_none_for_zero_nan_and_identity() {
        let cases = [
            (0.0, 5.0, None),
            (f64::NAN, 0.0, None),
            (f64::INFINITY, 0.0, None),
            (1.0, 0.0, None),
            (2.0, f64::NAN, Some((2.0, 0.0))),
            (0.5, -10.0, Some((0.5, -10.0))),
        ];
        for (slope, inter, expected) in cases {
            let header = Header {
                scl_slope: slope,
                scl_inter: inter,
                ..blank()
            };
            assert_eq!(header.scaling(), expected, "{slope} {inter}");
        }
    }

    pub(crate) fn blank() -> Header {
        Header {
            version: Version::One,
            little_endian: true,
            single_file: true,
            dim: [3, 2, 2, 2, 1, 1, 1, 1],
            datatype: 4,
            bitpix: 16,
            pixdim: [1.0; 8],
            vox_offset: 352.0,
            scl_slope: 0.0,
            scl_inter: 0.0,
            qform_code: 0,
            sform_code: 0,
            quatern: [0.0; 3],
            qoffset: [0.0; 3],
            srow: [[0.0; 4]; 3],
            intent_code: 0,
            xyzt_units: 0,
            descrip: String::new(),
        }
    }
}
