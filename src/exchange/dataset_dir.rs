//! Writing a dataset directory: `dataset.json`, `records.csv`, `<field>.npy` (or
//! `<field>/<id>.npy`), `files/`, and with previews `png/<field>/<id>.png`.
//!
//! Records keep the dataset's order (sorted by id), the same in `records.csv` and in every
//! stacked array. Arrays stream: blobs are read in parallel in chunks of bounded size and
//! appended in order, so memory stays flat however large the dataset. `dataset.json` is
//! written last; the caller writes the folder somewhere temporary and renames it into place,
//! so a folder with a `dataset.json` is complete.

use std::fs;
use std::path::Path;

use rayon::prelude::*;

use super::blobs::BlobSource;
use super::cell::to_typed_cell;
use super::describe::Description;
use super::error::ExchangeError;
use super::field_kind::{FieldKind, Shape};
use super::file_paths::FileClaims;
use super::id_name::file_name_of;
use super::npy::{NpyWriter, write_npy};
use super::png::{is_image, write_png};
use super::schema::{DatasetJson, FORMAT};
use crate::dataset::{BlobRef, DType, Dataset, Record, Tensor, Value};
use crate::workspace::checked_write_path;

/// Bytes of blobs read ahead while streaming an array.
const CHUNK_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Also write each image field as PNG files under `png/<field>/`.
    pub png: bool,
    /// Written as `source` in `dataset.json` (where the data came from).
    pub source: Option<serde_json::Value>,
}

/// Writes `dataset` (described by `description`) into the empty folder `dir`.
pub fn write_dataset_dir(
    dataset: &Dataset,
    description: &Description,
    blobs: &dyn BlobSource,
    dir: &Path,
    options: &WriteOptions,
) -> Result<DatasetJson, ExchangeError> {
    let records = dataset.records();
    let names = RecordNames::new(records);
    write_records_csv(records, description, blobs, dir, &names)?;
    for field in &description.fields {
        if let FieldKind::Array { dtype, shape } = &field.kind {
            let png = options.png.then(|| dir.join("png").join(&field.name));
            match shape {
                Shape::Fixed(dims) => write_stacked(
                    records,
                    &field.name,
                    *dtype,
                    dims,
                    blobs,
                    dir,
                    png.as_deref().filter(|_| is_image(dims)),
                    &names,
                )?,
                Shape::Varies => {
                    write_each(records, &field.name, blobs, dir, png.as_deref(), &names)?
                }
            }
        }
    }
    let json = DatasetJson {
        format: FORMAT.to_string(),
        count: records.len(),
        fields: description.fields.iter().map(|f| f.to_spec()).collect(),
        classes: description.classes.keys().cloned().collect(),
        source: options.source.clone(),
    };
    let text = serde_json::to_vec_pretty(&json).expect("dataset.json serializes");
    fs::write(dir.join("dataset.json"), text).map_err(|e| ExchangeError::io("dataset.json", e))?;
    Ok(json)
}

/// Each record's id as a file name, made when first needed (a dataset of features only
/// never needs them, so an id that cannot be a file name does not stop its export).
struct RecordNames<'a> {
    records: &'a [Record],
    names: std::sync::OnceLock<Result<Vec<String>, ExchangeError>>,
}

impl<'a> RecordNames<'a> {
    fn new(records: &'a [Record]) -> Self {
        Self {
            records,
            names: std::sync::OnceLock::new(),
        }
    }

    fn get(&self, index: usize) -> Result<&str, ExchangeError> {
        let names = self.names.get_or_init(|| {
            self.records
                .iter()
                .map(|r| file_name_of(&r.id).map_err(|e| ExchangeError::value(&r.id, "id", e)))
                .collect()
        });
        match names {
            Ok(names) => Ok(&names[index]),
            Err(e) => Err(ExchangeError::value(
                match e {
                    ExchangeError::Value { id, .. } => id,
                    _ => "",
                },
                "id",
                e.to_string(),
            )),
        }
    }
}

/// `records.csv` (and the files its file and folder cells point at).
fn write_records_csv(
    records: &[Record],
    description: &Description,
    blobs: &dyn BlobSource,
    dir: &Path,
    names: &RecordNames<'_>,
) -> Result<(), ExchangeError> {
    let columns: Vec<_> = description
        .fields
        .iter()
        .filter(|f| f.kind.is_column())
        .collect();
    let csv_error = |e: csv::Error| ExchangeError::file("records.csv", e);
    let mut csv = csv::Writer::from_path(dir.join("records.csv")).map_err(csv_error)?;
    csv.write_record(columns.iter().map(|f| f.name.as_str()))
        .map_err(csv_error)?;
    let mut copies: Vec<(&BlobRef, String)> = Vec::new();
    let mut row: Vec<String> = Vec::with_capacity(columns.len());
    for (index, record) in records.iter().enumerate() {
        row.clear();
        let mut claims = FileClaims::default();
        for field in &columns {
            let value = record.fields.get(&field.name);
            let cell = match (&field.kind, value) {
                (_, _) if field.name == "id" => record.id.clone(),
                (_, None | Some(Value::Null)) => String::new(),
                (FieldKind::Scalar(ty), Some(value)) => {
                    to_typed_cell(value, *ty).unwrap_or_default()
                }
                (FieldKind::File, Some(Value::Blob(blob))) => {
                    let preferred = blob
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("{}.bin", field.name));
                    let rel = claim(&mut claims, record, &field.name, &preferred)?;
                    let path = format!("files/{}/{rel}", names.get(index)?);
                    copies.push((blob, path.clone()));
                    path
                }
                (FieldKind::Folder, Some(Value::Map(map))) => {
                    let rel = claim(&mut claims, record, &field.name, &field.name)?;
                    let folder = format!("files/{}/{rel}", names.get(index)?);
                    for (key, value) in map {
                        let key = checked_write_path(key)
                            .map_err(|e| ExchangeError::value(&record.id, &field.name, e))?;
                        if let Value::Blob(blob) = value {
                            copies.push((blob, format!("{folder}/{key}")));
                        }
                    }
                    folder
                }
                (_, Some(other)) => {
                    return Err(ExchangeError::value(
                        &record.id,
                        &field.name,
                        format!(
                            "is a {}, expected {}",
                            other.type_name(),
                            field.kind.dtype_name()
                        ),
                    ));
                }
            };
            row.push(cell);
        }
        csv.write_record(&row).map_err(csv_error)?;
    }
    csv.flush()
        .map_err(|e| ExchangeError::io("records.csv", e))?;
    copies.par_iter().try_for_each(|(blob, rel)| {
        let target = dir.join(rel);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| ExchangeError::io(rel.as_str(), e))?;
        }
        blobs.copy_to(blob, &target)?;
        Ok(())
    })
}

