//! The `command` kind's parameters.

use serde::{Deserialize, Serialize};

use crate::stage_api::OnError;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The program and its arguments, or one string run by `sh -c`.
    pub run: Program,
    /// Files and folders the program reads, relative to the workspace root.
    #[serde(default)]
    pub files: Vec<String>,
    /// Files the program writes under `{out}`; a name ending in `/` is a folder, stored whole.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// What `{out}` holds besides the declared outputs: nothing (`files`), or a record folder
    /// (with `foreach`) or a dataset directory (without) that becomes the stage's records.
    #[serde(default, skip_serializing_if = "OutputMode::is_files")]
    pub output: OutputMode,
    /// With `output: dataset` and `foreach`: array fields whose shape may differ between
    /// records (the others must keep one shape).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub varies: Vec<String>,
    /// Environment variables whose values change the output.
    #[serde(default)]
    pub env: Vec<String>,
    /// Run once per matching file (`{files: GLOB}`) or per upstream record (`input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Foreach>,
    /// With `foreach`: `stop` at the first failing item, or `skip` it and go on.
    #[serde(default)]
    pub on_error: OnError,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Program {
    Shell(String),
    Argv(Vec<String>),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputMode {
    /// Only the declared `outputs`.
    #[default]
    Files,
    /// A record folder or a dataset directory at `{out}`.
    Dataset,
}

impl OutputMode {
    fn is_files(&self) -> bool {
        *self == OutputMode::Files
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged, expecting = "`{files: GLOB}` or `input`")]
pub enum Foreach {
    Files {
        files: String,
    },
    #[serde(with = "input_tag")]
    Input,
}

/// `foreach: input` as a plain string.
mod input_tag {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("input")
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "input" {
            Ok(())
        } else {
            Err(serde::de::Error::custom("expected `input`"))
        }
    }
}

/// A declared output: a file, or a folder (written `name/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// Normalized, without the trailing `/`: the field name and the path under `{out}`.
    pub name: String,
    pub folder: bool,
}
