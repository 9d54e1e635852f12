//! One record alone, as a folder: what a per-record program reads at `{item}` and writes at
//! `{out}`.
//!
//! ```text
//! record.json       {"id": "P1/z042", "grade": "II", "patient": "P1", "area": 123}
//! pixels.npy        one file per array field
//! files/head.json   named files; record.json holds their paths ("model": "files/head.json")
//! ```
//!
//! A program's record folder needs neither the id nor the fields it does not change:
//! `record.json` is optional (if it names an `id`, it must be the item's), and each
//! `<field>.npy` or `record.json` key becomes a field of the record, added to or replacing
//! the input record's fields.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::blobs::{BlobSink, BlobSource};
use super::cell::{from_json, to_json};
use super::error::ExchangeError;
use super::file_paths::FileClaims;
use super::npy::{read_npy, write_npy};
use super::tree::{EntryKind, entry_kind};
use crate::dataset::{DType, Record, Tensor, Value};
use crate::workspace::checked_write_path;

/// The largest `record.json` read.
const MAX_RECORD_JSON: u64 = 64 << 20;

/// Whether `name` can be a field written as `<name>.npy` or a `record.json` key: not empty,
/// not `id`, no `/`, no leading `.` or `$`.
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name != "id"
        && !name.contains(['/', '\\', '\0'])
        && !name.starts_with(['.', '$'])
}

/// Writes `record` as a record folder into the empty folder `dir`.
pub fn write_record_dir(
    record: &Record,
    blobs: &dyn BlobSource,
    dir: &Path,
) -> Result<(), ExchangeError> {
    let mut json = serde_json::Map::new();
    json.insert("id".into(), serde_json::Value::String(record.id.clone()));
    let mut claims = FileClaims::default();
    let bad = |field: &str, message: &str| ExchangeError::value(&record.id, field, message);
    for (field, value) in &record.fields {
        match value {
            Value::Blob(blob) if blob.name.is_none() => {
                let bytes = blobs.read(blob)?;
                match Tensor::decode(&bytes) {
                    Ok(tensor) => {
                        if !is_field_name(field) {
                            return Err(bad(field, "this name cannot be a file name"));
                        }
                        let rel = format!("{field}.npy");
                        write_npy(&dir.join(&rel), &tensor)
                            .map_err(|e| ExchangeError::io(rel.as_str(), e))?;
                    }
                    Err(_) => {
                        let rel = claim(&mut claims, record, field, &format!("{field}.bin"))?;
                        write_file(dir, &rel, &bytes)?;
                        json.insert(field.clone(), rel.into());
                    }
                }
            }
            Value::Blob(blob) => {
                let name = blob.name.as_deref().unwrap_or(field);
                let rel = claim(&mut claims, record, field, name)?;
                copy(blobs, blob, dir, &rel)?;
                json.insert(field.clone(), rel.into());
            }
            Value::Map(map) if !map.is_empty() && map.values().all(|v| v.as_blob().is_some()) => {
                let rel = claim(&mut claims, record, field, field)?;
                for (key, value) in map {
                    let key = checked_write_path(key).map_err(|e| bad(field, &e.to_string()))?;
                    if let Value::Blob(blob) = value {
                        copy(blobs, blob, dir, &format!("{rel}/{key}"))?;
                    }
                }
                json.insert(field.clone(), rel.into());
            }
            other => {
                json.insert(field.clone(), to_json(other));
            }
        }
    }
    let text = serde_json::to_vec_pretty(&json).expect("record.json serializes");
    write_file(dir, "record.json", &text)
}

fn claim(
    claims: &mut FileClaims,
    record: &Record,
    field: &str,
    name: &str,
) -> Result<String, ExchangeError> {
    claims
        .claim(field, name)
        .map(|rel| format!("files/{rel}"))
        .ok_or_else(|| {
            ExchangeError::value(
                &record.id,
                field,
                format!("the file name `{name}` clashes with another field's"),
            )
        })
}

fn write_file(dir: &Path, rel: &str, bytes: &[u8]) -> Result<(), ExchangeError> {
    let target = dir.join(rel);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(|e| ExchangeError::io(rel, e))?;
    }
    fs::write(&target, bytes).map_err(|e| ExchangeError::io(rel, e))
}

