//! `radflow run`.

use super::args::RunArgs;
use super::config::{ensure_jobs, load};
use crate::cache::Status;
use crate::error::Error;
use crate::exec::{self, RunOptions, RunReport, RunRequest, counts_table, metrics_lines, table};
use crate::lockfile::{LockFile, lock_path};
use crate::plan::select;

pub fn run(args: RunArgs, quiet: bool) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    let plan = &loaded.plan;
    let selection = select(plan, &args.only, &args.force)?;
    let options = RunOptions {
        jobs: ensure_jobs(args.jobs)?,
        keep_going: args.keep_going,
        quiet: quiet || args.json,
    };
    let request = RunRequest {
        overrides: loaded.overrides.clone(),
        only: args.only.clone(),
        forced: args.force.clone(),
    };
    let store = loaded.open_store()?;
    let mut report = exec::run(
        plan,
        &selection,
        store.clone(),
        options.clone(),
        request.clone(),
    )?;
    if report.damaged && !report.complete() && report.record.outcome != "interrupted" {
        eprintln!(
            "radflow: damaged or missing cache objects were set aside; running again to recompute them"
        );
        report = exec::run(plan, &selection, store, options, request)?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report.record).unwrap_or_default()
        );
    } else {
        print!(
            "{}",
            table(&report.record.instances, report.record.duration_ms)
        );
        print!("{}", counts_table(&report.record.instances));
        print!("{}", metrics_lines(&report.record.instances));
    }
    print_warnings(&report);
    let lock_updated = if report.complete() && args.only.is_empty() && loaded.overrides.is_empty() {
        update_lock(&loaded.plan, &report, args.frozen)?
    } else {
        false
    };
    if !args.json {
        for (id, inst) in &report.record.instances {
            let publishes = plan.instances.iter().any(|i| &i.id == id && i.publish);
            if publishes && matches!(inst.status, Status::Ran | Status::Cached) {
                let dir = plan.pipeline.output_dir.join(id);
                println!("published {id}: {}", crate::spec::display_path(&dir));
            }
        }
        if lock_updated {
            println!(
                "updated {}",
                crate::spec::display_path(&lock_path(&plan.pipeline.file))
            );
        }
    }
    match report.record.outcome.as_str() {
        "complete" => Ok(()),
        "interrupted" => Err(Error::Interrupted),
        _ => {
            let failed: Vec<String> = report
                .record
                .instances
                .iter()
                .filter(|(_, r)| r.status == Status::Failed)
                .map(|(id, r)| format!("\n  {id}: {}", r.error.as_deref().unwrap_or("failed")))
                .collect();
            Err(Error::Failed(format!(
                "{} stage(s) failed:{}",
                failed.len(),
                failed.concat()
            )))
        }
    }
}

fn print_warnings(report: &RunReport) {
    for (id, inst) in &report.record.instances {
        for warning in &inst.warnings {
            eprintln!("radflow: warning: {id}: {warning}");
        }
    }
}

/// Writes the lock file when it changed; with `frozen`, a change is an error instead.
fn update_lock(plan: &crate::plan::Plan, report: &RunReport, frozen: bool) -> Result<bool, Error> {
    let path = lock_path(&plan.pipeline.file);
    let new = LockFile::from_run(plan, &report.record);
    let old = LockFile::read(&path)?;
    if old.as_ref() == Some(&new) {
        return Ok(false);
    }
    if frozen {
        let changed: Vec<&String> = new
            .stages
            .iter()
            .filter(|(id, s)| old.as_ref().and_then(|o| o.stages.get(*id)) != Some(*s))
            .map(|(id, _)| id)
            .collect();
        return Err(Error::Mismatch(format!(
            "`--frozen`: the lock file `{}` would change ({})",
            crate::spec::display_path(&path),
            if old.is_none() {
                "it does not exist".to_string()
            } else {
                format!(
                    "stages: {}",
                    changed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )));
    }
    new.write(&path)?;
    Ok(true)
}
