//! What a dataset's fields are, as the exchange format writes them: the schema `show` prints
//! and `export` writes as `dataset.json`.
//!
//! Each field is classified from every record's value: integers, floats, bools and strings
//! are scalar columns (integers and floats together make a float column; other mixtures a
//! JSON column); lists and maps are JSON columns; a workspace file is a path column; a blob
//! without a name whose bytes are a radflow tensor is an array (one shape for all records, or
//! "varies" when shapes differ or some records lack it); a named blob is a file, a map of
//! named blobs a folder. A field that mixes arrays or files with anything else cannot be
//! written and is an error naming two records that disagree.
//!
//! Reading every record's tensor header is one open and read per record, as much as the
//! export itself at 100k small records. [`Scan::HeaderPerSize`] reads one header per
//! distinct blob size and takes it for the other blobs of that size; a writer that trusts
//! it must check every tensor as it reads it (`write_dataset_dir` does, and writes the
//! field as `varies` when an equal-sized tensor turns out to have another shape).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::blobs::BlobSource;
use super::error::ExchangeError;
use super::field_kind::{FieldKind, ScalarType, Shape};
use super::schema::{Field, Role};
use crate::dataset::{BlobRef, DType, Dataset, Roles, Tensor, Value};

/// A dataset's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    pub count: usize,
    /// `id` first, then the fields by name.
    pub fields: Vec<Field>,
    pub roles: Roles,
    /// The class field's distinct values (as text) with their record counts.
    pub classes: BTreeMap<String, usize>,
    /// How many distinct groups (patients), when a group field is named.
    pub groups: Option<usize>,
}

/// How much `describe` reads to learn array fields' types and shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Every record's tensor header: exact (`show`).
    EveryHeader,
    /// One header per distinct blob size, taken for every blob of that size: exact unless
    /// two tensors of one field have equal byte sizes but other shapes (or one is not a
    /// tensor), which a writer checking each tensor finds.
    HeaderPerSize,
}

/// What one value says about its field.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Scalar(ScalarType),
    Array(DType, Vec<usize>),
    File,
    Folder,
}

/// Describes `dataset`; `only` keeps just those fields (an unknown name is an error).
pub fn describe(
    dataset: &Dataset,
    blobs: &dyn BlobSource,
    only: Option<&[String]>,
    scan: Scan,
) -> Result<Description, ExchangeError> {
    let records = dataset.records();
    let mut names: Vec<&str> = Vec::new();
    for record in records {
        for name in record.fields.keys() {
            if let Err(i) = names.binary_search(&name.as_str()) {
                names.insert(i, name);
            }
        }
    }
    if let Some(only) = only {
        for wanted in only {
            if !names.contains(&wanted.as_str()) {
                return Err(ExchangeError::NoField {
                    wanted: wanted.clone(),
                    fields: names.iter().map(|n| n.to_string()).collect(),
                });
            }
        }
        names.retain(|n| only.iter().any(|w| w == n));
    }
    let roles = dataset.roles();
    let mut fields = vec![Field {
        name: "id".into(),
        kind: FieldKind::Scalar(ScalarType::Str),
        role: Role::Id,
    }];
    for name in names {
        if name == "id" {
            return Err(ExchangeError::value(
                &records[0].id,
                name,
                "a field named `id` clashes with the record id",
            ));
        }
        let kind = classify(dataset, blobs, name, scan)?;
        let role = match &kind {
            FieldKind::Array { .. } => Role::Array,
            FieldKind::File | FieldKind::Folder => Role::File,
            FieldKind::Scalar(_) if roles.class.as_deref() == Some(name) => Role::Class,
            FieldKind::Scalar(_) if roles.group.as_deref() == Some(name) => Role::Group,
            FieldKind::Scalar(_) => Role::Scalar,
        };
        fields.push(Field {
            name: name.to_string(),
            kind,
            role,
        });
    }
    let kept = |f: &Option<String>| {
        f.as_ref()
            .filter(|name| fields.iter().any(|x| &x.name == *name))
            .cloned()
    };
    let roles = Roles {
        class: kept(&roles.class),
        group: kept(&roles.group),
    };
    let mut classes = BTreeMap::new();
    if let Some(class) = &roles.class {
        for record in records {
            if let Some(text) = record.fields.get(class).and_then(super::cell::to_cell) {
                *classes.entry(text).or_insert(0) += 1;
            }
        }
    }
    let groups = roles.group.as_ref().map(|group| {
        let seen: std::collections::HashSet<Option<String>> = records
            .iter()
            .filter_map(|r| r.fields.get(group))
            .map(super::cell::to_cell)
            .collect();
        seen.len()
    });
    Ok(Description {
        count: records.len(),
        fields,
        roles,
        classes,
        groups,
    })
}

