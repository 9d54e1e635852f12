//! `radflow verify --reference PACK_OR_EXPORT`: does this lab's run reproduce another lab's
//! study?
//!
//! This lab's results come from a normal run (cached results reused); the other lab's from its
//! pack (lock file and published metrics) or from its exports (every value of the exported
//! stages: [`super::verify_export`]). Against a pack, per stage: `same` (the output hash is equal),
//! `within tolerance` (equal record counts, every float of the stage's summary within
//! tolerance: the output's last bits differ, as they do across CPUs and ONNX Runtime builds),
//! or `differs` (a count, a label, or a float beyond tolerance).

use std::path::Path;

use super::args::VerifyArgs;
use super::config::{ensure_jobs, load};
use super::store_blobs::StoreBlobs;
use super::tolerance::{Tolerance, Verdict, compare};
use super::trust::ensure_trusted;
use super::verify_export::{compare_export, exports_in};
use crate::dataset::Dataset;
use crate::error::Error;
use crate::exec::{self, RunOptions, RunReport, RunRequest, lock_of_run};
use crate::lockfile::LockFile;
use crate::pack::read_pack;
use crate::plan::Selection;
use crate::spec::display_path;

pub fn verify_reference(args: &VerifyArgs, reference: &Path, quiet: bool) -> Result<(), Error> {
    let tolerance = Tolerance {
        rtol: args.rtol,
        atol: args.atol,
    };
    if !(tolerance.rtol >= 0.0 && tolerance.atol >= 0.0) {
        return Err(Error::Usage(format!(
            "`--rtol {}` / `--atol {}`: expected numbers >= 0",
            args.rtol, args.atol
        )));
    }
    if reference.is_dir() {
        return verify_exports(args, reference, tolerance, quiet);
    }
    let (manifest, members) = read_pack(reference).map_err(|e| Error::Mismatch(e.to_string()))?;
    let loaded = load(&args.pipeline)?;
    ensure_trusted(&loaded)?;
    let plan = &loaded.plan;
    if manifest.pipeline_name != plan.pipeline.name {
        return Err(Error::Usage(format!(
            "`{}` is a pack of pipeline `{}`, not of `{}`; nothing compared",
            display_path(reference),
            manifest.pipeline_name,
            plan.pipeline.name
        )));
    }
    let Some(lock_bytes) = manifest.lock.as_ref().and_then(|l| members.get(l)) else {
        return Err(Error::Usage(format!(
            "`{}` holds no lock file to compare with",
            display_path(reference)
        )));
    };
    let theirs = LockFile::parse(&String::from_utf8_lossy(lock_bytes), reference)?;
    let report = run_here(args, &loaded, quiet)?;
    let ours = lock_of_run(plan, &report.record);
    let mut rows: Vec<Row> = Vec::new();
    for (id, their) in &theirs.stages {
        let verdict = match ours.stages.get(id) {
            None => Verdict::Differs("not computed here".into()),
            Some(mine) if mine.output == their.output => Verdict::Same,
            Some(mine) if mine.records != their.records => Verdict::Differs(format!(
                "{} records vs reference {}",
                mine.records, their.records
            )),
            Some(mine) => {
                let a = serde_json::to_value(&mine.summary).unwrap_or_default();
                let b = serde_json::to_value(&their.summary).unwrap_or_default();
                match compare(&a, &b, tolerance) {
                    Verdict::Same => Verdict::Within { max_rel: 0.0 },
                    other => other,
                }
            }
        };
        rows.push(Row::new(id, verdict));
    }
    for id in ours
        .stages
        .keys()
        .filter(|id| !theirs.stages.contains_key(*id))
    {
        rows.push(Row::new(
            id,
            Verdict::Differs("not in the reference".into()),
        ));
    }
    for (name, bytes) in &members {
        let Some(id) = name
            .strip_prefix("results/")
            .and_then(|n| n.strip_suffix("/metrics.json"))
        else {
            continue;
        };
        let mine = plan.pipeline.output_dir.join(id).join("metrics.json");
        let verdict = match (
            std::fs::read(&mine)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok()),
            serde_json::from_slice::<serde_json::Value>(bytes).ok(),
        ) {
            (Some(a), Some(b)) => compare(&a, &b, tolerance),
            (None, _) => Verdict::Differs(format!("no `{}` here", display_path(&mine))),
            (_, None) => Verdict::Differs("the reference's metrics.json is not JSON".into()),
        };
        rows.push(Row::new(&format!("{id} metrics.json"), verdict));
    }
    conclude(&rows, reference, args.json, tolerance)
}

