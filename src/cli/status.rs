//! `radflow status`.

use super::args::StatusArgs;
use super::config::load;
use crate::error::Error;
use crate::exec::{Predicted, RunOptions, RunState, predict, run_log};
use crate::plan::select;

pub fn status(args: StatusArgs) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    let selection = select(&loaded.plan, &args.only, &args.force)?;
    let store = loaded.open_store()?;
    let log = run_log(&loaded.plan, &store)?;
    let options = RunOptions::local(1, false, true);
    let state = RunState::new(&loaded.plan, store, options, log.last_keys());
    let predictions = predict(&state, &selection);
    state.stat.save();
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
    if to_run == 0 {
        println!("nothing to do: all {} stages are cached", predictions.len());
    }
    Ok(())
}
