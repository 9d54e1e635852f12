//! `command`: runs any program as a cached stage, so a lab can put its own steps in the DAG.
//!
//! ```yaml
//! embed:
//!   kind: command
//!   input: resized                      # any dataset
//!   with:
//!     run: [python3, scripts/embed.py, "{item}", "{out}"]
//!     files: [scripts/embed.py]         # read by the program: content-hashed into the key
//!     foreach: input                    # once per record, each cached on its own
//!     output: dataset                   # {out} is a record folder: its fields join the record
//! ```
//!
//! The program runs in the workspace root with placeholders (in arguments and a shell string)
//! and environment variables: `{out}`/`RADFLOW_OUT` (the folder it writes), `{input}`/
//! `RADFLOW_INPUT` (the upstream dataset as a dataset directory, or a folder of them; not with
//! `foreach: input`), `{item}`/`RADFLOW_ITEM` (the item's file, or its record folder) and
//! `{item_id}`/`RADFLOW_ITEM_ID` with `foreach`, `{root}`/`RADFLOW_ROOT`.
//!
//! What it writes: the declared `outputs` (files, or folders written `name/`), stored as named
//! blobs; with `output: dataset` also a record folder per item (its fields added to or
//! replacing the input record's, so id, class and group carry over) or, without `foreach`, a
//! whole dataset directory (its ids must be records of the input, whose fields they keep).
//! Everything is checked before it is cached; a failing item caches nothing, keeps its log in
//! the cache's `logs/`, and the error shows what the program printed last.
//!
//! Without `foreach` the stage runs the program once. With `foreach: {files: GLOB}` it runs
//! once per matching file and with `foreach: input` once per upstream record, each item cached
//! on its own (changing one file or one record reruns one item). Only declared environment
//! variables enter the key.

mod context_blobs;
mod inputs;
mod invocation;
mod outputs;
mod params;
mod program_words;
mod shapes;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

pub use params::{Declared, Foreach, OutputMode, Params, Program};

use super::dropped::dropped_value;
use crate::dataset::{Dataset, Record, Roles, Value};
use crate::exchange::id_name::file_name_of;
use crate::key::glob_matches;
use crate::stage_api::{
    Emit, FileInput, MapRequest, OnError, OutsideProgram, ParamError, Port, Stage,
};
use crate::stage_api::{StageContext, StageError};
use crate::workspace::{checked_write_path, normalize};
use inputs::{input_dir, item_dir};
use invocation::Invocation;
use outputs::{dataset_output, declared_fields, record_output};
use shapes::Shapes;

pub struct Command {
    params: Params,
    declared: Vec<Declared>,
    /// For `foreach: {files}`: the literal folder and the pattern below it.
    glob: Option<(String, String)>,
}

impl Stage for Command {
    const KIND: &'static str = "command";
    /// 2: `{input}` and `{item}` are exchange-format folders.
    const VERSION: u32 = 2;
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
        let mut declared: Vec<Declared> = Vec::new();
        for (i, output) in params.outputs.iter().enumerate() {
            let name = checked_write_path(output)
                .map_err(|e| ParamError::new(&format!("outputs.{i}"), e.to_string()))?;
            if declared.iter().any(|d| d.name == name) {
                return Err(ParamError::new(
                    &format!("outputs.{i}"),
                    format!("`{output}` is declared twice"),
                ));
            }
            declared.push(Declared {
                name,
                folder: output.ends_with('/'),
            });
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
        if params.output == OutputMode::Dataset && params.foreach.is_none() && !declared.is_empty()
        {
            return Err(ParamError::new(
                "outputs",
                "with `output: dataset` and no `foreach`, {out} is a dataset directory; name its \
                 files in dataset.json (dtype `file` or `folder`) instead",
            ));
        }
        if !params.varies.is_empty()
            && (params.output != OutputMode::Dataset || params.foreach.is_none())
        {
            return Err(ParamError::new(
                "varies",
                "`varies` needs `output: dataset` and `foreach` (a dataset directory says \
                 \"varies\" in its dataset.json)",
            ));
        }
        Ok(Self {
            params,
            declared,
            glob,
        })
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

    fn program(&self) -> Option<OutsideProgram> {
        Some(match &self.params.run {
            Program::Shell(text) => OutsideProgram {
                command: text.clone(),
                words: program_words::shell_words(text),
            },
            Program::Argv(argv) => OutsideProgram {
                command: serde_json::to_string(argv).unwrap_or_default(),
                // Each argument whole (it may hold a blank) and split (`--config=a.yaml`).
                words: argv
                    .iter()
                    .cloned()
                    .chain(argv.iter().flat_map(|a| program_words::shell_words(a)))
                    .collect(),
            },
        })
    }

    fn is_map(&self) -> bool {
        self.params.foreach.is_some()
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        match &self.params.foreach {
            None => self.once(ctx),
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
                let input = input_dir(ctx)?;
                self.per_item(ctx, records, &["$id", "file"], input.as_deref())
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
                let dataset = self.per_item(ctx, records, &[], None)?;
                Ok(dataset.with_roles(&input_roles(ctx)))
            }
        }
    }
}

