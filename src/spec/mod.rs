//! Reading pipelines: YAML in, a validated [`Pipeline`] out.
//!
//! Every mistake in a file becomes a [`SpecError`] naming the file, the line and column where
//! they can be found, the key path, and what was expected.

pub mod document;
mod error;
mod locate;
mod matrix;
mod overrides;
mod pipeline;
mod suggest;

pub use error::{SpecError, SpecErrorKind, display_path};
pub use locate::locate;
pub use matrix::{Coordinates, Matrix, label, scalar_text};
pub use overrides::{Override, OverrideError};
pub(crate) use pipeline::describe_serde_error;
pub use pipeline::{Inputs, Pipeline, StageDecl, load};
pub use suggest::{closest, did_you_mean};
