//! `radflow gc` and `radflow cache verify`.

use std::time::Duration;

use super::args::{CacheArgs, CacheCommand, GcArgs, PipelineArgs};
use super::config::{cache_dir, load};
use crate::cache::{GcOptions, Store, collect, verify};
use crate::error::Error;
use crate::lockfile::lock_path;
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
        extra_locks: locks,
    };
    let report = collect(&store, &options)?;
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    println!(
        "{verb} {} objects ({:.1} MB), {} stage entries, {} item entries, {} run records; kept {} objects",
        report.removed_objects,
        report.removed_bytes as f64 / 1e6,
        report.removed_stage_entries,
        report.removed_item_entries,
        report.removed_runs,
        report.kept_objects
    );
    for lock in &report.lock_files {
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
