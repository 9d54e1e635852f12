//! Loading a pipeline file: parse, resolve imports, apply `--set`, check references.
//!
//! The result, [`Pipeline`], is what the planner reads. Kind-specific checks (the kind exists,
//! its parameters have the right names and types, inputs match its ports) happen when the plan
//! instantiates stages, and report through the same [`SpecError`] with the same file positions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::document::{DefinitionDoc, ExecutorDoc, OneOrMany, PipelineDoc, ResourcesDoc, StageDoc};
use super::error::{SpecError, SpecErrorKind};
use super::import::{ResolvedImport, Resolver};
use super::locate::locate;
use super::matrix::{Matrix, parse_matrix};
use super::overrides::Override;
use super::suggest::did_you_mean;
use super::yaml::parse_yaml;
use crate::workspace::{Workspace, checked_write_path};

/// A loaded, reference-checked pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub description: Option<String>,
    /// The pipeline file, as given on the command line made absolute.
    pub file: PathBuf,
    /// Its text, kept to point errors found later at a line.
    pub text: String,
    pub workspace: Workspace,
    /// `cache:` as written, resolved against the root; the CLI may override it.
    pub cache_dir: PathBuf,
    /// Where published outputs go (inside the workspace).
    pub output_dir: PathBuf,
    pub executor: Option<ExecutorDoc>,
    /// How cache writes are flushed (`durability:`; default safe).
    pub durability: crate::durable::Durability,
    /// Sorted by name.
    pub stages: Vec<StageDecl>,
    /// The `--set`s applied, for run records.
    pub overrides: Vec<Override>,
    /// Every imported definition file, nested imports before the file importing them.
    pub imports: Vec<ResolvedImport>,
}

/// One stage as declared (before matrix expansion).
#[derive(Debug, Clone)]
pub struct StageDecl {
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub inputs: Inputs,
    /// Inputs whose instances this stage follows one by one (`per:`), even through a port
    /// that gathers many: each of them is read by every port as one instance is.
    pub per: Vec<String>,
    pub matrix: Matrix,
    /// Parameters: the definition's, overlaid with the pipeline's, overlaid with `--set`.
    pub with: Mapping,
    pub publish: Option<bool>,
    pub resources: ResourcesDoc,
    /// The imported definition it `uses`, and the file it came from.
    pub definition: Option<(String, PathBuf)>,
    /// Parameter paths set by `--set` (dotted, below `with`).
    pub overridden: BTreeSet<String>,
}

/// How a stage names its upstream stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inputs {
    /// `input:` (the kind's main port).
    Main(Vec<String>),
    /// `inputs: {port: stage}`.
    Named(BTreeMap<String, Vec<String>>),
}

impl Inputs {
    /// Every upstream stage named, in order.
    pub fn stages(&self) -> Vec<&str> {
        match self {
            Inputs::Main(names) => names.iter().map(String::as_str).collect(),
            Inputs::Named(ports) => ports.values().flatten().map(String::as_str).collect(),
        }
    }
}

impl Pipeline {
    /// The stage with this name.
    pub fn stage(&self, name: &str) -> Option<&StageDecl> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// An error about the pipeline file at a key path, with its position when it can be found.
    pub fn error_at(
        &self,
        kind: SpecErrorKind,
        key_path: &[&str],
        message: impl Into<String>,
    ) -> SpecError {
        SpecError::new(kind, &self.file, message)
            .at(key_path.join("."))
            .position(locate(&self.text, key_path))
    }

