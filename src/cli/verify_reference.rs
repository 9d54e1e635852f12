//! `radflow verify --reference PACK`: does this lab's run reproduce another lab's study?
//!
//! This lab's results come from a normal run (cached results reused); the other lab's from its
//! pack (lock file and published metrics). Per stage: `same` (the output hash is equal),
//! `within tolerance` (equal record counts, every float of the stage's summary within
//! tolerance: the output's last bits differ, as they do across CPUs and ONNX Runtime builds),
//! or `differs` (a count, a label, or a float beyond tolerance).

use std::path::Path;

use super::args::VerifyArgs;
use super::config::{ensure_jobs, load};
use super::tolerance::{Tolerance, Verdict, compare};
use super::trust::ensure_trusted;
use crate::error::Error;
use crate::exec::{self, RunOptions, RunRequest, lock_of_run};
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
    let options = RunOptions::local(ensure_jobs(args.jobs)?, true, quiet || args.json);
    let request = RunRequest {
        overrides: loaded.overrides.clone(),
        ..Default::default()
    };
    let report = exec::run(
        plan,
        &Selection::all(plan),
        loaded.open_store()?,
        options,
        request,
        None,
    )?;
    let ours = lock_of_run(plan, &report.record);
    let mut rows: Vec<(String, Verdict)> = Vec::new();
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
        rows.push((id.clone(), verdict));
    }
    for id in ours
        .stages
        .keys()
        .filter(|id| !theirs.stages.contains_key(*id))
    {
        rows.push((id.clone(), Verdict::Differs("not in the reference".into())));
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
        rows.push((format!("{id} metrics.json"), verdict));
    }
    print_rows(&rows, args.json, tolerance);
    let differing = rows.iter().filter(|(_, v)| v.differs()).count();
    if differing == 0 {
        if !args.json {
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

fn print_rows(rows: &[(String, Verdict)], json: bool, tolerance: Tolerance) {
    if json {
        let value: Vec<serde_json::Value> = rows
            .iter()
            .map(|(id, v)| {
                let (verdict, detail) = match v {
                    Verdict::Same => ("same", serde_json::Value::Null),
                    Verdict::Within { max_rel } => ("within tolerance", (*max_rel).into()),
                    Verdict::Differs(d) => ("differs", d.clone().into()),
                };
                serde_json::json!({"check": id, "verdict": verdict, "detail": detail,
                    "rtol": tolerance.rtol, "atol": tolerance.atol})
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
        .map(|(id, _)| id.len())
        .max()
        .unwrap_or(5)
        .min(48);
    for (id, verdict) in rows {
        let text = match verdict {
            Verdict::Same => "same".to_string(),
            Verdict::Within { max_rel } if *max_rel == 0.0 => {
                "within tolerance (counts and summary equal; output bits differ)".to_string()
            }
            Verdict::Within { max_rel } => format!("within tolerance (max rel {max_rel:.1e})"),
            Verdict::Differs(detail) => format!("differs ({detail})"),
        };
        println!("{id:<width$}  {text}");
    }
}
