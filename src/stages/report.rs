//! `report`: gathers the evaluations of a sweep (the study: 10 seeds) and renders the study's
//! tables and plots: table 5 counts from the data stages, a table-6 style run table, mean and
//! variance per split mode, validation curves, test accuracy per run, the confusion matrix, as
//! PNG and SVG, one self-contained `index.html` and `metrics.json`.
//!
//! Published by default: the files land in `out/<pipeline>/<stage>/`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, Record, Value};
use crate::report_page::{Comparison, CountsRow, RunSummary, SplitMode, StudyReport, render_files};
use crate::stage_api::StageContext;
use crate::stage_api::StageError;
use crate::stage_api::Upstream;
use crate::stage_api::{ParamError, Port, Stage};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_title")]
    pub title: String,
    /// Lines shown at the top of the page.
    #[serde(default)]
    pub notes: Vec<String>,
}

fn default_title() -> String {
    "Glioma grading by transfer learning".into()
}

pub struct Report {
    params: Params,
}

impl Stage for Report {
    const KIND: &'static str = "report";
    /// 2: the comparison table, its verdicts and the link to the run's `times.html`. 3: which
    /// model (and precision: fp32, int8) made the features; PNG figures written with fast
    /// compression.
    const VERSION: u32 = 3;
    const LIGHT: bool = true;
    const ABOUT: &'static str =
        "tables, plots (PNG and SVG), an HTML page and metrics.json over a sweep of evaluations";
    const PORTS: &'static [Port] = &[Port::many("runs"), Port::many("counts").optional()];
    const PUBLISH: bool = true;
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        Ok(Self { params })
    }

    /// The page says which radflow made it, so a new release makes a new page.
    fn runtime(&self) -> Result<BTreeMap<String, String>, StageError> {
        Ok(BTreeMap::from([(
            "radflow".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        )]))
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let mut runs = Vec::new();
        for upstream in ctx.inputs("runs") {
            let record = upstream
                .dataset
                .get(super::evaluate::SUMMARY_ID)
                .ok_or_else(|| {
                    StageError::invalid(format!(
                        "input `{}` is not an `evaluate` output",
                        upstream.stage
                    ))
                })?;
            let run: RunSummary = ctx.read_json(record.blob("run")?)?;
            runs.push((upstream, run));
        }
        let runs = named_runs(runs);
        let mut counts = Vec::new();
        for upstream in ctx.inputs("counts") {
            counts.extend(table5_rows(&upstream.stage, &upstream.dataset)?);
        }
        let study = StudyReport {
            title: self.params.title.clone(),
            pipeline: ctx.pipeline_name().to_string(),
            generated_by: format!("radflow {}", env!("CARGO_PKG_VERSION")),
            counts,
            runs,
            notes: self.params.notes.clone(),
        };
        let files = render_files(&study).map_err(|e| StageError::invalid(e.to_string()))?;
        let mut record = Record::new("report");
        for file in &files {
            record.set(&file.name, ctx.put_blob(&file.bytes, Some(&file.name))?);
        }
        // The headline numbers are each split's first family and head (the study's own), as
        // the page's aggregates: never a mean over several heads.
        let comparison = Comparison::of(&study);
        let mut metrics = BTreeMap::new();
        for mode in [SplitMode::Slice, SplitMode::Patient] {
            let first = comparison.rows.iter().find(|r| r.split == mode);
            if let Some(spread) = first.map(|r| r.test_accuracy) {
                let mut m = BTreeMap::from([
                    ("runs".to_string(), Value::from(spread.n)),
                    (
                        "mean_test_accuracy".to_string(),
                        Value::float(spread.mean).unwrap_or(Value::Null),
                    ),
                ]);
                if let Some(v) = spread.sample_variance.and_then(Value::float) {
                    m.insert("test_accuracy_variance".into(), v);
                }
                let name = match mode {
                    SplitMode::Slice => "slice_split",
                    SplitMode::Patient => "patient_split",
                };
                metrics.insert(name.to_string(), Value::Map(m));
            }
        }
        Ok(Dataset::new(
            vec![record],
            BTreeMap::from([("metrics".to_string(), Value::Map(metrics))]),
        )?)
    }
}

/// Names each run after its instance's matrix label ("seed=3"), as the study's table does,
/// unless two stages give the same label under one split (a comparison sweeps every head over
/// the same seeds): then every run is named `stage[label]`. A stage that is not swept gives its
/// own name.
fn named_runs(runs: Vec<(&Upstream, RunSummary)>) -> Vec<RunSummary> {
    let mut seen = BTreeMap::new();
    let clash = runs.iter().any(|(upstream, run)| {
        !upstream.label.is_empty()
            && seen
                .insert(
                    (run.split, upstream.label.as_str()),
                    upstream.stage.as_str(),
                )
                .is_some_and(|stage| stage != upstream.stage)
    });
    runs.into_iter()
        .map(|(upstream, mut run)| {
            run.name = match (upstream.label.is_empty(), clash) {
                (true, _) => upstream.stage.clone(),
                (false, false) => upstream.label.clone(),
                (false, true) => format!("{}[{}]", upstream.stage, upstream.label),
            };
            run
        })
        .collect()
}

/// The study's table 5 for one slice-level dataset: patients and slices per grade, and,
/// where some slices lie outside the lesion's extent, the lesion slices alone.
/// Patients and grades are found through the dataset's roles.
fn table5_rows(stage: &str, dataset: &Dataset) -> Result<Vec<CountsRow>, StageError> {
    let roles = dataset.roles();
    let (Some(class), Some(group)) = (roles.class.as_deref(), roles.group.as_deref()) else {
        return Err(StageError::invalid(format!(
            "input `{stage}` has no class and patient fields (its roles name none)"
        )));
    };
    let row = |title: String, records: &[&Record]| {
        let mut patients: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        let mut slices: BTreeMap<String, usize> = BTreeMap::new();
        for r in records {
            let grade = r.str(class).unwrap_or("?").to_string();
            *slices.entry(grade.clone()).or_insert(0) += 1;
            patients
                .entry(grade)
                .or_default()
                .insert(r.str(group).unwrap_or(&r.id));
        }
        CountsRow {
            stage: title,
            patients_by_class: patients.into_iter().map(|(c, p)| (c, p.len())).collect(),
            total_slices: records.len(),
            slices_by_class: slices,
        }
    };
    let all: Vec<&Record> = dataset.records().iter().collect();
    let mut rows = vec![row(stage.to_string(), &all)];
    // Only a dataset that mixes lesion and other slices gets the lesion-only row.
    if all.iter().any(|r| r.bool("in_extent") == Ok(false)) {
        let lesion: Vec<&Record> = all
            .iter()
            .copied()
            .filter(|r| r.bool("in_extent").unwrap_or(false))
            .collect();
        rows.push(row(format!("{stage}: lesion slices"), &lesion));
    }
    Ok(rows)
}
