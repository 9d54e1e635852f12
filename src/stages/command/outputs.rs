//! What a program wrote at `{out}`: its declared files and folders, a record folder, or a
//! dataset directory, each checked before anything of it is cached.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::context_blobs::{ContextBlobs, stage_error};
use super::params::Declared;
use crate::dataset::Value;
use crate::exchange::tree::{EntryKind, files_under, resolve_inside};
use crate::exchange::{
    ExchangeError, ReadDataset, RecordOutput, read_dataset_dir, read_record_dir,
};
use crate::stage_api::{StageContext, StageError};

/// The declared outputs as fields: a file as a named blob, a folder as a map of its files
/// (relative path -> blob named `<folder>/<path>`).
pub fn declared_fields(
    ctx: &StageContext<'_>,
    out: &Path,
    declared: &[Declared],
) -> Result<BTreeMap<String, Value>, StageError> {
    let mut fields = BTreeMap::new();
    let missing = |d: &Declared| {
        let what = if d.folder { "folder" } else { "output" };
        let slash = if d.folder { "/" } else { "" };
        StageError::invalid(format!(
            "the program did not write its declared {what} `{}{slash}` (under {{out}})",
            d.name
        ))
    };
    for d in declared {
        let kind = match resolve_inside(out, &d.name) {
            Ok(kind) => kind,
            Err(ExchangeError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Err(missing(d));
            }
            Err(e) => return Err(stage_error(e, "{out}/")),
        };
        let value = match (d.folder, kind) {
            (false, EntryKind::File) => {
                Value::from(ctx.put_file(&out.join(&d.name), Some(&d.name))?)
            }
            (true, EntryKind::Dir) => {
                let mut map = BTreeMap::new();
                let files = files_under(out, &d.name).map_err(|e| stage_error(e, "{out}/"))?;
                for file in files {
                    let key = file.rel[d.name.len() + 1..].to_string();
                    map.insert(key, Value::from(ctx.put_file(&file.path, Some(&file.rel))?));
                }
                Value::Map(map)
            }
            (false, EntryKind::Dir) => {
                return Err(StageError::invalid(format!(
                    "`{{out}}/{}` is a folder; declare it as `{}/` to store it whole",
                    d.name, d.name
                )));
            }
            (true, EntryKind::File) => {
                return Err(StageError::invalid(format!(
                    "`{{out}}/{}` is a file, but `{}/` declares a folder",
                    d.name, d.name
                )));
            }
        };
        fields.insert(d.name.clone(), value);
    }
    Ok(fields)
}

/// A record folder at `{out}` for the item `id`, besides the declared outputs.
pub fn record_output(
    ctx: &StageContext<'_>,
    out: &Path,
    id: &str,
    declared: &[Declared],
) -> Result<RecordOutput, StageError> {
    let tops: Vec<&str> = declared
        .iter()
        .map(|d| d.name.split('/').next().unwrap_or(&d.name))
        .collect();
    let output = read_record_dir(out, id, &tops, &ContextBlobs(ctx))
        .map_err(|e| stage_error(e, "{out}/"))?;
    if output.fields.is_empty() && declared.is_empty() {
        return Err(StageError::invalid(
            "the program wrote no record at {out} (expected record.json or <field>.npy files)",
        ));
    }
    Ok(output)
}

/// A dataset directory at `{out}`; `allowed` are the ids of the program's input, if any.
pub fn dataset_output(
    ctx: &StageContext<'_>,
    out: &Path,
    allowed: Option<&HashSet<&str>>,
) -> Result<ReadDataset, StageError> {
    read_dataset_dir(out, allowed, &ContextBlobs(ctx)).map_err(|e| stage_error(e, "{out}/"))
}
