//! `radflow trust`: accept the outside programs of a study from a pack, and the check `run`,
//! `verify` and `status` make before anything runs (`trust::TrustCheck`).

use super::args::TrustArgs;
use super::config::{Loaded, load};
use crate::error::Error;
use crate::spec::display_path;
use crate::trust::{TrustCheck, TrustStore};

pub fn trust(args: TrustArgs) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    let check = TrustCheck::of(&loaded.plan)?;
    let shown = display_path(&check.pipeline);
    if args.revoke {
        let had = TrustStore::locate()?.revoke(&check.canonical)?;
        println!(
            "{} `{shown}`",
            if had {
                "withdrew the acceptance of"
            } else {
                "nothing was trusted for"
            }
        );
        return Ok(());
    }
    if check.unpacked_in.is_none() {
        println!(
            "`{shown}` did not come from a pack (no `{}` in its folder or above): its command \
             stages run without trust; nothing recorded",
            crate::pack::UNPACK_RECORD_NAME
        );
        return Ok(());
    }
    if check.programs.is_empty() {
        println!("`{shown}` runs only built-in stages: nothing to trust");
        return Ok(());
    }
    println!("`{shown}` came from a pack; its command stages run:");
    print!("{}", check.listing());
    let changed: Vec<_> = check
        .changes
        .iter()
        .filter(|c| !matches!(c, crate::trust::Change::NotTrusted { .. }))
        .collect();
    if !changed.is_empty() {
        println!("changed since you last trusted it:");
        for change in changed {
            println!("  {change}");
        }
    }
    let path = TrustStore::locate()?.write(&check.record())?;
    println!(
        "trusted {} command stage(s) of `{shown}` as they are now (recorded in {}); a changed \
         command or script will ask again",
        check.programs.len(),
        display_path(&path)
    );
    Ok(())
}

/// Refuses, before anything runs, a study from a pack whose outside programs the user has not
/// trusted as they are now.
pub fn ensure_trusted(loaded: &Loaded) -> Result<(), Error> {
    let check = TrustCheck::of(&loaded.plan)?;
    if check.is_trusted() {
        return Ok(());
    }
    Err(Error::Untrusted(check.refusal(&trust_command(loaded))))
}

/// The command that accepts this pipeline's programs, with the run's `--set`s (they can change
/// a command).
pub fn trust_command(loaded: &Loaded) -> String {
    let mut command = format!("radflow trust {}", display_path(&loaded.plan.pipeline.file));
    for set in &loaded.overrides {
        command.push_str(&format!(" --set '{set}'"));
    }
    command
}
