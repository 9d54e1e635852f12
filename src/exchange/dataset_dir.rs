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
const CHUNK_BYTES: u64 = 16 << 20;

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
    let mut fields = description.fields.clone();
    for field in &mut fields {
        let FieldKind::Array { dtype, shape } = &mut field.kind else {
            continue;
        };
        let png = options.png.then(|| dir.join("png").join(&field.name));
        if let Shape::Fixed(dims) = shape {
            let png = png.as_deref().filter(|_| is_image(dims));
            match write_stacked(records, &field.name, *dtype, dims, blobs, dir, png, &names)? {
                Stacked::Written => continue,
                Stacked::Varies => {
                    // The description took equal-sized tensors for one shape (`Scan`).
                    let file = format!("{}.npy", field.name);
                    fs::remove_file(dir.join(&file))
                        .map_err(|e| ExchangeError::io(file.as_str(), e))?;
                    *shape = Shape::Varies;
                }
            }
        }
        write_each(records, &field.name, blobs, dir, png.as_deref(), &names)?;
    }
    let json = DatasetJson {
        format: FORMAT.to_string(),
        count: records.len(),
        fields: fields.iter().map(|f| f.to_spec()).collect(),
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

/// What [`write_stacked`] did.
enum Stacked {
    Written,
    /// A record's tensor has the field's dtype but another shape: nothing usable written.
    Varies,
}

/// One record's tensor blob as read, its samples starting at `start`.
struct Row {
    blob: Vec<u8>,
    start: usize,
}

/// `<field>.npy`: `[N, ...dims]`, rows in record order. Chunks of blobs are read in
/// parallel while a writer thread appends the chunk before, so reading the cache and
/// writing the file overlap; at most [`CHUNK_BYTES`] times three are held.
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
) -> Result<Stacked, ExchangeError> {
    let file = format!("{field}.npy");
    let mut shape = vec![records.len()];
    shape.extend_from_slice(dims);
    let mut writer = NpyWriter::create(&dir.join(&file), dtype, &shape)
        .map_err(|e| ExchangeError::io(file.as_str(), e))?;
    if let Some(png) = png {
        fs::create_dir_all(png).map_err(|e| ExchangeError::io(format!("png/{field}"), e))?;
    }
    let read_row = |i: usize| -> Result<Option<Row>, ExchangeError> {
        let record = &records[i];
        let invalid = |e: crate::dataset::TensorError| ExchangeError::value(&record.id, field, e);
        let Some(Value::Blob(blob)) = record.fields.get(field) else {
            return Err(ExchangeError::value(
                &record.id,
                field,
                "is missing in this record",
            ));
        };
        let bytes = blobs.read(blob)?;
        let (found, found_shape, start) = Tensor::peek(&bytes).map_err(invalid)?;
        if found != dtype {
            return Err(ExchangeError::value(
                &record.id,
                field,
                format!("is a {found} array of shape {found_shape:?}, expected {dtype} {dims:?}"),
            ));
        }
        if found_shape != dims {
            return Ok(None);
        }
        if let Some(png) = png {
            let tensor = Tensor::decode(&bytes).map_err(invalid)?;
            write_png(&tensor, &png.join(format!("{}.png", names.get(i)?)))
                .map_err(|e| ExchangeError::value(&record.id, field, e))?;
        } else if Some(bytes.len() - start) != dtype.byte_len(dims) {
            // Named as `Tensor::decode` names a wrong length.
            Tensor::decode(&bytes).map_err(invalid)?;
            return Err(invalid(crate::dataset::TensorError::Truncated));
        }
        Ok(Some(Row { blob: bytes, start }))
    };
    let stacked = std::thread::scope(|scope| -> Result<Stacked, ExchangeError> {
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Row>>(1);
        let writing = scope.spawn(move || -> std::io::Result<NpyWriter> {
            for rows in receive {
                for row in &rows {
                    writer.write(&row.blob[row.start..])?;
                }
            }
            Ok(writer)
        });
        let mut outcome = Ok(Stacked::Written);
        for chunk in chunks(records, field) {
            let rows = chunk
                .into_par_iter()
                .map(read_row)
                .collect::<Result<Option<Vec<Row>>, ExchangeError>>();
            match rows {
                Ok(Some(rows)) => {
                    if send.send(rows).is_err() {
                        break; // the writer failed: its error is reported below
                    }
                }
                Ok(None) => {
                    outcome = Ok(Stacked::Varies);
                    break;
                }
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        drop(send);
        let written = writing.join().expect("the .npy writer does not panic");
        match (outcome, written) {
            (Ok(Stacked::Written), Ok(writer)) => writer
                .finish()
                .map(|()| Stacked::Written)
                .map_err(|e| ExchangeError::io(file.as_str(), e)),
            (Ok(Stacked::Written), Err(e)) => Err(ExchangeError::io(file.as_str(), e)),
            (outcome, _) => outcome,
        }
    })?;
    Ok(stacked)
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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::*;
    use crate::digest::Digest;
    use crate::exchange::{BlobError, ShapeSpec};
    use crate::exchange::{Scan, describe};

    /// Blobs held in memory, counting header reads.
    #[derive(Default)]
    struct Blobs {
        bytes: HashMap<Digest, Vec<u8>>,
        heads: std::sync::atomic::AtomicUsize,
    }

    impl Blobs {
        fn put(&mut self, tensor: &Tensor) -> Value {
            let bytes = tensor.encode();
            let digest = Digest::of(&bytes);
            let size = bytes.len() as u64;
            self.bytes.insert(digest, bytes);
            Value::from(BlobRef {
                digest,
                size,
                name: None,
            })
        }
    }

    impl BlobSource for Blobs {
        fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, BlobError> {
            Ok(self.bytes[&blob.digest].clone())
        }
        fn read_head(&self, blob: &BlobRef, len: usize) -> Result<Vec<u8>, BlobError> {
            self.heads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut bytes = self.read(blob)?;
            bytes.truncate(len);
            Ok(bytes)
        }
        fn copy_to(&self, _: &BlobRef, _: &Path) -> Result<(), BlobError> {
            unreachable!("no file fields here")
        }
    }

    fn dataset_of(shapes: &[&[usize]], blobs: &mut Blobs) -> Dataset {
        let records = shapes
            .iter()
            .enumerate()
            .map(|(i, shape)| {
                let n: usize = shape.iter().product();
                let data: Vec<u8> = (0..n as u32)
                    .flat_map(|v| (v + 10 * i as u32).to_le_bytes())
                    .collect();
                let tensor = Tensor::from_le_bytes(DType::I32, shape.to_vec(), data).unwrap();
                Record {
                    id: format!("r{i}"),
                    fields: BTreeMap::from([("m".to_string(), blobs.put(&tensor))]),
                }
            })
            .collect();
        Dataset::from_records(records).unwrap()
    }

    /// `dataset` written into a new temporary folder.
    fn written(
        dataset: &Dataset,
        description: &Description,
        blobs: &Blobs,
    ) -> (tempfile::TempDir, DatasetJson) {
        let dir = tempfile::tempdir().unwrap();
        let options = WriteOptions::default();
        let json = write_dataset_dir(dataset, description, blobs, dir.path(), &options).unwrap();
        (dir, json)
    }

    fn shape_written(dir: &Path, json: &DatasetJson) -> Option<ShapeSpec> {
        let field = json.fields.iter().find(|f| f.name == "m").unwrap();
        let stacked = dir.join("m.npy").exists();
        let each = dir.join("m").is_dir();
        assert!(stacked != each, "exactly one of m.npy and m/ is written");
        field.shape.clone()
    }

    #[test]
    fn equal_sized_tensors_of_other_shapes_are_written_as_varies() {
        let mut blobs = Blobs::default();
        let dataset = dataset_of(&[&[2, 3], &[3, 2], &[2, 3]], &mut blobs);
        let exact = describe(&dataset, &blobs, None, Scan::EveryHeader).unwrap();
        assert_eq!(
            exact.fields[1].to_spec().shape,
            Some(ShapeSpec::Named("varies".into()))
        );
        let quick = describe(&dataset, &blobs, None, Scan::HeaderPerSize).unwrap();
        assert_eq!(
            quick.fields[1].to_spec().shape,
            Some(ShapeSpec::Fixed(vec![2, 3]))
        );

        let (dir, json) = written(&dataset, &quick, &blobs);
        assert_eq!(
            shape_written(dir.path(), &json),
            Some(ShapeSpec::Named("varies".into()))
        );
        for id in ["r0", "r1", "r2"] {
            assert!(dir.path().join("m").join(format!("{id}.npy")).is_file());
        }
        let on_disk: DatasetJson =
            serde_json::from_slice(&fs::read(dir.path().join("dataset.json")).unwrap()).unwrap();
        assert_eq!(on_disk, json);
    }

    #[test]
    fn one_header_is_read_per_blob_size_and_the_array_is_stacked() {
        let mut blobs = Blobs::default();
        let dataset = dataset_of(&[&[2, 3], &[2, 3], &[2, 3], &[2, 3]], &mut blobs);
        let quick = describe(&dataset, &blobs, None, Scan::HeaderPerSize).unwrap();
        assert_eq!(blobs.heads.load(std::sync::atomic::Ordering::Relaxed), 1);
        let (dir, json) = written(&dataset, &quick, &blobs);
        assert_eq!(
            shape_written(dir.path(), &json),
            Some(ShapeSpec::Fixed(vec![2, 3]))
        );
        let npy = fs::read(dir.path().join("m.npy")).unwrap();
        let rows: Vec<u8> = dataset
            .records()
            .iter()
            .flat_map(|r| {
                let Some(Value::Blob(blob)) = r.fields.get("m") else {
                    unreachable!()
                };
                Tensor::decode(&blobs.bytes[&blob.digest])
                    .unwrap()
                    .le_bytes()
                    .to_vec()
            })
            .collect();
        assert!(
            npy.ends_with(&rows),
            "rows in record order after the header"
        );
    }
}
