//! Reading a dataset directory a program wrote, checking it against its own `dataset.json`.
//!
//! Checked: the format; each field's entry; `records.csv` has exactly the `id` column and
//! the scalar and file fields' columns, `count` rows, unique ids (and, when the caller names
//! the ids it gave the program, only those); each cell parses as its field's type; a stacked
//! array is `[count, ...shape]` of its dtype; a folder of arrays holds only `<id>.npy` files of
//! known records, of its dtype; no NaN or infinity in a float array; every file cell names a
//! file (or folder) inside the directory; no `.npy` at the top that `dataset.json` does not
//! list. Each array becomes one tensor blob per record, each file a named blob.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::Path;

use super::blobs::BlobSink;
use super::cell::from_cell;
use super::error::ExchangeError;
use super::field_kind::{FieldKind, Shape};
use super::id_name::id_of_file_name;
use super::record_dir::{is_field_name, read_array};
use super::schema::{DatasetJson, FORMAT, Field, Role};
use super::tree::{EntryKind, entry_kind, files_under, resolve_inside};
use crate::dataset::{Record, Roles, Tensor, Value};
use crate::workspace::checked_write_path;

/// The largest `dataset.json` read.
const MAX_DATASET_JSON: u64 = 16 << 20;

/// A dataset read from a directory: records (in `records.csv` order), roles and classes.
#[derive(Debug)]
pub struct ReadDataset {
    pub records: Vec<Record>,
    pub roles: Roles,
    pub classes: Vec<String>,
}

/// Reads the dataset directory `dir`. `allowed_ids`, when given, are the only ids it may use.
pub fn read_dataset_dir(
    dir: &Path,
    allowed_ids: Option<&HashSet<&str>>,
    sink: &dyn BlobSink,
) -> Result<ReadDataset, ExchangeError> {
    let json = read_dataset_json(dir)?;
    let fields = parse_fields(&json)?;
    let mut records = read_records_csv(dir, &json, &fields, allowed_ids, sink)?;
    check_top_level(dir, &fields)?;
    let index: HashMap<String, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    for field in &fields {
        if let FieldKind::Array { dtype, shape } = &field.kind {
            let arrays = match shape {
                Shape::Fixed(dims) => read_stacked(dir, field, *dtype, dims, json.count)?,
                Shape::Varies => read_each(dir, field, *dtype, &index)?,
            };
            for (i, tensor) in arrays {
                let blob = sink.put(&tensor.encode(), None)?;
                records[i]
                    .fields
                    .insert(field.name.clone(), Value::from(blob));
            }
        }
    }
    let role = |role: Role| {
        fields
            .iter()
            .find(|f| f.role == role)
            .map(|f| f.name.clone())
    };
    let roles = Roles {
        class: role(Role::Class),
        group: role(Role::Group),
    };
    if let Some(class) = &roles.class
        && !json.classes.is_empty()
    {
        for record in &records {
            if let Some(Value::Str(label)) = record.fields.get(class)
                && !json.classes.contains(label)
            {
                return Err(ExchangeError::file(
                    "records.csv",
                    format!(
                        "record `{}`: class `{label}` is not one of dataset.json's classes {:?}",
                        record.id, json.classes
                    ),
                ));
            }
        }
    }
    Ok(ReadDataset {
        records,
        roles,
        classes: json.classes,
    })
}

fn read_dataset_json(dir: &Path) -> Result<DatasetJson, ExchangeError> {
    let path = dir.join("dataset.json");
    let meta = fs::metadata(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ExchangeError::file(
                "dataset.json",
                "is missing: a dataset directory starts with dataset.json",
            )
        } else {
            ExchangeError::io("dataset.json", e)
        }
    })?;
    if meta.len() > MAX_DATASET_JSON {
        return Err(ExchangeError::file(
            "dataset.json",
            format!(
                "is {} bytes, at most {MAX_DATASET_JSON} are read",
                meta.len()
            ),
        ));
    }
    entry_kind(dir, &path, "dataset.json")?;
    let text = fs::read(&path).map_err(|e| ExchangeError::io("dataset.json", e))?;
    let json: DatasetJson =
        serde_json::from_slice(&text).map_err(|e| ExchangeError::file("dataset.json", e))?;
    if json.format != FORMAT {
        return Err(ExchangeError::file(
            "dataset.json",
            format!("format is `{}`, expected `{FORMAT}`", json.format),
        ));
    }
    Ok(json)
}

