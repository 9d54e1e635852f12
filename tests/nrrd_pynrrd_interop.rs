//! Interoperability with pynrrd 1.1.3, both ways, through `tests/pynrrd_interop.py`:
//! - what radflow writes (every encoding, both byte orders, attached and detached, all
//!   ten numeric types, with geometry and key/values) pynrrd reads back with identical
//!   samples, geometry and key/values; for hex, which pynrrd lacks, it must refuse;
//! - what pynrrd writes (raw, ascii, gzip, bzip2; both byte orders; attached and
//!   detached) radflow reads with identical samples, geometry and key/values.
//!
//! Needs python3 with pynrrd: `pip install pynrrd==1.1.3 numpy` (CI installs them).
//! `RADFLOW_PYTHON` names another interpreter. Without them the tests fail and say so.

use std::path::{Path, PathBuf};
use std::process::Command;

use radflow::nrrd::{
    self, Encoding, Endian, Header, Kind, Layout, Nrrd, Samples, ScalarType, Space, WriteOptions,
};
use serde_json::{Value, json};

fn python() -> String {
    std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn helper() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pynrrd_interop.py")
}

/// Runs the helper and parses its JSON output, failing with the install line when
/// python3 or pynrrd is missing.
fn run_helper(command: &str, argument: &Path) -> Value {
    let python = python();
    let output = Command::new(&python)
        .arg(helper())
        .arg(command)
        .arg(argument)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{python}` ({e}); this test needs python3 with pynrrd: \
                 pip install pynrrd==1.1.3 numpy (or set RADFLOW_PYTHON)"
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`{python} tests/pynrrd_interop.py {command}` failed ({}); this test needs pynrrd: \
         pip install pynrrd==1.1.3 numpy\n{stderr}",
        output.status
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the helper printed no JSON ({e}):\n{stderr}"))
}

/// A small volume of `scalar` with each type's extremes, fastest axis first.
fn test_samples(scalar: ScalarType, count: usize) -> Samples {
    // A fixed linear congruential sequence: deterministic without a rand dependency.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state
    };
    let mut samples = Samples::zeros(scalar, count);
    for byte in samples.as_bytes_mut() {
        *byte = (next() >> 56) as u8;
    }
    // Floats get finite values (ascii keeps no NaN payloads) and their extremes.
    match &mut samples {
        Samples::F32(v) => {
            for (i, x) in v.iter_mut().enumerate() {
                *x = ((next() >> 40) as f32 - 8_388_608.0) / 1024.0 + i as f32 * 0.25;
            }
            v[0] = f32::MAX;
            v[1] = -f32::MIN_POSITIVE;
        }
        Samples::F64(v) => {
            for x in v.iter_mut() {
                *x = ((next() >> 11) as f64 - 4.5e15) / 3.0e9;
            }
            v[0] = f64::MAX;
            v[1] = -f64::MIN_POSITIVE;
        }
        Samples::I8(v) => (v[0], v[1]) = (i8::MIN, i8::MAX),
        Samples::I16(v) => (v[0], v[1]) = (i16::MIN, i16::MAX),
        Samples::I32(v) => (v[0], v[1]) = (i32::MIN, i32::MAX),
        Samples::I64(v) => (v[0], v[1]) = (i64::MIN, i64::MAX),
        Samples::U8(v) => (v[0], v[1]) = (0, u8::MAX),
        Samples::U16(v) => (v[0], v[1]) = (0, u16::MAX),
        Samples::U32(v) => (v[0], v[1]) = (0, u32::MAX),
        Samples::U64(v) => (v[0], v[1]) = (0, u64::MAX),
        Samples::Block { .. } => {}
    }
    samples
}

const NUMERIC: [ScalarType; 10] = [
    ScalarType::I8,
    ScalarType::U8,
    ScalarType::I16,
    ScalarType::U16,
    ScalarType::I32,
    ScalarType::U32,
    ScalarType::I64,
    ScalarType::U64,
    ScalarType::F32,
    ScalarType::F64,
];

fn numpy_name(scalar: ScalarType) -> &'static str {
    match scalar {
        ScalarType::F32 => "float32",
        ScalarType::F64 => "float64",
        other => other.nrrd_name(),
    }
}

/// A Slicer-like 4-D volume: a list axis (direction `none`) then three LPS axes.
fn volume(scalar: ScalarType) -> Nrrd {
    let sizes = vec![2, 4, 3, 5];
    let mut header = Header::new(scalar, sizes.clone());
    header.space = Some(Space::LeftPosteriorSuperior);
    header.space_dimension = Some(3);
    header.space_directions = Some(vec![
        None,
        Some(vec![-0.781_249_999_999_999_9, 0.0, 0.0]),
        Some(vec![0.0, -0.781_249_999_999_999_9, 0.0]),
        Some(vec![0.0, 0.0, 6.499_999_999_999_998]),
    ]);
    header.space_origin = Some(vec![-99.609_374_999_999_99, 99.609_374_999_999_99, -78.0]);
    header.kinds = Some(vec![Kind::List, Kind::Domain, Kind::Domain, Kind::Domain]);
    header.key_values = vec![
        ("Segment0_Name".into(), "tumor (core)".into()),
        (
            "Segmentation_ConversionParameters".into(),
            "a|0.5|x\nb|1|y \\ z".into(),
        ),
    ];
    let count = sizes.iter().product();
    Nrrd {
        header,
        samples: test_samples(scalar, count),
    }
}

#[test]
fn pynrrd_reads_what_radflow_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut manifest = Vec::new();
    for scalar in NUMERIC {
        let volume = volume(scalar);
        for encoding in Encoding::ALL {
            for endian in [Endian::Little, Endian::Big] {
                for layout in [Layout::Attached, Layout::Detached] {
                    let extension = if layout == Layout::Attached {
                        "nrrd"
                    } else {
                        "nhdr"
                    };
                    let name = format!("rf_{scalar}_{encoding}_{endian}.{extension}");
                    let path = dir.path().join(name);
                    let options = WriteOptions {
                        encoding,
                        endian,
                        layout,
                        compression_level: 6,
                    };
                    nrrd::write(&path, &volume, &options).expect("radflow writes");
                    let stated_endian =
                        (scalar.needs_endian() && encoding.is_binary()).then(|| endian.nrrd_name());
                    let h = &volume.header;
                    manifest.push(json!({
                        "path": path,
                        "pynrrd_unsupported": encoding == Encoding::Hex,
                        "samples_sha256_le": volume.samples.sha256_le(),
                        "sizes": h.sizes,
                        "numpy_dtype": numpy_name(scalar),
                        "space": h.space.map(Space::nrrd_name),
                        "space_directions": h.space_directions,
                        "space_origin": h.space_origin,
                        "kinds": h.kinds.as_ref().map(|k| k.iter().map(|k| k.nrrd_name()).collect::<Vec<_>>()),
                        "key_values": h.key_values,
                        "endian": stated_endian,
                    }));
                }
            }
        }
    }
    let manifest_path = dir.path().join("manifest.json");
    std::fs::write(&manifest_path, Value::Array(manifest).to_string()).expect("manifest");
    let results = run_helper("check", &manifest_path);
    let results = results.as_array().expect("a JSON list");
    assert_eq!(results.len(), 200, "one result per file");
    let failures: Vec<String> = results
        .iter()
        .filter(|r| r["problems"].as_array().is_some_and(|p| !p.is_empty()))
        .map(|r| format!("{}: {}", r["path"], r["problems"]))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} files disagree in pynrrd:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

#[test]
fn radflow_reads_what_pynrrd_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = run_helper("write", dir.path());
    let entries = manifest.as_array().expect("a JSON list");
    assert!(entries.len() >= 100, "pynrrd wrote {} files", entries.len());
    let mut failures = Vec::new();
    for entry in entries {
        let path = PathBuf::from(entry["path"].as_str().unwrap_or_default());
        let volume = match nrrd::read(&path) {
            Ok(volume) => volume,
            Err(error) => {
                failures.push(format!("{}: {error}", path.display()));
                continue;
            }
        };
        let mut problems = Vec::new();
        let h = &volume.header;
        if entry["samples_sha256_le"].as_str() != Some(volume.samples.sha256_le().as_str()) {
            problems.push("samples differ".to_string());
        }
        if json!(h.sizes) != entry["sizes"] {
            problems.push(format!("sizes {:?}", h.sizes));
        }
        if numpy_name(h.scalar_type) != entry["type"].as_str().unwrap_or_default() {
            problems.push(format!("type {}", h.scalar_type));
        }
        if Encoding::parse(entry["encoding"].as_str().unwrap_or_default()) != Some(h.encoding) {
            problems.push(format!("encoding {}", h.encoding));
        }
        if h.space != Some(Space::LeftPosteriorSuperior) {
            problems.push(format!("space {:?}", h.space));
        }
        if json!(h.space_directions) != entry["space_directions"] {
            problems.push(format!("space directions {:?}", h.space_directions));
        }
        if json!(h.space_origin) != entry["space_origin"] {
            problems.push(format!("space origin {:?}", h.space_origin));
        }
        if json!(
            h.kinds
                .as_ref()
                .map(|k| k.iter().map(|k| k.nrrd_name()).collect::<Vec<_>>())
        ) != entry["kinds"]
        {
            problems.push(format!("kinds {:?}", h.kinds));
        }
        if json!(h.key_values) != entry["key_values"] {
            problems.push(format!("key/values {:?}", h.key_values));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", path.display(), problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} pynrrd files disagree in radflow:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}