    /// An error about a stage's parameter; points at the definition file when the parameter
    /// came from there, and names the `--set` when it came from the command line.
    pub fn param_error(
        &self,
        stage: &StageDecl,
        param_path: &str,
        message: impl Into<String>,
    ) -> SpecError {
        let message = message.into();
        if stage.overridden.contains(param_path) {
            return SpecError::new(SpecErrorKind::Override, &self.file, message)
                .at(format!("--set {}.{param_path}", stage.name));
        }
        let mut key: Vec<&str> = vec!["stages", &stage.name, "with"];
        key.extend(param_path.split('.').filter(|s| !s.is_empty()));
        let here = locate(&self.text, &key);
        if here.is_none()
            && let Some((def, file)) = &stage.definition
            && let Ok(text) = std::fs::read_to_string(file)
        {
            let mut def_key: Vec<&str> = vec!["definitions", def, "with"];
            def_key.extend(param_path.split('.').filter(|s| !s.is_empty()));
            if let Some(pos) = locate(&text, &def_key) {
                return SpecError::new(SpecErrorKind::Invalid, file, message)
                    .at(def_key.join("."))
                    .position(Some(pos));
            }
        }
        SpecError::new(SpecErrorKind::Invalid, &self.file, message)
            .at(key.join("."))
            .position(here)
    }
}

/// Reads and checks a pipeline file and applies `overrides`.
pub fn load(file: &Path, overrides: &[Override]) -> Result<Pipeline, SpecError> {
    let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let text = read_text(&file)?;
    let doc: PipelineDoc = parse_yaml(&file, &text)?;
    let root = root_of(&file, &doc);
    let workspace = Workspace::new(root.clone());
    let located = |key: &[&str], kind, message: String| {
        SpecError::new(kind, &file, message)
            .at(key.join("."))
            .position(locate(&text, key))
    };
    let name = match doc.pipeline.clone() {
        Some(name) => name,
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    check_name(&name).map_err(|m| located(&["pipeline"], SpecErrorKind::Invalid, m))?;
    let cache_dir = workspace.resolve(doc.cache.as_deref().unwrap_or("cache"));
    let output_rel = match &doc.output {
        Some(out) => checked_write_path(out)
            .map_err(|e| located(&["output"], SpecErrorKind::Path, e.to_string()))?,
        None => format!("out/{name}"),
    };
    let output_dir = root.join(output_rel);

    let mut resolver = Resolver::new(&workspace, true);
    resolver.resolve_list(&doc.import, &file, &text, true)?;
    let mut definitions: BTreeMap<String, (DefinitionDoc, PathBuf)> = BTreeMap::new();
    let mut imports = Vec::with_capacity(resolver.resolved.len());
    for (import, defs) in resolver.resolved {
        for (def_name, def) in defs.definitions.0 {
            if let Some((_, other)) = definitions.get(&def_name) {
                return Err(SpecError::new(
                    SpecErrorKind::Duplicate,
                    &import.file,
                    format!(
                        "definition `{def_name}` is also defined in `{}`",
                        other.display()
                    ),
                )
                .at(format!("definitions.{def_name}"))
                .position(locate(&import.text, &["definitions", &def_name])));
            }
            definitions.insert(def_name, (def, import.file.clone()));
        }
        imports.push(import);
    }

    let names: Vec<&str> = doc.stages.0.keys().map(String::as_str).collect();
    let mut stages = Vec::with_capacity(doc.stages.0.len());
    for (stage_name, stage) in &doc.stages.0 {
        check_name(stage_name)
            .map_err(|m| located(&["stages", stage_name], SpecErrorKind::Invalid, m))?;
        stages.push(build_stage(
            stage_name,
            stage,
            &definitions,
            &names,
            &located,
        )?);
    }
    if stages.is_empty() {
        return Err(located(
            &["stages"],
            SpecErrorKind::Invalid,
            "the pipeline has no stages".into(),
        ));
    }

    let mut pipeline = Pipeline {
        name,
        description: doc.description,
        file: file.clone(),
        text: text.clone(),
        workspace,
        cache_dir,
        output_dir,
        executor: doc.executor,
        durability: doc.durability.unwrap_or_default(),
        stages,
        overrides: overrides.to_vec(),
        imports,
    };
    for o in overrides {
        apply_override(&mut pipeline, o)?;
    }
    Ok(pipeline)
}

/// The imports of the pipeline file `file`, resolved, with drifted pins returned rather than
/// refused (what `radflow update-imports` needs to rewrite them).
pub fn resolve_imports(file: &Path) -> Result<Vec<ResolvedImport>, SpecError> {
    let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let text = read_text(&file)?;
    let doc: PipelineDoc = parse_yaml(&file, &text)?;
    let workspace = Workspace::new(root_of(&file, &doc));
    let mut resolver = Resolver::new(&workspace, false);
    resolver.resolve_list(&doc.import, &file, &text, true)?;
    Ok(resolver.resolved.into_iter().map(|(r, _)| r).collect())
}

/// `root:` resolved against the pipeline file's folder.
fn root_of(file: &Path, doc: &PipelineDoc) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let root = match &doc.root {
        Some(root) => std::path::absolute(dir.join(root)).unwrap_or_else(|_| dir.join(root)),
        None => dir,
    };
    clean_dots(&root)
}

