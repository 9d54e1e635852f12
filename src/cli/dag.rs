//! `radflow dag`.

use super::args::DagArgs;
use super::config::load;
use crate::error::Error;
use crate::plan::render;

pub fn dag(args: DagArgs) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    print!("{}", render(&loaded.plan, args.format));
    Ok(())
}
