//! A fluent harness that runs the real `radflow` binary in a temporary project.
#![allow(dead_code)]

pub mod python;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub struct Project {
    dir: tempfile::TempDir,
    cache: Option<PathBuf>,
}

/// What one invocation printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the exit code is 0.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "radflow failed:\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn code(self, expected: i32) -> Self {
        assert_eq!(
            self.code, expected,
            "unexpected exit code:\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The status word the summary table shows for `stage` (`ran`, `cached`, ...).
    pub fn status_of(&self, stage: &str) -> String {
        self.stdout
            .lines()
            .find_map(|line| {
                let mut cols = line.split_whitespace();
                (cols.next() == Some(stage)).then(|| cols.next().unwrap_or("").to_string())
            })
            .unwrap_or_else(|| panic!("no row for `{stage}` in:\n{}", self.stdout))
    }

    /// The `items (computed)` column: (total, computed).
    pub fn items_of(&self, stage: &str) -> (usize, usize) {
        let line = self
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(stage))
            .unwrap_or_else(|| panic!("no row for `{stage}` in:\n{}", self.stdout));
        let open = line.find('(').expect("items column");
        let close = line.find(')').expect("items column");
        let total = line[..open]
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap();
        let computed = line[open + 1..close].parse().unwrap();
        (total, computed)
    }
}

impl Project {
    pub fn new() -> Self {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
            cache: None,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Uses a cache outside the project (to share it between projects).
    pub fn with_cache(mut self, cache: &Path) -> Self {
        self.cache = Some(cache.to_path_buf());
        self
    }

    pub fn file(self, name: &str, content: &str) -> Self {
        self.write(name, content);
        self
    }

    pub fn write(&self, name: &str, content: &str) {
        let path = self.dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    pub fn exists(&self, name: &str) -> bool {
        self.dir.path().join(name).exists()
    }

    /// Lines in `calls.log`, which test commands append to: how often each stage really ran.
    pub fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.dir.path().join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn clear_calls(&self) {
        let _ = fs::remove_file(self.dir.path().join("calls.log"));
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_radflow"));
        // Acceptances (`radflow trust`) go to the project, never to the user's own folder.
        cmd.current_dir(self.dir.path())
            .args(args)
            .env_remove("RADFLOW_CACHE")
            .env("RADFLOW_TRUST_DIR", self.trust_dir());
        if let Some(cache) = &self.cache {
            cmd.env("RADFLOW_CACHE", cache);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("radflow starts"))
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("radflow starts"))
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("radflow starts")
    }

    /// Where `radflow trust` records acceptances in this project's runs.
    pub fn trust_dir(&self) -> PathBuf {
        self.dir.path().join("trust-records")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.cache
            .clone()
            .unwrap_or_else(|| self.dir.path().join("cache"))
    }

    /// Every object file in the cache.
    pub fn objects(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Ok(fans) = fs::read_dir(self.cache_dir().join("objects")) {
            for fan in fans.flatten() {
                for f in fs::read_dir(fan.path()).unwrap().flatten() {
                    out.push(f.path());
                }
            }
        }
        out.sort();
        out
    }
}

/// A three-stage pipeline: `a` reads a file, `b` and `c` read `a`. Each stage logs its runs.
pub const ABC: &str = r#"
pipeline: abc
stages:
  a:
    kind: command
    with:
      run: "echo a >> calls.log; cat data/in.txt > {out}/a.txt"
      files: [data/in.txt]
      outputs: [a.txt]
  b:
    kind: command
    input: a
    with:
      run: "echo b >> calls.log; tr a-z A-Z < {input}/files/output/a.txt > {out}/b.txt"
      outputs: [b.txt]
  c:
    kind: command
    input: a
    publish: true
    with:
      run: "echo c >> calls.log; wc -c < {input}/files/output/a.txt > {out}/c.txt"
      outputs: [c.txt]
"#;

pub fn abc() -> Project {
    Project::new()
        .file("radflow.yaml", ABC)
        .file("data/in.txt", "hello\n")
}

/// A map stage over files: one item per `data/*.txt`, each sleeping `delay` seconds.
pub fn per_file(count: usize, delay: &str) -> Project {
    let yaml = format!(
        r#"
pipeline: items
stages:
  upper:
    kind: command
    with:
      run: "sleep {delay}; echo $RADFLOW_ITEM_ID >> calls.log; tr a-z A-Z < {{item}} > {{out}}/up.txt"
      foreach: {{files: "data/*.txt"}}
      outputs: [up.txt]
  join:
    kind: command
    input: upper
    publish: true
    with:
      run: "cat {{input}}/files/*/up.txt > {{out}}/all.txt"
      outputs: [all.txt]
"#
    );
    let project = Project::new().file("radflow.yaml", &yaml);
    for i in 0..count {
        project.write(&format!("data/f{i:02}.txt"), &format!("file number {i}\n"));
    }
    project
}

/// The study's first two stages as YAML lines under `stages:`, for a project [`tiny_study`]
/// made: `patients` (the cohort in `data/` with its `clinical.csv`) and `slices` (the segment
/// `tumor`). A macro, so a test's pipeline stays one `&'static str`:
/// `concat!("pipeline: p\nstages:\n", common::slice_stages!(), "  lesions: ...")`.
#[allow(unused_macros)] // as `dead_code` above: not every test binary uses it
macro_rules! slice_stages {
    () => {
        r#"  patients:
    kind: sample_filter
    with: {clinical: data/clinical.csv, images: data}
  slices:
    kind: slice_extract
    input: patients
    with: {lesion: {segment_names: [tumor]}}
"#
    };
}
#[allow(unused_imports)]
pub(crate) use slice_stages;

/// [`slice_stages!`] and the study's `lesions` (per patient, a quarter of the patient's
/// largest lesion and at least 10 pixels).
#[allow(unused_macros)]
macro_rules! imaging_stages {
    () => {
        concat!(
            $crate::common::slice_stages!(),
            r#"  lesions:
    kind: lesion_filter
    input: slices
    with: {policy: per_patient, fraction: 0.25, min_pixels: 10}
"#
        )
    };
}
#[allow(unused_imports)]
pub(crate) use imaging_stages;

/// A project with `pipeline` as `radflow.yaml`, a synthetic cohort in `data/` (`radflow
/// synth` with these arguments) and the tiny test network in `models/`.
pub fn tiny_study(pipeline: &str, patients: &str, size: &str, slices: &str) -> Project {
    let p = Project::new().file("radflow.yaml", pipeline);
    p.run(&[
        "synth",
        "--out",
        "data",
        "--patients",
        patients,
        "--size",
        size,
        "--slices",
        slices,
    ])
    .ok();
    fs::create_dir_all(p.path().join("models")).unwrap();
    fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/models/tiny_cnn.onnx"),
        p.path().join("models/tiny_cnn.onnx"),
    )
    .unwrap();
    p
}
