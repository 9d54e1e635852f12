//! `dataset.json`: what the arrays and the CSV cannot say by themselves.
//!
//! ```json
//! {
//!   "format": "radflow-dataset/1",
//!   "count": 1208,
//!   "fields": [
//!     {"name": "id", "dtype": "str", "role": "id"},
//!     {"name": "grade", "dtype": "str", "role": "class"},
//!     {"name": "patient", "dtype": "str", "role": "group"},
//!     {"name": "area", "dtype": "int64", "role": "scalar"},
//!     {"name": "features", "dtype": "float32", "shape": [16], "role": "array"},
//!     {"name": "pixels", "dtype": "int16", "shape": "varies", "role": "array"},
//!     {"name": "model", "dtype": "file", "role": "file"}
//!   ],
//!   "classes": ["II", "III", "IV"]
//! }
//! ```
//!
//! `shape` is one record's shape (the stacked `<field>.npy` is `[count, ...shape]`), or
//! `"varies"` (one `<field>/<id>.npy` per record). `source` (written by `export`: the pipeline,
//! instance and output hash) is ignored on reading.

use serde::{Deserialize, Serialize};

use super::field_kind::{FieldKind, ScalarType, Shape};
use crate::dataset::DType;

/// The value of `format`.
pub const FORMAT: &str = "radflow-dataset/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetJson {
    pub format: String,
    pub count: usize,
    pub fields: Vec<FieldSpec>,
    /// The class field's distinct values, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    pub dtype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<ShapeSpec>,
    pub role: Role,
}

/// What a field is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Id,
    Class,
    Group,
    Array,
    Scalar,
    File,
}

/// `[16]` or `"varies"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ShapeSpec {
    Fixed(Vec<usize>),
    Named(String),
}

/// A field with its parsed kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
    pub role: Role,
}

impl Field {
    pub fn to_spec(&self) -> FieldSpec {
        let shape = match &self.kind {
            FieldKind::Array { shape, .. } => Some(match shape {
                Shape::Fixed(dims) => ShapeSpec::Fixed(dims.clone()),
                Shape::Varies => ShapeSpec::Named("varies".into()),
            }),
            _ => None,
        };
        FieldSpec {
            name: self.name.clone(),
            dtype: self.kind.dtype_name(),
            shape,
            role: self.role,
        }
    }
}

impl FieldSpec {
    /// The field's kind, or what is wrong with its entry.
    pub fn parse(&self) -> Result<Field, String> {
        let name = &self.name;
        let kind = match self.role {
            Role::Array => {
                let dtype = DType::from_name(&self.dtype).ok_or_else(|| {
                    format!(
                        "field `{name}`: dtype `{}` is not an array type (uint8, int16, uint16, \
                         int32, float32, float64)",
                        self.dtype
                    )
                })?;
                let shape = match &self.shape {
                    Some(ShapeSpec::Fixed(dims)) => Shape::Fixed(dims.clone()),
                    Some(ShapeSpec::Named(word)) if word == "varies" => Shape::Varies,
                    Some(ShapeSpec::Named(word)) => {
                        return Err(format!(
                            "field `{name}`: shape `{word}` is neither a list nor \"varies\""
                        ));
                    }
                    None => {
                        return Err(format!(
                            "field `{name}`: an array needs a `shape` (a list, or \"varies\")"
                        ));
                    }
                };
                FieldKind::Array { dtype, shape }
            }
            Role::File => match self.dtype.as_str() {
                "file" => FieldKind::File,
                "folder" => FieldKind::Folder,
                other => {
                    return Err(format!(
                        "field `{name}`: role `file` needs dtype `file` or `folder`, found `{other}`"
                    ));
                }
            },
            Role::Id | Role::Class | Role::Group | Role::Scalar => {
                let scalar = ScalarType::from_name(&self.dtype).ok_or_else(|| {
                    format!(
                        "field `{name}`: dtype `{}` is not a scalar type (int64, float64, bool, \
                         str, json, path)",
                        self.dtype
                    )
                })?;
                FieldKind::Scalar(scalar)
            }
        };
        if self.shape.is_some() && self.role != Role::Array {
            return Err(format!("field `{name}`: only arrays have a `shape`"));
        }
        Ok(Field {
            name: name.clone(),
            kind,
            role: self.role,
        })
    }
}
