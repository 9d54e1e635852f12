//! `command`: runs any program as a cached stage, so a lab can put its own steps in the DAG.
//!
//! ```yaml
//! count:
//!   kind: command
//!   with:
//!     run: [python3, scripts/count.py, "{item}", "{out}/count.txt"]
//!     files: [scripts/count.py]          # read by the program: content-hashed into the key
//!     foreach: {files: "data/texts/*.txt"}
//!     outputs: [count.txt]               # written under {out}; stored, and published on request
//! ```
//!
//! The program runs in the workspace root with placeholders (in arguments and a shell string)
//! and environment variables: `{out}`/`RADFLOW_OUT` (the folder for declared outputs),
//! `{item}`/`RADFLOW_ITEM` and `{item_id}`/`RADFLOW_ITEM_ID` (with `foreach`), `{input}`/
//! `RADFLOW_INPUT` (upstream outputs written out as files), `{root}`/`RADFLOW_ROOT`.
//!
//! Without `foreach` the output is one record, `output`. With `foreach: {files: GLOB}` the
//! program runs once per matching file (item-level cached: changing one file reruns one item)
//! and with `foreach: input` once per upstream record; each item's outputs become fields of its
//! record. Only declared environment variables enter the key.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use serde::{Deserialize, Serialize};

use super::dropped::dropped_value;
use crate::dataset::{Dataset, Record, Value};
use crate::key::glob_matches;
use crate::stage_api::StageError;
use crate::stage_api::{Emit, MapRequest, OnError, StageContext};
use crate::stage_api::{FileInput, ParamError, Port, Stage};
use crate::workspace::{checked_write_path, normalize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The program and its arguments, or one string run by `sh -c`.
    pub run: Program,
    /// Files and folders the program reads, relative to the workspace root.
    #[serde(default)]
    pub files: Vec<String>,
    /// Files the program writes under `{out}`.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Environment variables whose values change the output.
    #[serde(default)]
    pub env: Vec<String>,
    /// Run once per matching file (`{files: GLOB}`) or per upstream record (`input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Foreach>,
    /// With `foreach`: `stop` at the first failing item, or `skip` it and go on.
    #[serde(default)]
    pub on_error: OnError,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Program {
    Shell(String),
    Argv(Vec<String>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged, expecting = "`{files: GLOB}` or `input`")]
pub enum Foreach {
    Files {
        files: String,
    },
    #[serde(with = "input_tag")]
    Input,
}

/// `foreach: input` as a plain string.
mod input_tag {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("input")
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "input" {
            Ok(())
        } else {
            Err(serde::de::Error::custom("expected `input`"))
        }
    }
}

pub struct Command {
    params: Params,
    /// For `foreach: {files}`: the literal folder and the pattern below it.
    glob: Option<(String, String)>,
}

impl Stage for Command {
    const KIND: &'static str = "command";
    const VERSION: u32 = 1;
    const ABOUT: &'static str = "runs a program with declared inputs and outputs, once or per item";
    const PORTS: &'static [Port] = &[Port::many("input").optional()];
    type Params = Params;

    fn new(params: Params) -> Result<Self, ParamError> {
        match &params.run {
            Program::Shell(s) if s.trim().is_empty() => {
                return Err(ParamError::new("run", "the command is empty"));
            }
            Program::Argv(v) if v.is_empty() => {
                return Err(ParamError::new("run", "the command is empty"));
            }
            _ => {}
        }
        for (i, output) in params.outputs.iter().enumerate() {
            checked_write_path(output)
                .map_err(|e| ParamError::new(&format!("outputs.{i}"), e.to_string()))?;
        }
        let glob = match &params.foreach {
            Some(Foreach::Files { files: pattern }) => {
                Some(split_glob(pattern).ok_or_else(|| {
                    ParamError::new(
                        "foreach.files",
                        format!("`{pattern}` has no wildcard; name a pattern such as `data/*.txt`"),
                    )
                })?)
            }
            _ => None,
        };
        if params.foreach.is_none() && params.on_error == OnError::Skip {
            return Err(ParamError::new(
                "on_error",
                "`skip` needs `foreach` (there are no items to skip)",
            ));
        }
        Ok(Self { params, glob })
    }

