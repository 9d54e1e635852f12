//! What a model says about one of its inputs or outputs: name, element type, shape.
//!
//! ONNX shapes mix fixed sizes with dynamic dimensions, which may carry a symbol
//! (`N`, `batch`) or nothing at all. Both print the way error messages show shapes:
//! `` `data` [N,3,227,227] f32 ``, with `?` for an unnamed dynamic dimension.

use std::fmt;

use ort::value::{Outlet, TensorElementType, ValueType};

/// One dimension of a declared shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    /// A size the model fixes.
    Fixed(u64),
    /// A size chosen at run time; the symbol is the model's name for it, if any.
    Dynamic(Option<String>),
}

impl Dim {
    /// The fixed size, or `None` for a dynamic dimension.
    pub fn fixed(&self) -> Option<u64> {
        match self {
            Dim::Fixed(size) => Some(*size),
            Dim::Dynamic(_) => None,
        }
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Fixed(size) => write!(f, "{size}"),
            Dim::Dynamic(Some(symbol)) => f.write_str(symbol),
            Dim::Dynamic(None) => f.write_str("?"),
        }
    }
}

/// The kind of value flowing through an input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// A tensor with an element type and a (possibly partly dynamic) shape.
    Tensor {
        element: TensorElementType,
        dims: Vec<Dim>,
    },
    /// A sequence, map or optional value, described the way ONNX Runtime prints it.
    /// radflow never feeds or reads these; they appear only in error messages.
    Other(String),
}

/// An input or output of a model, as declared in its graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    pub kind: ValueKind,
}

impl TensorInfo {
    /// A tensor input or output; handy for tests and for describing expectations.
    pub fn tensor(name: impl Into<String>, element: TensorElementType, dims: Vec<Dim>) -> Self {
        TensorInfo {
            name: name.into(),
            kind: ValueKind::Tensor { element, dims },
        }
    }

    /// The shape, or `None` when this is not a tensor.
    pub fn dims(&self) -> Option<&[Dim]> {
        match &self.kind {
            ValueKind::Tensor { dims, .. } => Some(dims),
            ValueKind::Other(_) => None,
        }
    }

    /// The element type, or `None` when this is not a tensor.
    pub fn element(&self) -> Option<TensorElementType> {
        match &self.kind {
            ValueKind::Tensor { element, .. } => Some(*element),
            ValueKind::Other(_) => None,
        }
    }

    pub(crate) fn from_outlet(outlet: &Outlet) -> Self {
        let kind = match outlet.dtype() {
            ValueType::Tensor {
                ty,
                shape,
                dimension_symbols,
            } => ValueKind::Tensor {
                element: *ty,
                dims: shape
                    .iter()
                    .enumerate()
                    .map(|(i, &size)| match u64::try_from(size) {
                        Ok(size) => Dim::Fixed(size),
                        // ONNX Runtime reports dynamic dimensions as -1, with the symbol
                        // (possibly empty) in a parallel list.
                        Err(_) => Dim::Dynamic(
                            dimension_symbols
                                .get(i)
                                .filter(|symbol| !symbol.is_empty())
                                .cloned(),
                        ),
                    })
                    .collect(),
            },
            other => ValueKind::Other(other.to_string()),
        };
        TensorInfo {
            name: outlet.name().to_string(),
            kind,
        }
    }
}

/// Formats a shape as `[N,3,227,227]`.
pub fn format_dims(dims: &[Dim]) -> String {
    let inner: Vec<String> = dims.iter().map(Dim::to_string).collect();
    format!("[{}]", inner.join(","))
}

impl fmt::Display for TensorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ValueKind::Tensor { element, dims } => {
                write!(f, "`{}` {} {element}", self.name, format_dims(dims))
            }
            ValueKind::Other(description) => write!(f, "`{}` {description}", self.name),
        }
    }
}

/// Lists values the way error messages do: `` `a` [N,3] f32, `b` [N] i64 ``.
pub fn describe_all(values: &[TensorInfo]) -> String {
    if values.is_empty() {
        return "none".to_string();
    }
    let listed: Vec<String> = values.iter().map(TensorInfo::to_string).collect();
    listed.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_info_prints_name_shape_and_element_type() {
        let info = TensorInfo::tensor(
            "data",
            TensorElementType::Float32,
            vec![
                Dim::Dynamic(Some("N".into())),
                Dim::Fixed(3),
                Dim::Fixed(227),
                Dim::Dynamic(None),
            ],
        );
        assert_eq!(info.to_string(), "`data` [N,3,227,?] f32");
    }

    #[test]
    fn an_empty_list_of_values_reads_as_none() {
        assert_eq!(describe_all(&[]), "none");
    }

    #[test]
    fn several_values_are_listed_with_commas() {
        let a = TensorInfo::tensor("a", TensorElementType::Float32, vec![Dim::Fixed(1)]);
        let b = TensorInfo::tensor("b", TensorElementType::Int64, vec![]);
        assert_eq!(describe_all(&[a, b]), "`a` [1] f32, `b` [] i64");
    }
}
