//! `radflow synth --out DIR [--format nrrd|nifti|dicom]`.

use super::args::{SynthArgs, SynthFormat};
use crate::error::Error;
use crate::synth::{ImageFormat, SynthConfig, generate};

pub fn synth(args: SynthArgs) -> Result<(), Error> {
    let [min, max] = args.slices[..] else {
        return Err(Error::Usage(format!(
            "`--slices`: expected MIN,MAX (two numbers), got {} values",
            args.slices.len()
        )));
    };
    let config = SynthConfig {
        patients: args.patients,
        seed: args.seed,
        in_plane: args.size,
        slices: (min, max),
        format: match args.format {
            SynthFormat::Nrrd => ImageFormat::Nrrd,
            SynthFormat::Nifti => ImageFormat::Nifti,
            SynthFormat::Dicom => ImageFormat::Dicom,
        },
        ..SynthConfig::new(&args.out)
    };
    let summary = generate(&config).map_err(|e| Error::Input(e.to_string()))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        );
    } else {
        print!("{}", summary.to_text());
    }
    Ok(())
}
