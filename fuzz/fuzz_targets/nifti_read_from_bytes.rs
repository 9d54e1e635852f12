//! Fuzzes the NIfTI read path on single-file data (`.nii`, gzipped or not): header
//! parsing for both versions, gzip, offsets, and the geometry rules (sform, qform,
//! quaternion, fallback). Any panic, abort or allocation past libFuzzer's memory limit is a
//! bug: the reader allocates at most what the input can hold (its length, or 1032 times
//! it for gzip).
#![no_main]

use libfuzzer_sys::fuzz_target;
use radflow::nifti::read_from_bytes;

fuzz_target!(|data: &[u8]| {
    if let Ok(image) = read_from_bytes(data) {
        let _ = image.geometry(std::path::Path::new("fuzz.nii"));
        let _ = (image.samples.min(), image.samples.sum(), image.samples.sha256_le());
    }
});
