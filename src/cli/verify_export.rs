//! `radflow verify --reference EXPORT`: this lab's stage outputs against another lab's
//! exported ones, value by value.
//!
//! The reference is a dataset directory (`radflow export STAGE --to DIR`: `DIR/dataset.json`)
//! or a folder of them, one per stage instance (`radflow export --all --to DIR`:
//! `DIR/<instance>/dataset.json`). Each names its instance in `dataset.json`'s `source`
//! (export writes it); a directory without one is named by its folder.
//!
//! Per stage: the record ids must be the same set; every scalar that is not a float (labels,
//! slice indices, patients, paths, counts) and every integer array or file must be equal;
//! floats (columns and arrays) are compared element by element with the one tolerance rule
//! of [`super::tolerance`]. Only the fields the export holds are compared (an export made
//! with `--fields` checks just those). The reference is read into memory through the
//! exchange reader, which checks it against its own `dataset.json` and bounds what its
//! `.npy` headers can allocate; nothing of it enters the cache.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::memory_blobs::MemoryBlobs;
use super::tolerance::{FloatTally, Tolerance, Verdict, compare};
use crate::dataset::{Dataset, Tensor, Value};
use crate::error::Error;
use crate::exchange::{BlobSource, read_dataset_dir, to_cell, to_json};
use crate::spec::display_path;
use crate::stages::evaluate::PREDICTED_FIELD;

/// The largest `dataset.json` read for its `source` (the exchange reader's own bound).
const MAX_DATASET_JSON: u64 = 16 << 20;

/// One exported stage found in the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportDir {
    /// The instance the export names (or its folder's name).
    pub instance: String,
    /// The pipeline the export names, if any.
    pub pipeline: Option<String>,
    pub dir: PathBuf,
    /// The fields the export holds (not `id`).
    pub fields: Vec<String>,
}

/// A test case whose predicted class differs from the reference's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flip {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<String>,
    pub here: String,
    pub reference: String,
}

/// How one stage's output compares with its export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportCheck {
    pub verdict: Verdict,
    pub floats: FloatTally,
    /// Discrete values (and arrays of integers, files) that differ.
    pub discrete: usize,
    pub flipped: Vec<Flip>,
}

/// The exports in `reference`: itself when it holds `dataset.json`, else each subfolder that
/// does (sorted by folder name). An error when there are none.
pub fn exports_in(reference: &Path) -> Result<Vec<ExportDir>, Error> {
    if reference.join("dataset.json").is_file() {
        return Ok(vec![export_dir(reference)?]);
    }
    let entries = std::fs::read_dir(reference)
        .map_err(|e| Error::Input(format!("`{}`: {e}", display_path(reference))))?;
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("dataset.json").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(Error::Usage(format!(
            "`{}` is neither a pack, an export (a folder with dataset.json) nor a folder of \
             exports (`radflow export --all --to DIR`)",
            display_path(reference)
        )));
    }
    dirs.iter().map(|d| export_dir(d)).collect()
}

