//! radflow: a declarative, content-addressed workflow engine for imaging studies.
//!
//! The modules follow the way data flows through one `radflow run`; see
//! `ARCHITECTURE.md` for the walk-through.

// Formats and numerical building blocks the built-in stages use.
pub mod imaging;
pub mod learn;
pub mod nrrd;
pub mod onnx;
pub mod report_page;
pub mod seg;
pub mod slurm;
pub mod synth;
