//! The manifest of a pack: what each member is and its hash, and what the study would run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// The pack layout this radflow writes; it reads this one and older.
pub const PACK_FORMAT: u32 = 1;

/// The manifest's name, the first member of every pack.
pub const MANIFEST_NAME: &str = "radflow-pack.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The radflow version that wrote it.
    pub radflow: String,
    pub pipeline_name: String,
    /// The pipeline file's member path.
    pub pipeline: String,
    /// The lock file's member path, if the pipeline had one.
    pub lock: Option<String>,
    pub pseudonymized: bool,
    /// By member path.
    pub members: BTreeMap<String, Member>,
    /// What the study runs besides built-in stages.
    pub programs: Vec<Program>,
    /// Model files by workspace-relative path, with their blake3 (packed with `--with-models`).
    pub models: BTreeMap<String, Digest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub bytes: u64,
    pub blake3: Digest,
    /// `pipeline`, `definitions`, `script`, `lock`, `model`, `metrics`, `environment`.
    pub role: String,
}

/// A command stage: the command line it runs and the scripts it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub stage: String,
    pub run: String,
    /// Script path -> blake3.
    pub scripts: BTreeMap<String, Digest>,
}
