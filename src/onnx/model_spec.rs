//! What a configuration expects of a model, checked against what the model declares
//! before any data runs.
//!
//! Rules (all values are f32 tensors):
//! - every expected input and output exists under its name;
//! - the model has no input the configuration does not feed (it would get no data);
//! - shapes agree dimension by dimension: a model's dynamic dimension accepts any
//!   expected size, a fixed one must equal it; [`DimSpec::Batch`] accepts anything;
//! - a [`ShapeSpec::Pooled`] output is `[N,C]` or `[N,C,1,...,1]`: pooled features,
//!   one vector per image. Its dynamic trailing dimensions are checked at run time.

use std::fmt;
use std::path::Path;

use ort::value::TensorElementType;

use super::error::{OnnxError, Role};
use super::tensor_info::{Dim, TensorInfo, describe_all, format_dims};

/// One expected dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DimSpec {
    /// The batch dimension: any size, fixed or dynamic (printed `N`).
    Batch,
    /// Exactly this size (or a dynamic dimension that will be given this size).
    Exactly(u64),
}

impl fmt::Display for DimSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DimSpec::Batch => f.write_str("N"),
            DimSpec::Exactly(size) => write!(f, "{size}"),
        }
    }
}

/// The expected shape of an input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeSpec {
    /// This exact rank, dimension by dimension.
    Dims(Vec<DimSpec>),
    /// Pooled features: `[N,C]` or `[N,C,1,...,1]`, with `C` given or left open.
    Pooled { features: Option<u64> },
}

impl fmt::Display for ShapeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapeSpec::Dims(dims) => {
                let inner: Vec<String> = dims.iter().map(DimSpec::to_string).collect();
                write!(f, "[{}]", inner.join(","))
            }
            ShapeSpec::Pooled { features } => {
                let c = features.map_or_else(|| "C".to_string(), |c| c.to_string());
                write!(f, "[N,{c}] or [N,{c},1,1] (pooled features)")
            }
        }
    }
}

/// One expected f32 input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSpec {
    pub name: String,
    pub shape: ShapeSpec,
}

/// Everything a configuration expects of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub inputs: Vec<ValueSpec>,
    pub outputs: Vec<ValueSpec>,
}

impl ModelSpec {
    /// Checks a model's declared `inputs` and `outputs`; `path` names it in errors.
    /// The first mismatch is the error.
    pub fn check(
        &self,
        path: &Path,
        inputs: &[TensorInfo],
        outputs: &[TensorInfo],
    ) -> Result<(), OnnxError> {
        for spec in &self.inputs {
            check_value(path, Role::Input, spec, inputs)?;
        }
        for spec in &self.outputs {
            check_value(path, Role::Output, spec, outputs)?;
        }
        if let Some(unfed) = inputs
            .iter()
            .find(|input| !self.inputs.iter().any(|spec| spec.name == input.name))
        {
            let fed: Vec<String> = self
                .inputs
                .iter()
                .map(|spec| format!("`{}`", spec.name))
                .collect();
            return Err(OnnxError::UnfedInput {
                path: path.to_path_buf(),
                input: unfed.to_string(),
                fed: if fed.is_empty() {
                    "no input".to_string()
                } else {
                    format!("only {}", fed.join(", "))
                },
            });
        }
        Ok(())
    }
}

fn check_value(
    path: &Path,
    role: Role,
    spec: &ValueSpec,
    declared: &[TensorInfo],
) -> Result<(), OnnxError> {
    let Some(info) = declared.iter().find(|info| info.name == spec.name) else {
        return Err(OnnxError::NoSuchValue {
            path: path.to_path_buf(),
            role,
            name: spec.name.clone(),
            available: describe_all(declared),
        });
    };
    let (Some(element), Some(dims)) = (info.element(), info.dims()) else {
        let actual = info.to_string();
        return Err(OnnxError::ElementType {
            path: path.to_path_buf(),
            role,
            name: spec.name.clone(),
            actual: actual
                .trim_start_matches(&format!("`{}` ", spec.name))
                .to_string(),
        });
    };
    if element != TensorElementType::Float32 {
        return Err(OnnxError::ElementType {
            path: path.to_path_buf(),
            role,
            name: spec.name.clone(),
            actual: element.to_string(),
        });
    }
    if !shape_fits(&spec.shape, dims) {
        return Err(OnnxError::Shape {
            path: path.to_path_buf(),
            role,
            name: spec.name.clone(),
            actual: format_dims(dims),
            expected: spec.shape.to_string(),
        });
    }
    Ok(())
}

fn dim_fits(expected: DimSpec, declared: &Dim) -> bool {
    match (expected, declared.fixed()) {
        (DimSpec::Batch, _) | (_, None) => true,
        (DimSpec::Exactly(size), Some(fixed)) => size == fixed,
    }
}