fn classify(
    dataset: &Dataset,
    blobs: &dyn BlobSource,
    name: &str,
    scan: Scan,
) -> Result<FieldKind, ExchangeError> {
    let records = dataset.records();
    let seen: Vec<Option<Seen>> = match scan {
        Scan::EveryHeader => records
            .par_iter()
            .map(|record| match record.fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(value) => seen_of(value, blobs).map(Some),
            })
            .collect::<Result<_, ExchangeError>>()?,
        Scan::HeaderPerSize => {
            let mut by_size: HashMap<u64, Seen> = HashMap::new();
            let mut out = Vec::with_capacity(records.len());
            for record in records {
                out.push(match record.fields.get(name) {
                    None | Some(Value::Null) => None,
                    Some(Value::Blob(blob)) if blob.name.is_none() => {
                        Some(match by_size.get(&blob.size) {
                            Some(seen) => seen.clone(),
                            None => {
                                let seen = seen_of_blob(blob, blobs)?;
                                by_size.insert(blob.size, seen.clone());
                                seen
                            }
                        })
                    }
                    Some(value) => Some(seen_of(value, blobs)?),
                });
            }
            out
        }
    };
    let mut kind: Option<(Seen, usize)> = None;
    let mut varies = false;
    let mut missing = false;
    for (i, seen) in seen.into_iter().enumerate() {
        let Some(seen) = seen else {
            missing = true;
            continue;
        };
        let Some((first, first_at)) = &mut kind else {
            kind = Some((seen, i));
            continue;
        };
        match (&*first, &seen) {
            (a, b) if a == b => {}
            (Seen::Array(a, _), Seen::Array(b, _)) if a == b => varies = true,
            (Seen::Scalar(a), Seen::Scalar(b)) => {
                *first = Seen::Scalar(merge_scalars(*a, *b));
            }
            (a, b) => {
                return Err(ExchangeError::value(
                    &records[i].id,
                    name,
                    format!(
                        "is {} here and {} in record `{}`; such a field cannot be written",
                        seen_name(b),
                        seen_name(a),
                        records[*first_at].id
                    ),
                ));
            }
        }
    }
    Ok(match kind {
        None => FieldKind::Scalar(ScalarType::Str),
        Some((Seen::Scalar(t), _)) => FieldKind::Scalar(t),
        Some((Seen::Array(dtype, shape), _)) => FieldKind::Array {
            dtype,
            shape: if varies || missing {
                Shape::Varies
            } else {
                Shape::Fixed(shape)
            },
        },
        Some((Seen::File, _)) => FieldKind::File,
        Some((Seen::Folder, _)) => FieldKind::Folder,
    })
}

fn merge_scalars(a: ScalarType, b: ScalarType) -> ScalarType {
    use ScalarType::*;
    match (a, b) {
        (Int64, Float64) | (Float64, Int64) => Float64,
        _ if a == b => a,
        _ => Json,
    }
}

fn seen_name(seen: &Seen) -> String {
    match seen {
        Seen::Scalar(t) => format!("a {} value", t.name()),
        Seen::Array(dtype, shape) => format!("a {dtype} array of shape {shape:?}"),
        Seen::File => "a file".into(),
        Seen::Folder => "a folder".into(),
    }
}

fn seen_of(value: &Value, blobs: &dyn BlobSource) -> Result<Seen, ExchangeError> {
    Ok(match value {
        Value::Int(_) => Seen::Scalar(ScalarType::Int64),
        Value::Float(_) => Seen::Scalar(ScalarType::Float64),
        Value::Bool(_) => Seen::Scalar(ScalarType::Bool),
        Value::Str(_) => Seen::Scalar(ScalarType::Str),
        Value::File(_) => Seen::Scalar(ScalarType::Path),
        Value::Blob(blob) => seen_of_blob(blob, blobs)?,
        Value::Map(map) if !map.is_empty() && map.values().all(|v| v.as_blob().is_some()) => {
            Seen::Folder
        }
        Value::Null | Value::List(_) | Value::Map(_) => Seen::Scalar(ScalarType::Json),
    })
}

fn seen_of_blob(blob: &BlobRef, blobs: &dyn BlobSource) -> Result<Seen, ExchangeError> {
    Ok(match tensor_header(blob, blobs)? {
        Some((dtype, shape)) => Seen::Array(dtype, shape),
        None => Seen::File,
    })
}

/// The type and shape of a blob that is a tensor (an unnamed blob with the tensor magic);
/// `None` for other blobs.
pub fn tensor_header(
    blob: &BlobRef,
    blobs: &dyn BlobSource,
) -> Result<Option<(DType, Vec<usize>)>, ExchangeError> {
    if blob.name.is_some() {
        return Ok(None);
    }
    let head = blobs.read_head(blob, Tensor::MAX_HEADER)?;
    Ok(Tensor::peek(&head)
        .ok()
        .map(|(dtype, shape, _)| (dtype, shape)))
}
