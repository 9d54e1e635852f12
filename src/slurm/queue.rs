//! Reading `squeue` output: which of the watched jobs may have ended, from one call for all
//! of them.
//!
//! `scontrol show job` takes one job per call and prints everything about it (about 35 ms
//! each here); asking it about every running job at every poll is the load a cluster's
//! administrators ask users not to put on `slurmctld`. `squeue --jobs=A,B,... --array
//! --states=all` answers for all watched jobs at once, one line per job or array task, and
//! keeps listing ended ones for the cluster's `MinJobAge`; `scontrol` is then asked only
//! about a job that looks ended, for its exit codes and logs.
//!
//! Format: [`FORMAT`], one line per job or task: `%F` (the array's id, or the job's own id),
//! `%K` (the task index, `N/A` for a plain job), `%T` (the state, long name), `%r` (the
//! reason). Captured from Slurm 22.05 (Debian 12):
//!
//! ```text
//! 2|2|PENDING|JobArrayTaskLimit
//! 2|0|RUNNING|None
//! 3|N/A|COMPLETED|None
//! 2|3|FAILED|NonZeroExitCode
//! ```

use std::collections::BTreeMap;

use super::job_id::JobId;
use super::job_state::JobState;

/// The `squeue --format` this module reads.
pub(crate) const FORMAT: &str = "%F|%K|%T|%r";

/// For each job `squeue` listed: whether every line it printed for it (the job, or each
/// task of an array) is in an ended state. A job pending on a dependency that can never be
/// satisfied counts as ended, as `scontrol` reads it ([`JobState::DependencyNeverSatisfied`]).
/// A line this module cannot read is the error (the line itself).
pub(crate) fn parse_queue(text: &str) -> Result<BTreeMap<JobId, bool>, String> {
    let mut ended: BTreeMap<JobId, bool> = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split('|').collect();
        let [job, _task, state, reason] = fields[..] else {
            return Err(line.to_owned());
        };
        let job = job.parse().map(JobId).map_err(|_| line.to_owned())?;
        let mut state = JobState::from_slurm(state);
        if reason == "DependencyNeverSatisfied"
            && matches!(state, JobState::Pending | JobState::Cancelled)
        {
            state = JobState::DependencyNeverSatisfied;
        }
        let all = ended.entry(job).or_insert(true);
        *all &= state.is_ended();
    }
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from Slurm 22.05: array 9 (five tasks, two at a time, task 1 exits 1), job
    /// 10 (done at once), job 11 (`afterok:9`), while the array runs and after it ended.
    #[test]
    fn real_output_reads_as_captured() {
        let running = parse_queue(include_str!(
            "fixtures/squeue_array_throttled_job_done_dependent_waiting.txt"
        ))
        .unwrap();
        assert_eq!(
            running.into_iter().collect::<Vec<_>>(),
            [(JobId(9), false), (JobId(10), true), (JobId(11), false)]
        );
        let ended = parse_queue(include_str!(
            "fixtures/squeue_array_one_task_failed_dependent_never_satisfied.txt"
        ))
        .unwrap();
        assert_eq!(
            ended.into_iter().collect::<Vec<_>>(),
            [(JobId(9), true), (JobId(10), true), (JobId(11), true)]
        );
    }

    #[test]
    fn a_job_has_ended_when_every_line_of_it_has() {
        let text = "2|2|PENDING|JobArrayTaskLimit\n\
                    2|0|COMPLETED|None\n\
                    3|N/A|COMPLETED|None\n\
                    4|1|FAILED|NonZeroExitCode\n\
                    4|0|COMPLETED|None\n\
                    5|N/A|COMPLETING|None\n";
        let ended = parse_queue(text).unwrap();
        assert_eq!(
            ended.into_iter().collect::<Vec<_>>(),
            [
                (JobId(2), false),
                (JobId(3), true),
                (JobId(4), true),
                (JobId(5), false)
            ]
        );
    }

    #[test]
    fn a_dependency_that_can_never_be_satisfied_ends_the_job() {
        let ended = parse_queue("7|N/A|PENDING|DependencyNeverSatisfied\n").unwrap();
        assert_eq!(ended.get(&JobId(7)), Some(&true));
        let waiting = parse_queue("8|N/A|PENDING|Dependency\n").unwrap();
        assert_eq!(waiting.get(&JobId(8)), Some(&false));
    }

    #[test]
    fn an_unknown_state_is_not_ended_and_empty_output_lists_nothing() {
        let ended = parse_queue("9|N/A|RESV_DEL_HOLD|None\n").unwrap();
        assert_eq!(ended.get(&JobId(9)), Some(&false));
        assert!(parse_queue("\n").unwrap().is_empty());
    }

    #[test]
    fn an_unreadable_line_is_the_error() {
        for line in ["2|0|RUNNING", "x|0|RUNNING|None", "2 0 RUNNING None"] {
            let text = format!("3|N/A|RUNNING|None\n{line}\n");
            assert_eq!(parse_queue(&text).expect_err(line), line);
        }
    }
}
