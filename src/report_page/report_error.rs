//! Why a report could not be rendered.

use std::path::PathBuf;

use thiserror::Error;

use super::study_report::SplitMode;

#[derive(Debug, Error)]
pub enum ReportError {
    #[error("the study report has no runs; expected at least one evaluated run")]
    NoRuns,

    #[error("run `{run}`: `{field}` is {value}, expected {expected}")]
    InvalidValue {
        run: String,
        field: String,
        value: f64,
        expected: &'static str,
    },

    #[error(
        "run `{run}`: validation curve step {step} at point {index} does not follow step {previous}; expected strictly increasing steps"
    )]
    CurveNotIncreasing {
        run: String,
        index: usize,
        step: u32,
        previous: u32,
    },

    #[error(
        "run `{run}`: confusion matrix is {rows} rows with row lengths {row_lengths:?}, expected {classes} x {classes} for {classes} class names"
    )]
    ConfusionShape {
        run: String,
        rows: usize,
        row_lengths: Vec<usize>,
        classes: usize,
    },

    #[error(
        "run `{run}`: per-class metrics name class `{class}`, which is not in `class_names` {class_names:?}"
    )]
    UnknownClass {
        run: String,
        class: String,
        class_names: Vec<String>,
    },

    #[error("run `{run}`: class `{class}` appears twice in `class_names`")]
    DuplicateClass { run: String, class: String },

    #[error(
        "run name `{run}` of head `{head}` appears twice among the {split}-split runs; expected unique names"
    )]
    DuplicateRun {
        run: String,
        head: String,
        split: SplitMode,
    },

    #[error(
        "{split}-split runs disagree on classes: `{run}` has {found:?}, `{first_run}` has {expected:?}; confusion matrices can only be summed over the same classes"
    )]
    ClassNamesDiffer {
        split: SplitMode,
        first_run: String,
        run: String,
        expected: Vec<String>,
        found: Vec<String>,
    },

    #[error("{split}-split confusion matrices overflow a 64-bit count when summed")]
    ConfusionOverflow { split: SplitMode },

    #[error("run `{run}` has {classes} classes; the report draws at most {max}")]
    TooManyClasses {
        run: String,
        classes: usize,
        max: usize,
    },

    #[error("counts row `{stage}`: `total_slices` is {total}, but `slices_by_class` sums to {sum}")]
    CountsTotal {
        stage: String,
        total: usize,
        sum: usize,
    },

    #[error("the embedded figure font cannot be read: {0}")]
    Font(String),

    #[error("figure `{figure}` cannot be rasterized: {message}")]
    Raster { figure: String, message: String },

    #[error("cannot write `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot serialize `metrics.json`: {0}")]
    Json(#[from] serde_json::Error),
}
