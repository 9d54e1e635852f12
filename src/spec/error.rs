//! Errors in pipeline and definition files: one line naming the file, the line and column
//! where known, the key path, and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong, for callers and tests that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecErrorKind {
    /// The file could not be read.
    Io,
    /// Not valid YAML.
    Syntax,
    /// A key the format does not have.
    UnknownKey,
    /// A value of the wrong type or out of range.
    Invalid,
    /// `kind:` names no stage kind.
    UnknownKind,
    /// `input:`/`inputs:`/`uses:`/`--only` name a stage or definition that does not exist.
    UnknownReference,
    /// The stages depend on each other in a circle.
    Cycle,
    /// Two stages or definitions with one name.
    Duplicate,
    /// A `--set` that does not apply.
    Override,
    /// A path that would leave the workspace where that is not allowed.
    Path,
    /// A pinned import whose content no longer has the pinned hash.
    Pin,
}

/// An error in a pipeline or definition file.
#[derive(Debug, Clone)]
pub struct SpecError {
    pub kind: SpecErrorKind,
    pub file: PathBuf,
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
    /// Dotted key path, e.g. `stages.resize.with.size`.
    pub key_path: Option<String>,
    pub message: String,
}

impl SpecError {
    pub fn new(kind: SpecErrorKind, file: &Path, message: impl Into<String>) -> Self {
        Self {
            kind,
            file: file.to_path_buf(),
            position: None,
            key_path: None,
            message: message.into(),
        }
    }

    pub fn at(mut self, key_path: impl Into<String>) -> Self {
        self.key_path = Some(key_path.into());
        self
    }

    pub fn position(mut self, position: Option<(usize, usize)>) -> Self {
        if position.is_some() {
            self.position = position;
        }
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", display_path(&self.file))?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(path) = &self.key_path {
            write!(f, ": `{path}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SpecError {}

/// A path as the user will recognise it: relative to the current directory when inside it.
pub fn display_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    shown.display().to_string()
}
