//! Running the program once: placeholders, environment, its log, and failures that say what
//! the program printed last and where its whole log is kept.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use super::params::Program;
use crate::stage_api::{StageContext, StageError};

/// Lines of a failed program's log shown in the error.
const TAIL_LINES: usize = 12;

/// One run of the program: its placeholders (`out`, `root`, `input`, `item`, `item_id`) and
/// the scratch folder holding `{out}` and its log.
pub struct Invocation<'a> {
    pub program: &'a Program,
    pub vars: Vec<(&'static str, String)>,
    pub scratch: PathBuf,
    /// The log's name if it is kept: the item's id as a file name, or `run`.
    pub log_name: String,
}

impl Invocation<'_> {
    pub fn out(&self) -> PathBuf {
        self.scratch.join("out")
    }

    fn log(&self) -> PathBuf {
        self.scratch.join("log.txt")
    }

    fn expand(&self, text: &str) -> String {
        self.vars.iter().fold(text.to_string(), |acc, (k, v)| {
            acc.replace(&format!("{{{k}}}"), v)
        })
    }

    /// Runs the program in the workspace root with stdout and stderr in its log.
    pub fn run(&self, ctx: &StageContext<'_>) -> Result<(), StageError> {
        ctx.check_cancelled()?;
        let cache = |e: std::io::Error| StageError::Cache(e.to_string());
        fs::create_dir_all(self.out()).map_err(cache)?;
        let mut process = match self.program {
            Program::Shell(script) => {
                let mut p = Process::new("sh");
                p.arg("-c").arg(self.expand(script));
                p
            }
            Program::Argv(argv) => {
                let mut p = Process::new(self.expand(&argv[0]));
                p.args(argv[1..].iter().map(|a| self.expand(a)));
                p
            }
        };
        let log = fs::File::create(self.log()).map_err(cache)?;
        let log_err = log.try_clone().map_err(cache)?;
        process
            .current_dir(ctx.workspace().root())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        for (name, value) in &self.vars {
            process.env(format!("RADFLOW_{}", name.to_uppercase()), value);
        }
        let status = process.status().map_err(|e| {
            StageError::invalid(format!("cannot start `{}`: {e}", self.program_name()))
        })?;
        if !status.success() {
            let how = match status.code() {
                Some(code) => format!("exited with status {code}"),
                None => "was killed by a signal".into(),
            };
            return Err(self.failure(ctx, format!("`{}` {how}", self.program_name())));
        }
        Ok(())
    }

    fn program_name(&self) -> String {
        match self.program {
            Program::Shell(_) => "sh".to_string(),
            Program::Argv(argv) => self.expand(&argv[0]),
        }
    }

    /// An error about this run: `message`, the last lines the program printed, and where its
    /// log is kept (copied out of the scratch folder, which is removed).
    pub fn failure(&self, ctx: &StageContext<'_>, message: String) -> StageError {
        let tail = log_tail(&self.log(), TAIL_LINES);
        let kept = keep_log(ctx, &self.log(), &self.log_name);
        let mut text = message;
        if !tail.is_empty() {
            text.push_str("; the last lines it printed:\n    ");
            text.push_str(&tail.join("\n    "));
        }
        match kept {
            Some(path) => {
                let root = ctx.workspace().root();
                let shown = path.strip_prefix(root).unwrap_or(&path);
                text.push_str(&format!("\n  its log: {}", shown.display()));
            }
            None if tail.is_empty() => text.push_str(" (it printed nothing)"),
            None => {}
        }
        StageError::invalid(text)
    }
}

/// Copies the log to the instance's log folder; `None` if there is nothing to keep.
fn keep_log(ctx: &StageContext<'_>, log: &Path, name: &str) -> Option<PathBuf> {
    let dir = ctx.log_dir();
    fs::create_dir_all(&dir).ok()?;
    let target = dir.join(format!("{name}.log"));
    fs::copy(log, &target).ok()?;
    Some(target)
}

/// The last `lines` lines of a log.
fn log_tail(path: &Path, lines: usize) -> Vec<String> {
    let text = fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let mut tail: Vec<String> = text.lines().rev().take(lines).map(str::to_string).collect();
    tail.reverse();
    tail
}
