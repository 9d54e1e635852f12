//! `radflow show [PIPELINE] STAGE`: what a stage's cached output holds, without running
//! anything: fields (dtype, shape, role), record count, class counts, the first records.

use serde::Serialize;

use super::args::ShowArgs;
use super::cached_output::{CachedOutput, cached_outputs, split_targets};
use super::store_blobs::StoreBlobs;
use crate::dataset::{Record, Value};
use crate::error::Error;
use crate::exchange::{
    BlobSource, Description, FieldKind, FieldSpec, Scan, describe, tensor_header, to_cell,
};

/// Widest cell shown in the table of records.
const CELL_WIDTH: usize = 24;

#[derive(Serialize)]
struct Shown {
    instance: String,
    stage: String,
    kind: String,
    output: String,
    count: usize,
    fields: Vec<FieldSpec>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    classes: std::collections::BTreeMap<String, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<usize>,
    /// The dataset's one-value metadata (its feature family, the model that made its
    /// features); lists, maps and blobs are left out.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    meta: std::collections::BTreeMap<String, serde_json::Value>,
    rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// [`Shown::meta`].
fn scalar_meta(output: &CachedOutput) -> std::collections::BTreeMap<String, serde_json::Value> {
    output
        .dataset
        .meta()
        .iter()
        .filter(|(_, v)| {
            matches!(
                v,
                Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_)
            )
        })
        .map(|(k, v)| (k.clone(), crate::exchange::to_json(v)))
        .collect()
}

pub fn show(args: ShowArgs) -> Result<(), Error> {
    let (pipeline, stage) = split_targets(&args.targets);
    let pipeline_args = super::args::PipelineArgs {
        pipeline,
        cache: args.cache.clone(),
        set: args.set.clone(),
    };
    let (_, store, outputs) = cached_outputs(&pipeline_args, Some(stage))?;
    let blobs = StoreBlobs(&store);
    let mut shown = Vec::new();
    for output in &outputs {
        let description = describe(&output.dataset, &blobs, None, Scan::EveryHeader)
            .map_err(|e| Error::Failed(format!("`{}`: {e}", output.instance)))?;
        let rows = output
            .dataset
            .records()
            .iter()
            .take(args.rows)
            .map(|r| row(r, &description, &blobs))
            .collect::<Result<Vec<_>, Error>>()?;
        shown.push((output, description, rows));
    }
    if args.json {
        let list: Vec<Shown> = shown
            .into_iter()
            .map(|(output, description, rows)| json_of(output, description, rows))
            .collect();
        let text = match list.as_slice() {
            [one] => serde_json::to_string_pretty(one),
            _ => serde_json::to_string_pretty(&list),
        };
        println!("{}", text.unwrap_or_default());
        return Ok(());
    }
    for (i, (output, description, rows)) in shown.iter().enumerate() {
        if i > 0 {
            println!();
        }
        print_text(output, description, rows);
    }
    Ok(())
}

/// One record's cells as JSON: scalars as they are, arrays as `{dtype, shape}`, files by name.
fn row(
    record: &Record,
    description: &Description,
    blobs: &dyn BlobSource,
) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    let mut out = serde_json::Map::new();
    out.insert("id".into(), record.id.clone().into());
    for field in description.fields.iter().skip(1) {
        let Some(value) = record.fields.get(&field.name) else {
            continue;
        };
        let cell = match (&field.kind, value) {
            (FieldKind::Array { .. }, Value::Blob(blob)) => {
                match tensor_header(blob, blobs).map_err(|e| Error::Failed(e.to_string()))? {
                    Some((dtype, shape)) => {
                        serde_json::json!({"dtype": dtype.to_string(), "shape": shape})
                    }
                    None => serde_json::Value::Null,
                }
            }
            (FieldKind::File, Value::Blob(blob)) => {
                serde_json::json!({"file": blob.name, "size": blob.size})
            }
            (FieldKind::Folder, Value::Map(map)) => {
                serde_json::json!({"folder": map.keys().collect::<Vec<_>>()})
            }
            (_, other) => crate::exchange::to_json(other),
        };
        out.insert(field.name.clone(), cell);
    }
    Ok(out)
}

fn json_of(
    output: &CachedOutput,
    description: Description,
    rows: Vec<serde_json::Map<String, serde_json::Value>>,
) -> Shown {
    Shown {
        instance: output.instance.clone(),
        stage: output.stage.clone(),
        kind: output.kind.clone(),
        output: output.output.to_hex(),
        count: description.count,
        fields: description.fields.iter().map(|f| f.to_spec()).collect(),
        classes: description.classes,
        groups: description.groups,
        meta: scalar_meta(output),
        rows,
    }
}

fn print_text(
    output: &CachedOutput,
    description: &Description,
    rows: &[serde_json::Map<String, serde_json::Value>],
) {
    println!(
        "{}  ({}, output {})  {} records",
        output.instance,
        output.kind,
        output.output.short(),
        description.count
    );
    if let Some(class) = &description.roles.class {
        let counts: Vec<String> = description
            .classes
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        println!("classes  {class}: {}", counts.join(", "));
    }
    if let (Some(group), Some(n)) = (&description.roles.group, description.groups) {
        println!("groups   {group}: {n}");
    }
    for (key, value) in scalar_meta(output) {
        println!("meta     {key}: {}", cell_text(&value));
    }
    let specs: Vec<FieldSpec> = description.fields.iter().map(|f| f.to_spec()).collect();
    let name_width = specs.iter().map(|s| s.name.len()).max().unwrap_or(2).max(5);
    let dtype_width = specs
        .iter()
        .map(|s| s.dtype.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let shapes: Vec<String> = description
        .fields
        .iter()
        .map(|f| match &f.kind {
            FieldKind::Array { shape, .. } => shape.to_string(),
            _ => String::new(),
        })
        .collect();
    let shape_width = shapes.iter().map(String::len).max().unwrap_or(0).max(5);
    println!(
        "{:<name_width$}  {:<dtype_width$}  {:<shape_width$}  role",
        "field", "dtype", "shape"
    );
    for (spec, shape) in specs.iter().zip(&shapes) {
        let role = serde_json::to_value(spec.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        println!(
            "{:<name_width$}  {:<dtype_width$}  {:<shape_width$}  {role}",
            spec.name, spec.dtype, shape
        );
    }
    if rows.is_empty() {
        return;
    }
    println!("first {} records:", rows.len());
    let columns: Vec<&str> = description.fields.iter().map(|f| f.name.as_str()).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| row.get(*c).map(cell_text).unwrap_or_default())
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |items: Vec<&str>| {
        let padded: Vec<String> = items
            .iter()
            .zip(&widths)
            .map(|(text, w)| format!("{text:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(columns.clone());
    for row in &cells {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A JSON cell as table text, cut to [`CELL_WIDTH`] characters.
fn cell_text(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::Object(map) if map.contains_key("dtype") => {
            format!("{}{}", map["dtype"].as_str().unwrap_or("?"), map["shape"])
        }
        serde_json::Value::Object(map) if map.contains_key("file") => {
            map["file"].as_str().unwrap_or("(file)").to_string()
        }
        serde_json::Value::Object(map) if map.contains_key("folder") => "(folder)".into(),
        serde_json::Value::String(s) => s.clone(),
        other => {
            let value: Option<Value> = serde_json::from_value(other.clone()).ok();
            value
                .as_ref()
                .and_then(to_cell)
                .unwrap_or_else(|| other.to_string())
        }
    };
    if text.chars().count() > CELL_WIDTH {
        let cut: String = text.chars().take(CELL_WIDTH - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}
