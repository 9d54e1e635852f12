//! `radflow gc`: removes what neither a lock file nor the last runs reach.
//!
//! Roots: the stage entries and outputs the caller names (those of the lock files of every
//! pipeline that ran against this cache, see [`lock_files_of_runs`]), and those of each
//! pipeline's last `keep_runs` runs.
//! From a stage entry: its manifest, reference list and item list objects, every object the
//! manifest references, and its item entries. Everything else older than `grace` goes (the
//! grace period protects results a concurrent run has written but not yet committed; runs also
//! hold the cache lock shared, which `gc` takes exclusively).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;

use super::entry::decode_digests;
use super::error::CacheError;
use super::runs::runs_in;
use super::store::Store;
use crate::dataset::Dataset;
use crate::digest::Digest;

#[derive(Debug, Clone)]
pub struct GcOptions {
    pub keep_runs: usize,
    pub grace: Duration,
    pub dry_run: bool,
}

/// What must survive besides the last runs: stage keys and output hashes (a lock file's).
#[derive(Debug, Clone, Default)]
pub struct GcRoots {
    pub stage_keys: HashSet<Digest>,
    pub outputs: HashSet<Digest>,
}

/// The lock files every recorded run of every pipeline wrote (or would write), newest run
/// first, each once: where `gc` looks for roots.
pub fn lock_files_of_runs(store: &Store) -> Result<Vec<PathBuf>, CacheError> {
    let histories =
        fs::read_dir(store.runs_dir()).map_err(|e| CacheError::io(store.runs_dir(), e))?;
    let mut locks: Vec<PathBuf> = Vec::new();
    for history in histories.flatten() {
        for (_, run) in runs_in(&history.path()) {
            if !locks.contains(&run.lock_file) {
                locks.push(run.lock_file);
            }
        }
    }
    Ok(locks)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GcReport {
    pub kept_objects: usize,
    pub removed_objects: usize,
    pub removed_bytes: u64,
    pub removed_stage_entries: usize,
    pub removed_item_entries: usize,
    pub removed_runs: usize,
    /// Folders derived from datasets that are gone (`derived/`).
    pub removed_derived: usize,
}

/// Removes what `roots` and the last runs do not reach. The caller holds nothing; this takes
/// the cache lock exclusively.
pub fn collect(store: &Store, roots: GcRoots, options: &GcOptions) -> Result<GcReport, CacheError> {
    let _lock = store.lock(true)?;
    let mut report = GcReport::default();
    let GcRoots {
        stage_keys: mut stage_roots,
        outputs: mut output_roots,
    } = roots;

    let histories =
        fs::read_dir(store.runs_dir()).map_err(|e| CacheError::io(store.runs_dir(), e))?;
    for history in histories.flatten() {
        for (i, (path, run)) in runs_in(&history.path()).into_iter().enumerate() {
            if i < options.keep_runs {
                for (_, inst) in &run.instances {
                    stage_roots.extend(inst.key);
                    output_roots.extend(inst.output);
                }
            } else {
                report.removed_runs += 1;
                if !options.dry_run {
                    let _ = fs::remove_file(&path);
                }
            }
        }
    }
    let mut objects: HashSet<Digest> = HashSet::new();
    let mut items: HashSet<Digest> = HashSet::new();
    let mut stages_kept: HashSet<Digest> = HashSet::new();
    for key in &stage_roots {
        let Some(entry) = store.stage_entry(key) else {
            continue;
        };
        stages_kept.insert(*key);
        output_roots.insert(entry.output);
        objects.insert(entry.refs);
        if let Some(list) = entry.items {
            objects.insert(list);
            if let Some(keys) = store
                .get_object(&list)
                .ok()
                .and_then(|b| decode_digests(&b))
            {
                items.extend(keys);
            }
        }
        if let Some(refs) = store
            .get_object(&entry.refs)
            .ok()
            .and_then(|b| decode_digests(&b))
        {
            objects.extend(refs);
        }
    }
    for output in &output_roots {
        objects.insert(*output);
        if let Ok(bytes) = store.get_object(output)
            && let Ok(dataset) = Dataset::from_manifest(&bytes)
        {
            objects.extend(dataset.blob_digests());
        }
    }
    for key in &items {
        if let Some(entry) = store.item_entry(key) {
            for emit in &entry.emits {
                for value in emit.fields.values() {
                    value.for_each_blob(&mut |b| {
                        objects.insert(b.digest);
                    });
                }
            }
        }
    }

    let cutoff = SystemTime::now()
        .checked_sub(options.grace)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let old = |path: &Path| {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < cutoff)
    };
    let remove = |path: &Path| {
        if !options.dry_run {
            let _ = fs::remove_file(path);
        }
    };
    let all_objects = store.list("objects");
    let removed: Vec<u64> = all_objects
        .par_iter()
        .filter(|(digest, path)| !objects.contains(digest) && old(path))
        .map(|(_, path)| {
            let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            remove(path);
            size
        })
        .collect();
    report.removed_objects = removed.len();
    report.removed_bytes = removed.iter().sum();
    report.kept_objects = all_objects.len() - report.removed_objects;
    for (digest, path) in store.list("stages") {
        if !stages_kept.contains(&digest) && old(&path) {
            report.removed_stage_entries += 1;
            remove(&path);
        }
    }
    for (digest, path) in store.list("items") {
        if !items.contains(&digest) && old(&path) {
            report.removed_item_entries += 1;
            remove(&path);
        }
    }
    report.removed_derived = remove_derived(store, &objects, &old, options.dry_run);
    if !options.dry_run {
        // Every shard folder gc removed from has changed, so those memos are stale already;
        // dropping all of them keeps the folder from growing with lists long gone.
        super::present_lists::forget_all(&store.state_dir());
    }
    if !options.dry_run
        && let Ok(entries) = fs::read_dir(store.tmp_dir())
    {
        for entry in entries.flatten() {
            let path = entry.path();
            if old(&path) {
                let _ = if path.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
            }
        }
    }
    Ok(report)
}

/// Removes the derived folders (`derived/<kind>/<hex>`) of datasets that are not kept.
fn remove_derived(
    store: &Store,
    kept: &HashSet<Digest>,
    old: &dyn Fn(&Path) -> bool,
    dry_run: bool,
) -> usize {
    let mut removed = 0;
    let Ok(kinds) = fs::read_dir(store.root().join("derived")) else {
        return 0;
    };
    for kind in kinds.flatten() {
        let Ok(folders) = fs::read_dir(kind.path()) else {
            continue;
        };
        for folder in folders.flatten() {
            let path = folder.path();
            let digest = folder.file_name().to_string_lossy().parse::<Digest>();
            if digest.is_ok_and(|d| !kept.contains(&d)) && old(&path) {
                removed += 1;
                if !dry_run {
                    let _ = crate::durable::remove_tree(&path);
                }
            }
        }
    }
    removed
}
