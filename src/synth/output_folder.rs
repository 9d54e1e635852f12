//! Preparing the folder a cohort is written into.
//!
//! A cohort must be the only thing in its folder: a sample filter that globs
//! patient folders would otherwise pick up leftovers (a 122-patient run followed by a
//! 12-patient one would leave 110 stale patients). So the folder must be new or
//! empty, or hold a cohort radflow wrote before (recognized by its marker file),
//! which is then cleared. Anything else is refused, never deleted.

use std::fs;
use std::path::Path;

use super::config::SynthConfig;
use super::error::SynthError;

/// Written first into every cohort folder; its presence marks the folder as
/// radflow's to clear.
pub const MARKER_FILE: &str = ".radflow-synth.json";

fn io<'a>(action: &'static str, path: &'a Path) -> impl Fn(std::io::Error) -> SynthError + 'a {
    move |e| SynthError::io(action, path, e)
}

pub(crate) fn prepare(config: &SynthConfig) -> Result<(), SynthError> {
    let out = &config.out;
    if out.exists() {
        let entries: Vec<fs::DirEntry> = fs::read_dir(out)
            .map_err(io("list", out))?
            .collect::<Result<_, _>>()
            .map_err(io("list", out))?;
        if !entries.is_empty() {
            if !out.join(MARKER_FILE).is_file() {
                return Err(SynthError::OutputNotEmpty {
                    path: out.to_path_buf(),
                });
            }
            for entry in entries {
                let path = entry.path();
                let is_dir = entry.file_type().map_err(io("inspect", &path))?.is_dir();
                if is_dir {
                    fs::remove_dir_all(&path).map_err(io("remove", &path))?;
                } else {
                    fs::remove_file(&path).map_err(io("remove", &path))?;
                }
            }
        }
    }
    fs::create_dir_all(out).map_err(io("create", out))?;
    // The marker records the settings but not the folder, so equal settings give
    // byte-identical folders wherever they are written.
    let mut settings = serde_json::json!({
        "generator": "radflow synth",
        "patients": config.patients,
        "seed": config.seed,
        "in_plane": config.in_plane,
        "slices": [config.slices.0, config.slices.1],
    });
    // NRRD cohorts keep the marker they always had.
    if config.format != super::config::ImageFormat::Nrrd {
        settings["format"] = serde_json::json!(config.format);
    }
    let marker = out.join(MARKER_FILE);
    fs::write(&marker, format!("{settings:#}\n")).map_err(io("write", &marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_foreign_files_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let precious = dir.path().join("thesis.tex");
        fs::write(&precious, "years of work").expect("write");
        let config = SynthConfig::tiny(dir.path());
        let error = prepare(&config).expect_err("foreign files");
        assert!(matches!(error, SynthError::OutputNotEmpty { .. }));
        assert!(error.to_string().contains("did not generate"), "{error}");
        assert!(precious.exists());
    }

    #[test]
    fn a_previous_cohort_is_cleared_and_a_new_folder_is_created() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("cohort");
        let config = SynthConfig::tiny(&out);
        prepare(&config).expect("new folder");
        fs::create_dir(out.join("SYN-0099")).expect("stale patient");
        fs::write(out.join("clinical.csv"), "stale").expect("stale csv");
        prepare(&config).expect("previous cohort");
        let left: Vec<_> = fs::read_dir(&out)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, [MARKER_FILE]);
    }
}
