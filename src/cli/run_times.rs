//! `times.html` and `times.json` beside the published outputs: what each stage and each
//! feature family cost to compute on the machine that ran it.
//!
//! Wall times are facts about a machine, not about the data, so they stay out of every cached
//! output (a report holding them could never be reproduced byte for byte, and `verify` would
//! fail on it). `radflow run` writes them here, outside the cache, after each run that
//! publishes something; the report page links to `times.html`. An instance that ran counts
//! its duration in this run; a reused one counts the time its entry cost when it was computed
//! (the run record's `saved_ms`), so the figures stay those of a cold run of the pipeline as
//! it is now.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cache::{InstanceRecord, RunRecord, Status};
use crate::durable::{Durability, write_beside};
use crate::plan::Plan;
use crate::report_page::escape_html;

#[derive(Debug, Serialize)]
pub struct RunTimes {
    pub pipeline: String,
    /// Per feature family (the one a feature stage's kind and parameters name, as in its
    /// output's meta `feature_family`).
    pub families: BTreeMap<String, FamilyTime>,
    /// Per instance, in the run record's order.
    pub instances: Vec<InstanceTime>,
}

#[derive(Debug, Serialize)]
pub struct FamilyTime {
    pub instances: Vec<String>,
    pub records: usize,
    pub seconds: f64,
}

#[derive(Debug, Serialize)]
pub struct InstanceTime {
    pub instance: String,
    pub kind: String,
    /// `ran` (timed in this run) or `cached` (timed when its entry was computed).
    pub timed: &'static str,
    pub records: Option<usize>,
    pub seconds: f64,
}

/// The times of `record`'s finished instances; `plan` gives each instance's feature family
/// (from its kind and parameters: no output is opened, so a no-op rerun stays cheap).
pub fn run_times(record: &RunRecord, plan: &Plan) -> RunTimes {
    let mut families: BTreeMap<String, FamilyTime> = BTreeMap::new();
    let mut instances = Vec::new();
    for (id, inst) in &record.instances {
        let Some((timed, ms)) = compute_ms(inst) else {
            continue;
        };
        let seconds = ms as f64 / 1000.0;
        instances.push(InstanceTime {
            instance: id.clone(),
            kind: inst.kind.clone(),
            timed,
            records: inst.records,
            seconds,
        });
        let family = plan
            .instances
            .iter()
            .find(|i| &i.id == id)
            .and_then(|i| i.kind.feature_family());
        if let Some(family) = family {
            let entry = families.entry(family).or_insert(FamilyTime {
                instances: Vec::new(),
                records: 0,
                seconds: 0.0,
            });
            entry.instances.push(id.clone());
            entry.records += inst.records.unwrap_or(0);
            entry.seconds += seconds;
        }
    }
    RunTimes {
        pipeline: record.pipeline.clone(),
        families,
        instances,
    }
}

/// What computing the instance cost, and whether this run timed it.
fn compute_ms(inst: &InstanceRecord) -> Option<(&'static str, u64)> {
    match inst.status {
        Status::Ran => Some(("ran", inst.duration_ms)),
        Status::Cached => Some(("cached", inst.saved_ms)),
        _ => None,
    }
}

/// Writes `times.json` and `times.html` into `dir`; returns the HTML's path.
pub fn write_times(
    dir: &Path,
    times: &RunTimes,
    durability: Durability,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_vec_pretty(times).map_err(std::io::Error::other)?;
    write_if_changed(&dir.join("times.json"), &json, durability)?;
    let html = dir.join("times.html");
    write_if_changed(&html, page(times).as_bytes(), durability)?;
    Ok(html)
}

/// A no-op rerun writes the same times: leave the files (and the disk) alone then.
fn write_if_changed(path: &Path, bytes: &[u8], durability: Durability) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    write_beside(path, bytes, durability)
}

fn page(times: &RunTimes) -> String {
    let title = format!("Compute time: {}", escape_html(&times.pipeline));
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}\
         table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ccc;padding:.2em .8em;\
         text-align:right}}td:first-child,th:first-child{{text-align:left}}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n<p>Written by <code>radflow run</code> on the machine that ran the \
         pipeline, outside the cache: wall times are facts about a machine, so the report keeps \
         them out of its reproducible page. A stage reused from the cache counts the time it \
         cost when it was computed.</p>\n"
    );
    if !times.families.is_empty() {
        page.push_str(
            "<h2>Per feature family</h2>\n<table>\n<tr><th>family</th><th>stages</th>\
             <th>records</th><th>seconds</th><th>ms per record</th></tr>\n",
        );
        for (family, time) in &times.families {
            let per = if time.records > 0 {
                format!("{:.2}", time.seconds * 1000.0 / time.records as f64)
            } else {
                "-".into()
            };
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{per}</td></tr>",
                escape_html(family),
                escape_html(&time.instances.join(", ")),
                time.records,
                time.seconds
            );
        }
        page.push_str("</table>\n");
    }
    page.push_str(
        "<h2>Per stage</h2>\n<table>\n<tr><th>instance</th><th>kind</th><th>timed</th>\
         <th>records</th><th>seconds</th></tr>\n",
    );
    for inst in &times.instances {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td></tr>",
            escape_html(&inst.instance),
            escape_html(&inst.kind),
            inst.timed,
            inst.records.map_or("-".into(), |r| r.to_string()),
            inst.seconds
        );
    }
    page.push_str("</table>\n</body>\n</html>\n");
    page
}
