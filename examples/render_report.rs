//! Renders a study report into a folder: the demo study, or a `StudyReport` JSON file.
//!
//! ```text
//! cargo run --example render_report -- OUT_DIR                    # 10 slice-split runs
//! cargo run --example render_report -- OUT_DIR --both-splits      # plus 10 patient-split runs
//! cargo run --example render_report -- OUT_DIR --input report.json
//! cargo run --example render_report -- OUT_DIR --write-input      # also save the input as JSON
//! ```
//!
//! The CI browser check (`tests/report_page_browser.sh`) renders through this.

use std::path::PathBuf;
use std::process::ExitCode;

use radflow::report_page::{StudyReport, render, sample_study, sample_study_both_splits};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("render_report: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut out_dir = None;
    let mut both_splits = false;
    let mut write_input = false;
    let mut input = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--both-splits" => both_splits = true,
            "--write-input" => write_input = true,
            "--input" => {
                input = Some(PathBuf::from(
                    args.next().ok_or("`--input` needs a file path")?,
                ))
            }
            flag if flag.starts_with("--") => return Err(format!("unknown flag `{flag}`")),
            _ if out_dir.is_none() => out_dir = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    let out_dir = out_dir.ok_or(
        "usage: render_report OUT_DIR [--both-splits] [--input report.json] [--write-input]",
    )?;

    let report: StudyReport = match &input {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("`{}`: {e}", path.display()))?
        }
        None if both_splits => sample_study_both_splits(),
        None => sample_study(),
    };
    let rendered = render(&report, &out_dir).map_err(|e| e.to_string())?;
    if write_input {
        let path = out_dir.join("study_report.json");
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(&path, json + "\n")
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    for path in rendered.paths() {
        println!("{}", path.display());
    }
    Ok(())
}
