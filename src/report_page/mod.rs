//! The study report: tables, figures (PNG and SVG), one self-contained HTML page and
//! `metrics.json`, rendered from the results of a matrix of training runs.
//!
//! The way through: a [`StudyReport`] (plain serde data the engine builds from cached
//! evaluations) is checked (`study_check`), aggregated per split mode
//! (`split_summary`, `spread`), drawn as resolution-independent scenes
//! (`validation_plot`, `test_accuracy_plot`, `confusion_plot` on `plot_frame`,
//! `legend`, `axis_ticks`), and written by `svg_writer` and `png_writer` from the same
//! scene, then `html_page` and `metrics_json`; `render` ties it together.
//!
//! Invariants:
//! - Deterministic: the same report gives byte-identical files (no timestamps, no
//!   random ids, stable number formatting, fixed PNG encoder settings), so the engine
//!   can content-hash them.
//! - Independent of the machine: figures use the DejaVu Sans subset compiled into the
//!   binary (`assets/fonts/`), drawn as outlines in both SVG and PNG.
//! - Self-contained page: no fetches; a Content-Security-Policy forbids them.
//! - Split modes are never pooled: slice-level and patient-level results sit side by
//!   side.
//! - Variance: both sample (n - 1) and population (n) variances are reported; the page
//!   leads with the sample variance (see `spread` for why).

mod axis_ticks;
mod comparison;
mod confusion_plot;
mod data_uri;
mod figure_font;
mod html_page;
mod legend;
mod markup_escape;
mod metrics_json;
mod palette;
mod plot_frame;
mod png_writer;
mod render;
mod report_error;
mod sample_study;
mod scene;
mod split_summary;
mod spread;
mod study_check;
mod study_report;
mod svg_writer;
mod test_accuracy_plot;
mod validation_plot;

pub use comparison::{Comparison, ComparisonRow, Verdict};
pub use markup_escape::escape as escape_html;
pub use metrics_json::SCHEMA as METRICS_SCHEMA;
pub use render::{
    CONFUSION_STEM, RenderedFiles, ReportFile, TEST_ACCURACY_STEM, VALIDATION_STEM, render,
    render_files,
};
pub use report_error::ReportError;
pub use sample_study::{sample_study, sample_study_both_splits};
pub use spread::Spread;
pub use study_check::MAX_CLASSES;
pub use study_report::{
    CNN_FAMILY, ClassMetrics, CountsRow, LearningRate, RADIOMICS_FAMILY, RunSummary, SOFTMAX,
    SplitMode, StudyReport,
};