fn build_stage(
    name: &str,
    stage: &StageDoc,
    definitions: &BTreeMap<String, (DefinitionDoc, PathBuf)>,
    names: &[&str],
    located: &dyn Fn(&[&str], SpecErrorKind, String) -> SpecError,
) -> Result<StageDecl, SpecError> {
    let def = match &stage.uses {
        Some(uses) => Some(definitions.get(uses).ok_or_else(|| {
            let hint = did_you_mean(uses, definitions.keys().map(String::as_str));
            let known = if definitions.is_empty() {
                " (the pipeline imports no definitions)".to_string()
            } else {
                String::new()
            };
            located(
                &["stages", name, "uses"],
                SpecErrorKind::UnknownReference,
                format!("no imported definition is named `{uses}`{known}{hint}"),
            )
        })?),
        None => None,
    };
    let kind = match (&stage.kind, def) {
        (Some(kind), Some((d, _))) if *kind != d.kind => {
            return Err(located(
                &["stages", name, "kind"],
                SpecErrorKind::Invalid,
                format!(
                    "kind `{kind}` differs from the kind `{}` of definition `{}`",
                    d.kind,
                    stage.uses.as_deref().unwrap_or("")
                ),
            ));
        }
        (Some(kind), _) => kind.clone(),
        (None, Some((d, _))) => d.kind.clone(),
        (None, None) => {
            return Err(located(
                &["stages", name],
                SpecErrorKind::Invalid,
                format!("stage `{name}` needs `kind:` (or `uses:` an imported definition)"),
            ));
        }
    };
    let inputs = match (&stage.input, &stage.inputs) {
        (Some(_), Some(_)) => {
            return Err(located(
                &["stages", name, "inputs"],
                SpecErrorKind::Invalid,
                "use either `input:` or `inputs:`, not both".into(),
            ));
        }
        (Some(one), None) => Inputs::Main(one.clone().into_vec()),
        (None, Some(ports)) => Inputs::Named(
            ports
                .iter()
                .map(|(p, s)| (p.clone(), s.clone().into_vec()))
                .collect(),
        ),
        (None, None) => Inputs::Main(Vec::new()),
    };
    for upstream in inputs.stages() {
        if !names.contains(&upstream) {
            let key: Vec<&str> = match &inputs {
                Inputs::Main(_) => vec!["stages", name, "input"],
                Inputs::Named(ports) => {
                    let port = ports
                        .iter()
                        .find(|(_, s)| s.iter().any(|x| x == upstream))
                        .map(|(p, _)| p.as_str());
                    vec!["stages", name, "inputs", port.unwrap_or("")]
                }
            };
            return Err(located(
                &key,
                SpecErrorKind::UnknownReference,
                format!(
                    "no stage is named `{upstream}`{}",
                    did_you_mean(upstream, names.iter().copied())
                ),
            ));
        }
        if upstream == name {
            return Err(located(
                &["stages", name],
                SpecErrorKind::Cycle,
                format!("stage `{name}` reads its own output"),
            ));
        }
    }
    let per: Vec<String> = stage
        .per
        .clone()
        .map(OneOrMany::into_vec)
        .unwrap_or_default();
    for up in &per {
        if !inputs.stages().contains(&up.as_str()) {
            return Err(located(
                &["stages", name, "per"],
                SpecErrorKind::Invalid,
                format!(
                    "`per: {up}` names a stage this stage does not read; its inputs are {}",
                    listed(&inputs.stages())
                ),
            ));
        }
    }
    let mut with = def.and_then(|(d, _)| d.with.clone()).unwrap_or_default();
    if let Some(own) = &stage.with {
        merge(&mut with, own);
    }
    let matrix_doc = stage
        .matrix
        .clone()
        .or_else(|| def.and_then(|(d, _)| d.matrix.clone()));
    let matrix = match matrix_doc {
        Some(doc) => parse_matrix(&doc).map_err(|(key, message)| {
            located(
                &["stages", name, "matrix", &key],
                SpecErrorKind::Invalid,
                message,
            )
        })?,
        None => Matrix::default(),
    };
    Ok(StageDecl {
        name: name.to_string(),
        kind,
        description: stage
            .description
            .clone()
            .or_else(|| def.and_then(|(d, _)| d.description.clone())),
        inputs,
        per,
        matrix,
        with,
        publish: stage.publish.or_else(|| def.and_then(|(d, _)| d.publish)),
        resources: stage
            .resources
            .clone()
            .or_else(|| def.and_then(|(d, _)| d.resources.clone()))
            .unwrap_or_default(),
        definition: def.map(|(_, file)| (stage.uses.clone().unwrap_or_default(), file.clone())),
        overridden: BTreeSet::new(),
    })
}

