//! `radflow worker`: what a cluster job runs (see `exec::cluster`). Computes one instance, or
//! one shard of a map instance's items, into the shared cache; records no run (the
//! coordinator does).

use super::args::WorkerArgs;
use super::config::{ensure_jobs, load};
use crate::cache::Status;
use crate::error::Error;
use crate::exec::{self, RunOptions, RunRequest, Shard};
use crate::plan::select;

pub fn worker(args: WorkerArgs) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    let plan = &loaded.plan;
    let force = if args.force {
        vec![args.instance.clone()]
    } else {
        Vec::new()
    };
    let selection = select(plan, std::slice::from_ref(&args.instance), &force)?;
    let index = plan
        .index_of(&args.instance)
        .ok_or_else(|| Error::Usage(format!("no instance `{}`", args.instance)))?;
    let shard = match args.shards {
        None => None,
        Some(count) => {
            let task = match args.shard_index {
                Some(i) => i,
                None => std::env::var("SLURM_ARRAY_TASK_ID")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| {
                        Error::Usage(
                            "`--shards` needs `--shard-index` or SLURM_ARRAY_TASK_ID".into(),
                        )
                    })?,
            };
            if count == 0 || task >= count {
                return Err(Error::Usage(format!(
                    "shard {task} of {count} does not exist"
                )));
            }
            Some(Shard {
                instance: index,
                index: task,
                count,
            })
        }
    };
    let options = RunOptions {
        shard,
        record: false,
        ..RunOptions::local(ensure_jobs(args.jobs)?, false, true)
    };
    let request = RunRequest {
        overrides: loaded.overrides.clone(),
        only: vec![args.instance.clone()],
        forced: force,
    };
    let report = exec::run(plan, &selection, loaded.open_store()?, options, request)?;
    let failed: Vec<String> = report
        .record
        .instances
        .iter()
        .filter(|(_, r)| matches!(r.status, Status::Failed | Status::Skipped))
        .map(|(id, r)| format!("\n  {id}: {}", r.error.as_deref().unwrap_or("failed")))
        .collect();
    if !failed.is_empty() {
        return Err(Error::Failed(format!(
            "{} stage(s) failed:{}",
            failed.len(),
            failed.concat()
        )));
    }
    let (_, record) = &report.record.instances[index];
    let what = match (record.status, record.items) {
        (Status::Shard, Some(items)) => {
            format!("computed {} of {} items", items.computed, items.total)
        }
        (status, _) => format!("{status:?}").to_lowercase(),
    };
    println!("radflow worker: {}: {what}", args.instance);
    Ok(())
}