    fn files(&self) -> Vec<FileInput> {
        let mut files: Vec<FileInput> = self
            .params
            .files
            .iter()
            .cloned()
            .map(FileInput::Path)
            .collect();
        if let Some((dir, pattern)) = &self.glob {
            files.push(FileInput::Tree {
                dir: dir.clone(),
                include: vec![pattern.clone()],
            });
        }
        files
    }

    fn env(&self) -> Vec<String> {
        self.params.env.clone()
    }

    fn is_map(&self) -> bool {
        self.params.foreach.is_some()
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let input_dir = if ctx.inputs("input").is_empty()
            || matches!(self.params.foreach, Some(Foreach::Input))
        {
            None
        } else {
            Some(write_inputs(ctx)?)
        };
        match &self.params.foreach {
            None => {
                let fields = self.invoke(ctx, None, input_dir.as_deref())?;
                Ok(Dataset::from_records(vec![Record {
                    id: "output".into(),
                    fields,
                }])?)
            }
            Some(Foreach::Files { .. }) => {
                let (dir, pattern) = self.glob.as_ref().expect("checked in new");
                let prefix = if dir == "." {
                    String::new()
                } else {
                    format!("{dir}/")
                };
                let records: Vec<Record> = ctx
                    .files()
                    .values()
                    .filter_map(|f| {
                        let rel = f.path.strip_prefix(&prefix)?;
                        glob_matches(pattern, rel).then(|| Record::new(rel).with("file", f.clone()))
                    })
                    .collect();
                self.per_item(ctx, records, &["$id", "file"], input_dir.as_deref())
            }
            Some(Foreach::Input) => {
                let mut records = Vec::new();
                for upstream in ctx.inputs("input") {
                    records.extend(upstream.dataset.records().iter().cloned());
                }
                if records.is_empty() {
                    return Err(StageError::invalid(
                        "`foreach: input`, but the input has no records",
                    ));
                }
                self.per_item(ctx, records, &[], None)
            }
        }
    }
}

