//! `radflow pack` and `radflow unpack`: hand a study to another lab as one plain tar.
//!
//! What goes in is decided here, by kind: the pipeline, its imported definitions, the scripts
//! `command` stages name in `files:` or their command line (files with a program or
//! configuration extension; other declared files are input data), the lock, model hashes
//! (and the models with `--with-models`), the published `metrics.json` of `report` stages,
//! and an environment record. Scans, clinical tables and any other declared input never go in.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::args::{PackArgs, PipelineArgs, UnpackArgs};
use super::config::load;
use crate::digest::Digest;
use crate::error::Error;
use crate::lockfile::lock_path;
use crate::pack::{
    Manifest, PACK_FORMAT, Program, Pseudonymizer, is_script, unpack as unpack_file, write_pack,
};
use crate::spec::{ImportSource, display_path};
use crate::stage_api::FileInput;
use crate::trust::TrustCheck;

#[derive(Serialize)]
struct Environment {
    radflow: &'static str,
    onnx_runtime: String,
    os: &'static str,
    arch: &'static str,
    cpu_model: String,
    cpu_flags: String,
}

pub fn pack(args: PackArgs, quiet: bool) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let loaded = load(&args.pipeline)?;
    let pipeline = &loaded.plan.pipeline;
    let workspace = &pipeline.workspace;
    let member_name = |path: &Path| -> Result<String, Error> {
        let name = workspace.key_name(path);
        if name.starts_with("..") || Path::new(&name).is_absolute() {
            return Err(Error::Usage(format!(
                "`{}` is outside the workspace `{}`; a pack holds only files below the root",
                display_path(path),
                display_path(workspace.root())
            )));
        }
        Ok(name)
    };
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Error::Input(format!("`{}`: {e}", display_path(path))))
    };
    let mut members: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    let pipeline_member = member_name(&pipeline.file)?;
    members.insert(
        pipeline_member.clone(),
        ("pipeline".into(), pipeline.text.clone().into_bytes()),
    );
    let lock = lock_path(&pipeline.file);
    if !lock.is_file() {
        return Err(Error::Usage(format!(
            "there is no lock file `{}`; run the pipeline before packing it",
            display_path(&lock)
        )));
    }
    let lock_member = member_name(&lock)?;
    members.insert(lock_member.clone(), ("lock".into(), read(&lock)?));
    for import in &pipeline.imports {
        let name = match &import.source {
            ImportSource::Local(path) => member_name(path)?,
            ImportSource::Git { commit, path, .. } => format!("git-imports/{commit}/{path}"),
        };
        members.insert(
            name,
            ("definitions".into(), import.text.clone().into_bytes()),
        );
    }
    let mut programs = Vec::new();
    let mut models = BTreeMap::new();
    let mut patient_ids = Vec::new();
    for inst in &loaded.plan.instances {
        let params = inst.kind.params();
        match inst.kind.kind() {
            "command" => {
                let mut scripts = BTreeMap::new();
                let declared = inst.kind.files().into_iter().filter_map(|file| match file {
                    FileInput::Path(rel) => Some(workspace.resolve(&rel)),
                    FileInput::Tree { .. } => None,
                });
                // A script the command names without declaring it runs all the same.
                let named = inst
                    .kind
                    .program()
                    .map(|p| p.words)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|word| workspace.resolve(&word))
                    .filter(|path| member_name(path).is_ok());
                for path in declared.chain(named) {
                    if is_script(&path) && path.is_file() {
                        let bytes = read(&path)?;
                        scripts.insert(member_name(&path)?, Digest::of(&bytes));
                        members.insert(member_name(&path)?, ("script".into(), bytes));
                    }
                }
                programs.push(Program {
                    stage: inst.id.clone(),
                    // The template as written: a shell string, or an argument list as JSON.
                    run: inst.kind.program().map(|p| p.command).unwrap_or_default(),
                    scripts,
                });
            }
            "sample_filter" if args.pseudonymize => {
                let clinical = params["clinical"].as_str().unwrap_or_default();
                let column = params["id_column"].as_str().unwrap_or("patient_id");
                patient_ids.extend(ids_in_csv(&workspace.resolve(clinical), column)?);
            }
            "report" => {
                let metrics = pipeline.output_dir.join(&inst.id).join("metrics.json");
                if metrics.is_file() {
                    members.insert(
                        format!("results/{}/metrics.json", inst.id),
                        ("metrics".into(), read(&metrics)?),
                    );
                }
            }
            _ => {}
        }
        for file in inst.kind.files() {
            let FileInput::Path(rel) = file else { continue };
            if Path::new(&rel).extension().is_some_and(|e| e == "onnx") {
                let path = workspace.resolve(&rel);
                let bytes = read(&path)?;
                models.insert(member_name(&path)?, Digest::of(&bytes));
                if args.with_models {
                    members.insert(member_name(&path)?, ("model".into(), bytes));
                }
            }
        }
    }
    members.insert(
        "environment.json".into(),
        (
            "environment".into(),
            serde_json::to_vec_pretty(&environment()).unwrap_or_default(),
        ),
    );
    let mut manifest = Manifest {
        format: PACK_FORMAT,
        radflow: env!("CARGO_PKG_VERSION").into(),
        pipeline_name: pipeline.name.clone(),
        pipeline: pipeline_member,
        lock: Some(lock_member),
        pseudonymized: args.pseudonymize,
        members: BTreeMap::new(),
        programs,
        models,
    };
    if args.pseudonymize {
        let pseudonymizer = Pseudonymizer::new(patient_ids)
            .map_err(|e| Error::Input(format!("no random key for pseudonyms: {e}")))?;
        members = members
            .into_iter()
            .map(|(name, (role, bytes))| {
                let bytes = match (role.as_str(), String::from_utf8(bytes)) {
                    ("model", Ok(text)) => text.into_bytes(),
                    (_, Ok(text)) => pseudonymizer.apply(&text).into_bytes(),
                    (_, Err(binary)) => binary.into_bytes(),
                };
                (pseudonymizer.apply(&name), (role, bytes))
            })
            .collect();
        let text = serde_json::to_string(&manifest).unwrap_or_default();
        manifest = serde_json::from_str(&pseudonymizer.apply(&text))
            .map_err(|e| Error::Input(format!("pseudonymized manifest: {e}")))?;
    }
    let count = members.len();
    let bytes = write_pack(&args.to, manifest, &members).map_err(pack_error)?;
    if !quiet {
        println!(
            "packed {count} files ({bytes} bytes) into {} in {:.2} s",
            display_path(&args.to),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

pub fn unpack(args: UnpackArgs) -> Result<(), Error> {
    let manifest = unpack_file(&args.file, &args.to).map_err(pack_error)?;
    println!(
        "unpacked {} files of pipeline `{}` (radflow {}) into {}",
        manifest.members.len(),
        manifest.pipeline_name,
        manifest.radflow,
        display_path(&args.to)
    );
    let pipeline = args.to.join(&manifest.pipeline);
    println!("pipeline: {}", display_path(&pipeline));
    let pipeline_args = PipelineArgs {
        pipeline: Some(pipeline.clone()),
        cache: None,
        set: Vec::new(),
    };
    // What the unpacked pipeline really runs, not what the manifest claims; a pipeline that
    // does not load here (a git import out of reach) falls back to the manifest's list.
    match load(&pipeline_args).and_then(|loaded| Ok(TrustCheck::of(&loaded.plan)?)) {
        Ok(check) if check.programs.is_empty() => {
            println!("programs: none (only built-in stages, which need no trust)");
        }
        Ok(check) => {
            println!("programs this study runs (review them before trusting it):");
            print!("{}", check.listing());
            println!(
                "its command stages will not run until you accept these programs: `radflow \
                 trust {}`",
                display_path(&pipeline)
            );
        }
        Err(e) if manifest.programs.is_empty() => {
            println!("programs: none listed by the pack (its pipeline does not load here: {e})");
        }
        Err(e) => {
            println!("programs the pack lists (its pipeline does not load here: {e}):");
            for program in &manifest.programs {
                println!("  stage `{}` runs: {}", program.stage, program.run);
                for (script, hash) in &program.scripts {
                    println!("    script {script}  blake3 {hash}");
                }
            }
            println!(
                "its command stages will not run until you accept their programs with `radflow \
                 trust {}`",
                display_path(&pipeline)
            );
        }
    }
    for (model, hash) in &manifest.models {
        let packed = if manifest.members.contains_key(model) {
            "packed"
        } else {
            "not packed; supply your copy"
        };
        println!("model {model}  blake3 {hash} ({packed})");
    }
    Ok(())
}

fn pack_error(e: crate::pack::PackError) -> Error {
    match e {
        crate::pack::PackError::Io { .. } => Error::Input(e.to_string()),
        _ => Error::Mismatch(e.to_string()),
    }
}

/// The values of `column` in a CSV file.
fn ids_in_csv(path: &Path, column: &str) -> Result<Vec<String>, Error> {
    let bad = |e: String| Error::Input(format!("`{}`: {e}", display_path(path)));
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let Some(index) = headers.iter().position(|h| h.trim() == column) else {
        return Err(bad(format!("no column `{column}`")));
    };
    let mut ids = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        if let Some(id) = row.get(index) {
            ids.push(id.trim().to_string());
        }
    }
    Ok(ids)
}

/// radflow's and ONNX Runtime's versions and the CPU, as far as they can be read.
fn environment() -> Environment {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    Environment {
        radflow: env!("CARGO_PKG_VERSION"),
        onnx_runtime: match crate::onnx::runtime::version() {
            Ok(v) => v.to_string(),
            Err(e) => format!("not loadable: {e}"),
        },
        os: std::env::consts::OS,
        arch: std::env::consts::ARCH,
        cpu_model: field("model name"),
        cpu_flags: field("flags"),
    }
}
