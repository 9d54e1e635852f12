//! What a field holds, as the exchange format writes it: a scalar column of `records.csv`, an
//! array (`.npy`), or files.

use std::fmt;

use crate::dataset::DType;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// A column of `records.csv` (a key of `record.json`).
    Scalar(ScalarType),
    /// A tensor per record: `<field>.npy` stacked, or `<field>/<id>.npy` when the shape varies.
    Array { dtype: DType, shape: Shape },
    /// A named file per record (a JSON model, a PNG): its path in the folder is the cell.
    File,
    /// A folder tree per record (a command's `outputs: [plots/]`): its path is the cell.
    Folder,
}

/// The type of a scalar column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    Int64,
    Float64,
    Bool,
    Str,
    /// A list or map, written as compact JSON text.
    Json,
    /// A workspace file an earlier stage read (a scan), as its root-relative path; read back
    /// as a string.
    Path,
}

/// One record's array shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Fixed(Vec<usize>),
    Varies,
}

impl ScalarType {
    const NAMES: [(ScalarType, &'static str); 6] = [
        (ScalarType::Int64, "int64"),
        (ScalarType::Float64, "float64"),
        (ScalarType::Bool, "bool"),
        (ScalarType::Str, "str"),
        (ScalarType::Json, "json"),
        (ScalarType::Path, "path"),
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(t, _)| *t)
    }

    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(t, _)| *t == self)
            .map(|(_, n)| *n)
            .expect("every type is named")
    }
}

impl FieldKind {
    /// The `dtype` of `dataset.json`.
    pub fn dtype_name(&self) -> String {
        match self {
            FieldKind::Scalar(t) => t.name().to_string(),
            FieldKind::Array { dtype, .. } => dtype.to_string(),
            FieldKind::File => "file".into(),
            FieldKind::Folder => "folder".into(),
        }
    }

    /// Whether the field is a column of `records.csv`.
    pub fn is_column(&self) -> bool {
        !matches!(self, FieldKind::Array { .. })
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Fixed(dims) => {
                let dims: Vec<String> = dims.iter().map(usize::to_string).collect();
                write!(f, "[{}]", dims.join(", "))
            }
            Shape::Varies => f.write_str("varies"),
        }
    }
}
