//! Conformance of radflow's NRRD reader with pynrrd 1.1.3 and teem 1.12 over every
//! NRRD file in `shared/data` (see `shared/data/README.md` and `expected_values.json`).
//!
//! - Files pynrrd reads: same sample sha256, count, min, max, sum, sizes, type, first
//!   and last values.
//! - Files only teem reads (hex, `data file: LIST`, the pattern form): same sample
//!   sha256 as teem, sizes from the header.
//! - Files neither reads, and `BallBinary30x30x30_nifti.nhdr` (teem silently truncates,
//!   the README asks for pynrrd's strict error): a clear error, never a panic.
//! - Every header pynrrd parsed is compared field by field with radflow's header.
//!
//! The data lives beside the checkout (`$RADFLOW_SHARED_DATA`, else
//! `<CARGO_MANIFEST_DIR>/../shared/data`); the test fails if it is missing.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use radflow::nrrd::{self, Encoding, Endian, Header, Kind, Nrrd, ScalarType, Space};
use serde_json::Value;

/// Files that must fail even though one reference reader accepts them.
const STRICT_FAILURES: &[(&str, &str)] = &[(
    "pynrrd/BallBinary30x30x30_nifti.nhdr",
    "the gzip stream decodes to 54352 bytes for a 54000-byte volume; teem truncates silently",
)];

/// Files whose header itself is invalid, so even `read_header` must refuse them
/// (pynrrd only notices when it reads the data).
const INVALID_HEADERS: &[(&str, &str)] = &[
    (
        "matnrrd/test3d_bigendian_raw_noendianfield.nrrd",
        "`endian` is required for uint32 raw data",
    ),
    (
        "pynrrd/BallBinary30x30x30_byteskip_minus_five.nhdr",
        "`byte skip` below -1",
    ),
];

