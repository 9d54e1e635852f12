//! What one stage runs from outside radflow, pinned: its command template and the blake3 of
//! every script it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::TrustError;
use crate::digest::Digest;
use crate::pack::is_script;
use crate::plan::Plan;
use crate::stage_api::FileInput;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramPin {
    /// The instance (`embed`, `embed[size=64]`).
    pub stage: String,
    /// The command template, placeholders unexpanded.
    pub command: String,
    /// Workspace-relative script path -> blake3 of its bytes.
    pub scripts: BTreeMap<String, Digest>,
}

/// The pins of every instance of `plan` that runs an outside program, in plan order.
///
/// A stage's scripts are the regular files it declares in `files:` or names as a word of its
/// command that either came in the pack (`delivered`: canonical paths) or have a program or
/// configuration extension (`pack::is_script`). Files the receiving lab supplied itself
/// (its scans, its clinical table) are input, not code, and are not pinned, so replacing
/// its data never asks for trust again. A declared folder pins the delivered files below it.
pub fn pins_of(plan: &Plan, delivered: &BTreeSet<PathBuf>) -> Result<Vec<ProgramPin>, TrustError> {
    let workspace = &plan.pipeline.workspace;
    let mut pins = Vec::new();
    for inst in &plan.instances {
        let Some(program) = inst.kind.program() else {
            continue;
        };
        let mut candidates: Vec<PathBuf> = inst
            .kind
            .files()
            .into_iter()
            .filter_map(|file| match file {
                FileInput::Path(rel) => Some(workspace.resolve(&rel)),
                FileInput::Tree { .. } => None,
            })
            .collect();
        let folders: Vec<PathBuf> = candidates
            .iter()
            .filter_map(|path| std::fs::canonicalize(path).ok())
            .filter(|path| path.is_dir())
            .collect();
        for folder in folders {
            candidates.extend(delivered.iter().filter(|d| d.starts_with(&folder)).cloned());
        }
        candidates.extend(program.words.iter().map(|word| workspace.resolve(word)));
        let mut scripts = BTreeMap::new();
        for path in candidates {
            if !path.is_file() {
                continue;
            }
            let came_in_pack = std::fs::canonicalize(&path).is_ok_and(|c| delivered.contains(&c));
            if came_in_pack || is_script(&path) {
                scripts.insert(workspace.key_name(&path), hash_file(&path)?);
            }
        }
        pins.push(ProgramPin {
            stage: inst.id.clone(),
            command: program.command,
            scripts,
        });
    }
    Ok(pins)
}

fn hash_file(path: &Path) -> Result<Digest, TrustError> {
    let bytes = std::fs::read(path).map_err(|source| TrustError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Digest::of(&bytes))
}
