//! The lines a run prints: one per finished instance while it runs, a table at the end.

use std::fmt::Write;

use std::collections::BTreeMap;

use super::outcome::Outcome;
use crate::cache::{InstanceRecord, Status};
use crate::dataset::Value;

/// `ran     slices    6412 records (80 items, 1 computed)  1.2s`.
pub fn finished_line(id: &str, outcome: &Outcome) -> String {
    let mut line = format!("{:<7} {id}", status_word(outcome.status));
    match outcome.status {
        Status::Ran | Status::Cached => {
            if let Some(entry) = &outcome.entry {
                let _ = write!(line, ": {} records", entry.records);
            }
            if let Some(items) = outcome.items {
                let _ = write!(line, " ({} items, {} computed", items.total, items.computed);
                if items.ahead > 0 {
                    let _ = write!(line, ", {} while its input ran", items.ahead);
                }
                line.push(')');
            }
            if outcome.status == Status::Ran {
                let _ = write!(line, " in {}", seconds(outcome.duration_ms));
                if let Some(why) = &outcome.why {
                    let _ = write!(line, "; {why}");
                }
                if let Some(place) = outcome.place {
                    let _ = write!(line, " (on {place})");
                }
            }
        }
        Status::Failed | Status::Skipped => {
            if let Some(error) = &outcome.error {
                let _ = write!(line, ": {error}");
            }
        }
        Status::NotSelected => {}
    }
    line
}

pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Ran => "ran",
        Status::Cached => "cached",
        Status::Failed => "FAILED",
        Status::Skipped => "skipped",
        Status::NotSelected => "-",
    }
}

/// The end-of-run table and totals.
pub fn table(instances: &[(String, InstanceRecord)], wall_ms: u64) -> String {
    let shown: Vec<&(String, InstanceRecord)> = instances
        .iter()
        .filter(|(_, r)| r.status != Status::NotSelected)
        .collect();
    let width = shown
        .iter()
        .map(|(id, _)| id.len())
        .max()
        .unwrap_or(5)
        .clamp(5, 48);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:<7}  {:>8}  {:>18}  {:>8}  {:>8}",
        "stage", "status", "records", "items (computed)", "time", "saved"
    );
    let (mut ran, mut cached, mut failed, mut skipped, mut saved) = (0, 0, 0, 0, 0u64);
    for (id, r) in &shown {
        let records = r
            .records
            .map(|n| n.to_string())
            .unwrap_or_else(|| "-".into());
        let items = r
            .items
            .map(|c| format!("{} ({})", c.total, c.computed))
            .unwrap_or_default();
        let time = if r.status == Status::Ran {
            seconds(r.duration_ms)
        } else {
            "-".into()
        };
        let saved_text = if r.saved_ms > 0 {
            seconds(r.saved_ms)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{id:<width$}  {:<7}  {records:>8}  {items:>18}  {time:>8}  {saved_text:>8}",
            status_word(r.status)
        );
        match r.status {
            Status::Ran => ran += 1,
            Status::Cached => cached += 1,
            Status::Failed => failed += 1,
            Status::Skipped => skipped += 1,
            Status::NotSelected => {}
        }
        saved += r.saved_ms;
    }
    let total = shown.len();
    if ran == 0 && failed == 0 && skipped == 0 {
        let _ = write!(out, "nothing to do: all {total} stages are cached");
    } else {
        let _ = write!(
            out,
            "{total} stages: {ran} ran, {cached} cached, {failed} failed"
        );
        if skipped > 0 {
            let _ = write!(out, ", {skipped} skipped");
        }
        let _ = write!(out, " in {}", seconds(wall_ms));
    }
    if saved > 0 {
        let _ = write!(out, "; the cache saved {}", seconds(saved));
    }
    out.push('\n');
    out
}

pub fn seconds(ms: u64) -> String {
    if ms < 10_000 {
        format!("{:.2}s", ms as f64 / 1000.0)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

/// Per instance, its output's records and distinct groups by class, as the entry's summary
/// counted them through the output's roles (see `counts.rs`): the group row first, then
/// `records`. Empty when no output has a class role.
pub fn counts_table(instances: &[(String, InstanceRecord)]) -> String {
    let mut rows: Vec<(String, String, &BTreeMap<String, Value>)> = Vec::new();
    let mut classes: Vec<String> = Vec::new();
    for (id, record) in instances {
        let Some(Value::Map(counts)) = record.summary.get("counts") else {
            continue;
        };
        let mut measures: Vec<(&String, &Value)> = counts.iter().collect();
        measures.sort_by_key(|(m, _)| (m.as_str() == "records", m.as_str()));
        for (measure, value) in measures {
            let Value::Map(by_class) = value else {
                continue;
            };
            for class in by_class.keys().filter(|k| *k != "total") {
                if !classes.contains(class) {
                    classes.push(class.clone());
                }
            }
            rows.push((id.clone(), measure.replace('_', " "), by_class));
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    classes.sort();
    let width = rows
        .iter()
        .map(|(id, _, _)| id.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let measure_width = rows
        .iter()
        .map(|(_, m, _)| m.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!("{:<width$}  {:<measure_width$}", "counts", "");
    for class in &classes {
        let _ = write!(out, "  {class:>6}");
    }
    out.push_str("   total\n");
    for (id, measure, by_class) in rows {
        let _ = write!(out, "{id:<width$}  {measure:<measure_width$}");
        for class in &classes {
            let n = by_class
                .get(class)
                .and_then(Value::as_i64)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into());
            let _ = write!(out, "  {n:>6}");
        }
        let total = by_class.get("total").and_then(Value::as_i64).unwrap_or(0);
        let _ = writeln!(out, "  {total:>6}");
    }
    out
}

/// Headline metrics each stage recorded in `meta.metrics`, one line per instance.
pub fn metrics_lines(instances: &[(String, InstanceRecord)]) -> String {
    let mut out = String::new();
    for (id, record) in instances {
        let Some(Value::Map(metrics)) = record.summary.get("metrics") else {
            continue;
        };
        let mut parts = Vec::new();
        flatten_metrics("", metrics, &mut parts);
        if !parts.is_empty() {
            let _ = writeln!(out, "metrics {id}: {}", parts.join(", "));
        }
    }
    out
}

fn flatten_metrics(prefix: &str, metrics: &BTreeMap<String, Value>, out: &mut Vec<String>) {
    for (name, value) in metrics {
        let name = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            Value::Map(inner) => flatten_metrics(&name, inner, out),
            Value::Float(x) => out.push(format!("{name} {x:.4}")),
            other => out.push(format!(
                "{name} {}",
                serde_json::to_string(other).unwrap_or_default()
            )),
        }
    }
}
