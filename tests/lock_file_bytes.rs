//! A lab commits its lock file, so its bytes are a promise: a radflow release that writes a
//! byte differently (a quote, a float's digits) would change every lab's lock file without
//! any result having changed. These files were all written by serde_yaml 0.9, the emitter
//! before the move to `yaml_serde`; each must read and write back byte for byte.
//!
//! `tests/fixtures/lock_file/tricky_values.lock` holds the scalars YAML must quote or format
//! with care (`yes`, `null`, `1e3`, `: `, `#`, newlines, `-0.0`, `5e-324`, ...); it was made
//! by `tests/fixtures/lock_file/generator` with serde_yaml 0.9.

use std::path::Path;

use radflow::lockfile::LockFile;

fn round_trips(relative: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    let lock = LockFile::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    let written = lock.to_text();
    if written != text {
        let line = text
            .lines()
            .zip(written.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the end".to_string(), |i| format!("line {}", i + 1));
        panic!(
            "{relative}: written back differently from {line}:\n--- committed\n{text}\n--- written\n{written}"
        );
    }
}

#[test]
fn the_committed_demo_lock_file_is_written_back_byte_for_byte() {
    round_trips("pipelines/demo.lock");
}

#[test]
fn the_committed_smoke_lock_file_is_written_back_byte_for_byte() {
    round_trips("pipelines/smoke.lock");
}

#[test]
fn scalars_that_yaml_must_quote_or_format_with_care_are_written_back_byte_for_byte() {
    round_trips("tests/fixtures/lock_file/tricky_values.lock");
}