impl Command {
    /// Runs the program once; the output is one record (`output`) of the declared outputs, or
    /// the dataset directory the program wrote.
    fn once(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let input = input_dir(ctx)?;
        let scratch = Scratch(ctx.scratch_dir()?);
        let invocation = self.invocation(ctx, &scratch.0, input.as_deref(), None, "run");
        invocation.run(ctx)?;
        let out = invocation.out();
        if self.params.output == OutputMode::Files {
            let fields = declared_fields(ctx, &out, &self.declared)
                .map_err(|e| decorate(&invocation, ctx, e))?;
            return Ok(Dataset::from_records(vec![Record {
                id: "output".into(),
                fields,
            }])?);
        }
        let upstreams = ctx.inputs("input");
        let allowed: Option<HashSet<&str>> = (!upstreams.is_empty()).then(|| {
            upstreams
                .iter()
                .flat_map(|u| u.dataset.records().iter().map(|r| r.id.as_str()))
                .collect()
        });
        let written = dataset_output(ctx, &out, allowed.as_ref())
            .map_err(|e| decorate(&invocation, ctx, e))?;
        // Each record keeps the other fields of the input record it names (of the first
        // upstream, in `input:` order, that has its id), so id, class and group carry over.
        let records: Vec<Record> = written
            .records
            .into_iter()
            .map(|record| {
                let mut merged = upstreams
                    .iter()
                    .find_map(|u| u.dataset.get(&record.id))
                    .cloned()
                    .unwrap_or_else(|| Record::new(&record.id));
                merged.id = record.id;
                merged.fields.extend(record.fields);
                merged
            })
            .collect();
        let inherited = input_roles(ctx);
        let has = |field: &Option<String>| {
            field
                .clone()
                .filter(|f| records.iter().any(|r| r.fields.contains_key(f)))
        };
        let roles = Roles {
            class: written.roles.class.or_else(|| has(&inherited.class)),
            group: written.roles.group.or_else(|| has(&inherited.group)),
        };
        Ok(Dataset::from_records(records)
            .map_err(|e| decorate(&invocation, ctx, e.into()))?
            .with_roles(&roles))
    }