fn shared_data() -> PathBuf {
    let candidates: Vec<PathBuf> = std::env::var_os("RADFLOW_SHARED_DATA")
        .map(PathBuf::from)
        .into_iter()
        .chain([Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")])
        .collect();
    for dir in &candidates {
        if dir.join("expected_values.json").is_file() {
            return dir.clone();
        }
    }
    panic!(
        "shared NRRD test data not found: looked for expected_values.json in {candidates:?}; \
         set RADFLOW_SHARED_DATA to the shared/data folder (CI keeps it beside the checkout)"
    );
}

struct Row {
    path: String,
    expect: &'static str,
    outcome: String,
    problems: Vec<String>,
}

#[test]
fn every_shared_file_reads_like_pynrrd_and_teem() {
    let dir = shared_data();
    let text = std::fs::read_to_string(dir.join("expected_values.json"))
        .expect("expected_values.json is readable");
    let expected: Value = serde_json::from_str(&text).expect("expected_values.json is JSON");
    let files = expected["files"].as_array().expect("`files` is an array");
    assert!(
        files.len() > 80,
        "expected_values.json lists {} files",
        files.len()
    );

    let rows: Vec<Row> = files.iter().map(|entry| check_file(&dir, entry)).collect();
    let failures = rows.iter().filter(|r| !r.problems.is_empty()).count();
    if failures > 0 {
        let mut table = String::new();
        for row in &rows {
            let mark = if row.problems.is_empty() {
                "ok  "
            } else {
                "FAIL"
            };
            let _ = writeln!(
                table,
                "{mark} {:<58} {:<8} {}",
                row.path, row.expect, row.outcome
            );
            for problem in &row.problems {
                let _ = writeln!(table, "       - {problem}");
            }
        }
        panic!("{failures} of {} files disagree:\n{table}", rows.len());
    }
}

fn check_file(dir: &Path, entry: &Value) -> Row {
    let rel = entry["path"].as_str().unwrap_or_default().to_string();
    let path = dir.join(&rel);
    let py_ok = entry["pynrrd_read_ok"].as_bool().unwrap_or(false);
    let teem_ok = entry["teem_read_ok"].as_bool().unwrap_or(false);
    let strict = STRICT_FAILURES.iter().any(|(p, _)| *p == rel);
    let expect = if strict || (!py_ok && !teem_ok) {
        "error"
    } else if py_ok {
        "pynrrd"
    } else {
        "teem"
    };
    let mut row = Row {
        path: rel,
        expect,
        outcome: String::new(),
        problems: Vec::new(),
    };

    let read = catch_unwind(AssertUnwindSafe(|| nrrd::read(&path)));
    let Ok(read) = read else {
        row.outcome = "PANIC".into();
        row.problems.push("the reader panicked".into());
        return row;
    };
    match (expect, read) {
        ("error", Ok(_)) => {
            row.outcome = "read ok".into();
            row.problems
                .push("read succeeded, but this file must be rejected".into());
        }
        ("error", Err(error)) => {
            row.outcome = format!("error: {error}");
            check_error_is_clear(&row.path, &error.to_string(), &mut row.problems);
        }
        (_, Err(error)) => {
            row.outcome = format!("error: {error}");
            row.problems.push(format!("read failed: {error}"));
        }
        (_, Ok(volume)) => {
            row.outcome = format!(
                "{} {:?} {}",
                volume.header.scalar_type, volume.header.sizes, volume.header.encoding
            );
            compare_samples(&volume, entry, expect == "pynrrd", &mut row.problems);
        }
    }

    // Headers: whatever happens to the data, the header pynrrd parsed must match.
    let py_header = entry["pynrrd_header"].as_object().filter(|h| !h.is_empty());
    if let Some(py_header) = py_header {
        match catch_unwind(AssertUnwindSafe(|| nrrd::read_header(&path))) {
            Err(_) => row.problems.push("read_header panicked".into()),
            Ok(Err(error)) => {
                if !INVALID_HEADERS.iter().any(|(p, _)| *p == row.path) {
                    row.problems.push(format!("read_header failed: {error}"));
                }
            }
            Ok(Ok(header)) => compare_header(&header, py_header, &mut row.problems),
        }
    }
    row
}

/// An error must name the file it is about and say what was wrong, in one line.
fn check_error_is_clear(rel: &str, message: &str, problems: &mut Vec<String>) {
    let names_file = [rel, "dummy.raw", ".raw", ".nii.gz"]
        .iter()
        .any(|name| message.contains(name));
    if !names_file {
        problems.push(format!("the error does not name the file: {message}"));
    }
    if message.contains('\n') || message.len() < 20 {
        problems.push(format!("the error is not one clear line: {message:?}"));
    }
}

fn compare_samples(volume: &Nrrd, entry: &Value, full: bool, problems: &mut Vec<String>) {
    let samples = &volume.samples;
    let sha_key = if full {
        "samples_sha256_le"
    } else {
        "teem_samples_sha256_le"
    };
    let sha = samples.sha256_le();
    if entry[sha_key].as_str() != Some(sha.as_str()) {
        problems.push(format!("{sha_key} {sha} != {}", entry[sha_key]));
    }
    if let Some(teem_sha) = entry["teem_samples_sha256_le"].as_str()
        && teem_sha != sha
    {
        problems.push(format!("teem_samples_sha256_le {teem_sha} != {sha}"));
    }
    if !full {
        return;
    }
    let sizes: Vec<usize> = entry["sizes_fastest_first"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .map(|v| v as usize)
                .collect()
        })
        .unwrap_or_default();
    if sizes != volume.header.sizes {
        problems.push(format!("sizes {:?} != {sizes:?}", volume.header.sizes));
    }
    let dtype = numpy_dtype(entry["numpy_dtype"].as_str().unwrap_or_default());
    if dtype != Some(samples.scalar_type()) {
        problems.push(format!(
            "type {} != numpy {}",
            samples.scalar_type(),
            entry["numpy_dtype"]
        ));
    }
    if entry["count"].as_u64() != Some(samples.len() as u64) {
        problems.push(format!("count {} != {}", samples.len(), entry["count"]));
    }
    let stats = [
        ("min", samples.min()),
        ("max", samples.max()),
        ("sum", samples.sum()),
    ];
    for (name, ours) in stats {
        let theirs = entry[name].as_f64();
        if !close(ours, theirs) {
            problems.push(format!("{name} {ours:?} != {theirs:?}"));
        }
    }
    let first: Vec<Option<f64>> = (0..8).map(|i| samples.get_f64(i)).collect();
    compare_values("first", &first, &entry["first_values_file_order"], problems);
    let len = samples.len();
    let last: Vec<Option<f64>> = (len.saturating_sub(4)..len)
        .map(|i| samples.get_f64(i))
        .collect();
    compare_values("last", &last, &entry["last_values_file_order"], problems);
}

fn compare_values(name: &str, ours: &[Option<f64>], theirs: &Value, problems: &mut Vec<String>) {
    let Some(theirs) = theirs.as_array() else {
        return;
    };
    let ours: Vec<Option<f64>> = ours.iter().flatten().map(|v| Some(*v)).collect();
    let same = ours.len() == theirs.len()
        && ours
            .iter()
            .zip(theirs)
            .all(|(a, b)| same_number(a.unwrap_or(f64::NAN), b));
    if !same {
        problems.push(format!("{name} values {ours:?} != {theirs:?}"));
    }
}

/// Statistics agree to float64 rounding (pynrrd sums pairwise in a different order).
fn close(ours: Option<f64>, theirs: Option<f64>) -> bool {
    match (ours, theirs) {
        (Some(a), Some(b)) => a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
        (Some(a), None) => a.is_nan(),
        (None, None) => true,
        (None, Some(_)) => false,
    }
}

/// JSON `null` stands for NaN.
fn same_number(ours: f64, theirs: &Value) -> bool {
    match theirs.as_f64() {
        Some(t) => ours == t,
        None => ours.is_nan(),
    }
}

fn numpy_dtype(name: &str) -> Option<ScalarType> {
    let scalar = match name.trim_start_matches(['<', '>', '=', '|']) {
        "int8" | "i1" => ScalarType::I8,
        "uint8" | "u1" => ScalarType::U8,
        "int16" | "i2" => ScalarType::I16,
        "uint16" | "u2" => ScalarType::U16,
        "int32" | "i4" => ScalarType::I32,
        "uint32" | "u4" => ScalarType::U32,
        "int64" | "i8" => ScalarType::I64,
        "uint64" | "u8" => ScalarType::U64,
        "float32" | "f4" => ScalarType::F32,
        "float64" | "f8" => ScalarType::F64,
        _ => return None,
    };
    Some(scalar)
}

fn compare_header(
    header: &Header,
    py: &serde_json::Map<String, Value>,
    problems: &mut Vec<String>,
) {
    let mut mismatch = |field: &str, ours: String, theirs: &Value| {
        problems.push(format!(
            "header `{field}`: radflow {ours} != pynrrd {theirs}"
        ));
    };
    for (field, theirs) in py {
        let ok = match field.as_str() {
            "type" => {
                ScalarType::parse(theirs.as_str().unwrap_or_default()) == Some(header.scalar_type)
            }
            "dimension" => theirs.as_u64() == Some(header.dimension as u64),
            "sizes" => numbers(theirs) == Some(header.sizes.iter().map(|&s| s as f64).collect()),
            "encoding" => {
                Encoding::parse(theirs.as_str().unwrap_or_default()) == Some(header.encoding)
            }
            "endian" => Endian::parse(theirs.as_str().unwrap_or_default()) == header.endian,
            "space" => Space::parse(theirs.as_str().unwrap_or_default()) == header.space,
            "space dimension" => theirs.as_u64().map(|d| d as usize) == header.space_dimension,
            "kinds" => {
                let kinds: Option<Vec<Kind>> = theirs
                    .as_array()
                    .map(|a| a.iter().filter_map(|k| Kind::parse(k.as_str()?)).collect());
                kinds == header.kinds
            }
            "space directions" => same_directions(header.space_directions.as_deref(), theirs),
            "space origin" => same_floats(header.space_origin.as_deref(), theirs),
            "spacings" => same_floats(header.spacings.as_deref(), theirs),
            "thicknesses" => same_floats(header.thicknesses.as_deref(), theirs),
            "axis mins" => same_floats(header.axis_mins.as_deref(), theirs),
            "axis maxs" => same_floats(header.axis_maxs.as_deref(), theirs),
            "measurement frame" => {
                let ours: Option<Vec<Option<Vec<f64>>>> = header
                    .measurement_frame
                    .as_ref()
                    .map(|f| f.iter().cloned().map(Some).collect());
                same_directions(ours.as_deref(), theirs)
            }
            "centerings" => same_words(
                header
                    .centerings
                    .as_ref()
                    .map(|c| c.iter().map(|c| c.nrrd_name().to_string()).collect()),
                theirs,
            ),
            "labels" => same_words(header.labels.clone(), theirs),
            "units" => same_texts(header.units.as_deref(), theirs),
            "space units" => same_texts(header.space_units.as_deref(), theirs),
            "content" => theirs.as_str() == header.content.as_deref(),
            "sample units" => theirs.as_str() == header.sample_units.as_deref(),
            "line skip" => theirs.as_u64() == Some(header.line_skip as u64),
            // pynrrd applies `byte skip:= -1`, a key/value pair, as the field (README).
            "byte skip" => {
                theirs.as_i64() == Some(header.byte_skip)
                    || header.key_value("byte skip").map(str::trim) == Some("-1")
            }
            "data file" => {
                // pynrrd takes the whole pattern line as one file name.
                let ours = match &header.data_file {
                    nrrd::DataFile::Single(name) => name.to_string_lossy().into_owned(),
                    nrrd::DataFile::Pattern {
                        format,
                        min,
                        max,
                        step,
                        subdim: None,
                    } => format!("{format} {min} {max} {step}"),
                    other => format!("{other:?}"),
                };
                theirs.as_str() == Some(ours.as_str())
            }
            "min" | "max" | "old min" | "old max" => {
                let ours = match field.as_str() {
                    "min" => header.min,
                    "max" => header.max,
                    "old min" => header.old_min,
                    _ => header.old_max,
                };
                ours.is_some_and(|o| same_number(o, theirs))
            }
            key => same_key_value(header.key_value(key), theirs),
        };
        if !ok {
            mismatch(field, describe(header, field), theirs);
        }
    }
}

fn describe(header: &Header, field: &str) -> String {
    match header.key_value(field) {
        Some(value) => format!("{value:?}"),
        None => format!("{header:?}")
            .split(", ")
            .find(|part| part.starts_with(&field.replace(' ', "_")))
            .unwrap_or("(absent)")
            .to_string(),
    }
}

fn numbers(value: &Value) -> Option<Vec<f64>> {
    value
        .as_array()?
        .iter()
        .map(|v| Some(v.as_f64().unwrap_or(f64::NAN)))
        .collect()
}

fn same_floats(ours: Option<&[f64]>, theirs: &Value) -> bool {
    let (Some(ours), Some(theirs)) = (ours, theirs.as_array()) else {
        return false;
    };
    ours.len() == theirs.len() && ours.iter().zip(theirs).all(|(a, b)| same_number(*a, b))
}

/// pynrrd writes a `none` direction as a vector of NaN (`[null, ...]`), or as `[]` when
/// every direction is `none`.
fn same_directions(ours: Option<&[Option<Vec<f64>>]>, theirs: &Value) -> bool {
    let (Some(ours), Some(theirs)) = (ours, theirs.as_array()) else {
        return false;
    };
    ours.len() == theirs.len()
        && ours.iter().zip(theirs).all(|(a, b)| {
            let b = b.as_array().cloned().unwrap_or_default();
            match a {
                None => b.iter().all(Value::is_null),
                Some(v) => v.len() == b.len() && v.iter().zip(&b).all(|(x, y)| same_number(*x, y)),
            }
        })
}

fn same_words(ours: Option<Vec<String>>, theirs: &Value) -> bool {
    let theirs: Option<Vec<String>> = theirs.as_array().map(|a| {
        a.iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    });
    ours.is_some() && ours == theirs
}

/// pynrrd 1.1.3 drops non-ASCII characters from quoted strings (`"μm"` becomes `"m"`).
fn same_texts(ours: Option<&[String]>, theirs: &Value) -> bool {
    let ascii = |s: &String| s.chars().filter(char::is_ascii).collect::<String>();
    let ours: Option<Vec<String>> = ours.map(|o| o.iter().map(ascii).collect());
    same_words(ours, theirs)
}

/// pynrrd strips key/value values; the JSON writer truncated very long ones.
fn same_key_value(ours: Option<&str>, theirs: &Value) -> bool {
    let (Some(ours), Some(theirs)) = (ours, theirs.as_str()) else {
        return false;
    };
    let ours = ours.trim();
    match theirs.strip_suffix("...[truncated]") {
        Some(prefix) => ours.starts_with(prefix),
        None => ours == theirs,
    }
}
