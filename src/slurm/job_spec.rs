//! What to submit: one batch job or one job array, and how it becomes an
//! `sbatch` command line plus a script on its stdin.
//!
//! Invariant: a spec that passes [`JobSpec::check`] turns into arguments
//! that Slurm reads back as written: no whitespace in the job name or the
//! partition (they would make `scontrol` output ambiguous), no NUL bytes,
//! environment names that cannot reconfigure `sbatch` itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::array_spec::ArraySpec;
use super::error::SlurmError;
use super::job_id::JobId;

/// What the job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A complete batch script; its first line must be a `#!` interpreter line.
    Script(String),
    /// A program and its arguments, run through `exec` from a generated
    /// `/bin/sh` script, each word single-quoted so nothing is re-split.
    Command { program: String, args: Vec<String> },
}

/// One batch job, or one job array when `array` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    /// The job name `squeue` shows: no whitespace or control characters.
    pub name: String,
    pub payload: Payload,
    /// Where the job runs (`--chdir`); absolute, so the job does not depend
    /// on the submitting process's current folder.
    pub workdir: PathBuf,
    pub array: Option<ArraySpec>,
    /// Jobs (or whole arrays) that must all end `COMPLETED` first
    /// (`--dependency=afterok:...`). If one fails, this job never runs and
    /// Slurm removes it (`--kill-on-invalid-dep=yes`); its status reads
    /// `DependencyNeverSatisfied`.
    ///
    /// Slurm treats a dependency on a job it no longer knows (purged after
    /// `MinJobAge`) as satisfied: depend only on jobs still in flight.
    pub dependencies: Vec<JobId>,
    pub partition: Option<String>,
    /// Wall-clock limit (`--time`), rounded up to whole seconds; Slurm
    /// itself counts whole minutes, rounded up.
    pub time_limit: Option<Duration>,
    /// CPUs for each job or task (`--cpus-per-task`), at least 1.
    pub cpus_per_task: u32,
    /// Memory for each job or task in MiB (`--mem`); `None`: the cluster's
    /// default (`DefMemPerCPU` times the CPUs).
    pub mem_mb: Option<u64>,
    /// The stdout log path (`--output`); Slurm fills in `%A` (array id),
    /// `%a` (task index) and `%j` (the job's own id). Relative paths are
    /// relative to `workdir`.
    pub stdout: PathBuf,
    /// The stderr log path (`--error`); `None`: the same file as stdout.
    pub stderr: Option<PathBuf>,
    /// Set in the job's environment on top of the submitter's, which the
    /// job inherits (`--export=ALL`).
    pub env: Vec<(String, String)>,
}

impl JobSpec {
    /// A one-CPU job with the cluster's default partition, time limit and
    /// memory, no array, no dependencies, no extra environment.
    pub fn new(
        name: impl Into<String>,
        payload: Payload,
        workdir: impl Into<PathBuf>,
        stdout: impl Into<PathBuf>,
    ) -> Self {
        Self {
            name: name.into(),
            payload,
            workdir: workdir.into(),
            array: None,
            dependencies: Vec::new(),
            partition: None,
            time_limit: None,
            cpus_per_task: 1,
            mem_mb: None,
            stdout: stdout.into(),
            stderr: None,
            env: Vec::new(),
        }
    }

    /// Refuses what `sbatch` would reject, or accept and misread.
    pub fn check(&self) -> Result<(), SlurmError> {
        self.problem().map_or(Ok(()), |problem| {
            Err(SlurmError::InvalidSpec {
                name: self.name.clone(),
                problem,
            })
        })
    }

