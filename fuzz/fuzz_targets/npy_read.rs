//! The `.npy` reader on arbitrary bytes: it must return a value or an error, never panic, and
//! never allocate more than the input implies (run with `-malloc_limit_mb`, see
//! `fuzz/README.md`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tensor) = radflow::exchange::npy::decode_npy(data) {
        // What decodes holds no more samples than the input had bytes.
        assert!(tensor.le_bytes().len() <= data.len());
    }
});
