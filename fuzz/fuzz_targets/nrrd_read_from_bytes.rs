//! Fuzzes the whole NRRD read path on attached data: header parsing, validation, line
//! and byte skips, and every decoder. Any panic, abort or allocation past libFuzzer's
//! memory limit is a bug. Detached data is left to the property tests, since a fuzzed
//! `data file` could name a device or pipe on the fuzzing machine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use radflow::nrrd::{Limits, read_from_bytes};

fuzz_target!(|data: &[u8]| {
    // 4 MiB of samples at most: a hostile size claim must be refused, not allocated,
    // and small limits keep the executions fast.
    let limits = Limits {
        max_bytes: 4 << 20,
        max_header_bytes: 1 << 20,
    };
    if let Ok(volume) = read_from_bytes(data, None, &limits) {
        // The statistics and hash walk every sample: they must not panic either.
        let _ = (volume.samples.min(), volume.samples.sum(), volume.samples.sha256_le());
    }
});