    fn problem(&self) -> Option<String> {
        if self.name.is_empty() {
            return Some("the job name is empty".to_owned());
        }
        if self
            .name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Some("the job name has whitespace or control characters".to_owned());
        }
        if let Payload::Script(script) = &self.payload
            && !script.starts_with("#!")
        {
            return Some(
                "the script does not start with a `#!` interpreter line, which `sbatch` requires"
                    .to_owned(),
            );
        }
        if let Payload::Command { program, .. } = &self.payload
            && program.is_empty()
        {
            return Some("the command's program is empty".to_owned());
        }
        if self.script().contains('\0') {
            return Some("the script or command has a NUL byte".to_owned());
        }
        if !self.workdir.is_absolute() {
            return Some(format!(
                "workdir `{}` is relative, expected an absolute path",
                self.workdir.display()
            ));
        }
        for (what, path) in [
            ("stdout", Some(&self.stdout)),
            ("stderr", self.stderr.as_ref()),
        ] {
            if let Some(problem) = path.and_then(|p| path_problem(what, p)) {
                return Some(problem);
            }
        }
        if let Some(problem) = self.array.as_ref().and_then(ArraySpec::problem) {
            return Some(problem);
        }
        if let Some(partition) = &self.partition
            && (partition.is_empty() || partition.chars().any(|c| c.is_whitespace() || c == ','))
        {
            return Some(format!(
                "partition `{partition}` is empty or has whitespace or commas, expected one partition name"
            ));
        }
        if self.time_limit.is_some_and(|limit| limit.is_zero()) {
            return Some("the time limit is 0, which Slurm reads as no limit".to_owned());
        }
        if self.cpus_per_task == 0 {
            return Some("`cpus_per_task` is 0, expected at least 1".to_owned());
        }
        if self.mem_mb == Some(0) {
            return Some("`mem_mb` is 0, which Slurm reads as all of a node's memory".to_owned());
        }
        self.env
            .iter()
            .find_map(|(key, value)| env_problem(key, value))
    }

    /// The `sbatch` arguments, `--parsable` first; the script goes on stdin.
    pub(crate) fn sbatch_args(&self) -> Vec<String> {
        let mut args = vec![
            "--parsable".to_owned(),
            format!("--job-name={}", self.name),
            format!("--chdir={}", self.workdir.display()),
            format!("--output={}", self.stdout.display()),
            format!("--cpus-per-task={}", self.cpus_per_task),
            // Explicit, so that a submitter's SBATCH_EXPORT=NONE cannot drop
            // the environment `env` adds.
            "--export=ALL".to_owned(),
        ];
        if let Some(stderr) = &self.stderr {
            args.push(format!("--error={}", stderr.display()));
        }
        if let Some(array) = &self.array {
            args.push(format!("--array={}", array.to_sbatch()));
        }
        if !self.dependencies.is_empty() {
            let mut ids = self.dependencies.clone();
            ids.sort();
            ids.dedup();
            let ids: Vec<String> = ids.iter().map(JobId::to_string).collect();
            args.push(format!("--dependency=afterok:{}", ids.join(":")));
            // Without it Slurm keeps a job whose dependency failed PENDING
            // forever; with it, the job is removed and reads as
            // DependencyNeverSatisfied.
            args.push("--kill-on-invalid-dep=yes".to_owned());
        }
        if let Some(partition) = &self.partition {
            args.push(format!("--partition={partition}"));
        }
        if let Some(limit) = self.time_limit {
            args.push(format!("--time={}", format_time_limit(limit)));
        }
        if let Some(mem) = self.mem_mb {
            args.push(format!("--mem={mem}M"));
        }
        args
    }

    /// The batch script text handed to `sbatch` on stdin.
    pub(crate) fn script(&self) -> String {
        match &self.payload {
            Payload::Script(script) => script.clone(),
            Payload::Command { program, args } => {
                let mut script = String::from("#!/bin/sh\nexec");
                for word in std::iter::once(program).chain(args) {
                    script.push(' ');
                    script.push_str(&shell_quote(word));
                }
                script.push('\n');
                script
            }
        }
    }
}

fn path_problem(what: &str, path: &Path) -> Option<String> {
    let text = path.to_string_lossy();
    if text.is_empty() {
        return Some(format!("the {what} path is empty"));
    }
    if text.contains(['\n', '\0']) {
        return Some(format!(
            "the {what} path `{text}` has a newline or NUL byte"
        ));
    }
    None
}

fn env_problem(key: &str, value: &str) -> Option<String> {
    let mut chars = key.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Some(format!(
            "environment variable name `{key}` is not a shell identifier"
        ));
    }
    // sbatch reads these from its own environment as options, and Slurm sets
    // SLURM_* for the job itself.
    if key.starts_with("SBATCH_") || key.starts_with("SLURM_") {
        return Some(format!(
            "environment variable `{key}` would configure Slurm itself, expected a name without the `SBATCH_` or `SLURM_` prefix"
        ));
    }
    if value.contains('\0') {
        return Some(format!("environment variable `{key}` has a NUL byte"));
    }
    None
}

