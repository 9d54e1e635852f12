//! A file parameter of a built-in stage: a workspace file, or a file another stage wrote.
//!
//! ```yaml
//! features:
//!   kind: onnx_features
//!   with:
//!     model: {from: quantize, file: model.onnx}   # or: model: models/squeezenet1_1.onnx
//! ```
//!
//! The plan turns `{from: STAGE, file: NAME}` into an input of the stage bound to the port
//! [`FileParam::port`] (`with.model`), so the producing stage runs first, its output hash is
//! part of the reader's key, and a swept producer sweeps the reader. A workspace path stays a
//! declared file ([`super::FileInput`]), hashed before the stage runs. Either way the stage
//! gets a path to read and the file's content hash ([`ParamFile`]) through
//! [`super::StageContext::file_param`]. A plain path serializes as the string it always was,
//! so keys of pipelines that name files by path do not change.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a file path, or `{from: STAGE, file: NAME}`")]
pub enum FileParam {
    /// Relative to the workspace root.
    Path(String),
    /// A file in another stage's output: a declared output of a `command` stage, or any blob
    /// whose published name is `file`.
    Output(StageFile),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageFile {
    pub from: String,
    pub file: String,
}

/// A file parameter made readable: where it is now, and what its content hashes to.
#[derive(Debug, Clone)]
pub struct ParamFile {
    pub path: PathBuf,
    pub digest: Digest,
}

impl FileParam {
    /// The input port a `{from, file}` parameter at `param` (a dotted path below `with`) is
    /// bound to. Kind ports are plain identifiers, so this never names one of them.
    pub fn port(param: &str) -> String {
        format!("with.{param}")
    }

    /// The workspace path, for [`super::Stage::files`]; `None` for another stage's file.
    pub fn path(&self) -> Option<&str> {
        match self {
            FileParam::Path(path) => Some(path),
            FileParam::Output(_) => None,
        }
    }
}

impl std::fmt::Display for FileParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileParam::Path(path) => write!(f, "{path}"),
            FileParam::Output(o) => write!(f, "`{}` of stage `{}`", o.file, o.from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_reads_and_keys_as_the_plain_string_it_was() {
        let p: FileParam = serde_yaml::from_str("models/m.onnx").unwrap();
        assert_eq!(p, FileParam::Path("models/m.onnx".into()));
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"models/m.onnx\"");
        assert_eq!(p.path(), Some("models/m.onnx"));
    }

    #[test]
    fn a_stage_file_reads_from_and_file_and_refuses_other_keys() {
        let p: FileParam = serde_yaml::from_str("{from: quantize, file: model.onnx}").unwrap();
        assert_eq!(
            p,
            FileParam::Output(StageFile {
                from: "quantize".into(),
                file: "model.onnx".into()
            })
        );
        assert_eq!(p.path(), None);
        assert_eq!(p.to_string(), "`model.onnx` of stage `quantize`");
        let bad = serde_yaml::from_str::<FileParam>("{from: quantize, fiel: model.onnx}");
        let message = bad.unwrap_err().to_string();
        assert!(message.contains("`{from: STAGE, file: NAME}`"), "{message}");
        assert_eq!(FileParam::port("model"), "with.model");
    }
}
