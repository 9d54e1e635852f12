//! radflow's MetaImage reader (ITK's `.mha` and `.mhd` + data files).
//!
//! No maintained Rust crate reads MetaImage; the format is a short text header (see
//! `header.rs` for every key read) and raw or zlib samples, so it is written here,
//! following ITK's MetaImageIO where the format leaves room.
//!
//! Invariants:
//! - Samples are the stored values, axis 0 fastest, in native byte order.
//! - Geometry is ITK's: origin `Offset`, step of axis `a` = row `a` of `TransformMatrix`
//!   times `ElementSpacing[a]`, in LPS (ITK's patient frame), whatever
//!   `AnatomicalOrientation` says.
//! - Untrusted bytes never panic, and nothing is allocated before every data file is
//!   known to be able to hold its share.
//!
//! The way through the files: `read.rs` (data files, decompression) -> `header.rs`
//! (keys) with `element_type.rs` (sample types).

mod element_type;
mod error;
mod header;
mod read;

pub use element_type::{name as element_type_name, parse as parse_element_type};
pub use error::MetaImageError;
pub use header::{DataFile, Header, sniff};
pub use read::{MAX_BYTES, MetaImage, data_files, read, read_from_bytes, read_header};

use std::path::Path;

use crate::seg::{Geometry, Space};

impl Header {
    /// The sizes of the first three axes, 1 for axes the image does not have.
    pub fn spatial_sizes(&self) -> [usize; 3] {
        std::array::from_fn(|axis| self.sizes.get(axis).copied().unwrap_or(1))
    }

    /// Where the first three axes sit in space (LPS).
    pub fn geometry(&self, path: &Path) -> Result<Geometry, MetaImageError> {
        let n = self.ndims;
        let origin = std::array::from_fn(|i| self.offset.get(i).copied().unwrap_or(0.0));
        let directions = std::array::from_fn(|axis| {
            if axis >= n {
                let mut unit = [0.0; 3];
                unit[axis] = 1.0;
                return unit;
            }
            let spacing = self.spacing[axis];
            std::array::from_fn(|i| {
                if i < n {
                    self.transform[axis * n + i] * spacing
                } else {
                    0.0
                }
            })
        });
        Geometry::new(self.spatial_sizes(), origin, directions, Space::Lps).map_err(|e| {
            MetaImageError::Geometry {
                file: path.to_path_buf(),
                message: format!(
                    "`TransformMatrix` {:?} with `ElementSpacing` {:?}: {e}",
                    self.transform, self.spacing
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nrrd::Samples;

    fn mha(extra: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = format!(
            "ObjectType = Image\nNDims = 3\n{extra}TransformMatrix = 0 1 0 -1 0 0 0 0 1\n\
             Offset = -10 20.5 3\nElementSpacing = 0.5 0.75 2.5\nDimSize = 3 2 2\n\
             ElementType = MET_SHORT\nElementDataFile = LOCAL\n"
        )
        .into_bytes();
        bytes.extend_from_slice(data);
        bytes
    }

    fn values() -> Vec<i16> {
        vec![-300, -2, -1, 0, 1, 2, 300, 4, 5, 6, 7, -32768]
    }

    fn le_bytes() -> Vec<u8> {
        values().iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn raw_big_endian_and_compressed_data_read_the_same_samples() {
        let be: Vec<u8> = values().iter().flat_map(|v| v.to_be_bytes()).collect();
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut zlib, &le_bytes()).expect("compress");
        let zlib = zlib.finish().expect("compress");
        let cases = [
            mha("", &le_bytes()),
            mha("BinaryDataByteOrderMSB = True\n", &be),
            mha("CompressedData = True\n", &zlib),
            mha(
                "HeaderSize = -1\n",
                &[b"junk".as_slice(), &le_bytes()].concat(),
            ),
        ];
        for bytes in cases {
            let image = read_from_bytes(&bytes).expect("reads");
            assert_eq!(image.samples, Samples::from(values()));
        }
    }

    #[test]
    fn geometry_takes_rows_of_the_matrix_as_axis_directions() {
        let image = read_from_bytes(&mha("", &le_bytes())).expect("reads");
        let g = image.header.geometry(Path::new("x.mha")).expect("geometry");
        assert_eq!(g.origin(), [-10.0, 20.5, 3.0]);
        assert_eq!(
            g.directions(),
            [[0.0, 0.5, 0.0], [-0.75, 0.0, 0.0], [0.0, 0.0, 2.5]]
        );
        assert_eq!(g.space(), Space::Lps);
    }

    #[test]
    fn truncated_and_corrupt_data_are_refused_before_allocating() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (mha("", &le_bytes()[..20]), "20 bytes of data, expected 24"),
            (
                mha("CompressedData = True\n", b"\x78\x9c\xff\xff"),
                "compressed data",
            ),
            (
                mha("", &[])
                    .iter()
                    .copied()
                    .chain(b"".iter().copied())
                    .collect(),
                "0 bytes of data, expected 24",
            ),
        ];
        for (bytes, expected) in cases {
            let message = read_from_bytes(&bytes).expect_err(expected).to_string();
            assert!(message.contains(expected), "{message}");
        }
        let huge = String::from_utf8(mha("", &[]))
            .expect("text")
            .replace("DimSize = 3 2 2", "DimSize = 100000 100000 100000");
        let message = read_from_bytes(huge.as_bytes())
            .expect_err("huge")
            .to_string();
        assert!(message.contains("more than the limit"), "{message}");
    }

    #[test]
    fn a_header_whose_data_file_is_missing_names_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let header = dir.path().join("scan.mhd");
        std::fs::write(
            &header,
            "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementDataFile = scan.raw\n",
        )
        .expect("write");
        let message = read(&header).expect_err("missing raw").to_string();
        assert!(message.contains("its data file"), "{message}");
        assert!(message.contains("scan.raw` does not exist"), "{message}");
        std::fs::write(dir.path().join("scan.raw"), [7u8; 8]).expect("write raw");
        let image = read(&header).expect("reads");
        assert_eq!(image.samples, Samples::U8(vec![7; 8]));
    }

    #[test]
    fn one_file_per_slice_is_read_in_list_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let header = dir.path().join("scan.mhd");
        std::fs::write(
            &header,
            "NDims = 3\nDimSize = 2 1 3\nElementType = MET_UCHAR\nElementDataFile = s%d.raw 1 3 1\n",
        )
        .expect("write");
        for slice in 1..=3u8 {
            std::fs::write(
                dir.path().join(format!("s{slice}.raw")),
                [slice, slice * 10],
            )
            .expect("write slice");
        }
        let image = read(&header).expect("reads");
        assert_eq!(image.samples, Samples::U8(vec![1, 10, 2, 20, 3, 30]));
        assert_eq!(image.data_files.len(), 3);
    }
}
