//! The one decision: may this study's outside programs run? `run`, `verify`, `status`,
//! `trust` and `unpack` all ask it.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::TrustError;
use super::change::{Change, changes};
use super::program_pin::{ProgramPin, pins_of};
use super::trust_store::{TrustRecord, TrustStore};
use crate::pack::UnpackRecord;
use crate::plan::Plan;

pub struct TrustCheck {
    /// The pipeline file as given, for messages.
    pub pipeline: PathBuf,
    /// The pipeline file, canonical: what an acceptance is recorded under.
    pub canonical: PathBuf,
    /// The folder a pack was unpacked into, if the study came from one.
    pub unpacked_in: Option<PathBuf>,
    /// What the study runs from outside radflow (only looked at for a study from a pack).
    pub programs: Vec<ProgramPin>,
    /// How the programs differ from what the user trusted; empty when they may run.
    pub changes: Vec<Change>,
}

impl TrustCheck {
    /// Whether `plan`'s outside programs may run. A study needs trust when a folder at or
    /// above its pipeline file holds an unpack record and it runs any outside program; it
    /// may run when every program's command and scripts equal what the user accepted.
    pub fn of(plan: &Plan) -> Result<Self, TrustError> {
        let file = &plan.pipeline.file;
        let canonical = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        let mut check = Self {
            pipeline: file.clone(),
            canonical,
            unpacked_in: None,
            programs: Vec::new(),
            changes: Vec::new(),
        };
        let folder = match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let Some((dir, record)) = UnpackRecord::find(folder) else {
            return Ok(check);
        };
        let delivered = delivered_files(&dir, record.as_ref());
        check.unpacked_in = Some(dir);
        check.programs = pins_of(plan, &delivered)?;
        if !check.programs.is_empty() {
            let trusted = TrustStore::locate()?.read(&check.canonical)?;
            check.changes = changes(
                &check.programs,
                trusted.as_ref().map(|r| r.programs.as_slice()),
            );
        }
        Ok(check)
    }

    /// Whether the study came from a pack and runs outside programs.
    pub fn needs_trust(&self) -> bool {
        self.unpacked_in.is_some() && !self.programs.is_empty()
    }

    pub fn is_trusted(&self) -> bool {
        self.changes.is_empty()
    }

    /// The instances whose programs are not trusted.
    pub fn untrusted(&self) -> HashSet<&str> {
        self.changes.iter().map(Change::stage).collect()
    }

    /// What to record when the user accepts the programs as they are now.
    pub fn record(&self) -> TrustRecord {
        TrustRecord {
            pipeline: self.canonical.clone(),
            programs: self.programs.clone(),
        }
    }

    /// Every program with its command and each script's blake3, two lines per stage or more.
    pub fn listing(&self) -> String {
        let mut text = String::new();
        for pin in &self.programs {
            text.push_str(&format!("  stage `{}` runs: {}\n", pin.stage, pin.command));
            for (path, hash) in &pin.scripts {
                text.push_str(&format!("    script {path}  blake3 {hash}\n"));
            }
        }
        text
    }

    /// The error that stops a run: each change, and the command that accepts them.
    pub fn refusal(&self, trust_command: &str) -> String {
        let mut text = format!(
            "`{}` came from a pack (unpacked in `{}`) and runs programs you have not trusted; \
             nothing was run:",
            crate::spec::display_path(&self.pipeline),
            self.unpacked_in
                .as_deref()
                .map(crate::spec::display_path)
                .unwrap_or_default(),
        );
        for change in &self.changes {
            text.push_str(&format!("\n  {change}"));
        }
        text.push_str(&format!(
            "\n  review what they run, then accept it with `{trust_command}`"
        ));
        text
    }
}

/// The canonical paths of the files the pack delivered (as far as they still exist).
fn delivered_files(dir: &Path, record: Option<&UnpackRecord>) -> BTreeSet<PathBuf> {
    record
        .map(|r| {
            r.members
                .keys()
                .filter_map(|member| std::fs::canonicalize(dir.join(member)).ok())
                .collect()
        })
        .unwrap_or_default()
}