impl Command {
    fn per_item(
        &self,
        ctx: &StageContext<'_>,
        records: Vec<Record>,
        key_fields: &[&str],
        input_dir: Option<&Path>,
    ) -> Result<Dataset, StageError> {
        let with_id: Vec<&str> = if key_fields.is_empty() {
            vec![]
        } else {
            key_fields.to_vec()
        };
        let compute =
            |batch: &[&Record], ctx: &StageContext<'_>| -> Result<Vec<Vec<Emit>>, StageError> {
                batch
                    .iter()
                    .map(|record| {
                        let item = match record.fields.get("file") {
                            Some(Value::File(file)) if key_fields.contains(&"file") => {
                                ItemInput::File(ctx.open_file(file)?)
                            }
                            _ => ItemInput::Record(write_record(ctx, record)?),
                        };
                        let fields = self.invoke(ctx, Some((&record.id, item)), input_dir)?;
                        Ok(vec![Emit::same(fields)])
                    })
                    .collect()
            };
        let output = ctx.map(MapRequest {
            records: &records,
            key_fields: &with_id,
            shared_key: serde_json::json!({ "files": self.declared_files(ctx), "env": self.env_values(), "input": input_dir.is_some() }),
            batch: 1,
            parallel: true,
            on_error: self.params.on_error,
            compute: &compute,
        })?;
        let mut meta = BTreeMap::new();
        if !output.dropped.is_empty() {
            meta.insert("dropped".to_string(), dropped_value(&output.dropped));
        }
        Ok(Dataset::new(output.records, meta)?)
    }

    /// The hashes of `files:` (what every item reads), without the `foreach` matches (what
    /// single items read): a changed script reruns every item, a changed data file one.
    fn declared_files(&self, ctx: &StageContext<'_>) -> BTreeMap<String, crate::digest::Digest> {
        ctx.files()
            .values()
            .filter(|f| match &self.glob {
                Some((dir, pattern)) => {
                    let rel = if dir == "." {
                        Some(f.path.as_str())
                    } else {
                        f.path.strip_prefix(&format!("{dir}/"))
                    };
                    !rel.is_some_and(|rel| glob_matches(pattern, rel))
                }
                None => true,
            })
            .map(|f| (f.path.clone(), f.digest))
            .collect()
    }

    fn env_values(&self) -> BTreeMap<&str, Option<String>> {
        self.params
            .env
            .iter()
            .map(|name| (name.as_str(), std::env::var(name).ok()))
            .collect()
    }

    /// Runs the program once and stores its declared outputs.
    fn invoke(
        &self,
        ctx: &StageContext<'_>,
        item: Option<(&str, ItemInput)>,
        input_dir: Option<&Path>,
    ) -> Result<BTreeMap<String, Value>, StageError> {
        ctx.check_cancelled()?;
        let scratch = ctx.scratch_dir()?;
        let out = scratch.join("out");
        fs::create_dir_all(&out).map_err(|e| StageError::Cache(e.to_string()))?;
        let root = ctx.workspace().root().to_path_buf();
        let mut vars: Vec<(&str, String)> =
            vec![("out", path_text(&out)), ("root", path_text(&root))];
        if let Some(input) = input_dir {
            vars.push(("input", path_text(input)));
        }
        if let Some((id, input)) = &item {
            vars.push(("item", path_text(input.path())));
            vars.push(("item_id", id.to_string()));
        }
        let expand = |text: &str| {
            vars.iter().fold(text.to_string(), |acc, (k, v)| {
                acc.replace(&format!("{{{k}}}"), v)
            })
        };
        let mut process = match &self.params.run {
            Program::Shell(script) => {
                let mut p = Process::new("sh");
                p.arg("-c").arg(expand(script));
                p
            }
            Program::Argv(argv) => {
                let mut p = Process::new(expand(&argv[0]));
                p.args(argv[1..].iter().map(|a| expand(a)));
                p
            }
        };
        let log_path = scratch.join("log.txt");
        let log = fs::File::create(&log_path).map_err(|e| StageError::Cache(e.to_string()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| StageError::Cache(e.to_string()))?;
        process
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        for (name, value) in &vars {
            process.env(format!("RADFLOW_{}", name.to_uppercase()), value);
        }
        let program = match &self.params.run {
            Program::Shell(_) => "sh".to_string(),
            Program::Argv(argv) => expand(&argv[0]),
        };
        let status = process
            .status()
            .map_err(|e| StageError::invalid(format!("cannot start `{program}`: {e}")))?;
        if !status.success() {
            let tail = log_tail(&log_path, 12);
            let how = match status.code() {
                Some(code) => format!("exited with status {code}"),
                None => "was killed by a signal".into(),
            };
            return Err(StageError::invalid(format!("`{program}` {how}{tail}")));
        }
        let mut fields = BTreeMap::new();
        for name in &self.params.outputs {
            let path = out.join(name);
            if !path.is_file() {
                return Err(StageError::invalid(format!(
                    "the program did not write its declared output `{name}` (under {{out}})"
                )));
            }
            let blob = ctx.put_file(&path, Some(name))?;
            fields.insert(name.clone(), Value::Blob(blob));
        }
        if let Some((_, ItemInput::Record(dir))) = item {
            let _ = fs::remove_dir_all(dir);
        }
        Ok(fields)
    }
}

enum ItemInput {
    File(PathBuf),
    Record(PathBuf),
}

