//! `radflow run`.

use super::args::{ExecutorKind, RunArgs};
use super::config::{Loaded, ensure_jobs, load};
use super::trust::ensure_trusted;
use crate::cache::{RunOutcome, Status};
use crate::error::Error;
use crate::exec::cluster::{ClusterConfig, Invocation, RECORDS_READ, SlurmExecutor};
use crate::exec::{
    self, Executor, RunOptions, RunReport, RunRequest, counts_table, lock_of_run, metrics_lines,
    run_log, table,
};
use crate::lockfile::{LockFile, lock_path};
use crate::plan::select;

pub fn run(args: RunArgs, quiet: bool) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    ensure_trusted(&loaded)?;
    let plan = &loaded.plan;
    if args.frozen {
        ensure_imports_locked(plan)?;
    }
    let selection = select(plan, &args.only, &args.force)?;
    let options = RunOptions {
        overlap: !args.no_overlap,
        ..RunOptions::local(ensure_jobs(args.jobs)?, args.keep_going, quiet || args.json)
    };
    let request = RunRequest {
        overrides: loaded.overrides.clone(),
        only: args.only.clone(),
        forced: args.force.clone(),
    };
    let store = loaded.open_store()?;
    let executor = match (
        args.executor,
        plan.pipeline.executor.as_ref().map(|e| e.kind.as_str()),
    ) {
        (Some(kind), _) => kind,
        (None, None | Some("local")) => ExecutorKind::Local,
        (None, Some("slurm")) => ExecutorKind::Slurm,
        (None, Some(other)) => {
            return Err(Error::Spec(plan.pipeline.error_at(
                crate::spec::SpecErrorKind::Invalid,
                &["executor", "kind"],
                format!("unknown executor `{other}`; expected `local` or `slurm`"),
            )));
        }
    };
    let mut slurm = match executor {
        ExecutorKind::Local => None,
        ExecutorKind::Slurm => {
            let invocation = Invocation {
                pipeline_file: plan.pipeline.file.clone(),
                cache_dir: std::path::absolute(&loaded.cache_dir)
                    .unwrap_or_else(|_| loaded.cache_dir.clone()),
                overrides: loaded.overrides.clone(),
            };
            let mut cluster = ClusterConfig::from_doc(plan.pipeline.executor.as_ref());
            if let Some(seconds) = args.local_below_seconds {
                cluster.local_below_seconds = seconds;
            }
            let mut history = run_log(plan, &store)?.runs();
            history.truncate(RECORDS_READ);
            let history = history.into_iter().map(|(_, record)| record).collect();
            Some(SlurmExecutor::new(
                plan,
                store.clone(),
                cluster,
                invocation,
                history,
                options.quiet,
            )?)
        }
    };
    let mut report = exec::run(
        plan,
        &selection,
        store.clone(),
        options.clone(),
        request.clone(),
        slurm.as_mut().map(|s| s as &mut dyn Executor),
    )?;
    if report.damaged && report.record.outcome == RunOutcome::Failed {
        eprintln!(
            "radflow: damaged or missing cache objects were set aside; running again to recompute them"
        );
        let cluster = slurm.as_mut().map(|s| s as &mut dyn Executor);
        report = exec::run(plan, &selection, store, options, request, cluster)?;
    }
    finish(&args, &loaded, report)
}

/// Prints the summary, updates the lock file, and turns the outcome into the exit status.
fn finish(args: &RunArgs, loaded: &Loaded, report: RunReport) -> Result<(), Error> {
    let plan = &loaded.plan;
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
    let times = write_run_times(loaded, &report);
    if !args.json {
        for (id, inst) in &report.record.instances {
            let publishes = plan.instances.iter().any(|i| &i.id == id && i.publish);
            if publishes && matches!(inst.status, Status::Ran | Status::Cached) {
                let dir = plan.pipeline.output_dir.join(id);
                println!("published {id}: {}", crate::spec::display_path(&dir));
            }
        }
        if let Some(times) = &times {
            println!("compute times: {}", crate::spec::display_path(times));
        }
        if lock_updated {
            println!(
                "updated {}",
                crate::spec::display_path(&lock_path(&plan.pipeline.file))
            );
        }
    }
    match report.record.outcome {
        RunOutcome::Complete => Ok(()),
        RunOutcome::Interrupted => Err(Error::Interrupted),
        RunOutcome::Failed => {
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

/// `--frozen` refuses, before anything runs, imports whose content or commit differs from what
/// the lock file recorded.
fn ensure_imports_locked(plan: &crate::plan::Plan) -> Result<(), Error> {
    let path = lock_path(&plan.pipeline.file);
    let Some(lock) = LockFile::read(&path)? else {
        return Ok(());
    };
    let now = crate::exec::locked_imports(&plan.pipeline.imports);
    let drift = lock.import_drift(&now);
    let Some((id, locked, found)) = drift.first() else {
        return Ok(());
    };
    let describe = |import: Option<&crate::lockfile::LockedImport>| match import {
        None => "none".to_string(),
        Some(i) => match &i.commit {
            Some(commit) => format!("blake3 {} at commit {commit}", i.blake3),
            None => format!("blake3 {}", i.blake3),
        },
    };
    Err(Error::Mismatch(format!(
        "`--frozen`: import `{id}` differs from the lock file `{}`: locked {}, found {}{}",
        crate::spec::display_path(&path),
        describe(*locked),
        describe(*found),
        if drift.len() > 1 {
            format!(" (and {} more)", drift.len() - 1)
        } else {
            String::new()
        }
    )))
}

/// Writes the lock file when it changed; with `frozen`, a change is an error instead.
fn update_lock(plan: &crate::plan::Plan, report: &RunReport, frozen: bool) -> Result<bool, Error> {
    let path = lock_path(&plan.pipeline.file);
    let new = lock_of_run(plan, &report.record);
    // The text is deterministic: comparing bytes spares parsing the old file on every rerun.
    let old_text = LockFile::read_text(&path)?;
    if old_text.as_deref() == Some(new.to_text().as_str()) {
        return Ok(false);
    }
    let old = old_text
        .map(|text| LockFile::parse(&text, &path))
        .transpose()?;
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

/// `times.html` / `times.json` in the output folder after a run that published something
/// (`run_times`); a failure to write them is a warning, never a failed run.
fn write_run_times(loaded: &Loaded, report: &RunReport) -> Option<std::path::PathBuf> {
    let plan = &loaded.plan;
    let published = report.record.instances.iter().any(|(id, inst)| {
        plan.instances.iter().any(|i| &i.id == id && i.publish)
            && matches!(inst.status, Status::Ran | Status::Cached)
    });
    if !published {
        return None;
    }
    let times = super::run_times::run_times(&report.record, plan);
    match super::run_times::write_times(&plan.pipeline.output_dir, &times, plan.pipeline.durability)
    {
        Ok(path) => Some(path),
        Err(e) => {
            eprintln!(
                "radflow: warning: could not write the compute times into {}: {e}",
                crate::spec::display_path(&plan.pipeline.output_dir)
            );
            None
        }
    }
}
