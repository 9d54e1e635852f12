//! Errors of the Slurm client. A failed command names the program, how it
//! ended and what it printed on stderr, so that the one line a user sees is
//! Slurm's own explanation (`invalid partition specified: gpu`).

use std::io;

use super::job_id::JobId;

#[derive(Debug, thiserror::Error)]
pub enum SlurmError {
    /// The program could not be started at all: usually Slurm's client tools
    /// are not installed or not on `PATH`.
    #[error("cannot run `{program}`: {source} (are Slurm's client tools installed and on PATH?)")]
    Spawn {
        program: &'static str,
        source: io::Error,
    },

    /// The job script could not be handed to `sbatch` on its stdin.
    #[error("cannot pass the job script to `{program}` on its stdin: {source}")]
    Stdin {
        program: &'static str,
        source: io::Error,
    },

    /// The program ran and reported failure. `args` are kept for debugging;
    /// the message shows what Slurm said, which is what explains the failure.
    #[error("`{program}` failed ({}): {stderr}", describe_exit(*code))]
    Failed {
        program: &'static str,
        args: Vec<String>,
        /// The exit code, or `None` when a signal ended the program.
        code: Option<i32>,
        /// Its stderr, lines joined with `; `, shortened when very long.
        stderr: String,
    },

    /// The program succeeded but printed something this client cannot read.
    #[error("`{program}` printed `{found}`, expected {expected}")]
    UnexpectedOutput {
        program: &'static str,
        found: String,
        expected: &'static str,
    },

    /// `scontrol show job` printed a record this client cannot read.
    #[error("cannot read `scontrol show job {job}` output: {problem}")]
    Parse { job: JobId, problem: String },

    /// The controller does not know the job: it was never submitted to this
    /// cluster, or it ended longer than `MinJobAge` seconds ago and was purged.
    #[error(
        "job `{job}` is unknown to the Slurm controller (never submitted here, or ended longer than `MinJobAge` ago)"
    )]
    UnknownJob { job: JobId },

    /// The controller did not answer `scontrol ping`.
    #[error("the Slurm controller is not up: `scontrol ping` printed `{output}`")]
    ControllerDown { output: String },

    /// A job spec that Slurm would reject or misread, caught before `sbatch`.
    #[error("job `{name}`: {problem}")]
    InvalidSpec { name: String, problem: String },

    /// The progress callback of `wait` asked to stop before every job ended.
    #[error("stopped waiting with {unfinished} job(s) or task(s) not yet ended")]
    WaitStopped { unfinished: usize },
}

fn describe_exit(code: Option<i32>) -> String {
    match code {
        Some(code) => format!("exit {code}"),
        None => "killed by a signal".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_command_reads_as_program_exit_and_stderr() {
        let err = SlurmError::Failed {
            program: "sbatch",
            args: vec!["--partition=gpu".into()],
            code: Some(1),
            stderr: "sbatch: error: invalid partition specified: gpu".into(),
        };
        assert_eq!(
            err.to_string(),
            "`sbatch` failed (exit 1): sbatch: error: invalid partition specified: gpu"
        );
    }

    #[test]
    fn a_command_ended_by_a_signal_says_so() {
        let err = SlurmError::Failed {
            program: "scontrol",
            args: vec![],
            code: None,
            stderr: "(nothing on stderr)".into(),
        };
        assert_eq!(
            err.to_string(),
            "`scontrol` failed (killed by a signal): (nothing on stderr)"
        );
    }
}
