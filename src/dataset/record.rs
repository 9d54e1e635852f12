//! One record of a dataset: an id and named fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::value::{BlobRef, FileRef, Value};

/// A record: `TCGA-02-0003` (a patient) or `TCGA-02-0003/z042` (one of its slices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
}

/// A field a stage needs is missing or of the wrong type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FieldError {
    #[error("record `{record}` has no field `{field}`")]
    Missing { record: String, field: String },
    #[error("record `{record}`: field `{field}` is a {found}, expected {expected}")]
    Type {
        record: String,
        field: String,
        found: &'static str,
        expected: &'static str,
    },
}

impl Record {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            fields: BTreeMap::new(),
        }
    }

    /// Builder-style insert.
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(field.to_string(), value.into());
        self
    }

    pub fn set(&mut self, field: &str, value: impl Into<Value>) {
        self.fields.insert(field.to_string(), value.into());
    }

    pub fn get(&self, field: &str) -> Result<&Value, FieldError> {
        self.fields.get(field).ok_or_else(|| FieldError::Missing {
            record: self.id.clone(),
            field: field.to_string(),
        })
    }

    fn typed<'a, T>(
        &'a self,
        field: &str,
        expected: &'static str,
        pick: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<T, FieldError> {
        let value = self.get(field)?;
        pick(value).ok_or_else(|| FieldError::Type {
            record: self.id.clone(),
            field: field.to_string(),
            found: value.type_name(),
            expected,
        })
    }

    pub fn str(&self, field: &str) -> Result<&str, FieldError> {
        self.typed(field, "a string", Value::as_str)
    }

    pub fn int(&self, field: &str) -> Result<i64, FieldError> {
        self.typed(field, "an integer", Value::as_i64)
    }

    pub fn float(&self, field: &str) -> Result<f64, FieldError> {
        self.typed(field, "a number", Value::as_f64)
    }

    pub fn bool(&self, field: &str) -> Result<bool, FieldError> {
        self.typed(field, "a bool", Value::as_bool)
    }

    pub fn blob(&self, field: &str) -> Result<&BlobRef, FieldError> {
        self.typed(field, "a blob", Value::as_blob)
    }

    pub fn file(&self, field: &str) -> Result<&FileRef, FieldError> {
        self.typed(field, "a file", Value::as_file)
    }

    /// A list of integers (bounding boxes, sizes).
    pub fn ints(&self, field: &str) -> Result<Vec<i64>, FieldError> {
        self.typed(field, "a list of integers", |v| {
            v.as_list()?.iter().map(Value::as_i64).collect()
        })
    }
}
