//! What a program reads: `{input}` (upstream datasets as dataset directories) and `{item}`
//! (one record as a record folder).
//!
//! An upstream dataset's directory is derived once per output hash and kept in the cache
//! (`derived/radflow-dataset-1/<hash>/`, read-only), so every invocation, rerun and pipeline
//! reading the same output shares one copy: after the first, handing `{input}` to a program
//! costs a path. With one upstream dataset `{input}` is its directory; with several (a list of
//! stages, or every instance of a swept stage) `{input}` is a folder of links, one per
//! upstream, named `<stage>` or `<stage>-<label>`.

use std::path::{Path, PathBuf};

use super::context_blobs::{ContextBlobs, stage_error};
use crate::dataset::Record;
use crate::exchange::{FORMAT, Scan, WriteOptions, describe, write_dataset_dir, write_record_dir};
use crate::stage_api::{StageContext, StageError, Upstream};

/// The derived-folder kind of a dataset directory (the format's version is in the name).
pub fn view_kind() -> String {
    FORMAT.replace('/', "-")
}

/// `{input}`, or `None` when nothing is bound to `input`.
pub fn input_dir(ctx: &StageContext<'_>) -> Result<Option<PathBuf>, StageError> {
    let upstreams = ctx.inputs("input");
    match upstreams {
        [] => Ok(None),
        [one] if one.label.is_empty() => dataset_view(ctx, one).map(Some),
        many => {
            let dir = ctx.scratch_dir()?.join("input");
            std::fs::create_dir_all(&dir).map_err(|e| StageError::Cache(e.to_string()))?;
            for upstream in many {
                let view = dataset_view(ctx, upstream)?;
                std::os::unix::fs::symlink(&view, dir.join(folder_name(upstream)))
                    .map_err(|e| StageError::Cache(e.to_string()))?;
            }
            Ok(Some(dir))
        }
    }
}

/// `<stage>` or `<stage>-<label>`, the label's characters other than `A-Za-z0-9-_.=,` as `_`.
fn folder_name(upstream: &Upstream) -> String {
    if upstream.label.is_empty() {
        return upstream.stage.clone();
    }
    let label: String = upstream
        .label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.=,".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}-{label}", upstream.stage)
}

/// The dataset directory of `upstream`, made on first use.
pub fn dataset_view(ctx: &StageContext<'_>, upstream: &Upstream) -> Result<PathBuf, StageError> {
    let build = |dir: &Path| -> Result<(), StageError> {
        let blobs = ContextBlobs(ctx);
        let dataset = &upstream.dataset;
        let description = describe(dataset, &blobs, None, Scan::HeaderPerSize)
            .map_err(|e| stage_error(e, "{input}/"))?;
        let options = WriteOptions {
            png: false,
            source: Some(serde_json::json!({ "output": upstream.output })),
        };
        write_dataset_dir(dataset, &description, &blobs, dir, &options)
            .map_err(|e| stage_error(e, "{input}/"))?;
        Ok(())
    };
    ctx.derived_dir(&view_kind(), &upstream.output, &build)
}

/// Writes `record` as a record folder at `dir` (created).
pub fn item_dir(ctx: &StageContext<'_>, record: &Record, dir: &Path) -> Result<(), StageError> {
    std::fs::create_dir_all(dir).map_err(|e| StageError::Cache(e.to_string()))?;
    write_record_dir(record, &ContextBlobs(ctx), dir).map_err(|e| stage_error(e, "{item}/"))
}
