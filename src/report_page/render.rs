//! From a checked report to files: figures (SVG and PNG), `index.html`, `metrics.json`.
//!
//! [`render_files`] produces the bytes in memory (for an engine that stores outputs
//! itself); [`render`] also writes them into a folder, each through a temporary file
//! renamed into place, so a reader never sees half a file under its final name.

use std::fs;
use std::path::{Path, PathBuf};

use super::confusion_plot::confusion_figure;
use super::figure_font::FigureFont;
use super::html_page::{PageFigure, PageFigures, html_page};
use super::metrics_json::metrics_json;
use super::png_writer::{PNG_SCALE, to_png};
use super::report_error::ReportError;
use super::scene::Scene;
use super::split_summary::SplitSummary;
use super::study_check::check;
use super::study_report::StudyReport;
use super::svg_writer::to_svg;
use super::test_accuracy_plot::test_accuracy_figure;
use super::validation_plot::validation_figure;

pub const VALIDATION_STEM: &str = "validation_accuracy";
pub const TEST_ACCURACY_STEM: &str = "test_accuracy";
pub const CONFUSION_STEM: &str = "confusion_matrix";

/// One output file: its name inside the output folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What [`render`] wrote: file names relative to `dir`, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFiles {
    pub dir: PathBuf,
    pub files: Vec<String>,
}

impl RenderedFiles {
    pub fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.files.iter().map(|name| self.dir.join(name))
    }
}

/// All report files, sorted by name. Same report, same bytes.
pub fn render_files(report: &StudyReport) -> Result<Vec<ReportFile>, ReportError> {
    check(report)?;
    let summaries = SplitSummary::all(report)?;
    let font = FigureFont::embedded()?;

    let scenes: [(&str, Scene); 3] = [
        (VALIDATION_STEM, validation_figure(&summaries, &font)),
        (TEST_ACCURACY_STEM, test_accuracy_figure(&summaries, &font)),
        (CONFUSION_STEM, confusion_figure(&summaries, &font)),
    ];
    let svgs: Vec<String> = scenes
        .iter()
        .map(|(_, scene)| to_svg(scene, &font))
        .collect();

    let mut files = Vec::with_capacity(8);
    for ((stem, scene), svg) in scenes.iter().zip(&svgs) {
        files.push(ReportFile {
            name: format!("{stem}.png"),
            bytes: to_png(scene, &font, PNG_SCALE)?,
        });
        files.push(ReportFile {
            name: format!("{stem}.svg"),
            bytes: svg.clone().into_bytes(),
        });
    }
    let page_figure = |i: usize| PageFigure {
        stem: scenes[i].0,
        scene: &scenes[i].1,
        svg: &svgs[i],
    };
    let figures = PageFigures {
        validation: page_figure(0),
        test_accuracy: page_figure(1),
        confusion: page_figure(2),
    };
    files.push(ReportFile {
        name: "index.html".into(),
        bytes: html_page(report, &summaries, &figures).into_bytes(),
    });
    files.push(ReportFile {
        name: "metrics.json".into(),
        bytes: metrics_json(report, &summaries)?.into_bytes(),
    });
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Renders the report into `out_dir` (created if missing), replacing files of the
/// same names and leaving other files alone.
pub fn render(report: &StudyReport, out_dir: &Path) -> Result<RenderedFiles, ReportError> {
    let files = render_files(report)?;
    fs::create_dir_all(out_dir).map_err(|source| ReportError::Io {
        path: out_dir.to_owned(),
        source,
    })?;
    for file in &files {
        write_atomically(&out_dir.join(&file.name), &file.bytes)?;
    }
    Ok(RenderedFiles {
        dir: out_dir.to_owned(),
        files: files.into_iter().map(|f| f.name).collect(),
    })
}

/// Through `crate::durable`, the one atomic writer: unique temp names, so two runs
/// rendering into one folder never share a temp file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    crate::durable::write_beside(path, bytes, crate::durable::Durability::Safe).map_err(|source| {
        ReportError::Io {
            path: path.to_owned(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::{sample_study, sample_study_both_splits};

    const EXPECTED: [&str; 8] = [
        "confusion_matrix.png",
        "confusion_matrix.svg",
        "index.html",
        "metrics.json",
        "test_accuracy.png",
        "test_accuracy.svg",
        "validation_accuracy.png",
        "validation_accuracy.svg",
    ];

    #[test]
    fn every_file_is_written_and_none_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        let rendered = render(&sample_study_both_splits(), &out).unwrap();
        assert_eq!(rendered.files, EXPECTED);
        for path in rendered.paths() {
            let size = fs::metadata(&path).unwrap().len();
            assert!(size > 100, "{} has {size} bytes", path.display());
        }
        let leftovers = fs::read_dir(&out)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let report = sample_study_both_splits();
        let first = render(&report, &dir.path().join("a")).unwrap();
        let second = render(&report, &dir.path().join("b")).unwrap();
        for (a, b) in first.paths().zip(second.paths()) {
            assert!(
                fs::read(&a).unwrap() == fs::read(&b).unwrap(),
                "{} differs",
                a.display()
            );
        }
    }

    #[test]
    fn pngs_are_the_figures_at_three_times_their_size() {
        let files = render_files(&sample_study()).unwrap();
        let png = files
            .iter()
            .find(|f| f.name == "validation_accuracy.png")
            .unwrap();
        let image = image::load_from_memory(&png.bytes).unwrap();
        assert_eq!((image.width(), image.height()), (2280, 1140));
    }

    #[test]
    fn a_report_that_fails_its_check_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        let mut report = sample_study();
        report.runs[0].test_accuracy = f64::INFINITY;
        assert!(render(&report, &out).is_err());
        assert!(!out.exists());
    }

    #[test]
    fn an_unwritable_folder_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"not a folder").unwrap();
        let error = render(&sample_study(), &blocker.join("report")).unwrap_err();
        assert!(error.to_string().contains("file/report"), "{error}");
    }
}
