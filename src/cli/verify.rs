//! `radflow verify`: recompute every stage (no cache hits, items included) and compare each
//! output with the lock file. The lock file is not changed.

use serde::Serialize;

use super::args::VerifyArgs;
use super::config::{ensure_jobs, load};
use super::trust::ensure_trusted;
use crate::error::Error;
use crate::exec::{self, RunOptions, RunRequest};
use crate::lockfile::{LockFile, lock_path};
use crate::plan::Selection;
use crate::spec::display_path;

#[derive(Serialize)]
struct Row {
    instance: String,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    locked: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    now: Option<String>,
}

pub fn verify(args: VerifyArgs, quiet: bool) -> Result<(), Error> {
    if let Some(reference) = &args.reference {
        return super::verify_reference::verify_reference(&args, reference, quiet);
    }
    let loaded = load(&args.pipeline)?;
    ensure_trusted(&loaded)?;
    let plan = &loaded.plan;
    let path = lock_path(&plan.pipeline.file);
    let Some(lock) = LockFile::read(&path)? else {
        return Err(Error::Usage(format!(
            "there is no lock file `{}` to verify against; `radflow run` writes it",
            display_path(&path)
        )));
    };
    let mut selection = Selection::all(plan);
    selection.forced = vec![true; plan.instances.len()];
    let options = RunOptions::local(ensure_jobs(args.jobs)?, true, quiet || args.json);
    let request = RunRequest {
        overrides: loaded.overrides.clone(),
        forced: vec!["*".into()],
        ..Default::default()
    };
    let report = exec::run(
        plan,
        &selection,
        loaded.open_store()?,
        options,
        request,
        None,
    )?;
    let mut rows = Vec::new();
    for (id, record) in &report.record.instances {
        let locked = lock.stages.get(id);
        let verdict = match (locked, record.output) {
            (None, _) => "not in the lock file",
            (Some(_), None) => "failed",
            (Some(l), Some(o)) if l.output == o => "same",
            (Some(_), Some(_)) => "differs",
        };
        rows.push(Row {
            instance: id.clone(),
            verdict,
            locked: locked.map(|l| l.output.short()),
            now: record.output.map(|o| o.short()),
        });
    }
    for id in lock
        .stages
        .keys()
        .filter(|id| !report.record.instances.iter().any(|(i, _)| i == *id))
    {
        rows.push(Row {
            instance: id.clone(),
            verdict: "missing from the pipeline",
            locked: Some(lock.stages[id].output.short()),
            now: None,
        });
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
    } else {
        let width = rows
            .iter()
            .map(|r| r.instance.len())
            .max()
            .unwrap_or(5)
            .min(48);
        for row in &rows {
            let detail = match row.verdict {
                "differs" => format!(
                    " (lock {}, now {})",
                    row.locked.as_deref().unwrap_or("-"),
                    row.now.as_deref().unwrap_or("-")
                ),
                _ => String::new(),
            };
            println!("{:<width$}  {}{detail}", row.instance, row.verdict);
        }
    }
    let bad = rows.iter().filter(|r| r.verdict != "same").count();
    if bad == 0 {
        if !args.json {
            println!("all {} stages reproduce the lock file", rows.len());
        }
        Ok(())
    } else {
        Err(Error::Mismatch(format!(
            "{bad} of {} stages do not reproduce `{}`",
            rows.len(),
            display_path(&path)
        )))
    }
}
