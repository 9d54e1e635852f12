//! `sample_filter`: joins the clinical CSV to the image folder, one record per patient with a
//! known grade and both files (METHOD.md stage 1).
//!
//! Every patient left out is listed with the reason (no grade, a grade outside the classes, no
//! scan, no segmentation, a duplicate id, files without a CSV row) in `meta.dropped` and in the
//! run's warnings: never silently.
//!
//! `scan:` and `segmentation:` name a file in any format radflow reads (NRRD, NIfTI,
//! MetaImage, DICOM) or a folder (a DICOM series); `image_ref.rs` says how a record refers
//! to them, with every file the image is read from hashed into the keys.

mod image_ref;

pub use image_ref::ImageRef;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, FileRef, Record, Value};
use crate::key::glob_matches;
use crate::stage_api::StageContext;
use crate::stage_api::StageError;
use crate::stage_api::{FileInput, ParamError, Port, Stage};
use crate::stages::dropped::dropped_value;
use crate::stages::study_fields::{CLASS_FIELD, PATIENT_FIELD, study_roles};

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
    /// are wildcards within a name, `**` across folders. It may name a file in any format
    /// radflow reads or a folder (a DICOM series: `{id}/scan`).
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
    const LIGHT: bool = true;
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
            .flat_map(|p| hashed_patterns(&p.replace("{id}", "*")))
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
            let scan = match ImageRef::find(&files, &p.scan.replace("{id}", &row.id), &prefix) {
                Ok(f) => f,
                Err(reason) => {
                    dropped.push((row.id.clone(), format!("scan: {reason}")));
                    continue;
                }
            };
            let segmentation =
                match ImageRef::find(&files, &p.segmentation.replace("{id}", &row.id), &prefix) {
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
                .with("scan", scan.to_value())
                .with("segmentation", segmentation.to_value());
            for (image, field) in [(&scan, "scan_data"), (&segmentation, "segmentation_data")] {
                let data = companion_files(ctx, image)?;
                if !data.is_empty() {
                    record.set(
                        field,
                        Value::List(data.into_iter().map(Value::from).collect()),
                    );
                }
            }
            records.push(record);
        }
        // Folders with images but no CSV row.
        let listed: BTreeSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let mut orphans = BTreeSet::new();
        for (rel, _) in &files {
            if let Some(first) = rel.split('/').next().filter(|_| rel.contains('/'))
                && !listed.contains(first)
                && hashed_patterns(&p.scan.replace("{id}", first))
                    .iter()
                    .any(|pattern| glob_matches(pattern, rel))
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

/// The include patterns that hash an image named by `pattern`: the file itself, every
/// file under it when it names a folder (a DICOM series), and for headers whose data may
/// lie beside them (`.nhdr`, `.hdr`, `.mhd`) the files of their folder.
fn hashed_patterns(pattern: &str) -> Vec<String> {
    let mut patterns = vec![pattern.to_string(), format!("{pattern}/**")];
    let lower = pattern.to_ascii_lowercase();
    if [".nhdr", ".hdr", ".hdr.gz", ".mhd"]
        .iter()
        .any(|ext| lower.ends_with(ext))
    {
        let folder = pattern.rsplit_once('/').map_or("", |(folder, _)| folder);
        patterns.push(if folder.is_empty() {
            "*".to_string()
        } else {
            format!("{folder}/*")
        });
    }
    patterns
}

/// The other files a one-file image is read from (a detached NRRD's data, a NIfTI pair's
/// `.img`, a `.mhd`'s raw files), so a changed data file reaches the item keys. A header
/// that cannot be read, or a data file that does not exist, is left for `slice_extract`
/// to report for its patient; a data file outside the hashed files is an error here,
/// since the keys would miss it.
fn companion_files(ctx: &StageContext<'_>, image: &ImageRef) -> Result<Vec<FileRef>, StageError> {
    let ImageRef::File(file) = image else {
        return Ok(Vec::new());
    };
    let path = ctx.open_file(file)?;
    let Ok(all) = crate::volume::image_files(&path) else {
        return Ok(Vec::new());
    };
    let ws = ctx.workspace();
    let mut data = Vec::new();
    for companion in all.iter().skip(1).filter(|p| p.exists()) {
        let name = ws.key_name(companion);
        let hashed = ctx.files().get(&name).cloned().ok_or_else(|| {
            StageError::file(
                &file.path,
                format!(
                    "its data file `{name}` is not under the image folder (or not matched by the patterns)"
                ),
            )
        })?;
        if !data.contains(&hashed) {
            data.push(hashed);
        }
    }
    Ok(data)
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
