//! `radflow gc` and `radflow cache verify`.

use std::time::Duration;

use super::args::{CacheArgs, CacheCommand, GcArgs, PipelineArgs};
use super::config::{cache_dir, load};
use crate::cache::{GcOptions, GcRoots, Store, collect, lock_files_of_runs, verify};
use crate::error::Error;
use crate::lockfile::{LockFile, lock_path};
use crate::spec::display_path;

pub fn gc(args: GcArgs) -> Result<(), Error> {
    let mut locks = Vec::new();
    let mut pipeline_cache = None;
    for path in &args.pipelines {
        let loaded = load(&PipelineArgs {
            pipeline: Some(path.clone()),
            cache: args.cache.clone(),
            set: Vec::new(),
        })?;
        locks.push(lock_path(&loaded.plan.pipeline.file));
        pipeline_cache.get_or_insert(loaded.cache_dir);
    }
    let dir = match (&args.cache, pipeline_cache) {
        (Some(dir), _) => dir.clone(),
        (None, Some(dir)) => dir,
        (None, None) => cache_dir(None, None),
    };
    if !dir.join("VERSION").exists() {
        return Err(Error::Usage(format!(
            "`{}` is not a radflow cache",
            display_path(&dir)
        )));
    }
    let store = Store::open(&dir)?;
    let options = GcOptions {
        keep_runs: args.keep_runs,
        grace: Duration::from_secs(args.grace_minutes * 60),
        dry_run: args.dry_run,
    };
    // Roots: every lock file named on the command line or written by a run on this cache.
    for lock in lock_files_of_runs(&store)? {
        if !locks.contains(&lock) {
            locks.push(lock);
        }
    }
    let mut roots = GcRoots::default();
    let mut kept_locks = Vec::new();
    for path in &locks {
        if let Ok(Some(lock)) = LockFile::read(path) {
            for (key, output) in lock.roots() {
                roots.stage_keys.insert(key);
                roots.outputs.insert(output);
            }
            kept_locks.push(path.clone());
        }
    }
    let report = collect(&store, roots, &options)?;
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    println!(
        "{verb} {} objects ({:.1} MB), {} stage entries, {} item entries, {} run records, {} derived folders; kept {} objects",
        report.removed_objects,
        report.removed_bytes as f64 / 1e6,
        report.removed_stage_entries,
        report.removed_item_entries,
        report.removed_runs,
        report.removed_derived,
        report.kept_objects
    );
    for lock in &kept_locks {
        println!("kept everything {} names", display_path(lock));
    }
    Ok(())
}

pub fn cache(args: CacheArgs) -> Result<(), Error> {
    match args.command {
        CacheCommand::Verify {
            cache,
            repair,
            pipeline,
        } => {
            let dir = match pipeline {
                Some(path) => {
                    load(&PipelineArgs {
                        pipeline: Some(path),
                        cache: cache.clone(),
                        set: Vec::new(),
                    })?
                    .cache_dir
                }
                None => cache_dir(cache.as_deref(), None),
            };
            if !dir.join("VERSION").exists() {
                return Err(Error::Usage(format!(
                    "`{}` is not a radflow cache",
                    display_path(&dir)
                )));
            }
            let store = Store::open(&dir)?;
            let report = verify(&store, repair);
            println!(
                "checked {} objects ({:.1} MB)",
                report.objects,
                report.bytes as f64 / 1e6
            );
            for digest in &report.damaged {
                println!(
                    "damaged object {digest}{}",
                    if repair { " (moved to damaged/)" } else { "" }
                );
            }
            for path in &report.bad_entries {
                println!(
                    "broken entry {}{}",
                    display_path(path),
                    if repair { " (removed)" } else { "" }
                );
            }
            if report.is_clean() {
                println!("the cache is intact");
                Ok(())
            } else if repair {
                println!("repaired: the next run recomputes what was affected");
                Ok(())
            } else {
                Err(Error::Mismatch(format!(
                    "{} damaged objects, {} broken entries; `radflow cache verify --repair` sets them aside",
                    report.damaged.len(),
                    report.bad_entries.len()
                )))
            }
        }
    }
}
