//! The command line: what the user typed ([`args`]), turned into what the program uses
//! ([`config`]), dispatched to one file per command.

mod args;
mod cached_output;
mod config;
mod dag;
mod diff;
mod diff_runs;
mod export;
mod gc;
mod inspect;
mod kinds;
mod memory_blobs;
mod pack;
mod run;
mod run_times;
mod show;
mod status;
mod store_blobs;
mod synth;
mod tolerance;
mod trust;
mod update_imports;
mod verify;
mod verify_export;
mod verify_reference;
mod worker;

use clap::Parser;

pub use args::{Cli, Command};

use crate::error::Error;
use crate::exit_code;

/// Parses the arguments, runs the command, prints any error as one line; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            match &error {
                Error::Failed(_) | Error::Mismatch(_) => eprintln!("radflow: {error}"),
                _ => eprintln!("radflow: error: {error}"),
            }
            error.exit_code()
        }
    }
}

fn dispatch(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Run(args) => run::run(args, cli.quiet),
        Command::Status(args) => status::status(args),
        Command::Dag(args) => dag::dag(args),
        Command::Show(args) => show::show(args),
        Command::Export(args) => export::export(args),
        Command::Verify(args) => verify::verify(args, cli.quiet),
        Command::Diff(args) => diff::diff(args),
        Command::UpdateImports(args) => update_imports::update_imports(args),
        Command::Pack(args) => pack::pack(args, cli.quiet),
        Command::Unpack(args) => pack::unpack(args),
        Command::Trust(args) => trust::trust(args),
        Command::Gc(args) => gc::gc(args),
        Command::Cache(args) => gc::cache(args),
        Command::Kinds => kinds::kinds(),
        Command::Inspect(args) => inspect::inspect(args),
        Command::Synth(args) => synth::synth(args),
        Command::Worker(args) => worker::worker(args),
    }
    .map(|()| exit_code::SUCCESS)
}