/// `D-HH:MM:SS`, seconds rounded up.
fn format_time_limit(limit: Duration) -> String {
    let secs = limit.as_secs() + u64::from(limit.subsec_nanos() > 0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    format!(
        "{days}-{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Single-quotes a word for `/bin/sh`: inside single quotes only `'` itself
/// needs care, written as `'\''`.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> JobSpec {
        JobSpec::new(
            "shard",
            Payload::Command {
                program: "/usr/bin/radflow".into(),
                args: vec!["worker".into(), "it's here".into()],
            },
            "/work/run",
            "logs/%A_%a.out",
        )
    }

    #[test]
    fn a_plain_job_passes_only_what_it_sets() {
        assert_eq!(
            spec().sbatch_args(),
            [
                "--parsable",
                "--job-name=shard",
                "--chdir=/work/run",
                "--output=logs/%A_%a.out",
                "--cpus-per-task=1",
                "--export=ALL",
            ]
        );
    }

    #[test]
    fn every_option_becomes_its_sbatch_flag() {
        let mut spec = spec();
        spec.array = Some(ArraySpec {
            indices: vec![0, 1, 2, 5],
            max_concurrent: Some(2),
        });
        spec.dependencies = vec![JobId(9), JobId(7), JobId(9)];
        spec.partition = Some("short".into());
        spec.time_limit = Some(Duration::from_millis(90_061_500));
        spec.cpus_per_task = 4;
        spec.mem_mb = Some(2048);
        spec.stderr = Some("logs/%A_%a.err".into());
        let args = spec.sbatch_args();
        for expected in [
            "--cpus-per-task=4",
            "--error=logs/%A_%a.err",
            "--array=0-2,5%2",
            "--dependency=afterok:7:9",
            "--kill-on-invalid-dep=yes",
            "--partition=short",
            "--time=1-01:01:02",
            "--mem=2048M",
        ] {
            assert!(args.iter().any(|a| a == expected), "{expected} in {args:?}");
        }
    }

    #[test]
    fn a_command_becomes_an_exec_line_with_each_word_quoted() {
        assert_eq!(
            spec().script(),
            "#!/bin/sh\nexec '/usr/bin/radflow' 'worker' 'it'\\''s here'\n"
        );
    }

    #[test]
    fn a_script_payload_is_passed_unchanged() {
        let mut spec = spec();
        spec.payload = Payload::Script("#!/bin/bash\necho $SLURM_ARRAY_TASK_ID\n".into());
        assert_eq!(spec.script(), "#!/bin/bash\necho $SLURM_ARRAY_TASK_ID\n");
    }

    #[test]
    fn specs_slurm_would_reject_or_misread_are_refused_before_sbatch() {
        type Edit = fn(&mut JobSpec);
        let cases: &[(&str, Edit, &str)] = &[
            ("empty name", |s| s.name.clear(), "name is empty"),
            ("name with space", |s| s.name = "a b".into(), "whitespace"),
            (
                "script without shebang",
                |s| s.payload = Payload::Script("echo hi\n".into()),
                "`#!`",
            ),
            (
                "empty program",
                |s| {
                    s.payload = Payload::Command {
                        program: String::new(),
                        args: vec![],
                    }
                },
                "program is empty",
            ),
            (
                "nul in argument",
                |s| {
                    s.payload = Payload::Command {
                        program: "x".into(),
                        args: vec!["a\0b".into()],
                    }
                },
                "NUL",
            ),
            ("relative workdir", |s| s.workdir = "run".into(), "relative"),
            (
                "empty stdout",
                |s| s.stdout = PathBuf::new(),
                "stdout path is empty",
            ),
            (
                "newline in stderr",
                |s| s.stderr = Some("a\nb".into()),
                "stderr path",
            ),
            (
                "empty array",
                |s| s.array = Some(ArraySpec::range(0)),
                "no task indices",
            ),
            (
                "two partitions",
                |s| s.partition = Some("a,b".into()),
                "one partition name",
            ),
            (
                "zero time limit",
                |s| s.time_limit = Some(Duration::ZERO),
                "time limit is 0",
            ),
            ("zero cpus", |s| s.cpus_per_task = 0, "`cpus_per_task` is 0"),
            ("zero memory", |s| s.mem_mb = Some(0), "`mem_mb` is 0"),
            (
                "bad env name",
                |s| s.env = vec![("A-B".into(), "1".into())],
                "not a shell identifier",
            ),
            (
                "sbatch env",
                |s| s.env = vec![("SBATCH_PARTITION".into(), "x".into())],
                "configure Slurm itself",
            ),
        ];
        for (what, edit, expected) in cases {
            let mut spec = spec();
            edit(&mut spec);
            let err = spec.check().expect_err(what).to_string();
            assert!(err.starts_with("job `"), "{what}: {err}");
            assert!(err.contains(expected), "{what}: {err}");
        }
        assert!(spec().check().is_ok());
    }

    #[test]
    fn time_limits_round_up_to_whole_seconds() {
        let cases = [
            (Duration::from_secs(1), "0-00:00:01"),
            (Duration::from_millis(1_001), "0-00:00:02"),
            (Duration::from_secs(3600), "0-01:00:00"),
            (Duration::from_secs(2 * 86_400 + 59), "2-00:00:59"),
        ];
        for (limit, expected) in cases {
            assert_eq!(format_time_limit(limit), expected);
        }
    }
}
