//! radflow's NIfTI and MetaImage readers against readers nobody here wrote: every NIfTI
//! file shipped in nibabel's own test data plus files nibabel writes (types, byte
//! orders, pairs, NIfTI-2, scaling, oblique grids, broken files), and MetaImage files
//! SimpleITK writes (every scalar type, `.mha` and `.mhd`, compressed or not, oblique
//! directions, one file per slice, broken files). `tests/volume_references.py` gives the
//! references' facts; radflow must agree on sizes, `samples_sha256_le` and the LPS grid
//! (to 1e-5 mm), or refuse where the reference refuses.
//!
//! Needs nibabel and SimpleITK in the interpreter named by `RADFLOW_PYTHON` (CI's venv, made
//! from requirements-dev.txt); without them the test fails and says so.

use std::path::{Path, PathBuf};
use std::process::Command;

use radflow::volume::Summary;
use serde_json::Value;

/// Geometry agrees to this many mm: NIfTI stores its affine as float32.
const TOLERANCE_MM: f64 = 1e-5;

fn references(out: &Path) -> Vec<Value> {
    let python = std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/volume_references.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{python}` ({e}); set RADFLOW_PYTHON to the venv"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`{python} tests/volume_references.py` failed; this test needs nibabel and SimpleITK \
         (pip install -r requirements-dev.txt):\n{stderr}"
    );
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap_or_else(|e| panic!("the reference script printed no JSON ({e}):\n{stderr}"))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// What differs between radflow's summary and the reference's facts, if anything.
fn difference(summary: &Summary, want: &Value) -> Option<String> {
    let sizes: Vec<usize> = want["sizes"]
        .as_array()?
        .iter()
        .filter_map(|v| v.as_u64().map(|n| n as usize))
        .collect();
    if summary.sizes != sizes {
        return Some(format!("sizes {:?} vs {sizes:?}", summary.sizes));
    }
    if summary.samples_sha256_le != want["samples_sha256_le"].as_str()? {
        return Some("samples_sha256_le differs".to_string());
    }
    let Some(geometry) = &summary.geometry else {
        return Some(format!("no geometry: {:?}", summary.geometry_note));
    };
    let numbers = |v: &Value| -> Vec<f64> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    let origin = numbers(&want["origin"]);
    for axis in 0..3 {
        if (geometry.origin[axis] - origin[axis]).abs() > TOLERANCE_MM {
            return Some(format!("origin {:?} vs {origin:?}", geometry.origin));
        }
        let step = numbers(&want["steps"][axis]);
        if step.len() != 3 {
            return Some(format!("the reference gives no step for axis {axis}"));
        }
        for (unit, want) in geometry.directions[axis].iter().zip(&step) {
            let got = unit * geometry.spacing[axis];
            if (got - want).abs() > TOLERANCE_MM {
                return Some(format!("step of axis {axis}: {got} vs {want}"));
            }
        }
    }
    None
}

#[test]
fn nifti_and_metaimage_files_read_as_nibabel_and_simpleitk_read_them() {
    let dir = tempfile::tempdir().unwrap();
    let files = references(dir.path());
    assert!(
        files.len() > 60,
        "the reference script lists {} files",
        files.len()
    );
    let (mut agree, mut refused, mut radflow_refused, mut differs) = (0, 0, 0, Vec::new());
    let mut reference_read = 0;
    for want in &files {
        let path = PathBuf::from(want["path"].as_str().unwrap());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let reference = want["reference"].as_str().unwrap();
        let got = Summary::read(&path);
        match (got, want.get("refused")) {
            (Ok(summary), None) => {
                reference_read += 1;
                match difference(&summary, want) {
                    None => agree += 1,
                    Some(what) => differs.push(format!("{name}: {what}")),
                }
            }
            (Err(error), Some(reason)) => {
                let message = error.to_string();
                assert_eq!(message.lines().count(), 1, "{name}: {message}");
                println!("refused by both: {name}\n  radflow: {message}\n  {reference}: {reason}");
                refused += 1;
            }
            (Err(error), None) => {
                reference_read += 1;
                println!("radflow refuses what {reference} reads: {name}: {error}");
                radflow_refused += 1;
            }
            (Ok(_), Some(reason)) => {
                differs.push(format!(
                    "{name}: radflow reads it, {reference} refuses: {reason}"
                ));
            }
        }
    }
    println!(
        "tally: {agree} agree, {refused} refused by both, {radflow_refused} refused by radflow \
         only, {} differ ({} files)",
        differs.len(),
        files.len()
    );
    assert!(
        differs.is_empty(),
        "files that differ:\n{}",
        differs.join("\n")
    );
    assert!(
        agree * 10 >= reference_read * 9,
        "radflow reads {agree} of the {reference_read} files the references read"
    );
}