fn export_dir(dir: &Path) -> Result<ExportDir, Error> {
    let path = dir.join("dataset.json");
    let bad = |why: String| Error::Input(format!("`{}`: {why}", display_path(&path)));
    let size = std::fs::metadata(&path)
        .map_err(|e| bad(e.to_string()))?
        .len();
    if size > MAX_DATASET_JSON {
        return Err(bad(format!(
            "is {size} bytes, at most {MAX_DATASET_JSON} are read"
        )));
    }
    let bytes = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    let source = |key: &str| {
        json.get("source")
            .and_then(|s| s.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fields = json
        .get("fields")
        .and_then(|f| f.as_array())
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f.get("name").and_then(|n| n.as_str()))
                .filter(|n| *n != "id")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(ExportDir {
        instance: source("instance").unwrap_or(folder),
        pipeline: source("pipeline"),
        dir: dir.to_path_buf(),
        fields,
    })
}

/// Compares `ours` (blobs read through `blobs`) with the export at `export`.
pub fn compare_export(
    ours: &Dataset,
    blobs: &dyn BlobSource,
    export: &ExportDir,
    tolerance: Tolerance,
) -> Result<ExportCheck, Error> {
    let theirs_blobs = MemoryBlobs::default();
    let theirs = read_dataset_dir(&export.dir, None, &theirs_blobs).map_err(|e| {
        Error::Input(format!(
            "reference `{}`: {e}",
            display_path(&export.dir.join(e.path().unwrap_or("")))
        ))
    })?;
    let mut check = ExportCheck {
        verdict: Verdict::Same,
        floats: FloatTally::default(),
        discrete: 0,
        flipped: Vec::new(),
    };
    let their_ids: BTreeSet<&str> = theirs.records.iter().map(|r| r.id.as_str()).collect();
    let our_ids: BTreeSet<&str> = ours.records().iter().map(|r| r.id.as_str()).collect();
    let only_here: Vec<&&str> = our_ids.difference(&their_ids).collect();
    let only_there: Vec<&&str> = their_ids.difference(&our_ids).collect();
    let patient_field = ours.roles().group;
    let mut first_discrete: Option<String> = None;
    for their in &theirs.records {
        let Some(mine) = ours.get(&their.id) else {
            continue;
        };
        for field in &export.fields {
            let (a, b) = (mine.fields.get(field), their.fields.get(field));
            let at = || (their.id.clone(), field.clone());
            let Some((here, there)) =
                compare_values(a, b, blobs, &theirs_blobs, tolerance, &mut check.floats, at)?
            else {
                continue;
            };
            check.discrete += 1;
            if field == PREDICTED_FIELD {
                check.flipped.push(Flip {
                    id: their.id.clone(),
                    patient: patient_field
                        .as_ref()
                        .and_then(|p| mine.fields.get(p))
                        .and_then(to_cell),
                    here: here.clone(),
                    reference: there.clone(),
                });
            }
            first_discrete.get_or_insert_with(|| {
                format!(
                    "record `{}` field `{field}`: {here} vs reference {there}",
                    their.id
                )
            });
        }
    }
    let mut problems = Vec::new();
    if !only_here.is_empty() || !only_there.is_empty() {
        let first = only_here.first().or(only_there.first()).map(|s| **s);
        problems.push(format!(
            "{} records here are not in the reference, {} of the reference are not here \
             (first `{}`)",
            only_here.len(),
            only_there.len(),
            first.unwrap_or_default()
        ));
    }
    let floats = &check.floats;
    if floats.beyond > 0 {
        let (id, field) = floats.first_beyond.clone().unwrap_or_default();
        problems.push(format!(
            "{} of {} values beyond tolerance, first at record `{id}` field `{field}`; max abs \
             {:.1e}, max rel {:.1e}",
            floats.beyond, floats.compared, floats.max_abs, floats.max_rel
        ));
    }
    if let Some(first) = first_discrete {
        problems.push(format!("{} values differ, first {first}", check.discrete));
    }
    check.verdict = if !problems.is_empty() {
        Verdict::Differs(problems.join("; "))
    } else if floats.unequal > 0 {
        Verdict::Within {
            max_rel: floats.max_rel,
        }
    } else {
        Verdict::Same
    };
    Ok(check)
}

/// `None` when the two agree (floats within tolerance, counted in `floats`); otherwise the
/// two values as text.
fn compare_values(
    ours: Option<&Value>,
    theirs: Option<&Value>,
    our_blobs: &dyn BlobSource,
    their_blobs: &dyn BlobSource,
    tolerance: Tolerance,
    floats: &mut FloatTally,
    at: impl Fn() -> (String, String),
) -> Result<Option<(String, String)>, Error> {
    let text = |v: Option<&Value>| v.and_then(to_cell).unwrap_or_else(|| "(none)".into());
    let ours = ours.filter(|v| **v != Value::Null);
    let theirs = theirs.filter(|v| **v != Value::Null);
    let differ = || Ok(Some((text(ours), text(theirs))));
    match (ours, theirs) {
        (None, None) => Ok(None),
        (Some(Value::Int(a)), Some(Value::Int(b))) if a == b => Ok(None),
        (Some(Value::Int(_)), Some(Value::Int(_))) => differ(),
        (
            Some(a @ (Value::Int(_) | Value::Float(_))),
            Some(b @ (Value::Int(_) | Value::Float(_))),
        ) => {
            // A float beyond tolerance is told by the tally, not as a discrete difference.
            floats.add(number(a), number(b), tolerance, &at);
            Ok(None)
        }
        (Some(Value::Blob(a)), Some(Value::Blob(b))) => {
            if a.digest == b.digest {
                return Ok(None);
            }
            let read = |source: &dyn BlobSource, blob| {
                source
                    .read(blob)
                    .map_err(|e| Error::Failed(format!("{}: {e}", at().0)))
            };
            let (x, y) = (read(our_blobs, a)?, read(their_blobs, b)?);
            match (Tensor::decode(&x), Tensor::decode(&y)) {
                (Ok(x), Ok(y)) if a.name.is_none() && b.name.is_none() => {
                    Ok(compare_arrays(&x, &y, tolerance, floats, &at))
                }
                _ => Ok(Some((
                    format!("a file of {} bytes", x.len()),
                    format!("a file of {} bytes", y.len()),
                ))),
            }
        }
        (Some(a), Some(b)) if to_cell(a) == to_cell(b) => Ok(None),
        (Some(a @ (Value::List(_) | Value::Map(_))), Some(b)) => {
            match compare(&to_json(a), &to_json(b), tolerance) {
                Verdict::Same => Ok(None),
                Verdict::Within { max_rel } => {
                    floats.compared += 1;
                    floats.unequal += 1;
                    floats.max_rel = floats.max_rel.max(max_rel);
                    Ok(None)
                }
                Verdict::Differs(_) => differ(),
            }
        }
        _ => differ(),
    }
}

fn number(value: &Value) -> f64 {
    match value {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => f64::NAN,
    }
}

/// Float arrays element by element into `floats`; integer arrays exactly.
fn compare_arrays(
    ours: &Tensor,
    theirs: &Tensor,
    tolerance: Tolerance,
    floats: &mut FloatTally,
    at: &dyn Fn() -> (String, String),
) -> Option<(String, String)> {
    if ours.shape != theirs.shape {
        return Some((
            format!("shape {:?}", ours.shape),
            format!("shape {:?}", theirs.shape),
        ));
    }
    match (as_floats(ours), as_floats(theirs)) {
        (Some(x), Some(y)) => {
            for (a, b) in x.into_iter().zip(y) {
                floats.add(a, b, tolerance, at);
            }
            None
        }
        _ if ours.encode() == theirs.encode() => None,
        _ => Some((
            format!("a {} array", ours.dtype),
            format!("a different {} array", theirs.dtype),
        )),
    }
}

/// The samples of a float array as f64 (`None` for integer arrays, compared exactly).
fn as_floats(tensor: &Tensor) -> Option<Vec<f64>> {
    use crate::dataset::DType;
    match tensor.dtype {
        DType::F64 => tensor.to_f64_exact().ok(),
        DType::F32 => Some(tensor.to_f32().into_iter().map(f64::from).collect()),
        _ => None,
    }
}