impl ItemInput {
    fn path(&self) -> &Path {
        match self {
            ItemInput::File(p) | ItemInput::Record(p) => p,
        }
    }
}

/// `data/texts/*.txt` -> (`data/texts`, `*.txt`): the longest wildcard-free folder prefix.
fn split_glob(pattern: &str) -> Option<(String, String)> {
    let normalized = normalize(Path::new(pattern));
    let parts: Vec<&str> = normalized.split('/').collect();
    let first_wild = parts.iter().position(|p| p.contains(['*', '?']))?;
    let dir = if first_wild == 0 {
        ".".to_string()
    } else {
        parts[..first_wild].join("/")
    };
    Some((dir, parts[first_wild..].join("/")))
}

/// Writes every upstream dataset as files: `<dir>/<stage>[-<label>]/records.json` plus each
/// named blob as `<record id>/<name>` (or `<name>` when the dataset has one record).
fn write_inputs(ctx: &StageContext<'_>) -> Result<PathBuf, StageError> {
    let dir = ctx.scratch_dir()?.join("input");
    for upstream in ctx.inputs("input") {
        let folder = if upstream.label.is_empty() {
            upstream.stage.clone()
        } else {
            let label: String = upstream
                .label
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("{}-{label}", upstream.stage)
        };
        let base = dir.join(folder);
        let single = upstream.dataset.len() == 1;
        for record in upstream.dataset.records() {
            let target = if single {
                base.clone()
            } else {
                base.join(&record.id)
            };
            write_blobs(ctx, record, &target)?;
        }
        let manifest = upstream.dataset.to_manifest()?;
        fs::create_dir_all(&base).map_err(|e| StageError::Cache(e.to_string()))?;
        fs::write(base.join("records.json"), manifest)
            .map_err(|e| StageError::Cache(e.to_string()))?;
    }
    Ok(dir)
}

/// Writes one record as `<scratch>/record.json` plus its named blobs beside it.
fn write_record(ctx: &StageContext<'_>, record: &Record) -> Result<PathBuf, StageError> {
    let dir = ctx.scratch_dir()?.join("item");
    write_blobs(ctx, record, &dir)?;
    let json = serde_json::to_vec_pretty(record).map_err(|e| StageError::invalid(e.to_string()))?;
    fs::write(dir.join("record.json"), json).map_err(|e| StageError::Cache(e.to_string()))?;
    Ok(dir)
}

fn write_blobs(ctx: &StageContext<'_>, record: &Record, dir: &Path) -> Result<(), StageError> {
    fs::create_dir_all(dir).map_err(|e| StageError::Cache(e.to_string()))?;
    let mut result = Ok(());
    for value in record.fields.values() {
        value.for_each_blob(&mut |blob| {
            let Some(name) = &blob.name else { return };
            let Ok(rel) = checked_write_path(name) else {
                return;
            };
            let target = dir.join(rel);
            if let Some(parent) = target.parent() {
                let _ = fs::create_dir_all(parent);
            }
            // Copies, never links: the program must not be able to change the cache.
            if result.is_ok() {
                result = ctx.copy_blob(blob, &target);
            }
        });
    }
    result
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// `: <last lines of the log>` for error messages.
fn log_tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(lines).collect();
    if tail.is_empty() {
        return String::new();
    }
    let body: Vec<&str> = tail.into_iter().rev().collect();
    format!(":\n    {}", body.join("\n    "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_split_at_their_first_wildcard() {
        assert_eq!(
            split_glob("data/texts/*.txt"),
            Some(("data/texts".into(), "*.txt".into()))
        );
        assert_eq!(split_glob("*.csv"), Some((".".into(), "*.csv".into())));
        assert_eq!(
            split_glob("data/**/x?.nrrd"),
            Some(("data".into(), "**/x?.nrrd".into()))
        );
        assert_eq!(split_glob("data/a.txt"), None);
    }
}