fn claim(
    claims: &mut FileClaims,
    record: &Record,
    field: &str,
    preferred: &str,
) -> Result<String, ExchangeError> {
    claims.claim(field, preferred).ok_or_else(|| {
        ExchangeError::value(
            &record.id,
            field,
            format!("the file name `{preferred}` clashes with another field's"),
        )
    })
}

/// The tensor a record holds in `field`, checked against the expected type and shape.
fn read_tensor(
    record: &Record,
    field: &str,
    blobs: &dyn BlobSource,
) -> Result<Option<Tensor>, ExchangeError> {
    let Some(Value::Blob(blob)) = record.fields.get(field) else {
        return Ok(None);
    };
    let bytes = blobs.read(blob)?;
    Tensor::decode(&bytes)
        .map(Some)
        .map_err(|e| ExchangeError::value(&record.id, field, e))
}

/// `<field>.npy`: `[N, ...dims]`, rows in record order.
#[allow(clippy::too_many_arguments)]
fn write_stacked(
    records: &[Record],
    field: &str,
    dtype: DType,
    dims: &[usize],
    blobs: &dyn BlobSource,
    dir: &Path,
    png: Option<&Path>,
    names: &RecordNames<'_>,
) -> Result<(), ExchangeError> {
    let file = format!("{field}.npy");
    let mut shape = vec![records.len()];
    shape.extend_from_slice(dims);
    let mut writer = NpyWriter::create(&dir.join(&file), dtype, &shape)
        .map_err(|e| ExchangeError::io(file.as_str(), e))?;
    if let Some(png) = png {
        fs::create_dir_all(png).map_err(|e| ExchangeError::io(format!("png/{field}"), e))?;
    }
    for chunk in chunks(records, field) {
        let tensors: Vec<Tensor> = chunk
            .clone()
            .into_par_iter()
            .map(|i| {
                let record = &records[i];
                let tensor = read_tensor(record, field, blobs)?.ok_or_else(|| {
                    ExchangeError::value(&record.id, field, "is missing in this record")
                })?;
                if tensor.dtype != dtype || tensor.shape != dims {
                    return Err(ExchangeError::value(
                        &record.id,
                        field,
                        format!(
                            "is a {} array of shape {:?}, expected {dtype} {dims:?}",
                            tensor.dtype, tensor.shape
                        ),
                    ));
                }
                if let Some(png) = png {
                    write_png(&tensor, &png.join(format!("{}.png", names.get(i)?)))
                        .map_err(|e| ExchangeError::value(&record.id, field, e))?;
                }
                Ok(tensor)
            })
            .collect::<Result<_, ExchangeError>>()?;
        for tensor in &tensors {
            writer
                .write(tensor.le_bytes())
                .map_err(|e| ExchangeError::io(file.as_str(), e))?;
        }
    }
    writer
        .finish()
        .map_err(|e| ExchangeError::io(file.as_str(), e))
}

/// Index ranges of records whose `field` blobs add up to about [`CHUNK_BYTES`].
fn chunks(records: &[Record], field: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0u64;
    for (i, record) in records.iter().enumerate() {
        bytes += record
            .fields
            .get(field)
            .and_then(Value::as_blob)
            .map_or(0, |b| b.size);
        if bytes >= CHUNK_BYTES {
            out.push(start..i + 1);
            start = i + 1;
            bytes = 0;
        }
    }
    if start < records.len() {
        out.push(start..records.len());
    }
    out
}

/// `<field>/<id>.npy` for every record that has the field.
fn write_each(
    records: &[Record],
    field: &str,
    blobs: &dyn BlobSource,
    dir: &Path,
    png: Option<&Path>,
    names: &RecordNames<'_>,
) -> Result<(), ExchangeError> {
    let folder = dir.join(field);
    fs::create_dir_all(&folder).map_err(|e| ExchangeError::io(field, e))?;
    if let Some(png) = png {
        fs::create_dir_all(png).map_err(|e| ExchangeError::io(format!("png/{field}"), e))?;
    }
    (0..records.len()).into_par_iter().try_for_each(|i| {
        let record = &records[i];
        let Some(tensor) = read_tensor(record, field, blobs)? else {
            return Ok(());
        };
        let name = names.get(i)?;
        let rel = format!("{field}/{name}.npy");
        write_npy(&folder.join(format!("{name}.npy")), &tensor)
            .map_err(|e| ExchangeError::io(rel.as_str(), e))?;
        if let Some(png) = png {
            write_png(&tensor, &png.join(format!("{name}.png")))
                .map_err(|e| ExchangeError::value(&record.id, field, e))?;
        }
        Ok(())
    })
}
