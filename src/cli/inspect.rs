//! `radflow inspect FILE|FOLDER [--json]` (alias `radflow nrrd`).

use super::args::InspectArgs;
use crate::error::Error;
use crate::volume::Summary;

pub fn inspect(args: InspectArgs) -> Result<(), Error> {
    let summary = Summary::read(&args.file).map_err(|e| Error::Input(e.to_string()))?;
    if args.json {
        println!("{}", summary.to_json());
    } else {
        print!("{}", summary.to_text());
    }
    Ok(())
}