fn parse_fields(json: &DatasetJson) -> Result<Vec<Field>, ExchangeError> {
    let mut fields: Vec<Field> = Vec::with_capacity(json.fields.len());
    let bad = |message: String| ExchangeError::file("dataset.json", message);
    for spec in &json.fields {
        let field = spec.parse().map_err(bad)?;
        if field.role == Role::Id {
            if field.name != "id" || field.kind != FieldKind::Scalar(super::ScalarType::Str) {
                return Err(bad(format!(
                    "field `{}`: the id field is named `id` and has dtype `str`",
                    field.name
                )));
            }
            continue;
        }
        if !is_field_name(&field.name) {
            return Err(bad(format!(
                "`{}` is not a field name (`id` is the record id; names may not contain `/` \
                 or start with `.` or `$`)",
                field.name
            )));
        }
        if fields.iter().any(|f| f.name == field.name) {
            return Err(bad(format!("field `{}` is listed twice", field.name)));
        }
        for role in [Role::Class, Role::Group] {
            if field.role == role && fields.iter().any(|f| f.role == role) {
                return Err(bad(format!(
                    "field `{}`: only one field can have the role `{}`",
                    field.name,
                    serde_json::to_value(role).unwrap_or_default()
                )));
            }
        }
        fields.push(field);
    }
    Ok(fields)
}

fn read_records_csv(
    dir: &Path,
    json: &DatasetJson,
    fields: &[Field],
    allowed_ids: Option<&HashSet<&str>>,
    sink: &dyn BlobSink,
) -> Result<Vec<Record>, ExchangeError> {
    let path = dir.join("records.csv");
    entry_kind(dir, &path, "records.csv")?;
    let csv_error = |e: csv::Error| ExchangeError::file("records.csv", e);
    let mut reader = csv::Reader::from_path(&path).map_err(csv_error)?;
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_string)
        .collect();
    let id_column = header
        .iter()
        .position(|h| h == "id")
        .ok_or_else(|| ExchangeError::file("records.csv", "has no `id` column"))?;
    let mut columns: Vec<Option<&Field>> = Vec::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        if i == id_column {
            columns.push(None);
            continue;
        }
        if header[..i].contains(name) {
            return Err(ExchangeError::file(
                "records.csv",
                format!("column `{name}` appears twice"),
            ));
        }
        match fields.iter().find(|f| &f.name == name) {
            Some(field) if field.kind.is_column() => columns.push(Some(field)),
            Some(_) => {
                return Err(ExchangeError::file(
                    "records.csv",
                    format!("column `{name}` is an array in dataset.json; arrays are .npy files"),
                ));
            }
            None => {
                return Err(ExchangeError::file(
                    "records.csv",
                    format!("column `{name}` is not a field of dataset.json"),
                ));
            }
        }
    }
    if let Some(missing) = fields
        .iter()
        .find(|f| f.kind.is_column() && !header.contains(&f.name))
    {
        return Err(ExchangeError::file(
            "records.csv",
            format!("has no column `{}` (a field of dataset.json)", missing.name),
        ));
    }
    let mut records: Vec<Record> = Vec::with_capacity(json.count.min(1 << 20));
    let mut seen: HashSet<String> = HashSet::new();
    for (row, result) in reader.records().enumerate() {
        let row_error = |message: String| {
            ExchangeError::file("records.csv", format!("row {}: {message}", row + 1))
        };
        let cells = result.map_err(csv_error)?;
        if records.len() == json.count {
            return Err(ExchangeError::file(
                "records.csv",
                format!("has more rows than dataset.json's count {}", json.count),
            ));
        }
        let id = cells.get(id_column).unwrap_or("").to_string();
        if id.is_empty() {
            return Err(row_error("the id is empty".into()));
        }
        if let Some(allowed) = allowed_ids
            && !allowed.contains(id.as_str())
        {
            return Err(row_error(format!(
                "the id `{id}` is not a record of the program's input"
            )));
        }
        if !seen.insert(id.clone()) {
            return Err(row_error(format!("the id `{id}` appears twice")));
        }
        let mut record = Record::new(id);
        for (column, field) in columns.iter().enumerate() {
            let Some(field) = field else { continue };
            let text = cells.get(column).unwrap_or("");
            let cell_error = |message: String| {
                row_error(format!(
                    "(`{}`), column `{}`: {message}",
                    record.id, field.name
                ))
            };
            let value = match &field.kind {
                FieldKind::Scalar(ty) => from_cell(text, *ty).map_err(cell_error)?,
                FieldKind::File | FieldKind::Folder if text.is_empty() => None,
                FieldKind::File => Some(read_file_cell(dir, text, sink).map_err(cell_error)?),
                FieldKind::Folder => Some(read_folder_cell(dir, text, sink).map_err(cell_error)?),
                FieldKind::Array { .. } => unreachable!("arrays are not columns"),
            };
            if let Some(value) = value {
                record.fields.insert(field.name.clone(), value);
            }
        }
        records.push(record);
    }
    if records.len() != json.count {
        return Err(ExchangeError::file(
            "records.csv",
            format!(
                "has {} rows, dataset.json's count is {}",
                records.len(),
                json.count
            ),
        ));
    }
    Ok(records)
}

/// A path cell: relative, inside `dir`, with no link leaving it.
fn checked_cell_path(dir: &Path, text: &str) -> Result<(String, EntryKind), String> {
    let rel = checked_write_path(text).map_err(|e| format!("path {e}"))?;
    let kind = resolve_inside(dir, &rel).map_err(|e| e.to_string())?;
    Ok((rel, kind))
}

