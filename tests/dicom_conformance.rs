//! radflow's DICOM pixel decoding against pydicom 3 (with pylibjpeg, pylibjpeg-libjpeg,
//! pylibjpeg-openjpeg and pyjpegls) on every file of pydicom's own offline test data,
//! through `tests/dicom_reference.py files`.
//!
//! Per file: where pydicom decodes, radflow must give the same sizes (frames, rows,
//! columns, samples per pixel) and the same `samples_sha256_le`, or refuse with a reason;
//! lossy files (JPEG baseline/extended, JPEG 2000 .91) must agree in sizes and every
//! sample within [`LOSSY_BOUND`] of pydicom's. Where pydicom refuses, radflow must refuse.
//! The tally (agree / refused / differs) is printed; differs must be 0 and radflow must
//! read at least 90% of what pydicom reads.
//!
//! Needs RADFLOW_PYTHON (or python3) with the packages of requirements-dev.txt.

use std::path::{Path, PathBuf};
use std::process::Command;

use radflow::dicom::read_image;
use radflow::nrrd::Samples;
use serde_json::Value;

/// Lossy decoders (libjpeg vs jpeg-decoder, OpenJPEG versions) differ by rounding in the
/// inverse DCT / wavelet and colour conversion: a few grey levels at most on 8-bit data.
/// Observed here: at most 2 (8-bit JPEG baseline); the bound leaves headroom.
const LOSSY_BOUND: f64 = 4.0;

fn python() -> String {
    std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn reference(out: &Path) -> Vec<Value> {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dicom_reference.py");
    let python = python();
    let output = Command::new(&python)
        .arg(helper)
        .arg("files")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{python}` ({e}); this test needs python3 with pydicom, pylibjpeg and numpy (requirements-dev.txt), or RADFLOW_PYTHON"));
    assert!(
        output.status.success(),
        "tests/dicom_reference.py failed; this test needs pydicom 3 with pylibjpeg, pylibjpeg-libjpeg, pylibjpeg-openjpeg, pyjpegls (pip install -r requirements-dev.txt):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the helper prints JSON")
}

fn samples_f64(samples: &Samples) -> Vec<f64> {
    samples.to_f64().expect("numeric samples")
}

fn raw_values(path: &Path, dtype: &str) -> Vec<f64> {
    let bytes = std::fs::read(path).expect("reference array");
    match dtype {
        "u1" => bytes.iter().map(|b| f64::from(*b)).collect(),
        "i1" => bytes.iter().map(|b| f64::from(*b as i8)).collect(),
        "u2" => bytes
            .chunks_exact(2)
            .map(|c| f64::from(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        "i2" => bytes
            .chunks_exact(2)
            .map(|c| f64::from(i16::from_le_bytes([c[0], c[1]])))
            .collect(),
        other => panic!("unexpected lossy dtype {other}"),
    }
}

#[test]
fn every_pydicom_test_file_decodes_as_pydicom_does_or_is_refused_with_a_reason() {
    let out = tempfile::tempdir().expect("temp dir");
    let records = reference(out.path());
    assert!(
        records.len() > 100,
        "pydicom's test data has over 100 files; found {}",
        records.len()
    );
    let (mut agree, mut refused_both, mut radflow_refused, mut differs) = (0, 0, 0, Vec::new());
    let mut reference_reads = 0;
    let mut largest_lossy_difference = 0f64;
    for record in &records {
        let path = PathBuf::from(record["path"].as_str().expect("path"));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ours = read_image(&path);
        if record["status"] == "refused" {
            match ours {
                Err(_) => refused_both += 1,
                Ok(image) => differs.push(format!(
                    "{name}: pydicom refuses ({}) but radflow reads {:?}",
                    record["reason"],
                    image.sizes()
                )),
            }
            continue;
        }
        reference_reads += 1;
        let image = match ours {
            Ok(image) => image,
            Err(error) => {
                let message = error.to_string();
                assert!(
                    message.contains(&name),
                    "a refusal names the file: {message}"
                );
                println!("refused by radflow only: {message}");
                radflow_refused += 1;
                continue;
            }
        };
        let sizes: Vec<usize> = record["sizes"]
            .as_array()
            .expect("sizes")
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        if image.sizes().to_vec() != sizes {
            differs.push(format!(
                "{name}: sizes {:?} vs pydicom {sizes:?}",
                image.sizes()
            ));
            continue;
        }
        if record["lossy"] == true {
            let theirs = raw_values(
                Path::new(record["raw"].as_str().expect("raw")),
                record["dtype"].as_str().expect("dtype"),
            );
            let ours = samples_f64(&image.samples);
            let worst = ours
                .iter()
                .zip(&theirs)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            largest_lossy_difference = largest_lossy_difference.max(worst);
            if ours.len() != theirs.len() || worst > LOSSY_BOUND {
                differs.push(format!(
                    "{name}: lossy values differ by up to {worst} (bound {LOSSY_BOUND})"
                ));
            } else {
                agree += 1;
            }
            continue;
        }
        if image.samples.sha256_le() == record["sha256_le"].as_str().expect("sha") {
            agree += 1;
        } else {
            differs.push(format!(
                "{name}: samples_sha256_le differs ({} {} vs pydicom {})",
                image.samples.scalar_type(),
                image.samples.sha256_le(),
                record["dtype"]
            ));
        }
    }
    println!(
        "pydicom test files: {} in all; pydicom reads {reference_reads}; agree {agree}, refused by both {refused_both}, \
         refused by radflow only {radflow_refused}, differs {}; largest lossy difference {largest_lossy_difference}",
        records.len(),
        differs.len()
    );
    assert!(
        differs.is_empty(),
        "radflow and pydicom disagree:\n{}",
        differs.join("\n")
    );
    assert!(
        agree * 10 >= reference_reads * 9,
        "radflow reads {agree} of the {reference_reads} files pydicom reads; the goal is 90%"
    );
}
