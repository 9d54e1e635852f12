//! Robustness of the NIfTI and MetaImage readers: valid files with bytes flipped,
//! inserted, deleted or cut off, and arbitrary bytes, never make a reader panic; what
//! they read is what the file holds (no sample buffer larger than the input allows).
//! The fuzz targets (`fuzz/fuzz_targets/`) explore further; this runs in every test run.

use std::path::Path;

use proptest::prelude::*;
use radflow::nrrd::Samples;
use radflow::seg::{Geometry, Space};
use radflow::{metaimage, nifti};

/// A small valid `.nii` (gzipped or not) with an oblique grid and negative samples.
fn nifti_bytes(gzip: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.nii");
    let geometry = Geometry::new(
        [4, 3, 2],
        [1.5, -2.0, 3.0],
        [[0.6, 0.3, 0.0], [-0.4, 0.8, 0.0], [0.0, 0.0, -2.5]],
        Space::Lps,
    )
    .unwrap();
    let samples = Samples::from((0..24).map(|v| v as i16 * -77).collect::<Vec<_>>());
    let options = nifti::WriteOptions {
        gzip,
        compression_level: 1,
    };
    nifti::write(&path, &geometry, &samples, Some((2.0, 1.0)), options).unwrap();
    std::fs::read(&path).unwrap()
}

fn metaimage_bytes(compressed: bool) -> Vec<u8> {
    let samples: Vec<u8> = (0..24u16).flat_map(|v| (v * 1000).to_le_bytes()).collect();
    let data = if compressed {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &samples).unwrap();
        encoder.finish().unwrap()
    } else {
        samples
    };
    let mut bytes = format!(
        "ObjectType = Image\nNDims = 3\nBinaryData = True\nCompressedData = {}\n\
         TransformMatrix = 0 1 0 -1 0 0 0 0 1\nOffset = 1 2 3\nElementSpacing = 0.5 0.7 3\n\
         DimSize = 4 3 2\nElementType = MET_USHORT\nElementDataFile = LOCAL\n",
        if compressed { "True" } else { "False" }
    )
    .into_bytes();
    bytes.extend(data);
    bytes
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Cut(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Flip(at, byte)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Cut),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len().max(1);
        match *edit {
            Edit::Flip(at, byte) if !bytes.is_empty() => bytes[at % len] ^= byte | 1,
            Edit::Insert(at, byte) => bytes.insert(at % (len + 1).min(bytes.len() + 1), byte),
            Edit::Delete(at) if !bytes.is_empty() => {
                bytes.remove(at % len);
            }
            Edit::Cut(at) => bytes.truncate(at % len),
            _ => {}
        }
    }
    bytes
}

/// Whatever a reader returns, the samples fit what the input could hold.
fn bounded(samples: &Samples, input: usize, compressed: bool) -> bool {
    let bytes = samples.as_bytes().len();
    if compressed {
        bytes <= input.saturating_mul(1032)
    } else {
        bytes <= input
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn damaged_nifti_files_are_read_or_refused_without_panicking(
        gzip in any::<bool>(),
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let bytes = apply(nifti_bytes(gzip), &edits);
        if let Ok(image) = nifti::read_from_bytes(&bytes) {
            prop_assert!(bounded(&image.samples, bytes.len(), gzip));
            let _ = image.geometry(Path::new("v.nii"));
        }
    }

    #[test]
    fn damaged_metaimage_files_are_read_or_refused_without_panicking(
        compressed in any::<bool>(),
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let bytes = apply(metaimage_bytes(compressed), &edits);
        if let Ok(image) = metaimage::read_from_bytes(&bytes) {
            prop_assert!(bounded(&image.samples, bytes.len(), true));
            let _ = image.header.geometry(Path::new("v.mha"));
        }
    }

    #[test]
    fn arbitrary_bytes_are_refused_or_read_without_panicking(
        bytes in proptest::collection::vec(any::<u8>(), 0..700),
    ) {
        let _ = nifti::read_from_bytes(&bytes);
        let _ = metaimage::read_from_bytes(&bytes);
        let _ = radflow::volume::detect_bytes(&bytes);
    }
}

#[test]
fn the_undamaged_files_read() {
    for gzip in [false, true] {
        let image = nifti::read_from_bytes(&nifti_bytes(gzip)).expect("valid nifti");
        assert_eq!(image.sizes, vec![4, 3, 2]);
    }
    for compressed in [false, true] {
        let image = metaimage::read_from_bytes(&metaimage_bytes(compressed)).expect("valid mha");
        assert_eq!(image.samples.len(), 24);
    }
}
