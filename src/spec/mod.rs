//! Reading pipelines: YAML in, a validated [`Pipeline`] out.
//!
//! Every mistake in a file becomes a [`SpecError`] naming the file, the line and column where
//! they can be found, the key path, and what was expected.

pub mod document;
mod error;
mod import;
mod locate;
mod matrix;
mod overrides;
mod pipeline;
mod suggest;
mod yaml;

pub use error::{SpecError, SpecErrorKind, display_path};
pub use import::{ImportSource, ResolvedImport};
pub use locate::locate;
pub use matrix::{Coordinates, Matrix, label, scalar_text};
pub use overrides::{Override, OverrideError};
pub use pipeline::{Inputs, Pipeline, StageDecl, load, resolve_imports};
pub use suggest::{closest, did_you_mean};
pub(crate) use yaml::describe_serde_error;
