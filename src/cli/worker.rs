//! `radflow worker`: what a cluster job runs (see `exec::cluster`). Computes one instance, or
//! one shard of a map instance's items, into the shared cache; records no run (the
//! coordinator does).

use super::args::WorkerArgs;
use super::config::{ensure_jobs, load};
use crate::durable::{Durability, write_beside};
use crate::error::Error;
use crate::exec::local::Shard;
use crate::exec::{WorkOrder, run_log, work};

pub fn worker(args: WorkerArgs) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    let plan = &loaded.plan;
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
            Some(Shard { index: task, count })
        }
    };
    let store = loaded.open_store()?;
    let last_keys = run_log(plan, &store)?.last_keys();
    let order = WorkOrder {
        instance: index,
        shard,
        forced: args.force,
        jobs: ensure_jobs(args.jobs)?,
    };
    let report = work(plan, store, last_keys, &order)
        .map_err(|e| Error::Failed(format!("{}: {e}", args.instance)))?;
    if let Some(path) = &args.report {
        let bytes = serde_json::to_vec_pretty(&report).unwrap_or_default();
        write_beside(path, &bytes, Durability::Safe)
            .map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
    }
    let what = match (report.did.as_str(), report.items) {
        ("items", Some(items)) => format!("computed {} of {} items", items.computed, items.total),
        (did, _) => did.to_string(),
    };
    println!("radflow worker: {}: {what}", args.instance);
    for warning in &report.warnings {
        eprintln!("radflow: warning: {}: {warning}", args.instance);
    }
    Ok(())
}