fn apply_override(pipeline: &mut Pipeline, o: &Override) -> Result<(), SpecError> {
    let file = pipeline.file.clone();
    let err = |message: String| {
        SpecError::new(SpecErrorKind::Override, &file, message).at(format!("--set {}", o.text))
    };
    let names: Vec<String> = pipeline.stages.iter().map(|s| s.name.clone()).collect();
    let Some(stage) = pipeline.stages.iter_mut().find(|s| s.name == o.stage) else {
        return Err(err(format!(
            "no stage is named `{}`{}",
            o.stage,
            did_you_mean(&o.stage, names.iter().map(String::as_str))
        )));
    };
    if o.in_matrix {
        let mut doc = BTreeMap::new();
        doc.insert(o.path[0].clone(), o.value.clone());
        let parsed = parse_matrix(&doc).map_err(|(_, m)| err(m))?;
        stage.matrix.set(parsed);
        return Ok(());
    }
    let dotted = o.path.join(".");
    if stage.matrix.axes().any(|axis| axis == dotted) {
        return Err(err(format!(
            "`{dotted}` is swept by the stage's `matrix`; override the sweep with `--set {}.matrix.{dotted}=[..]`",
            stage.name
        )));
    }
    let mut map = &mut stage.with;
    for (i, part) in o.path.iter().enumerate() {
        let key = Value::String(part.clone());
        if i + 1 == o.path.len() {
            map.insert(key, o.value.clone());
            break;
        }
        let entry = map
            .entry(key)
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        map = match entry {
            Value::Mapping(inner) => inner,
            _ => {
                return Err(err(format!(
                    "`{}` is not a map, so it has no `{}`",
                    o.path[..=i].join("."),
                    o.path[i + 1]
                )));
            }
        };
    }
    stage.overridden.insert(dotted);
    Ok(())
}

/// Deep merge: maps merge key by key, anything else replaces.
fn merge(base: &mut Mapping, over: &Mapping) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(Value::Mapping(b)), Value::Mapping(o)) => merge(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Stage and pipeline names appear in `--set`, instance labels and file names.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !name.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid name: use letters, digits, `_` and `-`"
        ))
    }
}

fn read_text(file: &Path) -> Result<String, SpecError> {
    std::fs::read_to_string(file).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            _ => format!("cannot read the file: {e}"),
        };
        SpecError::new(SpecErrorKind::Io, file, what)
    })
}

/// Removes `.` and resolves `..` lexically, so `pipelines/..` reads as the project folder.
fn clean_dots(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `a`, `b` (or "none").
fn listed(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}
