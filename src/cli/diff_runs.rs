//! `radflow diff RUN_A RUN_B`: per stage, which items (records: patients, slices, test cases)
//! were added, removed or changed between two runs as the cache recorded them, and for a
//! changed item which fields changed. For an evaluation (any output whose test cases carry
//! `predicted`): the test cases whose prediction flipped, with patient and class before ->
//! after; for any output with metrics: each metric's delta.

use std::collections::BTreeMap;

use serde::Serialize;

use super::args::DiffArgs;
use super::config::load;
use crate::cache::Store;
use crate::dataset::{Dataset, Value};
use crate::digest::Digest;
use crate::error::Error;
use crate::exec::run_log;
use crate::lockfile::{LockFile, lock_path};
use crate::stages::evaluate::PREDICTED_FIELD;

/// Items listed per stage and kind of change before "and N more".
const SHOWN: usize = 20;

#[derive(Debug, Default, Serialize)]
struct StageDiff {
    stage: String,
    added: Vec<String>,
    removed: Vec<String>,
    /// Item id -> `field: old -> new` lines.
    changed: BTreeMap<String, Vec<String>>,
    /// The patients of the items added, removed or changed (from the outputs' group field).
    #[serde(skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    patients: std::collections::BTreeSet<String>,
    /// Test cases whose predicted class changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    flipped: Vec<Flip>,
    /// Metric name -> before, after and their difference (`None` where one side lacks it).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metrics: BTreeMap<String, MetricDelta>,
    /// Why items could not be compared (an output no longer in the cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Debug, Serialize)]
struct Flip {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    patient: Option<String>,
    before: String,
    after: String,
}

#[derive(Debug, Serialize)]
struct MetricDelta {
    before: Option<f64>,
    after: Option<f64>,
    delta: Option<f64>,
}

pub fn diff_runs(args: &DiffArgs, a: &str, b: &str) -> Result<(), Error> {
    let loaded = load(&args.pipeline)?;
    let store = loaded.open_store()?;
    let outputs_a = outputs_of(&loaded, &store, a)?;
    let outputs_b = outputs_of(&loaded, &store, b)?;
    let mut diffs = Vec::new();
    let ids: std::collections::BTreeSet<&String> =
        outputs_a.keys().chain(outputs_b.keys()).collect();
    for id in ids {
        let (x, y) = (outputs_a.get(id), outputs_b.get(id));
        if x == y {
            continue;
        }
        let mut diff = StageDiff {
            stage: id.clone(),
            ..Default::default()
        };
        match (
            x.and_then(|d| dataset(&store, d)),
            y.and_then(|d| dataset(&store, d)),
        ) {
            (Some(da), Some(db)) => {
                items(&da, &db, &mut diff);
                diff.metrics = metric_deltas(&da, &db);
            }
            (None, _) if x.is_none() => diff.note = Some(format!("only in {b}")),
            (_, None) if y.is_none() => diff.note = Some(format!("only in {a}")),
            _ => diff.note = Some("an output is no longer in the cache; rerun to compare".into()),
        }
        diffs.push(diff);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&diffs).unwrap_or_default()
        );
        return Ok(());
    }
    if diffs.is_empty() {
        println!("{a} and {b} have the same outputs");
    }
    for d in &diffs {
        println!(
            "{}: {} added, {} removed, {} changed{}",
            d.stage,
            d.added.len(),
            d.removed.len(),
            d.changed.len(),
            d.note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        );
        if !d.patients.is_empty() {
            let names: Vec<&str> = d.patients.iter().map(String::as_str).take(SHOWN).collect();
            let more = d.patients.len().saturating_sub(SHOWN);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            println!("  patients: {}{more}", names.join(", "));
        }
        for flip in d.flipped.iter().take(SHOWN) {
            let patient = flip
                .patient
                .as_ref()
                .map(|p| format!(" (patient {p})"))
                .unwrap_or_default();
            println!(
                "  flipped {}{patient}: {} -> {}",
                flip.id, flip.before, flip.after
            );
        }
        if d.flipped.len() > SHOWN {
            println!("  flipped ... and {} more", d.flipped.len() - SHOWN);
        }
        for (name, m) in &d.metrics {
            let show = |x: Option<f64>| x.map_or("(none)".to_string(), |x| format!("{x:.4}"));
            let delta = m.delta.map(|x| format!(" ({x:+.4})")).unwrap_or_default();
            println!("  {name}: {} -> {}{delta}", show(m.before), show(m.after));
        }
        for (sign, list) in [("+", &d.added), ("-", &d.removed)] {
            for id in list.iter().take(SHOWN) {
                println!("  {sign} {id}");
            }
            if list.len() > SHOWN {
                println!("  {sign} ... and {} more", list.len() - SHOWN);
            }
        }
        for (id, fields) in d.changed.iter().take(SHOWN) {
            println!("  ~ {id}: {}", fields.join("; "));
        }
        if d.changed.len() > SHOWN {
            println!("  ~ ... and {} more", d.changed.len() - SHOWN);
        }
    }
    Ok(())
}

