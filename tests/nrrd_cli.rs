//! `radflow nrrd FILE --json` agrees with the independent readers' values in
//! `shared/data/expected_values.json`, run through the real binary.

mod common;

use std::path::{Path, PathBuf};

use common::Project;

fn shared_data() -> PathBuf {
    let dir = std::env::var_os("RADFLOW_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    assert!(
        dir.join("expected_values.json").is_file(),
        "shared data not found at {}; set RADFLOW_SHARED_DATA",
        dir.display()
    );
    dir
}

#[test]
fn nrrd_json_matches_the_reference_readers() {
    let data = shared_data();
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("expected_values.json")).unwrap()).unwrap();
    let files = expected["files"].as_array().unwrap();
    let p = Project::new();
    let mut checked = 0;
    for path in [
        "pyradiomics/brain1_image.nrrd",
        "matnrrd/test3d_bigendian_raw.nrrd",
        "teem/unu_generated/brain1_crop_list.nhdr",
        "pynrrd/BallBinary30x30x30_byteskip_minus_one.nhdr",
    ] {
        let Some(want) = files.iter().find(|f| f["path"] == path) else {
            continue;
        };
        let file = data.join(path);
        let run = p.run(&["nrrd", file.to_str().unwrap(), "--json"]).ok();
        let got: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let sha = want["samples_sha256_le"]
            .as_str()
            .or(want["teem_samples_sha256_le"].as_str())
            .unwrap();
        assert_eq!(got["samples_sha256_le"], sha, "{path}");
        // Files only teem reads carry the hash alone; the others carry pynrrd's facts too.
        if !want["count"].is_null() {
            assert_eq!(got["count"], want["count"], "{path}");
            assert_eq!(got["sizes"], want["sizes_fastest_first"], "{path}");
            for stat in ["min", "max", "sum"] {
                assert_eq!(got[stat].as_f64(), want[stat].as_f64(), "{path} {stat}");
            }
        }
        checked += 1;
    }
    assert_eq!(
        checked, 4,
        "the reference list names the files checked here"
    );
}

#[test]
fn a_file_that_must_fail_fails_with_one_line_and_exit_code_2() {
    let file = shared_data().join("matnrrd/test3d_bigendian_raw_noendianfield.nrrd");
    let run = Project::new()
        .run(&["nrrd", file.to_str().unwrap()])
        .code(2);
    assert!(
        run.stderr
            .trim()
            .ends_with("`endian` is required for `uint32` with `raw` encoding"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim().lines().count(), 1);
}
