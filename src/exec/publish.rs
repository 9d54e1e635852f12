//! Publishing: copying a stage's named blobs (reports, tables, plots) out of the cache into the
//! output folder as ordinary files: `<output>/<instance id>/<name>`.
//!
//! Files are written atomically and only when their content differs, so a cached rerun touches
//! nothing. Files a previous publish wrote that the current output no longer has are removed
//! (the list is kept in `.radflow-published`); other files in the folder are left alone.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::state::{RunState, object_reason};
use crate::dataset::{BlobRef, Value};
use crate::digest::Digest;
use crate::durable::{AtomicFile, write_atomic};
use crate::key::hash_file;
use crate::plan::Instance;
use crate::stage_api::StageError;
use crate::workspace::checked_write_path;

const LIST: &str = ".radflow-published";

/// Publishes `output` of `instance`; returns the folder.
pub fn publish(
    run: &RunState<'_>,
    instance: &Instance,
    output: &Digest,
) -> Result<PathBuf, StageError> {
    let dataset = run.dataset(output)?;
    let mut files: Vec<(String, BlobRef)> = Vec::new();
    let single = dataset.len() <= 1;
    let mut collect = |prefix: Option<&str>, value: &Value| {
        value.for_each_blob(&mut |blob| {
            if let Some(name) = &blob.name {
                let rel = match prefix {
                    Some(p) if !single => format!("{p}/{name}"),
                    _ => name.clone(),
                };
                files.push((rel, blob.clone()));
            }
        });
    };
    for value in dataset.meta().values() {
        collect(None, value);
    }
    for record in dataset.records() {
        for value in record.fields.values() {
            collect(Some(&record.id), value);
        }
    }
    let dir = run.plan.pipeline.output_dir.join(&instance.id);
    let io = |path: &Path, e: std::io::Error| {
        StageError::file(path.display().to_string(), format!("cannot publish: {e}"))
    };
    fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let mut names = BTreeSet::new();
    for (rel, blob) in &files {
        let rel = checked_write_path(rel)
            .map_err(|e| StageError::invalid(format!("cannot publish `{rel}`: {e}")))?;
        let target = dir.join(&rel);
        names.insert(rel);
        if fs::metadata(&target).is_ok_and(|m| m.len() == blob.size)
            && hash_file(&target, blob.size).is_ok_and(|d| d == blob.digest)
        {
            continue;
        }
        let parent = target.parent().unwrap_or(&dir);
        fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        let temp = AtomicFile::create(parent, run.store.durability()).map_err(|e| io(parent, e))?;
        run.store
            .copy_object(&blob.digest, temp.path())
            .map_err(|e| StageError::Object {
                digest: blob.digest,
                reason: object_reason(e),
            })?;
        temp.commit(&target).map_err(|e| io(&target, e))?;
    }
    let list_path = dir.join(LIST);
    let list: String = names.iter().map(|n| format!("{n}\n")).collect();
    let previous = fs::read_to_string(&list_path).ok();
    if previous.as_deref() == Some(list.as_str()) {
        return Ok(dir);
    }
    if let Some(previous) = previous {
        for stale in previous
            .lines()
            .filter(|l| !l.is_empty() && !names.contains(*l))
        {
            if checked_write_path(stale).is_ok() {
                let _ = fs::remove_file(dir.join(stale));
            }
        }
    }
    write_atomic(&dir, &list_path, list.as_bytes(), run.store.durability())
        .map_err(|e| io(&list_path, e))?;
    Ok(dir)
}