/// Against exports: every exported stage's values (see [`super::verify_export`]).
fn verify_exports(
    args: &VerifyArgs,
    reference: &Path,
    tolerance: Tolerance,
    quiet: bool,
) -> Result<(), Error> {
    let exports = exports_in(reference)?;
    let loaded = load(&args.pipeline)?;
    ensure_trusted(&loaded)?;
    let plan = &loaded.plan;
    if let Some(other) = exports
        .iter()
        .filter_map(|e| e.pipeline.as_deref())
        .find(|p| *p != plan.pipeline.name)
    {
        return Err(Error::Usage(format!(
            "`{}` holds an export of pipeline `{other}`, not of `{}`; nothing compared",
            display_path(reference),
            plan.pipeline.name
        )));
    }
    let report = run_here(args, &loaded, quiet)?;
    let store = loaded.open_store()?;
    let blobs = StoreBlobs(&store);
    let mut rows = Vec::new();
    for export in &exports {
        let output = report
            .record
            .instances
            .iter()
            .find(|(id, _)| *id == export.instance)
            .and_then(|(_, r)| r.output);
        let Some(output) = output else {
            let why = if plan.instances.iter().any(|i| i.id == export.instance) {
                "not computed here"
            } else {
                "no such stage in this pipeline"
            };
            rows.push(Row::new(&export.instance, Verdict::Differs(why.into())));
            continue;
        };
        let ours = store
            .get_object(&output)
            .ok()
            .and_then(|bytes| Dataset::from_manifest(&bytes).ok())
            .ok_or_else(|| {
                Error::Failed(format!(
                    "the output of `{}` is no longer in the cache; run again",
                    export.instance
                ))
            })?;
        let check = compare_export(&ours, &blobs, export, tolerance)?;
        let mut row = Row::new(&export.instance, check.verdict);
        let floats = &check.floats;
        row.extra = serde_json::json!({
            "floats_compared": floats.compared,
            "floats_beyond": floats.beyond,
            "max_abs": floats.max_abs,
            "max_rel": floats.max_rel,
            "discrete_differ": check.discrete,
            "flipped": check.flipped,
        });
        row.notes = check
            .flipped
            .iter()
            .map(|f| {
                format!(
                    "flipped {}{}: {} here, {} in the reference",
                    f.id,
                    f.patient
                        .as_ref()
                        .map(|p| format!(" (patient {p})"))
                        .unwrap_or_default(),
                    f.here,
                    f.reference
                )
            })
            .collect();
        rows.push(row);
    }
    conclude(&rows, reference, args.json, tolerance)
}

/// Runs the whole pipeline here (cached results reused), as `run` would.
fn run_here(
    args: &VerifyArgs,
    loaded: &super::config::Loaded,
    quiet: bool,
) -> Result<RunReport, Error> {
    let plan = &loaded.plan;
    let options = RunOptions::local(ensure_jobs(args.jobs)?, true, quiet || args.json);
    let request = RunRequest {
        overrides: loaded.overrides.clone(),
        ..Default::default()
    };
    Ok(exec::run(
        plan,
        &Selection::all(plan),
        loaded.open_store()?,
        options,
        request,
        None,
    )?)
}

/// One line of the comparison.
struct Row {
    check: String,
    verdict: Verdict,
    /// Lines under the verdict (flipped predictions).
    notes: Vec<String>,
    /// More for `--json` (an object, or null).
    extra: serde_json::Value,
}

impl Row {
    fn new(check: &str, verdict: Verdict) -> Self {
        Row {
            check: check.to_string(),
            verdict,
            notes: Vec::new(),
            extra: serde_json::Value::Null,
        }
    }
}

/// Prints the rows and turns any difference into the mismatch exit.
fn conclude(rows: &[Row], reference: &Path, json: bool, tolerance: Tolerance) -> Result<(), Error> {
    print_rows(rows, json, tolerance);
    let differing = rows.iter().filter(|r| r.verdict.differs()).count();
    if differing == 0 {
        if !json {
            println!(
                "reproduced `{}` ({} checks; rtol {:e}, atol {:e})",
                display_path(reference),
                rows.len(),
                tolerance.rtol,
                tolerance.atol
            );
        }
        Ok(())
    } else {
        Err(Error::Mismatch(format!(
            "{differing} of {} checks differ from `{}`",
            rows.len(),
            display_path(reference)
        )))
    }
}

fn print_rows(rows: &[Row], json: bool, tolerance: Tolerance) {
    if json {
        let value: Vec<serde_json::Value> = rows
            .iter()
            .map(|row| {
                let (id, v) = (&row.check, &row.verdict);
                let (verdict, detail) = match v {
                    Verdict::Same => ("same", serde_json::Value::Null),
                    Verdict::Within { max_rel } => ("within tolerance", (*max_rel).into()),
                    Verdict::Differs(d) => ("differs", d.clone().into()),
                };
                let mut value = serde_json::json!({"check": id, "verdict": verdict,
                    "detail": detail, "rtol": tolerance.rtol, "atol": tolerance.atol});
                if let (Some(value), Some(extra)) = (value.as_object_mut(), row.extra.as_object()) {
                    value.extend(extra.clone());
                }
                value
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return;
    }
    let width = rows
        .iter()
        .map(|r| r.check.len())
        .max()
        .unwrap_or(5)
        .min(48);
    for row in rows {
        let (id, verdict) = (&row.check, &row.verdict);
        let text = match verdict {
            Verdict::Same => "same".to_string(),
            Verdict::Within { max_rel } if *max_rel == 0.0 => {
                "within tolerance (counts and summary equal; output bits differ)".to_string()
            }
            Verdict::Within { max_rel } => format!("within tolerance (max rel {max_rel:.1e})"),
            Verdict::Differs(detail) => format!("differs ({detail})"),
        };
        println!("{id:<width$}  {text}");
        for note in &row.notes {
            println!("{:width$}    {note}", "");
        }
    }
}
