//! `sample_filter`: joins the clinical CSV to the image folder, one record per patient with a
//! known grade and both files (METHOD.md stage 1).
//!
//! Every patient left out is listed with the reason (no grade, a grade outside the classes, no
//! scan, no segmentation, a duplicate id, files without a CSV row) in `meta.dropped` and in the
//! run's warnings: never silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::dropped::dropped_value;
use super::study_fields::{CLASS_FIELD, PATIENT_FIELD, study_roles};
use crate::dataset::{Dataset, FileRef, Record, Value};
use crate::key::glob_matches;
use crate::stage_api::StageContext;
use crate::stage_api::StageError;
use crate::stage_api::{FileInput, ParamError, Port, Stage};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The clinical CSV, relative to the workspace root.
    pub clinical: String,
    /// The folder holding one sub-folder (or file set) per patient.
    pub images: String,
    #[serde(default = "default_id_column")]
    pub id_column: String,
    #[serde(default = "default_grade_column")]
    pub grade_column: String,
    /// Class name -> the spellings that mean it (compared trimmed, ignoring case).
    #[serde(default = "default_classes")]
    pub classes: BTreeMap<String, Vec<String>>,
    /// The scan of a patient, relative to `images`: `{id}` is the patient id, `*` and `?`
    /// are wildcards within a name, `**` across folders.
    #[serde(default = "default_scan")]
    pub scan: String,
    #[serde(default = "default_segmentation")]
    pub segmentation: String,
}

fn default_id_column() -> String {
    "patient_id".into()
}
fn default_grade_column() -> String {
    "grade".into()
}
fn default_scan() -> String {
    "{id}/image.nrrd".into()
}
fn default_segmentation() -> String {
    "{id}/*.seg.nrrd".into()
}
fn default_classes() -> BTreeMap<String, Vec<String>> {
    [
        ("II", ["II", "2", "G2", "grade II"]),
        ("III", ["III", "3", "G3", "grade III"]),
        ("IV", ["IV", "4", "G4", "grade IV"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
    .collect()
}

pub struct SampleFilter {
    params: Params,
}

impl Stage for SampleFilter {
    const KIND: &'static str = "sample_filter";
    const VERSION: u32 = 1;
    const ABOUT: &'static str = "joins a clinical CSV to the image folder: one record per patient with a known grade and both files";
    const PORTS: &'static [Port] = &[];
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        if params.classes.is_empty() {
            return Err(ParamError::new("classes", "at least one class is needed"));
        }
        let mut spellings = BTreeMap::new();
        for (class, values) in &params.classes {
            if values.is_empty() {
                return Err(ParamError::new(
                    &format!("classes.{class}"),
                    "list at least one spelling",
                ));
            }
            for v in values {
                if let Some(other) = spellings.insert(v.trim().to_lowercase(), class)
                    && other != class
                {
                    return Err(ParamError::new(
                        "classes",
                        format!("`{v}` means both `{other}` and `{class}`"),
                    ));
                }
            }
        }
        for (field, pattern) in [
            ("scan", &params.scan),
            ("segmentation", &params.segmentation),
        ] {
            if !pattern.contains("{id}") {
                return Err(ParamError::new(
                    field,
                    format!(
                        "`{pattern}` does not contain `{{id}}`; every patient would match the same file"
                    ),
                ));
            }
        }
        Ok(Self { params })
    }

    fn files(&self) -> Vec<FileInput> {
        let include = [&self.params.scan, &self.params.segmentation]
            .iter()
            .map(|p| p.replace("{id}", "*"))
            .collect();
        vec![
            FileInput::Path(self.params.clinical.clone()),
            FileInput::Tree {
                dir: self.params.images.clone(),
                include,
            },
        ]
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let p = &self.params;
        let ws = ctx.workspace();
        let clinical_name = ws.key_name(&ws.resolve(&p.clinical));
        let clinical = ctx
            .files()
            .get(&clinical_name)
            .ok_or_else(|| StageError::invalid(format!("`{}` was not hashed", p.clinical)))?;
        let rows = read_clinical(
            &ctx.open_file(clinical)?,
            &clinical.path,
            &p.id_column,
            &p.grade_column,
        )?;

        let images_name = ws.key_name(&ws.resolve(&p.images));
        let prefix = format!("{images_name}/");
        let files: Vec<(&str, &FileRef)> = ctx
            .files()
            .values()
            .filter_map(|f| f.path.strip_prefix(&prefix).map(|rel| (rel, f)))
            .collect();

        let mut dropped: Vec<(String, String)> = Vec::new();
        let mut ids_seen: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for row in &rows {
            ids_seen.entry(row.id.as_str()).or_default().push(row.line);
        }
        let mut records = Vec::new();
        for row in &rows {
            let lines = &ids_seen[row.id.as_str()];
            if lines.len() > 1 {
                if lines[0] == row.line {
                    let at: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                    dropped.push((
                        row.id.clone(),
                        format!("duplicate id in the clinical CSV (lines {})", at.join(", ")),
                    ));
                }
                continue;
            }
            let class = match self.class_of(&row.grade) {
                Ok(class) => class,
                Err(reason) => {
                    dropped.push((row.id.clone(), reason));
                    continue;
                }
            };
            let scan = match find(&files, &p.scan, &row.id) {
                Ok(f) => f,
                Err(reason) => {
                    dropped.push((row.id.clone(), format!("scan: {reason}")));
                    continue;
                }
            };
            let segmentation = match find(&files, &p.segmentation, &row.id) {
                Ok(f) => f,
                Err(reason) => {
                    dropped.push((row.id.clone(), format!("segmentation: {reason}")));
                    continue;
                }
            };
            let mut record = Record::new(row.id.clone())
                .with(PATIENT_FIELD, row.id.as_str())
                .with(CLASS_FIELD, class.as_str())
                .with("grade_text", row.grade.as_str())
                .with("scan", scan.clone())
                .with("segmentation", segmentation.clone());
            let data = detached_data(ctx, scan)?;
            if !data.is_empty() {
                record.set(
                    "scan_data",
                    Value::List(data.into_iter().map(Value::File).collect()),
                );
            }
            records.push(record);
        }
        // Folders with images but no CSV row.
        let listed: BTreeSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let mut orphans = BTreeSet::new();
        for (rel, _) in &files {
            if let Some(first) = rel.split('/').next().filter(|_| rel.contains('/'))
                && !listed.contains(first)
                && glob_matches(&p.scan.replace("{id}", first), rel)
            {
                orphans.insert(first.to_string());
            }
        }
        for id in orphans {
            dropped.push((id, "not in the clinical CSV".into()));
        }
        if records.is_empty() {
            return Err(StageError::invalid(format!(
                "no patient passed the filter ({} rows in `{}`, {} dropped)",
                rows.len(),
                clinical.path,
                dropped.len()
            )));
        }
        report_drops(ctx, &dropped);
        let meta = BTreeMap::from([("dropped".into(), dropped_value(&dropped))]);
        Ok(Dataset::new(records, meta)?.with_roles(&study_roles()))
    }
}

impl SampleFilter {
    fn class_of(&self, grade: &str) -> Result<String, String> {
        let text = grade.trim();
        if text.is_empty() {
            return Err("no grade".into());
        }
        let lower = text.to_lowercase();
        for (class, spellings) in &self.params.classes {
            if spellings.iter().any(|s| s.trim().to_lowercase() == lower) {
                return Ok(class.clone());
            }
        }
        let names: Vec<&str> = self.params.classes.keys().map(String::as_str).collect();
        Err(format!("grade `{text}` is not one of {}", names.join(", ")))
    }
}

struct Row {
    id: String,
    grade: String,
    line: usize,
}

fn read_clinical(
    path: &Path,
    name: &str,
    id_column: &str,
    grade_column: &str,
) -> Result<Vec<Row>, StageError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| StageError::file(name, e))?;
    let headers = reader
        .headers()
        .map_err(|e| StageError::file(name, e))?
        .clone();
    let column = |wanted: &str| {
        headers.iter().position(|h| h == wanted).ok_or_else(|| {
            let have: Vec<String> = headers.iter().map(|h| format!("`{h}`")).collect();
            StageError::file(
                name,
                format!(
                    "no column `{wanted}`{}; the columns are {}",
                    crate::spec::did_you_mean(wanted, headers.iter()),
                    have.join(", ")
                ),
            )
        })
    };
    let (id_at, grade_at) = (column(id_column)?, column(grade_column)?);
    let mut rows = Vec::new();
    for (i, result) in reader.records().enumerate() {
        let record = result.map_err(|e| StageError::file(name, e))?;
        let line = record.position().map_or(i + 2, |p| p.line() as usize);
        let id = record.get(id_at).unwrap_or("").to_string();
        if id.is_empty() {
            return Err(StageError::file(
                name,
                format!("line {line}: column `{id_column}` is empty"),
            ));
        }
        rows.push(Row {
            id,
            grade: record.get(grade_at).unwrap_or("").to_string(),
            line,
        });
    }
    Ok(rows)
}

