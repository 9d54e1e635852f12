//! Which reader a path needs, decided from its content: magic bytes, not the extension.
//!
//! - a folder: a DICOM series (its files are the slices);
//! - `NRRD000`: NRRD (`.nrrd`, `.nhdr`, `.seg.nrrd`);
//! - `DICM` at byte 128: a DICOM file (a series of one file, a multi-frame image or a
//!   DICOM-SEG; the DICOM reader tells which);
//! - `sizeof_hdr` 348 or 540 with the NIfTI magic: NIfTI-1 or NIfTI-2 (a gzip stream is
//!   decompressed first, for `.nii.gz`);
//! - a first line `ObjectType = ...` (or another MetaIO key): MetaImage.
//!
//! A raw `.img` or `.raw` has no header of its own and is refused with the file to name
//! instead.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::Format;
use super::error::VolumeError;
use crate::{metaimage, nifti};

/// Bytes read to decide: a NIfTI-2 header, and DICOM's 128-byte preamble plus `DICM`.
const SNIFF_BYTES: usize = 1024;

/// The format of the image at `path`.
pub fn detect(path: &Path) -> Result<Format, VolumeError> {
    let io = |action, source| VolumeError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(|e| io("open", e))?;
    if meta.is_dir() {
        return Ok(Format::DicomSeries);
    }
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)
        .map_err(|e| io("open", e))?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| io("read", e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let mut inflated = Vec::with_capacity(SNIFF_BYTES);
        // A stream too short or corrupt to hold a header is left to the NIfTI reader's
        // message, unless it is not NIfTI at all.
        let _ = flate2::read::MultiGzDecoder::new(head.as_slice())
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut inflated);
        if let Some(format) = nifti_format(&inflated) {
            return Ok(format);
        }
        return Err(VolumeError::Unrecognized {
            path: path.to_path_buf(),
            found: "a gzip file that does not hold a NIfTI header".to_string(),
        });
    }
    detect_bytes(&head).ok_or_else(|| VolumeError::Unrecognized {
        path: path.to_path_buf(),
        found: describe(path, &head),
    })
}

/// The format of an uncompressed file from its first bytes.
pub fn detect_bytes(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"NRRD000") {
        return Some(Format::Nrrd);
    }
    if head.get(128..132) == Some(b"DICM".as_slice()) {
        return Some(Format::DicomSeries);
    }
    if let Some(format) = nifti_format(head) {
        return Some(format);
    }
    metaimage::sniff(head).then_some(Format::MetaImage)
}

fn nifti_format(head: &[u8]) -> Option<Format> {
    let (version, _) = nifti::sniff(head)?;
    let magic_ok = match version {
        nifti::Version::One => head
            .get(344..347)
            .is_some_and(|m| m == b"n+1" || m == b"ni1"),
        nifti::Version::Two => head.get(4..7).is_some_and(|m| m == b"n+2" || m == b"ni2"),
    };
    magic_ok.then_some(match version {
        nifti::Version::One => Format::Nifti1,
        nifti::Version::Two => Format::Nifti2,
    })
}

fn describe(path: &Path, head: &[u8]) -> String {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "img" => "a raw `.img` has no header; name its `.hdr`".to_string(),
        "raw" | "zraw" => "raw samples have no header; name the `.mhd`".to_string(),
        "dcm" => "a `.dcm` without the `DICM` marker at byte 128".to_string(),
        _ if head.is_empty() => "the file is empty".to_string(),
        _ => format!(
            "it starts with {:?}",
            String::from_utf8_lossy(&head[..head.len().min(16)])
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_format() {
        let mut nifti1 = vec![0u8; 348];
        nifti1[..4].copy_from_slice(&348i32.to_le_bytes());
        nifti1[344..348].copy_from_slice(b"n+1\0");
        let mut nifti2_be = vec![0u8; 540];
        nifti2_be[..4].copy_from_slice(&540i32.to_be_bytes());
        nifti2_be[4..8].copy_from_slice(b"ni2\0");
        let mut dicom = vec![0u8; 140];
        dicom[128..132].copy_from_slice(b"DICM");
        let mut analyze = nifti1.clone();
        analyze[344..348].copy_from_slice(b"\0\0\0\0");
        let cases: Vec<(Vec<u8>, Option<Format>)> = vec![
            (b"NRRD0004\ntype: short\n".to_vec(), Some(Format::Nrrd)),
            (nifti1, Some(Format::Nifti1)),
            (nifti2_be, Some(Format::Nifti2)),
            (dicom, Some(Format::DicomSeries)),
            (
                b"ObjectType = Image\nNDims = 3\n".to_vec(),
                Some(Format::MetaImage),
            ),
            (b"NDims = 3\n".to_vec(), Some(Format::MetaImage)),
            (analyze, None),
            (b"P6\n".to_vec(), None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                detect_bytes(&bytes),
                expected,
                "{:?}",
                &bytes[..8.min(bytes.len())]
            );
        }
    }

    #[test]
    fn folders_are_dicom_series_and_gzip_is_looked_into() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(detect(dir.path()).ok(), Some(Format::DicomSeries));
        let gz = dir.path().join("x.nii.gz");
        let mut header = vec![0u8; 352];
        header[..4].copy_from_slice(&348i32.to_le_bytes());
        header[344..348].copy_from_slice(b"n+1\0");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &header).expect("gzip");
        std::fs::write(&gz, encoder.finish().expect("gzip")).expect("write");
        assert_eq!(detect(&gz).ok(), Some(Format::Nifti1));
        let img = dir.path().join("x.img");
        std::fs::write(&img, [0u8; 64]).expect("write");
        let message = detect(&img).expect_err("raw img").to_string();
        assert!(message.contains("name its `.hdr`"), "{message}");
    }
}
