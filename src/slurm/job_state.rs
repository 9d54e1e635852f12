//! What Slurm says about a job or an array task: its state, why it is in it,
//! how it exited, and where its log went.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::job_id::JobKey;

/// A job's state, as `scontrol show job` names it in `JobState`, plus one
/// state Slurm does not name: [`JobState::DependencyNeverSatisfied`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Configuring,
    Running,
    /// Ended, still cleaning up on its node; its dependents are not yet
    /// released, so it counts as not ended.
    Completing,
    Suspended,
    /// Put back in the queue (node failure, preemption); it will run again.
    Requeued,
    Completed,
    /// Nonzero exit, or killed by a signal, or failed to launch.
    Failed,
    Cancelled,
    Timeout,
    OutOfMemory,
    NodeFail,
    BootFail,
    Deadline,
    Preempted,
    /// An `afterok` dependency failed, so this job will never run. Slurm
    /// reports it as `PENDING` (or, with `--kill-on-invalid-dep=yes`, as
    /// `CANCELLED`), with `Reason=DependencyNeverSatisfied`; this client
    /// reports it as ended, so that waiting on it cannot hang.
    DependencyNeverSatisfied,
    /// A state this client does not know (a newer Slurm, an unusual flag).
    /// Counted as not ended: waiting on it is safe, misreading it as ended
    /// would not be.
    Other(String),
}

impl JobState {
    /// Reads the `JobState` value. Any flag text after the base state
    /// (`CANCELLED+`, `CANCELLED by 0`) is ignored.
    pub(crate) fn from_slurm(text: &str) -> Self {
        let base = text
            .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .next()
            .unwrap_or_default();
        match base {
            "PENDING" => Self::Pending,
            "CONFIGURING" => Self::Configuring,
            "RUNNING" => Self::Running,
            "COMPLETING" => Self::Completing,
            "SUSPENDED" => Self::Suspended,
            "REQUEUED" => Self::Requeued,
            "COMPLETED" => Self::Completed,
            "FAILED" => Self::Failed,
            "CANCELLED" => Self::Cancelled,
            "TIMEOUT" => Self::Timeout,
            "OUT_OF_MEMORY" => Self::OutOfMemory,
            "NODE_FAIL" => Self::NodeFail,
            "BOOT_FAIL" => Self::BootFail,
            "DEADLINE" => Self::Deadline,
            "PREEMPTED" => Self::Preempted,
            _ => Self::Other(text.to_owned()),
        }
    }

    /// The job will not change state again by itself.
    pub fn is_ended(&self) -> bool {
        match self {
            Self::Pending
            | Self::Configuring
            | Self::Running
            | Self::Completing
            | Self::Suspended
            | Self::Requeued
            | Self::Other(_) => false,
            Self::Completed
            | Self::Failed
            | Self::Cancelled
            | Self::Timeout
            | Self::OutOfMemory
            | Self::NodeFail
            | Self::BootFail
            | Self::Deadline
            | Self::Preempted
            | Self::DependencyNeverSatisfied => true,
        }
    }

    /// Ended with success: the only state an `afterok` dependent runs after.
    pub fn is_success(&self) -> bool {
        *self == Self::Completed
    }
}

impl fmt::Display for JobState {
    /// Slurm's spelling, so that messages match what `squeue` shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Pending => "PENDING",
            Self::Configuring => "CONFIGURING",
            Self::Running => "RUNNING",
            Self::Completing => "COMPLETING",
            Self::Suspended => "SUSPENDED",
            Self::Requeued => "REQUEUED",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
            Self::Timeout => "TIMEOUT",
            Self::OutOfMemory => "OUT_OF_MEMORY",
            Self::NodeFail => "NODE_FAIL",
            Self::BootFail => "BOOT_FAIL",
            Self::Deadline => "DEADLINE",
            Self::Preempted => "PREEMPTED",
            Self::DependencyNeverSatisfied => "DEPENDENCY_NEVER_SATISFIED",
            Self::Other(text) => text,
        };
        f.write_str(name)
    }
}

/// How the job's batch script ended: Slurm's `ExitCode=code:signal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus {
    /// The script's exit code (0 when a signal ended it).
    pub code: u32,
    /// The signal that ended it, 0 if none (15 after a time limit or a
    /// cancel, see [`JobStatus::exit`]).
    pub signal: u32,
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.signal == 0 {
            write!(f, "exit code {}", self.code)
        } else {
            write!(f, "signal {}", self.signal)
        }
    }
}

