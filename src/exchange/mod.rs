//! The exchange format: radflow datasets as folders that numpy and pandas read with one call
//! each, and that a program writes back (README: "Datasets: reading and writing radflow data
//! from Python").
//!
//! - A **dataset directory**: `dataset.json` ([`schema`]), `records.csv` (one row per record
//!   in the dataset's order: `id` and every scalar and file field), `<field>.npy` per
//!   fixed-shape array field stacked `[N, ...]` in `records.csv` order, `<field>/<id>.npy`
//!   for an array field whose shape varies, and `files/<id>/<name>` for named files.
//!   Written by [`write_dataset_dir`], read and checked by [`read_dataset_dir`].
//! - A **record folder** (one record alone): `record.json` (id and scalar fields) and one
//!   `<field>.npy` per array field ([`write_record_dir`], [`read_record_dir`]).
//!
//! Invariants: ids in file names are percent-encoded exactly as Python's
//! `urllib.parse.quote(id, safe="")` ([`id_name`]); row `i` of every stacked array is the
//! record of row `i` of `records.csv`; a folder this module writes is complete once its
//! `dataset.json` exists (it is written last, and callers rename the folder into place);
//! reading never allocates more than the files it reads imply ([`npy`]), never follows a
//! link out of the folder ([`tree`]), and refuses NaN and infinities.

mod blobs;
mod cell;
mod dataset_dir;
mod dataset_reader;
mod describe;
mod error;
mod field_kind;
mod file_paths;
pub mod id_name;
pub mod npy;
mod png;
mod record_dir;
mod schema;
pub mod tree;

pub use blobs::{BlobSink, BlobSource};
pub use cell::{from_json, to_cell, to_json};
pub use dataset_dir::{WriteOptions, write_dataset_dir};
pub use dataset_reader::{ReadDataset, read_dataset_dir};
pub use describe::{Description, Scan, describe, tensor_header};
pub use error::{BlobError, ExchangeError};
pub use field_kind::{FieldKind, ScalarType, Shape};
pub use png::{is_image, write_png};
pub use record_dir::{RecordOutput, is_field_name, read_array, read_record_dir, write_record_dir};
pub use schema::{DatasetJson, FORMAT, Field, FieldSpec, Role, ShapeSpec};
