//! The contract between the engine and the stage kinds it runs.
//!
//! A kind ([`Stage`]) declares its name, version, ports, typed parameters, external files and
//! runtime facts, and runs against a [`StageContext`]: the only door to its inputs, the cache
//! and item-level maps. The engine implements the context's [`Host`]; the kinds
//! (`crate::stages`) implement [`Stage`]. Everything here sits below both, so the engine and
//! the kinds depend on this module and never on each other.

mod context;
mod error;
mod file_input;
mod file_param;
mod map;
mod outside_program;
mod param_error;
mod port;
mod registry;
mod stage;
mod upstream;

pub use context::{Host, StageContext};
pub use context::{ItemFn, MapRequest};
pub use error::StageError;
pub use file_input::FileInput;
pub use file_param::{FileParam, ParamFile, StageFile};
pub use map::{Emit, MapOutput, OnError};
pub use outside_program::OutsideProgram;
pub use param_error::ParamError;
pub use port::{Arity, Port};
pub use registry::{DynStage, KindInfo, Registry, lookup};
pub use stage::Stage;
pub use upstream::Upstream;
