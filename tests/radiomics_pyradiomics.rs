//! radflow's radiomics against PyRadiomics (pyradiomics-bhklab 3.1.4) on the same arrays.
//!
//! `tests/radiomics_reference.py` builds the cases (PyRadiomics' shipped brain1, brain2,
//! breast1, prostate and wavelet phantoms, whole and cut into lesion slices; lung1/lung2 masks
//! under CT-like noise; synthetic slices and volumes of six sample types, non-square,
//! anisotropic, with holes, several components, constant, one, two and all pixels) and runs
//! PyRadiomics on each; this test runs [`extract_2d`]/[`extract_3d`] on the same raw arrays
//! and compares every feature. It prints the tally per feature class: `agree`, `refused` (both
//! refuse, or PyRadiomics gives NaN and radflow an error) and `differs` (anything else, which
//! fails the test).
//!
//! Agreement is `|a - b| <= 1e-6 * max(|a|, |b|)` for every feature, no exception; the test
//! prints the largest relative difference seen per feature (about 1e-14 or less except MCC,
//! about 1e-10, whose eigenvalues radflow takes from the exactly similar symmetric matrix).
//!
//! Needs python3 with numpy, SimpleITK and pyradiomics-bhklab (`RADFLOW_PYTHON` names the
//! interpreter; `pip install -r requirements-dev.txt`), and the shared data
//! (`RADFLOW_SHARED_DATA`, default `../shared/data`). Without them it fails and says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use radflow::radiomics::{Features, Intensity, RadiomicsError, Settings, extract_2d, extract_3d};
use serde_json::Value;

