//! radflow: a declarative, content-addressed workflow engine for imaging studies.
//!
//! The modules follow the way data flows through one `radflow run` (see `ARCHITECTURE.md`):
//! [`cli`] -> [`spec`] (YAML to a checked pipeline) -> [`plan`] (instances in a DAG) ->
//! [`key`] (fingerprints) -> [`cache`] (the store) -> [`exec`] (scheduler, items, status) ->
//! [`stages`] (one file per kind), with [`dataset`] the data model they exchange.

pub mod cache;
pub mod cli;
pub mod dataset;
pub mod digest;
pub mod durable;
pub mod error;
pub mod exchange;
pub mod exec;
pub mod exit_code;
pub mod file_identity;
pub mod key;
pub mod lockfile;
pub mod pack;
pub mod plan;
pub mod spec;
pub mod stage_api;
pub mod stages;
pub mod trust;
pub mod workspace;

// Formats and numerical building blocks the built-in stages use.
pub mod dicom;
pub mod imaging;
pub mod inflate;
pub mod learn;
pub mod metaimage;
pub mod nifti;
pub mod nrrd;
pub mod onnx;
pub mod radiomics;
pub mod raw_read;
pub mod report_page;
pub mod scan_volume;
pub mod seg;
pub mod slurm;
pub mod splitmix64;
pub mod synth;
pub mod volume;