    fn per_item(
        &self,
        ctx: &StageContext<'_>,
        records: Vec<Record>,
        key_fields: &[&str],
        input: Option<&Path>,
    ) -> Result<Dataset, StageError> {
        let shapes = Shapes::new(&self.params.varies);
        let compute =
            |batch: &[&Record], ctx: &StageContext<'_>| -> Result<Vec<Vec<Emit>>, StageError> {
                batch
                    .iter()
                    .map(|record| Ok(vec![Emit::same(self.item(ctx, record, input, &shapes)?)]))
                    .collect()
            };
        // Items read `{input}` whole when there is one: its content is part of every item key.
        let input_outputs: Vec<String> = if input.is_some() {
            ctx.inputs("input")
                .iter()
                .map(|u| u.output.to_hex())
                .collect()
        } else {
            Vec::new()
        };
        let output = ctx.map(MapRequest {
            records: &records,
            key_fields,
            shared_key: serde_json::json!({
                "files": self.declared_files(ctx),
                "env": self.env_values(),
                "input": input_outputs,
            }),
            batch: 1,
            parallel: true,
            on_error: self.params.on_error,
            compute: &compute,
        })?;
        if self.params.output == OutputMode::Dataset {
            shapes.check_cached(ctx, &output.records)?;
        }
        let mut meta = BTreeMap::new();
        if !output.dropped.is_empty() {
            meta.insert("dropped".to_string(), dropped_value(&output.dropped));
        }
        Ok(Dataset::new(output.records, meta)?)
    }

    /// One item: its `{item}`, the program, and what it wrote.
    fn item(
        &self,
        ctx: &StageContext<'_>,
        record: &Record,
        input: Option<&Path>,
        shapes: &Shapes<'_>,
    ) -> Result<BTreeMap<String, Value>, StageError> {
        let scratch = Scratch(ctx.scratch_dir()?);
        let item = match (&self.params.foreach, record.fields.get("file")) {
            (Some(Foreach::Files { .. }), Some(Value::File(file))) => ctx.open_file(file)?,
            _ => {
                let dir = scratch.0.join("item");
                item_dir(ctx, record, &dir)?;
                dir
            }
        };
        let log_name = file_name_of(&record.id)
            .unwrap_or_else(|_| crate::digest::Digest::of(record.id.as_bytes()).to_hex());
        let invocation =
            self.invocation(ctx, &scratch.0, input, Some((&record.id, &item)), &log_name);
        invocation.run(ctx)?;
        let out = invocation.out();
        let written = || -> Result<BTreeMap<String, Value>, StageError> {
            let mut fields = BTreeMap::new();
            if self.params.output == OutputMode::Dataset {
                let output = record_output(ctx, &out, &record.id, &self.declared)?;
                shapes
                    .check(&record.id, &output.arrays)
                    .map_err(StageError::invalid)?;
                fields = output.fields;
            }
            fields.extend(declared_fields(ctx, &out, &self.declared)?);
            Ok(fields)
        };
        written().map_err(|e| decorate(&invocation, ctx, e))
    }

    fn invocation<'s>(
        &'s self,
        ctx: &StageContext<'_>,
        scratch: &Path,
        input: Option<&Path>,
        item: Option<(&str, &Path)>,
        log_name: &str,
    ) -> Invocation<'s> {
        let text = |p: &Path| p.to_string_lossy().into_owned();
        let mut vars: Vec<(&'static str, String)> = vec![
            ("out", text(&scratch.join("out"))),
            ("root", text(ctx.workspace().root())),
        ];
        if let Some(input) = input {
            vars.push(("input", text(input)));
        }
        if let Some((id, path)) = item {
            vars.push(("item_id", id.to_string()));
            vars.push(("item", text(path)));
        }
        Invocation {
            program: &self.params.run,
            vars,
            scratch: scratch.to_path_buf(),
            log_name: log_name.to_string(),
        }
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
}

/// The roles of the upstream datasets, when they agree.
/// The roles the upstreams that declare any agree on (a head's output declares none, so a
/// program reading features and a head keeps the features' class and group); none when they
/// disagree.
fn input_roles(ctx: &StageContext<'_>) -> Roles {
    let mut all = ctx
        .inputs("input")
        .iter()
        .map(|u| u.dataset.roles())
        .filter(|r| !r.is_empty());
    let Some(first) = all.next() else {
        return Roles::default();
    };
    if all.all(|r| r == first) {
        first
    } else {
        Roles::default()
    }
}

/// A problem with what the program wrote, with its last lines and its kept log; failures of
/// the cache itself stay as they are.
fn decorate(invocation: &Invocation<'_>, ctx: &StageContext<'_>, error: StageError) -> StageError {
    match error {
        StageError::Object { .. } | StageError::Interrupted | StageError::Cache(_) => error,
        other => invocation.failure(ctx, other.to_string()),
    }
}

/// One invocation's scratch folder, removed as soon as the item is done (the engine removes
/// any left at the end of the stage).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = crate::durable::remove_tree(&self.0);
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

    fn params(yaml: &str) -> Result<Command, ParamError> {
        Command::new(serde_yaml::from_str(yaml).expect("parameters parse"))
    }

    #[test]
    fn contradictory_parameters_are_refused() {
        let cases = [
            ("{run: x, on_error: skip}", "needs `foreach`"),
            (
                "{run: x, output: dataset, outputs: [a.txt]}",
                "dataset directory",
            ),
            ("{run: x, varies: [crop]}", "`varies` needs"),
            ("{run: x, outputs: [a.txt, ./a.txt]}", "declared twice"),
            ("{run: '  '}", "the command is empty"),
        ];
        for (yaml, expected) in cases {
            let error = params(yaml).err().expect(yaml).message;
            assert!(error.contains(expected), "{yaml}: {error}");
        }
        assert!(params("{run: x, foreach: input, output: dataset, varies: [crop]}").is_ok());
    }
}
