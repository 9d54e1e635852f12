//! `radflow diff`: the last run's parameters and results against the lock file.

use std::collections::BTreeMap;

use serde::Serialize;

use super::args::DiffArgs;
use super::config::load;
use crate::error::Error;
use crate::exec::run_log;
use crate::lockfile::{LockFile, lock_path};
use crate::spec::display_path;

#[derive(Debug, Serialize, PartialEq)]
struct Difference {
    instance: String,
    /// `params.steps`, `metrics.test_accuracy`, `output`.
    what: String,
    locked: Option<String>,
    last: Option<String>,
}

pub fn diff(mut args: DiffArgs) -> Result<(), Error> {
    // `diff A B` reads A as the pipeline (the first positional): move it to the runs.
    if args.runs.len() == 1
        && let Some(first) = args.pipeline.pipeline.take()
    {
        args.runs.insert(0, first.display().to_string());
    }
    match args.runs.as_slice() {
        [] => {}
        [a, b] => return super::diff_runs::diff_runs(&args, a, b),
        _ => {
            return Err(Error::Usage(
                "`radflow diff` takes no run or two (`radflow diff last~1 last`)".into(),
            ));
        }
    }
    let loaded = load(&args.pipeline)?;
    let path = lock_path(&loaded.plan.pipeline.file);
    let Some(lock) = LockFile::read(&path)? else {
        return Err(Error::Usage(format!(
            "there is no lock file `{}`; `radflow run` writes it",
            display_path(&path)
        )));
    };
    let store = loaded.open_store()?;
    let Some(last) = run_log(&loaded.plan, &store)?.last_run() else {
        return Err(Error::Usage(
            "this pipeline has not run against this cache yet".into(),
        ));
    };
    let mut differences = Vec::new();
    for (id, record) in &last.instances {
        let Some(locked) = lock.stages.get(id) else {
            if record.output.is_some() {
                differences.push(Difference {
                    instance: id.clone(),
                    what: "stage".into(),
                    locked: None,
                    last: Some("present".into()),
                });
            }
            continue;
        };
        if record.output.is_none() {
            continue;
        }
        let mut a = BTreeMap::new();
        let mut b = BTreeMap::new();
        flatten("params", &locked.params, &mut a);
        flatten("params", &record.params, &mut b);
        let summary_a = serde_json::to_value(&locked.summary).unwrap_or_default();
        let summary_b = serde_json::to_value(&record.summary).unwrap_or_default();
        flatten("", &summary_a, &mut a);
        flatten("", &summary_b, &mut b);
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for key in keys {
            if a.get(key) != b.get(key) {
                differences.push(Difference {
                    instance: id.clone(),
                    what: key.clone(),
                    locked: a.get(key).cloned(),
                    last: b.get(key).cloned(),
                });
            }
        }
        if record.output != Some(locked.output) {
            differences.push(Difference {
                instance: id.clone(),
                what: "output".into(),
                locked: Some(locked.output.short()),
                last: record.output.map(|o| o.short()),
            });
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&differences).unwrap_or_default()
        );
        return Ok(());
    }
    if differences.is_empty() {
        println!("the last run matches `{}`", display_path(&path));
        return Ok(());
    }
    if !last.overrides.is_empty() {
        println!("last run: --set {}", last.overrides.join(" --set "));
    }
    let mut current = "";
    for d in &differences {
        if d.instance != current {
            println!("{}", d.instance);
            current = &d.instance;
        }
        println!(
            "  {}: {} -> {}",
            d.what,
            d.locked.as_deref().unwrap_or("(none)"),
            d.last.as_deref().unwrap_or("(none)")
        );
    }
    Ok(())
}

/// Leaves of a JSON value by dotted path.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        serde_json::Value::Object(map)
            if !map.contains_key("$blob") && !map.contains_key("$file") =>
        {
            for (k, v) in map {
                flatten(&join(k), v, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}
