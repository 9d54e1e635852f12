//! Fuzzes the whole DICOM read path of one file: the length guard, dicom-rs parsing,
//! pixel layout checks, fragment splitting and every codec (RLE, JPEG, JPEG-LS,
//! JPEG 2000), then the SEG reader on the same bytes. Any panic, abort or allocation past
//! libFuzzer's `-malloc_limit_mb` is a bug: the limits below let a file of at most
//! 1 MiB decode to at most 16 MiB.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use radflow::dicom::{Limits, read_dicom_seg_from_bytes, read_image_from_bytes};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_decoded_bytes: 16 << 20,
        max_compression_ratio: 64,
    };
    let path = Path::new("fuzz.dcm");
    if let Ok(image) = read_image_from_bytes(data, path, &limits) {
        let _ = (image.samples.min(), image.samples.sha256_le());
    }
    let _ = read_dicom_seg_from_bytes(data, path, &limits);
});