/// One job's, or one array task's, status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    pub state: JobState,
    /// Slurm's `Reason` (`Dependency`, `JobArrayTaskLimit`, `NonZeroExitCode`,
    /// `TimeLimit`, ...); `None` when Slurm says `None`.
    pub reason: Option<String>,
    /// How the script ended; `None` until the job has ended, and when its
    /// dependency was never satisfied. Exact for `COMPLETED`, `FAILED` and
    /// `TIMEOUT`; a job cancelled while running reads `0:15` or, when the
    /// kill outruns the script's own report, `0:0`; one cancelled before it
    /// started reads `0:0`.
    pub exit: Option<ExitStatus>,
    /// Where its stdout goes, with `%A`, `%a`, `%j` filled in; `None` for
    /// array tasks not yet started (Slurm has not fixed their path yet).
    pub stdout: Option<PathBuf>,
    /// Where its stderr goes (the same file as `stdout` unless asked).
    pub stderr: Option<PathBuf>,
}

/// Statuses keyed by job, or by array task.
pub type StatusMap = BTreeMap<JobKey, JobStatus>;

/// Counts of a status map by what matters for progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Not started: pending, configuring, requeued, or suspended.
    pub waiting: usize,
    /// Running or completing.
    pub running: usize,
    pub completed: usize,
    /// Ended other than `COMPLETED`.
    pub failed: usize,
}

impl Tally {
    pub fn of(statuses: &StatusMap) -> Self {
        let mut tally = Self::default();
        for status in statuses.values() {
            match status.state {
                JobState::Completed => tally.completed += 1,
                ref ended if ended.is_ended() => tally.failed += 1,
                JobState::Running | JobState::Completing => tally.running += 1,
                _ => tally.waiting += 1,
            }
        }
        tally
    }

    pub fn total(&self) -> usize {
        self.waiting + self.running + self.completed + self.failed
    }

    pub fn ended(&self) -> usize {
        self.completed + self.failed
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} waiting, {} running, {} completed, {} failed",
            self.waiting, self.running, self.completed, self.failed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slurm::job_id::JobId;

    #[test]
    fn slurm_state_names_read_back_as_they_print() {
        let states = [
            JobState::Pending,
            JobState::Configuring,
            JobState::Running,
            JobState::Completing,
            JobState::Suspended,
            JobState::Requeued,
            JobState::Completed,
            JobState::Failed,
            JobState::Cancelled,
            JobState::Timeout,
            JobState::OutOfMemory,
            JobState::NodeFail,
            JobState::BootFail,
            JobState::Deadline,
            JobState::Preempted,
        ];
        for state in states {
            assert_eq!(JobState::from_slurm(&state.to_string()), state);
        }
    }

    #[test]
    fn flag_text_after_the_state_is_ignored() {
        assert_eq!(JobState::from_slurm("CANCELLED+"), JobState::Cancelled);
        assert_eq!(JobState::from_slurm("CANCELLED by 0"), JobState::Cancelled);
    }

    #[test]
    fn an_unknown_state_counts_as_not_ended() {
        let state = JobState::from_slurm("STAGE_OUT");
        assert_eq!(state, JobState::Other("STAGE_OUT".into()));
        assert!(!state.is_ended());
    }

    #[test]
    fn only_completed_is_success_and_every_failure_is_ended() {
        assert!(JobState::Completed.is_success());
        for state in [
            JobState::Failed,
            JobState::Cancelled,
            JobState::Timeout,
            JobState::OutOfMemory,
            JobState::NodeFail,
            JobState::DependencyNeverSatisfied,
        ] {
            assert!(state.is_ended() && !state.is_success(), "{state}");
        }
    }

    #[test]
    fn a_tally_counts_each_entry_once_by_outcome() {
        let status = |state| JobStatus {
            state,
            reason: None,
            exit: None,
            stdout: None,
            stderr: None,
        };
        let map: StatusMap = [
            (JobKey::task(JobId(1), 0), status(JobState::Completed)),
            (JobKey::task(JobId(1), 1), status(JobState::Failed)),
            (JobKey::task(JobId(1), 2), status(JobState::Running)),
            (JobKey::task(JobId(1), 3), status(JobState::Pending)),
            (
                JobKey::job(JobId(2)),
                status(JobState::DependencyNeverSatisfied),
            ),
        ]
        .into_iter()
        .collect();
        let tally = Tally::of(&map);
        assert_eq!(
            tally,
            Tally {
                waiting: 1,
                running: 1,
                completed: 1,
                failed: 2
            }
        );
        assert_eq!((tally.total(), tally.ended()), (5, 3));
    }
}
