//! Errors of `radflow::onnx`: loading the runtime, opening and checking a model,
//! configuring feature extraction, running it.

use std::fmt;
use std::path::PathBuf;

use super::runtime::RuntimeError;

/// Whether a message is about a model input or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Input,
    Output,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Input => "input",
            Role::Output => "output",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),

    #[error("`{}`: no such model file", path.display())]
    ModelMissing { path: PathBuf },

    #[error("`{}`: could not open the model: {reason}", path.display())]
    ModelOpen { path: PathBuf, reason: String },

    #[error("`{}`: no {role} named `{name}`; {role}s are {available}", path.display())]
    NoSuchValue {
        path: PathBuf,
        role: Role,
        name: String,
        available: String,
    },

    #[error("`{}`: {role} `{name}` has shape {actual}; expected {expected}", path.display())]
    Shape {
        path: PathBuf,
        role: Role,
        name: String,
        actual: String,
        expected: String,
    },

    #[error("`{}`: {role} `{name}` holds {actual}; expected f32", path.display())]
    ElementType {
        path: PathBuf,
        role: Role,
        name: String,
        actual: String,
    },

    #[error("`{}`: input {input} would get no data; the configuration feeds {fed}", path.display())]
    UnfedInput {
        path: PathBuf,
        input: String,
        fed: String,
    },

    #[error("`{}`: inference failed: {reason}", path.display())]
    Inference { path: PathBuf, reason: String },

    #[error("`{}`: output `{name}` came back with shape {actual}; expected {expected}", path.display())]
    OutputShape {
        path: PathBuf,
        name: String,
        actual: String,
        expected: String,
    },

    #[error("feature config: `{field}` {problem}")]
    Config {
        field: &'static str,
        problem: String,
    },

    #[error("image {index}: {problem}")]
    Image { index: usize, problem: String },
}
