//! `radflow export [PIPELINE] STAGE --to DIR`: a stage's cached output as a dataset directory
//! (README: "Datasets"), for numpy and pandas. `--all`: every stage's, `DIR/<instance>/` each
//! (`/` in an instance id becomes `_`), for another lab's `verify --reference DIR`.
//!
//! Nothing runs: the output must be in the cache for the pipeline as it is. The folder is
//! written beside its target under a hidden temp name and renamed into place at the end, so an
//! interrupted export leaves no folder at `DIR` (at most a hidden `.DIR.*.tmp` beside it), and
//! a folder at `DIR` is always complete. An existing non-empty `DIR` is refused unless
//! `--force`, which replaces it only once the new one is complete.

use std::path::{Path, PathBuf};

use super::args::{ExportArgs, PipelineArgs};
use super::cached_output::{CachedOutput, cached_outputs, split_targets};
use super::store_blobs::StoreBlobs;
use crate::error::Error;
use crate::exchange::{DatasetJson, Scan, WriteOptions, describe, write_dataset_dir};

pub fn export(args: ExportArgs) -> Result<(), Error> {
    let (pipeline, stage) = match (args.all, args.targets.as_slice()) {
        (false, _) => {
            let (pipeline, stage) = split_targets(&args.targets);
            (pipeline, Some(stage))
        }
        (true, []) => (None, None),
        (true, [pipeline]) => (Some(pipeline.into()), None),
        (true, _) => {
            return Err(Error::Usage(
                "`--all` exports every stage; name only the pipeline file".into(),
            ));
        }
    };
    let pipeline_args = PipelineArgs {
        pipeline,
        cache: args.cache.clone(),
        set: args.set.clone(),
    };
    let target = &args.to;
    ensure_target(target, args.force)?;
    let (loaded, store, outputs) = cached_outputs(&pipeline_args, stage)?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| Error::Input(format!("`{}`: {e}", parent.display())))?;
    let io = |e: std::io::Error| Error::Input(format!("`{}`: {e}", target.display()));
    let building =
        crate::durable::AtomicDir::create_beside(target, store.durability()).map_err(io)?;
    let fields = (!args.fields.is_empty()).then_some(args.fields.as_slice());
    let single = outputs.len() == 1 && !args.all;
    let mut written = Vec::new();
    for output in &outputs {
        let dir = if single {
            building.path().to_path_buf()
        } else {
            let dir = building.path().join(output.instance.replace('/', "_"));
            std::fs::create_dir(&dir).map_err(io)?;
            dir
        };
        let json = write_one(
            output,
            &loaded.plan.pipeline.name,
            &store,
            &dir,
            fields,
            args.png,
        )?;
        written.push((output, json));
    }
    building.commit_replacing(target).map_err(io)?;
    for (output, json) in &written {
        let where_ = if single {
            target.display().to_string()
        } else {
            target
                .join(output.instance.replace('/', "_"))
                .display()
                .to_string()
        };
        let arrays = json.fields.iter().filter(|f| f.shape.is_some()).count();
        println!(
            "exported {}: {} records, {} fields ({arrays} arrays) -> {where_}",
            output.instance,
            json.count,
            json.fields.len() - 1,
        );
    }
    Ok(())
}

/// Refuses an existing non-empty folder (or a file) unless `force`.
fn ensure_target(target: &Path, force: bool) -> Result<(), Error> {
    let Ok(meta) = std::fs::symlink_metadata(target) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "`{}` exists and is not a folder",
            target.display()
        )));
    }
    let empty = std::fs::read_dir(target)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false);
    if !empty && !force {
        return Err(Error::Usage(format!(
            "`{}` exists and is not empty; choose another folder or add `--force` to replace it",
            target.display()
        )));
    }
    Ok(())
}

fn write_one(
    output: &CachedOutput,
    pipeline: &str,
    store: &crate::cache::Store,
    dir: &Path,
    fields: Option<&[String]>,
    png: bool,
) -> Result<DatasetJson, Error> {
    let failed = |e: crate::exchange::ExchangeError| match e {
        // A name the user typed, not a fault of the cached data.
        crate::exchange::ExchangeError::NoField { .. } => {
            Error::Usage(format!("`--fields`: `{}`: {e}", output.instance))
        }
        e => Error::Failed(format!("export of `{}`: {e}", output.instance)),
    };
    let blobs = StoreBlobs(store);
    let description =
        describe(&output.dataset, &blobs, fields, Scan::HeaderPerSize).map_err(failed)?;
    let options = WriteOptions {
        png,
        source: Some(serde_json::json!({
            "pipeline": pipeline,
            "instance": output.instance,
            "kind": output.kind,
            "output": output.output,
        })),
    };
    write_dataset_dir(&output.dataset, &description, &blobs, dir, &options).map_err(failed)
}