fn shape_fits(expected: &ShapeSpec, declared: &[Dim]) -> bool {
    match expected {
        ShapeSpec::Dims(dims) => {
            dims.len() == declared.len() && dims.iter().zip(declared).all(|(&e, d)| dim_fits(e, d))
        }
        ShapeSpec::Pooled { features } => {
            let [_batch, channels, rest @ ..] = declared else {
                return false;
            };
            let channels_fit = features.is_none_or(|c| dim_fits(DimSpec::Exactly(c), channels));
            channels_fit && rest.iter().all(|d| dim_fits(DimSpec::Exactly(1), d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n() -> Dim {
        Dim::Dynamic(Some("N".to_string()))
    }

    fn f32_tensor(name: &str, dims: Vec<Dim>) -> TensorInfo {
        TensorInfo::tensor(name, TensorElementType::Float32, dims)
    }

    fn image_input(name: &str, size: u64) -> ValueSpec {
        ValueSpec {
            name: name.to_string(),
            shape: ShapeSpec::Dims(vec![
                DimSpec::Batch,
                DimSpec::Exactly(3),
                DimSpec::Exactly(size),
                DimSpec::Exactly(size),
            ]),
        }
    }

    fn pooled(name: &str, features: Option<u64>) -> ValueSpec {
        ValueSpec {
            name: name.to_string(),
            shape: ShapeSpec::Pooled { features },
        }
    }

    fn squeezenet_like() -> (Vec<TensorInfo>, Vec<TensorInfo>) {
        let inputs = vec![f32_tensor(
            "data",
            vec![n(), Dim::Fixed(3), Dim::Fixed(227), Dim::Fixed(227)],
        )];
        let outputs = vec![
            f32_tensor(
                "features",
                vec![n(), Dim::Fixed(512), Dim::Fixed(1), Dim::Fixed(1)],
            ),
            f32_tensor("logits", vec![n(), Dim::Fixed(1000)]),
        ];
        (inputs, outputs)
    }

    fn check(spec: &ModelSpec) -> Result<(), String> {
        let (inputs, outputs) = squeezenet_like();
        spec.check(Path::new("models/x.onnx"), &inputs, &outputs)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn model_checks_accept_matching_and_refuse_mismatching_configurations() {
        let cases: Vec<(&str, ModelSpec, Result<(), &str>)> = vec![
            (
                "matching names and sizes",
                ModelSpec {
                    inputs: vec![image_input("data", 227)],
                    outputs: vec![pooled("features", Some(512))],
                },
                Ok(()),
            ),
            (
                "pooled output with open feature count",
                ModelSpec {
                    inputs: vec![image_input("data", 227)],
                    outputs: vec![pooled("logits", None)],
                },
                Ok(()),
            ),
            (
                "wrong input name",
                ModelSpec {
                    inputs: vec![image_input("images", 227)],
                    outputs: vec![pooled("features", None)],
                },
                Err(
                    "`models/x.onnx`: no input named `images`; inputs are `data` [N,3,227,227] f32",
                ),
            ),
            (
                "wrong input size",
                ModelSpec {
                    inputs: vec![image_input("data", 299)],
                    outputs: vec![pooled("features", None)],
                },
                Err(
                    "`models/x.onnx`: input `data` has shape [N,3,227,227]; expected [N,3,299,299]",
                ),
            ),
            (
                "wrong output name",
                ModelSpec {
                    inputs: vec![image_input("data", 227)],
                    outputs: vec![pooled("pool5", None)],
                },
                Err(
                    "`models/x.onnx`: no output named `pool5`; outputs are `features` [N,512,1,1] f32, `logits` [N,1000] f32",
                ),
            ),
            (
                "wrong feature count",
                ModelSpec {
                    inputs: vec![image_input("data", 227)],
                    outputs: vec![pooled("features", Some(2048))],
                },
                Err(
                    "`models/x.onnx`: output `features` has shape [N,512,1,1]; expected [N,2048] or [N,2048,1,1] (pooled features)",
                ),
            ),
            (
                "an input the configuration does not feed",
                ModelSpec {
                    inputs: vec![],
                    outputs: vec![pooled("features", None)],
                },
                Err(
                    "`models/x.onnx`: input `data` [N,3,227,227] f32 would get no data; the configuration feeds no input",
                ),
            ),
        ];
        for (what, spec, expected) in cases {
            assert_eq!(check(&spec), expected.map_err(str::to_string), "{what}");
        }
    }

    #[test]
    fn a_spatial_output_is_not_taken_for_pooled_features() {
        let outputs = vec![f32_tensor(
            "conv",
            vec![n(), Dim::Fixed(16), Dim::Fixed(7), Dim::Fixed(7)],
        )];
        let inputs = vec![f32_tensor(
            "x",
            vec![n(), Dim::Fixed(3), Dim::Dynamic(None), Dim::Dynamic(None)],
        )];
        let spec = ModelSpec {
            inputs: vec![image_input("x", 32)],
            outputs: vec![pooled("conv", None)],
        };
        let error = spec
            .check(Path::new("m.onnx"), &inputs, &outputs)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`m.onnx`: output `conv` has shape [N,16,7,7]; expected [N,C] or [N,C,1,1] (pooled features)"
        );
    }

    #[test]
    fn dynamic_model_dimensions_accept_any_expected_size() {
        let inputs = vec![f32_tensor(
            "x",
            vec![
                Dim::Dynamic(None),
                Dim::Fixed(3),
                Dim::Dynamic(Some("H".into())),
                Dim::Dynamic(None),
            ],
        )];
        let outputs = vec![f32_tensor(
            "y",
            vec![
                Dim::Dynamic(None),
                Dim::Dynamic(None),
                Dim::Dynamic(None),
                Dim::Dynamic(None),
            ],
        )];
        let spec = ModelSpec {
            inputs: vec![image_input("x", 299)],
            outputs: vec![pooled("y", Some(16))],
        };
        assert!(spec.check(Path::new("m.onnx"), &inputs, &outputs).is_ok());
    }

    #[test]
    fn a_non_float_input_is_refused_by_element_type() {
        let inputs = vec![TensorInfo::tensor(
            "x",
            TensorElementType::Uint8,
            vec![n(), Dim::Fixed(3), Dim::Fixed(8), Dim::Fixed(8)],
        )];
        let outputs = vec![f32_tensor("y", vec![n(), Dim::Fixed(4)])];
        let spec = ModelSpec {
            inputs: vec![image_input("x", 8)],
            outputs: vec![pooled("y", None)],
        };
        let error = spec
            .check(Path::new("m.onnx"), &inputs, &outputs)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`m.onnx`: input `x` holds u8; expected f32"
        );
    }
}