fn read_file_cell(dir: &Path, text: &str, sink: &dyn BlobSink) -> Result<Value, String> {
    let (rel, kind) = checked_cell_path(dir, text)?;
    if kind != EntryKind::File {
        return Err(format!("`{rel}` is a folder; the field's dtype is `file`"));
    }
    let name = rel.rsplit('/').next().unwrap_or(&rel);
    let blob = sink
        .put_file(&dir.join(&rel), Some(name))
        .map_err(|e| e.to_string())?;
    Ok(Value::from(blob))
}

fn read_folder_cell(dir: &Path, text: &str, sink: &dyn BlobSink) -> Result<Value, String> {
    let (rel, kind) = checked_cell_path(dir, text)?;
    if kind != EntryKind::Dir {
        return Err(format!("`{rel}` is a file; the field's dtype is `folder`"));
    }
    let base = rel.rsplit('/').next().unwrap_or(&rel).to_string();
    let mut map = BTreeMap::new();
    for file in files_under(dir, &rel).map_err(|e| e.to_string())? {
        let key = file.rel[rel.len() + 1..].to_string();
        let blob = sink
            .put_file(&file.path, Some(&format!("{base}/{key}")))
            .map_err(|e| e.to_string())?;
        map.insert(key, Value::from(blob));
    }
    Ok(Value::Map(map))
}

/// No `.npy` file at the top that `dataset.json` does not list.
fn check_top_level(dir: &Path, fields: &[Field]) -> Result<(), ExchangeError> {
    let entries = fs::read_dir(dir).map_err(|e| ExchangeError::io(".", e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(field) = name.strip_suffix(".npy") {
            let listed = fields.iter().any(|f| {
                f.name == field
                    && matches!(
                        f.kind,
                        FieldKind::Array {
                            shape: Shape::Fixed(_),
                            ..
                        }
                    )
            });
            if !listed {
                return Err(ExchangeError::file(
                    &name,
                    format!(
                        "is not listed in dataset.json (add a field `{field}` with role `array` \
                         and its shape)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `<field>.npy` split into one tensor per record.
fn read_stacked(
    dir: &Path,
    field: &Field,
    dtype: crate::dataset::DType,
    dims: &[usize],
    count: usize,
) -> Result<Vec<(usize, Tensor)>, ExchangeError> {
    let rel = format!("{}.npy", field.name);
    let path = dir.join(&rel);
    match entry_kind(dir, &path, &rel) {
        Ok(EntryKind::File) => {}
        Ok(EntryKind::Dir) => {
            return Err(ExchangeError::file(
                &rel,
                "is a folder; a fixed-shape array is one stacked .npy file",
            ));
        }
        Err(ExchangeError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Err(ExchangeError::file(
                &rel,
                format!("is missing (dataset.json lists the array `{}`)", field.name),
            ));
        }
        Err(e) => return Err(e),
    }
    let tensor = read_array(&path, &rel)?;
    let mut expected = vec![count];
    expected.extend_from_slice(dims);
    if tensor.dtype != dtype || tensor.shape != expected {
        return Err(ExchangeError::file(
            &rel,
            format!(
                "is {} {:?}; dataset.json says {dtype} {:?} for {count} records",
                tensor.dtype, tensor.shape, expected
            ),
        ));
    }
    let row = dtype.byte_len(dims).unwrap_or(0);
    let bytes = tensor.le_bytes();
    (0..count)
        .map(|i| {
            let slice = bytes[i * row..(i + 1) * row].to_vec();
            Tensor::from_le_bytes(dtype, dims.to_vec(), slice)
                .map(|t| (i, t))
                .map_err(|e| ExchangeError::file(&rel, e))
        })
        .collect()
}

/// `<field>/<id>.npy`, one per record that has the field.
fn read_each(
    dir: &Path,
    field: &Field,
    dtype: crate::dataset::DType,
    index: &HashMap<String, usize>,
) -> Result<Vec<(usize, Tensor)>, ExchangeError> {
    let folder = dir.join(&field.name);
    match entry_kind(dir, &folder, &field.name) {
        Ok(EntryKind::Dir) => {}
        Ok(EntryKind::File) => {
            return Err(ExchangeError::file(
                &field.name,
                "is a file; an array whose shape varies is a folder of <id>.npy files",
            ));
        }
        Err(e) => return Err(e),
    }
    let mut out = Vec::new();
    for file in files_under(dir, &field.name)? {
        let name = &file.rel[field.name.len() + 1..];
        let record = name
            .strip_suffix(".npy")
            .and_then(id_of_file_name)
            .and_then(|id| index.get(&id).copied())
            .ok_or_else(|| {
                ExchangeError::file(
                    &file.rel,
                    "is not `<id>.npy` of a record in records.csv (ids are written as \
                     urllib.parse.quote(id, safe=''))",
                )
            })?;
        let tensor = read_array(&file.path, &file.rel)?;
        if tensor.dtype != dtype {
            return Err(ExchangeError::file(
                &file.rel,
                format!(
                    "is {}; dataset.json says {dtype} for `{}`",
                    tensor.dtype, field.name
                ),
            ));
        }
        out.push((record, tensor));
    }
    Ok(out)
}