fn copy(
    blobs: &dyn BlobSource,
    blob: &crate::dataset::BlobRef,
    dir: &Path,
    rel: &str,
) -> Result<(), ExchangeError> {
    let target = dir.join(rel);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(|e| ExchangeError::io(rel, e))?;
    }
    Ok(blobs.copy_to(blob, &target)?)
}

/// What a program wrote as one record.
#[derive(Debug, Default)]
pub struct RecordOutput {
    pub fields: BTreeMap<String, Value>,
    /// Each array field's type and shape.
    pub arrays: BTreeMap<String, (DType, Vec<usize>)>,
}

/// Reads the record folder a program wrote at `dir` for the record `id`. Top-level entries
/// named in `other` (declared outputs) are left to the caller; anything else that is neither
/// `record.json` nor `<field>.npy` is an error, as is NaN or an infinity in a float array.
pub fn read_record_dir(
    dir: &Path,
    id: &str,
    other: &[&str],
    sink: &dyn BlobSink,
) -> Result<RecordOutput, ExchangeError> {
    let mut output = RecordOutput::default();
    let entries = fs::read_dir(dir).map_err(|e| ExchangeError::io(".", e))?;
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ExchangeError::io(".", e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        names.push(name);
    }
    names.sort();
    for name in names {
        if other.contains(&name.as_str()) {
            continue;
        }
        let path = dir.join(&name);
        let kind = entry_kind(dir, &path, &name)?;
        if name == "record.json" && kind == EntryKind::File {
            read_record_json(&path, id, &mut output)?;
        } else if let Some(field) = name.strip_suffix(".npy")
            && kind == EntryKind::File
        {
            if !is_field_name(field) {
                return Err(ExchangeError::file(
                    &name,
                    "is not a field name (`id`, or starting with `.` or `$`)",
                ));
            }
            let tensor = read_array(&path, &name)?;
            output
                .arrays
                .insert(field.to_string(), (tensor.dtype, tensor.shape.clone()));
            let blob = sink.put(&tensor.encode(), None)?;
            if output
                .fields
                .insert(field.to_string(), Value::from(blob))
                .is_some()
            {
                return Err(ExchangeError::file(
                    &name,
                    format!("`{field}` is also a key of record.json; write it once"),
                ));
            }
        } else {
            return Err(ExchangeError::file(
                &name,
                "is not part of a record folder (record.json, <field>.npy) nor a declared output",
            ));
        }
    }
    Ok(output)
}

/// A `.npy` file as a tensor whose float samples are all finite.
pub fn read_array(path: &Path, rel: &str) -> Result<Tensor, ExchangeError> {
    let tensor = read_npy(path).map_err(|e| ExchangeError::file(rel, e))?;
    if tensor.has_non_finite() {
        return Err(ExchangeError::file(
            rel,
            format!("holds NaN or infinite {} values", tensor.dtype),
        ));
    }
    Ok(tensor)
}

fn read_record_json(path: &Path, id: &str, output: &mut RecordOutput) -> Result<(), ExchangeError> {
    let size = fs::metadata(path)
        .map_err(|e| ExchangeError::io("record.json", e))?
        .len();
    if size > MAX_RECORD_JSON {
        return Err(ExchangeError::file(
            "record.json",
            format!("is {size} bytes, at most {MAX_RECORD_JSON} are read; write arrays as .npy"),
        ));
    }
    let text = fs::read_to_string(path).map_err(|e| ExchangeError::io("record.json", e))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        let hint = if text.contains("NaN") || text.contains("Infinity") {
            " (NaN and Infinity are not JSON; radflow refuses them)"
        } else {
            ""
        };
        ExchangeError::file("record.json", format!("{e}{hint}"))
    })?;
    let serde_json::Value::Object(map) = json else {
        return Err(ExchangeError::file(
            "record.json",
            "expected a JSON object of fields",
        ));
    };
    for (key, value) in map {
        if key == "id" {
            if value.as_str() != Some(id) {
                return Err(ExchangeError::file(
                    "record.json",
                    format!("says id {value}, but the item is `{id}`"),
                ));
            }
            continue;
        }
        if !is_field_name(&key) {
            return Err(ExchangeError::file(
                "record.json",
                format!("`{key}` is not a field name"),
            ));
        }
        let value = from_json(value)
            .map_err(|e| ExchangeError::file("record.json", format!("field `{key}`: {e}")))?;
        output.fields.insert(key, value);
    }
    Ok(())
}