fn python() -> String {
    std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn shared_data() -> PathBuf {
    let dir = std::env::var_os("RADFLOW_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    assert!(
        dir.join("pyradiomics/brain1_image.nrrd").is_file(),
        "shared data not found at {}; set RADFLOW_SHARED_DATA",
        dir.display()
    );
    dir
}

/// Runs the helper into `dir` and returns its cases.
fn reference_cases(dir: &Path) -> Vec<Value> {
    let python = python();
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/radiomics_reference.py");
    let mut command = Command::new(&python);
    command.arg(&helper).arg(dir).arg(shared_data());
    let output = command.output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{python}` ({e}); this test needs python3 with numpy, SimpleITK and \
             pyradiomics-bhklab: pip install -r requirements-dev.txt (or set RADFLOW_PYTHON)"
        )
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`{python} tests/radiomics_reference.py` failed ({}); it needs numpy, SimpleITK and \
         pyradiomics-bhklab: pip install -r requirements-dev.txt\n{stderr}",
        output.status
    );
    let text = std::fs::read_to_string(dir.join("cases.json")).expect("cases.json");
    let parsed: Value = serde_json::from_str(&text).expect("cases.json is JSON");
    parsed["cases"].as_array().expect("cases").clone()
}

fn read_raw<T: Copy>(path: &Path, decode: fn(&[u8]) -> T) -> Vec<T> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.chunks_exact(size_of::<T>()).map(decode).collect()
}

fn run_case(dir: &Path, case: &Value) -> Result<Features, RadiomicsError> {
    let mask = std::fs::read(dir.join(case["mask"].as_str().unwrap())).unwrap();
    let image_path = dir.join(case["image"].as_str().unwrap());
    let shape: Vec<usize> = case["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let spacing: Vec<f64> = case["spacing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let settings: Settings =
        serde_json::from_value(case["settings"].clone()).expect("settings as radflow names them");
    fn extract<T: Intensity>(
        image: &[T],
        mask: &[u8],
        case: &Value,
        shape: &[usize],
        spacing: &[f64],
        settings: &Settings,
    ) -> Result<Features, RadiomicsError> {
        if case["mode"] == "2d" {
            let thickness = case["thickness"].as_f64().unwrap();
            extract_2d(
                image,
                mask,
                [shape[0], shape[1]],
                [spacing[0], spacing[1]],
                thickness,
                settings,
            )
        } else {
            extract_3d(
                image,
                mask,
                [shape[0], shape[1], shape[2]],
                [spacing[0], spacing[1], spacing[2]],
                settings,
            )
        }
    }
    macro_rules! with {
        ($t:ty) => {{
            let image = read_raw(&image_path, |b| <$t>::from_le_bytes(b.try_into().unwrap()));
            extract(&image, &mask, case, &shape, &spacing, &settings)
        }};
    }
    match case["dtype"].as_str().unwrap() {
        "uint8" => with!(u8),
        "int16" => with!(i16),
        "uint16" => with!(u16),
        "int32" => with!(i32),
        "float32" => with!(f32),
        "float64" => with!(f64),
        other => panic!("unexpected dtype {other}"),
    }
}

const CLASSES: [&str; 6] = ["shape2D", "shape", "firstorder", "glcm", "glrlm", "glszm"];

fn class_of(name: &str) -> &str {
    name.strip_prefix("original_")
        .and_then(|rest| rest.split('_').next())
        .unwrap_or(name)
}

#[derive(Default)]
struct Tally {
    agree: usize,
    refused: usize,
    differs: usize,
}

fn compare() {
    let dir = tempfile::tempdir().unwrap();
    let cases = reference_cases(dir.path());
    assert!(
        cases.len() > 10,
        "the helper produced only {} cases",
        cases.len()
    );
    let mut tally: BTreeMap<&str, Tally> = CLASSES.iter().map(|c| (*c, Tally::default())).collect();
    let mut failures = Vec::new();
    let mut worst: BTreeMap<String, (f64, String)> = BTreeMap::new();
    let mut refused_cases = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let ours = run_case(dir.path(), case);
        let result = &case["result"];
        let class_names: Vec<&str> = if case["mode"] == "2d" {
            vec!["shape2D", "firstorder", "glcm", "glrlm", "glszm"]
        } else {
            vec!["shape", "firstorder", "glcm", "glrlm", "glszm"]
        };
        match (ours, result.get("features")) {
            (Ok(features), Some(reference)) => {
                let reference: BTreeMap<String, f64> = reference
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
                    .collect();
                let ours_names: Vec<&str> = features.iter().map(|(n, _)| n).collect();
                let theirs_names: Vec<&str> = reference.keys().map(String::as_str).collect();
                let mut sorted = ours_names.clone();
                sorted.sort();
                assert_eq!(sorted, theirs_names, "{name}: feature names differ");
                for (feature, a) in features.iter() {
                    let b = reference[feature];
                    let diff = (a - b).abs();
                    let scale = a.abs().max(b.abs());
                    let relative = if scale == 0.0 { 0.0 } else { diff / scale };
                    let ok = diff <= 1e-6 * scale;
                    let entry = tally.get_mut(class_of(feature)).unwrap();
                    if ok {
                        entry.agree += 1;
                    } else {
                        entry.differs += 1;
                        failures.push(format!(
                            "{name}: {feature}: radflow {a:e}, PyRadiomics {b:e}"
                        ));
                    }
                    let w = worst
                        .entry(feature.to_string())
                        .or_insert((0.0, String::new()));
                    if relative > w.0 {
                        *w = (relative, name.to_string());
                    }
                }
            }
            (Err(error), None) => {
                refused_cases.push(format!(
                    "{name}: radflow `{error}`; PyRadiomics `{}`",
                    result["refused"].as_str().unwrap_or("?")
                ));
                for class in &class_names {
                    tally.get_mut(class).unwrap().refused += 1;
                }
            }
            (Ok(_), None) => {
                failures.push(format!(
                    "{name}: PyRadiomics refused ({}), radflow did not",
                    result["refused"]
                ));
                for class in &class_names {
                    tally.get_mut(class).unwrap().differs += 1;
                }
            }
            (Err(error), Some(_)) => {
                failures.push(format!(
                    "{name}: radflow refused ({error}), PyRadiomics did not"
                ));
                for class in &class_names {
                    tally.get_mut(class).unwrap().differs += 1;
                }
            }
        }
    }
    println!(
        "radflow vs PyRadiomics on {} cases (counts are features; a refused case counts once per class):",
        cases.len()
    );
    println!(
        "{:<11} {:>7} {:>8} {:>8}",
        "class", "agree", "refused", "differs"
    );
    for (class, t) in &tally {
        println!(
            "{class:<11} {:>7} {:>8} {:>8}",
            t.agree, t.refused, t.differs
        );
    }
    println!("refused by both:");
    for line in &refused_cases {
        println!("  {line}");
    }
    println!("largest relative difference per feature:");
    for (feature, (relative, case)) in &worst {
        println!("  {feature:<60} {relative:9.2e}  ({case})");
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_feature_matches_pyradiomics_on_shipped_and_synthetic_cases() {
    compare();
}
