//! `report`: gathers the evaluations of a sweep (the study: 10 seeds) and renders the study's
//! tables and plots: table 5 counts from the data stages, a table-6 style run table, mean and
//! variance per split mode, validation curves, test accuracy per run, the confusion matrix, as
//! PNG and SVG, one self-contained `index.html` and `metrics.json`.
//!
//! Published by default: the files land in `out/<pipeline>/<stage>/`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::context::StageContext;
use super::error::StageError;
use super::kind::{ParamError, Port, Stage};
use crate::dataset::{Dataset, Record, Value};
use crate::report_page::{CountsRow, RunSummary, SplitMode, Spread, StudyReport, render_files};

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
    const VERSION: u32 = 1;
    const ABOUT: &'static str =
        "tables, plots (PNG and SVG), an HTML page and metrics.json over a sweep of evaluations";
    const PORTS: &'static [Port] = &[Port::many("runs"), Port::many("counts").optional()];
    const PUBLISH: bool = true;
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        Ok(Self { params })
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let mut runs = Vec::new();
        for upstream in ctx.inputs("runs") {
            let record = upstream.dataset.get("evaluation").ok_or_else(|| {
                StageError::invalid(format!(
                    "input `{}` is not an `evaluate` output",
                    upstream.stage
                ))
            })?;
            let mut run: RunSummary = ctx.read_json(record.blob("run")?)?;
            run.name = if upstream.label.is_empty() {
                upstream.stage.clone()
            } else {
                upstream.label.clone()
            };
            runs.push(run);
        }
        let mut counts = Vec::new();
        for upstream in ctx.inputs("counts") {
            let Some(Value::Map(measures)) = upstream.dataset.meta().get("counts") else {
                return Err(StageError::invalid(format!(
                    "input `{}` records no counts",
                    upstream.stage
                )));
            };
            let patients = by_class(measures.get("patients"));
            for (measure, title) in [
                ("slices", upstream.stage.clone()),
                (
                    "lesion_slices",
                    format!("{}: lesion slices", upstream.stage),
                ),
            ] {
                let slices = by_class(measures.get(measure));
                if slices.is_empty() {
                    continue;
                }
                counts.push(CountsRow {
                    stage: title,
                    patients_by_class: patients.clone(),
                    total_slices: slices.values().sum(),
                    slices_by_class: slices,
                });
            }
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
        let mut metrics = BTreeMap::new();
        for mode in [SplitMode::Slice, SplitMode::Patient] {
            let accuracies: Vec<f64> = study
                .runs
                .iter()
                .filter(|r| r.split == mode)
                .map(|r| r.test_accuracy)
                .collect();
            if let Some(spread) = Spread::of(&accuracies) {
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

fn by_class(value: Option<&Value>) -> BTreeMap<String, usize> {
    let Some(Value::Map(map)) = value else {
        return BTreeMap::new();
    };
    map.iter()
        .filter(|(k, _)| *k != "total")
        .filter_map(|(k, v)| Some((k.clone(), v.as_i64()? as usize)))
        .collect()
}