/// The one file matching `pattern` for patient `id`.
fn find<'a>(files: &[(&str, &'a FileRef)], pattern: &str, id: &str) -> Result<&'a FileRef, String> {
    let wanted = pattern.replace("{id}", id);
    let hits: Vec<&FileRef> = files
        .iter()
        .filter(|(rel, _)| glob_matches(&wanted, rel))
        .map(|(_, f)| *f)
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("no file matches `{wanted}`")),
        many => Err(format!(
            "{} files match `{wanted}` ({}); make the pattern specific",
            many.len(),
            many.iter()
                .map(|f| f.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Data files of a detached `.nhdr` scan, so a changed `.raw` reaches the item keys.
fn detached_data(ctx: &StageContext<'_>, scan: &FileRef) -> Result<Vec<FileRef>, StageError> {
    if !scan.path.ends_with(".nhdr") {
        return Ok(Vec::new());
    }
    let path = ctx.open_file(scan)?;
    let header = crate::nrrd::read_header(&path).map_err(|e| StageError::file(&scan.path, e))?;
    let ws = ctx.workspace();
    crate::nrrd::data_files(&header, &path)
        .iter()
        .map(|data| {
            let name = ws.key_name(data);
            ctx.files().get(&name).cloned().ok_or_else(|| {
                StageError::file(&scan.path, format!("its data file `{name}` is not under the image folder (or not matched by the patterns)"))
            })
        })
        .collect()
}

fn report_drops(ctx: &StageContext<'_>, dropped: &[(String, String)]) {
    let mut by_reason: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (id, reason) in dropped {
        let general = reason.split(" `").next().unwrap_or(reason).to_string();
        by_reason
            .entry(if general.starts_with("grade") {
                "grade outside the classes".into()
            } else {
                general
            })
            .or_default()
            .push(id);
    }
    for (reason, ids) in by_reason {
        let noun = if ids.len() == 1 {
            "patient"
        } else {
            "patients"
        };
        ctx.warn(format!(
            "dropped {} {noun} ({reason}): {}",
            ids.len(),
            ids.join(", ")
        ));
    }
}
