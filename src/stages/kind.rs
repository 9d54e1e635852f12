//! The contract of a stage kind.
//!
//! A kind has a stable name, an implementation version (bump it whenever the output for the same
//! inputs would change: it is part of every key), typed parameters (unknown keys are errors),
//! declared input ports and external files, and a `run` that reads and writes only through its
//! [`StageContext`](super::StageContext).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::context::StageContext;
use super::error::StageError;
use crate::dataset::Dataset;

/// How many upstream outputs a port takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// Exactly one dataset. Bound to a swept stage, the reader is swept along with it: one
    /// instance per upstream instance.
    One,
    /// Any number of datasets, gathered: all instances of a swept stage, or several stages.
    Many,
}

/// A named input of a kind.
#[derive(Debug, Clone, Copy)]
pub struct Port {
    pub name: &'static str,
    pub arity: Arity,
    pub required: bool,
}

impl Port {
    pub const fn one(name: &'static str) -> Self {
        Self {
            name,
            arity: Arity::One,
            required: true,
        }
    }
    pub const fn many(name: &'static str) -> Self {
        Self {
            name,
            arity: Arity::Many,
            required: true,
        }
    }
    pub const fn optional(self) -> Self {
        Self {
            required: false,
            ..self
        }
    }
}

/// A file or folder outside the cache that a stage reads. The engine hashes it by content
/// before the stage runs (that hash is part of the stage key) and hands the stage the hashed
/// list, so what was hashed is what is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileInput {
    /// A file, or every file below a folder; it must exist.
    Path(String),
    /// Every file below a folder whose root-relative name matches one of the patterns (`*` and
    /// `?` within a path segment, `**` across segments); all files when `include` is empty.
    Tree { dir: String, include: Vec<String> },
}

/// A parameter value a kind refuses, with the dotted path below `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub path: String,
    pub message: String,
}

impl ParamError {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// A stage kind, implemented by each file under `src/stages/`.
pub trait Stage: Send + Sync + Sized + 'static {
    /// The name used in YAML: `kind: resize`.
    const KIND: &'static str;
    /// Bumped whenever the output for the same inputs would change.
    const VERSION: u32;
    /// One-line description for `radflow kinds`.
    const ABOUT: &'static str;
    /// The input ports; the first is the one `input:` binds.
    const PORTS: &'static [Port];
    /// Top-level parameters that steer execution only (batch size, threads) and never change
    /// the output; they are left out of keys.
    const EXEC_ONLY: &'static [&'static str] = &[];
    /// Whether the stage's named blobs are copied to the output folder unless the pipeline says.
    const PUBLISH: bool = false;

    type Params: DeserializeOwned + Serialize;

    /// Checks the parameters beyond their types.
    fn new(params: Self::Params) -> Result<Self, ParamError>;

    /// External files read, with paths as written in the parameters.
    fn files(&self) -> Vec<FileInput> {
        Vec::new()
    }

    /// A line telling how to make a declared file that does not exist (a model to export).
    fn missing_file_hint(&self, _path: &str) -> Option<String> {
        None
    }

    /// Environment variables whose values change the output (part of the key).
    fn env(&self) -> Vec<String> {
        Vec::new()
    }

    /// Whether its work is an item-level map ([`StageContext::map`]) that a cluster can split
    /// into shards; other stages run as one job.
    fn is_map(&self) -> bool {
        false
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError>;
}
