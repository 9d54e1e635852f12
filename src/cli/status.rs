//! `radflow status`.
//!
//! A stage whose parameters changed because the imported definition it `uses` changed says so:
//! the import and its blake3 in the lock file and now.

use super::args::StatusArgs;
use super::config::load;
use crate::error::Error;
use crate::exec::{Predicted, RunOptions, RunState, predict, run_log};
use crate::lockfile::{LockFile, lock_path};
use crate::plan::select;
use crate::trust::TrustCheck;

pub fn status(args: StatusArgs) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    let selection = select(&loaded.plan, &args.only, &args.force)?;
    let store = loaded.open_store()?;
    let log = run_log(&loaded.plan, &store)?;
    let options = RunOptions::local(1, false, true);
    let state = RunState::new(&loaded.plan, store, options, log.last_keys());
    let mut predictions = predict(&state, &selection);
    state.stat.save();
    name_import_changes(&loaded.plan, &mut predictions)?;
    let trust = TrustCheck::of(&loaded.plan)?;
    let untrusted = trust.untrusted();
    let trust_command = super::trust::trust_command(&loaded);
    for p in predictions
        .iter_mut()
        .filter(|p| untrusted.contains(p.instance.as_str()))
    {
        p.state = Predicted::Blocked;
        p.reason = format!("not trusted (the study came from a pack): `{trust_command}`");
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&predictions).unwrap_or_default()
        );
        return Ok(());
    }
    let width = predictions
        .iter()
        .map(|p| p.instance.len())
        .max()
        .unwrap_or(5)
        .min(48);
    let mut to_run = 0;
    for p in &predictions {
        let word = p.state.word();
        if p.state != Predicted::Cached {
            to_run += 1;
        }
        println!("{word:<8} {:<width$}  {}", p.instance, p.reason);
    }
    if !untrusted.is_empty() {
        println!(
            "a run refuses until you trust the programs of {} command stage(s): `{trust_command}`",
            untrusted.len()
        );
    }
    if to_run == 0 {
        println!("nothing to do: all {} stages are cached", predictions.len());
    }
    Ok(())
}

/// Appends to a "parameter ... changed" reason the imported definition file behind it, when
/// that file's blake3 differs from the one the lock file recorded.
fn name_import_changes(
    plan: &crate::plan::Plan,
    predictions: &mut [crate::exec::Prediction],
) -> Result<(), Error> {
    let pipeline = &plan.pipeline;
    let Some(lock) = LockFile::read(&lock_path(&pipeline.file))? else {
        return Ok(());
    };
    for p in predictions
        .iter_mut()
        .filter(|p| p.state != Predicted::Cached && p.reason.starts_with("parameter "))
    {
        let import = pipeline
            .stages
            .iter()
            .find(|s| s.name == p.stage)
            .and_then(|s| s.definition.as_ref())
            .and_then(|(_, file)| pipeline.imports.iter().find(|i| &i.file == file));
        let Some(import) = import else { continue };
        let Some(locked) = lock.imports.get(&import.id) else {
            continue;
        };
        if locked.blake3 != import.blake3 {
            p.reason = format!(
                "{} (imported definition `{}` changed, blake3 {} -> {})",
                p.reason,
                import.id,
                locked.blake3.short(),
                import.blake3.short()
            );
        }
    }
    Ok(())
}
