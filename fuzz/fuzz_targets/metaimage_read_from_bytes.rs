//! Fuzzes the MetaImage read path on `.mha` data (`ElementDataFile = LOCAL`): header
//! keys, patterns and lists, byte orders, zlib and gzip data, `HeaderSize`, and the
//! geometry. Any panic, abort or allocation past libFuzzer's memory limit is a bug: the
//! reader allocates at most what the input can hold. Detached data files are left out,
//! since a fuzzed header could name any file on the fuzzing machine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use radflow::metaimage::read_from_bytes;

fuzz_target!(|data: &[u8]| {
    if let Ok(image) = read_from_bytes(data) {
        let _ = image.header.geometry(std::path::Path::new("fuzz.mha"));
        let _ = (image.samples.min(), image.samples.sum(), image.samples.sha256_le());
    }
});