/// Instance id -> output hash of a run named `last`, `last~N`, `lock` or by record id.
fn outputs_of(
    loaded: &super::config::Loaded,
    store: &Store,
    name: &str,
) -> Result<BTreeMap<String, Digest>, Error> {
    let plan = &loaded.plan;
    if name == "lock" {
        let path = lock_path(&plan.pipeline.file);
        let Some(lock) = LockFile::read(&path)? else {
            return Err(Error::Usage(format!(
                "there is no lock file `{}`",
                crate::spec::display_path(&path)
            )));
        };
        return Ok(lock
            .stages
            .into_iter()
            .map(|(id, s)| (id, s.output))
            .collect());
    }
    let runs = run_log(plan, store)?.runs();
    let back = match name.strip_prefix("last") {
        Some("") => Some(0),
        Some(rest) => rest.strip_prefix('~').and_then(|n| n.parse::<usize>().ok()),
        None => None,
    };
    let found = match back {
        Some(n) => runs.get(n),
        None => runs.iter().find(|(path, _)| {
            path.file_stem()
                .is_some_and(|s| s.to_string_lossy().starts_with(name))
        }),
    };
    let Some((_, record)) = found else {
        let known: Vec<String> = runs
            .iter()
            .take(5)
            .filter_map(|(p, _)| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        return Err(Error::Usage(format!(
            "no run `{name}` of this pipeline in the cache ({} run{}; newest: {}); use `last`, `last~N`, `lock` or a run id",
            runs.len(),
            if runs.len() == 1 { "" } else { "s" },
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    };
    Ok(record
        .instances
        .iter()
        .filter_map(|(id, r)| r.output.map(|o| (id.clone(), o)))
        .collect())
}

fn dataset(store: &Store, digest: &Digest) -> Option<Dataset> {
    let bytes = store.get_object(digest).ok()?;
    Dataset::from_manifest(&bytes).ok()
}

fn items(a: &Dataset, b: &Dataset, diff: &mut StageDiff) {
    let group = b.roles().group.or(a.roles().group);
    // An item names its patient unless its id already does (slices are `<patient>/z042`).
    let patient_of = |record: &crate::dataset::Record| {
        group
            .as_ref()
            .and_then(|g| record.fields.get(g))
            .and_then(crate::exchange::to_cell)
    };
    let mut named = |record: &crate::dataset::Record| {
        let patient = patient_of(record);
        if let Some(p) = &patient {
            diff.patients.insert(p.clone());
        }
        match patient {
            Some(p) if !record.id.starts_with(&p) => format!("{} (patient {p})", record.id),
            _ => record.id.clone(),
        }
    };
    for record in a.records() {
        match b.get(&record.id) {
            None => diff.removed.push(named(record)),
            Some(other) if other.fields != record.fields => {
                let mut fields = Vec::new();
                let keys: std::collections::BTreeSet<&String> =
                    record.fields.keys().chain(other.fields.keys()).collect();
                for key in keys {
                    let (x, y) = (record.fields.get(key), other.fields.get(key));
                    if x != y {
                        fields.push(format!("{key}: {} -> {}", shown(x), shown(y)));
                    }
                    if key == PREDICTED_FIELD && x != y {
                        diff.flipped.push(Flip {
                            id: record.id.clone(),
                            patient: group
                                .as_ref()
                                .and_then(|g| other.fields.get(g))
                                .and_then(crate::exchange::to_cell),
                            before: shown(x),
                            after: shown(y),
                        });
                    }
                }
                diff.changed.insert(named(record), fields);
            }
            Some(_) => {}
        }
    }
    for record in b.records() {
        if a.get(&record.id).is_none() {
            diff.added.push(named(record));
        }
    }
}

/// The deltas of the numeric entries of two outputs' `metrics` (meta), where any changed.
fn metric_deltas(a: &Dataset, b: &Dataset) -> BTreeMap<String, MetricDelta> {
    let metrics = |d: &Dataset| -> BTreeMap<String, Option<f64>> {
        match d.meta().get("metrics") {
            Some(Value::Map(map)) => map.iter().map(|(k, v)| (k.clone(), v.as_f64())).collect(),
            _ => BTreeMap::new(),
        }
    };
    let (x, y) = (metrics(a), metrics(b));
    let names: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
    let mut out = BTreeMap::new();
    for name in names {
        let (before, after) = (
            x.get(name).copied().flatten(),
            y.get(name).copied().flatten(),
        );
        if before != after {
            let delta = before.zip(after).map(|(p, q)| q - p);
            out.insert(
                name.clone(),
                MetricDelta {
                    before,
                    after,
                    delta,
                },
            );
        }
    }
    out
}

/// A field value in a line: scalars as they are, anything bigger by its type (`<blob>`).
fn shown(value: Option<&Value>) -> String {
    match value {
        None => "(none)".into(),
        Some(Value::Str(s)) => s.clone(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Float(x)) => x.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Null) => "null".into(),
        Some(other) => format!("<{}>", other.type_name()),
    }
}
