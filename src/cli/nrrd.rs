//! `radflow nrrd FILE [--json]`.

use super::args::NrrdArgs;
use crate::error::Error;
use crate::nrrd::{Summary, read};

pub fn nrrd(args: NrrdArgs) -> Result<(), Error> {
    let volume = read(&args.file).map_err(|e| Error::Input(e.to_string()))?;
    let summary = Summary::new(&volume, &args.file);
    if args.json {
        println!("{}", summary.to_json());
    } else {
        print!("{}", summary.to_text());
    }
    Ok(())
}
