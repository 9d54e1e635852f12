//! Reading `scontrol show job` output into statuses.
//!
//! Formats handled (captured from Slurm 22.05, Debian 12; fixtures beside
//! this file):
//!
//! - `--oneliner`: one record per line, `Key=Value` fields separated by
//!   single spaces; the multi-line default: the same fields spread over
//!   indented lines, records separated by a blank line. A record starts at
//!   a line that starts with `JobId=`, which covers both.
//! - Values may hold spaces (`JobName=name with space`,
//!   `WorkDir=/tmp/dir with space`) and `=` (`TRES=cpu=1,mem=2922M`); keys
//!   hold `:` and `/` (`AllocNode:Sid`, `CPUs/Task`). A field starts where a
//!   whitespace-preceded word ends in `=`, so a value containing
//!   ` word=` would be misread; the client submits no such names.
//! - A job array shows one record per task that has started, keyed by its
//!   own `JobId` with `ArrayJobId` and `ArrayTaskId=N`, plus, while some
//!   tasks wait, one record for all of them with `ArrayTaskId=2-5%2` (the
//!   `%2` being the throttle). That record's `StdOut` shows `%a` as
//!   4294967294 (Slurm's NO_VAL): no path is fixed yet.
//! - `ExitCode=code:signal`; `Reason=None` when there is no reason.

use std::path::PathBuf;

use super::array_spec::parse_task_ids;
use super::job_id::{JobId, JobKey};
use super::job_state::{ExitStatus, JobState, JobStatus};

/// What Slurm prints for `%a` in the log path of tasks that have not started.
const NO_VAL_TASK: &str = "4294967294";

/// Reads every record of `scontrol show job` output. Empty output gives no
/// entries; a record without `JobId` or `JobState`, or with a value this
/// client cannot read, is an error naming the field.
pub(crate) fn parse_show_job(text: &str) -> Result<Vec<(JobKey, JobStatus)>, String> {
    let mut entries = Vec::new();
    for record in records(text) {
        read_record(&fields(record), &mut entries)?;
    }
    Ok(entries)
}

/// Splits the output at each line that starts a record.
fn records(text: &str) -> Vec<&str> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("JobId=") {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| &text[start..starts.get(i + 1).copied().unwrap_or(text.len())])
        .collect()
}

/// The `Key=Value` fields of one record, in order, values with trailing
/// whitespace trimmed and inner whitespace kept.
fn fields(record: &str) -> Vec<(&str, &str)> {
    let bytes = record.as_bytes();
    // (start of key, position of its '=')
    let mut keys: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || bytes[i - 1].is_ascii_whitespace();
        if at_word_start && bytes[i].is_ascii_alphabetic() {
            let mut end = i;
            while end < bytes.len() && is_key_byte(bytes[end]) {
                end += 1;
            }
            if end < bytes.len() && bytes[end] == b'=' {
                keys.push((i, end));
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    keys.iter()
        .enumerate()
        .map(|(n, &(start, eq))| {
            let value_end = keys.get(n + 1).map_or(record.len(), |&(next, _)| next);
            (&record[start..eq], record[eq + 1..value_end].trim_end())
        })
        .collect()
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'/')
}

fn read_record(
    fields: &[(&str, &str)],
    entries: &mut Vec<(JobKey, JobStatus)>,
) -> Result<(), String> {
    let get = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|&(_, v)| v);
    let job_id = get("JobId").ok_or("a record has no `JobId`")?;
    let job_id = parse_job_id("JobId", job_id)?;
    let context = |problem: String| format!("job `{job_id}`: {problem}");

    let reason = get("Reason").filter(|r| !r.is_empty() && *r != "None");
    let mut state =
        JobState::from_slurm(get("JobState").ok_or_else(|| context("no `JobState`".to_owned()))?);
    // Slurm keeps such a job PENDING forever (or CANCELLED, with
    // --kill-on-invalid-dep=yes); either way it will never run.
    if reason == Some("DependencyNeverSatisfied")
        && matches!(state, JobState::Pending | JobState::Cancelled)
    {
        state = JobState::DependencyNeverSatisfied;
    }
    let exit = match get("ExitCode") {
        Some(text) if state.is_ended() && state != JobState::DependencyNeverSatisfied => {
            Some(parse_exit(text).map_err(context)?)
        }
        _ => None,
    };

    let keys = match get("ArrayJobId") {
        None => vec![JobKey::job(job_id)],
        Some(array) => {
            let array = parse_job_id("ArrayJobId", array).map_err(context)?;
            let tasks = get("ArrayTaskId")
                .ok_or_else(|| context("`ArrayJobId` without `ArrayTaskId`".to_owned()))?;
            parse_task_ids(tasks)
                .map_err(context)?
                .into_iter()
                .map(|task| JobKey::task(array, task))
                .collect()
        }
    };
    // A record for several waiting tasks has no per-task log path yet.
    let single = keys.len() == 1;
    let path = |key: &str| get(key).filter(|_| single).and_then(log_path);
    let status = JobStatus {
        state,
        reason: reason.map(str::to_owned),
        exit,
        stdout: path("StdOut"),
        stderr: path("StdErr"),
    };
    entries.extend(keys.into_iter().map(|key| (key, status.clone())));
    Ok(())
}

fn parse_job_id(key: &str, text: &str) -> Result<JobId, String> {
    text.parse()
        .map(JobId)
        .map_err(|_| format!("`{key}={text}`, expected a job id"))
}

fn parse_exit(text: &str) -> Result<ExitStatus, String> {
    let bad = || format!("`ExitCode={text}`, expected `code:signal`");
    let (code, signal) = text.split_once(':').ok_or_else(bad)?;
    Ok(ExitStatus {
        code: code.parse().map_err(|_| bad())?,
        signal: signal.parse().map_err(|_| bad())?,
    })
}

fn log_path(text: &str) -> Option<PathBuf> {
    (!text.is_empty() && text != "(null)" && !text.contains(NO_VAL_TASK))
        .then(|| PathBuf::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn fixture(name: &str) -> &'static str {
        match name {
            "array_finished_one_task_failed" => {
                include_str!("fixtures/array_finished_one_task_failed.txt")
            }
            "array_finished_multiline" => include_str!("fixtures/array_finished_multiline.txt"),
            "array_throttled_two_running" => {
                include_str!("fixtures/array_throttled_two_running.txt")
            }
            "array_held_sparse" => include_str!("fixtures/array_held_sparse.txt"),
            "array_cancelled_stepped" => include_str!("fixtures/array_cancelled_stepped.txt"),
            "dependency_never_satisfied_pending" => {
                include_str!("fixtures/dependency_never_satisfied_pending.txt")
            }
            "dependency_never_satisfied_killed" => {
                include_str!("fixtures/dependency_never_satisfied_killed.txt")
            }
            "cancelled_while_running_spaces" => {
                include_str!("fixtures/cancelled_while_running_spaces.txt")
            }
            "failed_killed_by_signal" => include_str!("fixtures/failed_killed_by_signal.txt"),
            "timeout" => include_str!("fixtures/timeout.txt"),
            "completed_single" => include_str!("fixtures/completed_single.txt"),
            other => panic!("no fixture `{other}`"),
        }
    }

    fn parse(name: &str) -> BTreeMap<JobKey, JobStatus> {
        parse_show_job(fixture(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .into_iter()
            .collect()
    }

    fn exit(code: u32, signal: u32) -> Option<ExitStatus> {
        Some(ExitStatus { code, signal })
    }

    fn path(text: &str) -> Option<PathBuf> {
        Some(PathBuf::from(text))
    }

    #[test]
    fn single_jobs_read_state_reason_exit_and_log_path() {
        struct Case {
            fixture: &'static str,
            job: u64,
            state: JobState,
            reason: Option<&'static str>,
            exit: Option<ExitStatus>,
            stdout: Option<PathBuf>,
        }
        let cases = [
            Case {
                fixture: "completed_single",
                job: 20,
                state: JobState::Completed,
                reason: None,
                exit: exit(0, 0),
                stdout: path("/tmp/slcap/slurm-20.out"),
            },
            Case {
                fixture: "timeout",
                job: 12,
                state: JobState::Timeout,
                reason: Some("TimeLimit"),
                exit: exit(0, 15),
                stdout: path("/tmp/slcap/t_12.log"),
            },
            Case {
                fixture: "failed_killed_by_signal",
                job: 13,
                state: JobState::Failed,
                reason: Some("JobLaunchFailure"),
                exit: exit(0, 9),
                stdout: path("/tmp/slcap/k_13.log"),
            },
            Case {
                fixture: "cancelled_while_running_spaces",
                job: 11,
                state: JobState::Cancelled,
                reason: None,
                exit: exit(0, 15),
                stdout: path("/tmp/slcap/dir with space/o_11.log"),
            },
            Case {
                fixture: "dependency_never_satisfied_pending",
                job: 14,
                state: JobState::DependencyNeverSatisfied,
                reason: Some("DependencyNeverSatisfied"),
                exit: None,
                stdout: path("/tmp/slcap/p_14.log"),
            },
            Case {
                fixture: "dependency_never_satisfied_killed",
                job: 7,
                state: JobState::DependencyNeverSatisfied,
                reason: Some("DependencyNeverSatisfied"),
                exit: None,
                stdout: path("/tmp/slcap/dep_7.log"),
            },
        ];
        for case in cases {
            let parsed = parse(case.fixture);
            let key = JobKey::job(JobId(case.job));
            assert_eq!(
                parsed.keys().collect::<Vec<_>>(),
                [&key],
                "{}",
                case.fixture
            );
            let status = &parsed[&key];
            assert_eq!(status.state, case.state, "{}", case.fixture);
            assert_eq!(status.reason.as_deref(), case.reason, "{}", case.fixture);
            assert_eq!(status.exit, case.exit, "{}", case.fixture);
            assert_eq!(status.stdout, case.stdout, "{}", case.fixture);
            assert_eq!(status.stderr, case.stdout, "{}", case.fixture);
        }
    }

    #[test]
    fn a_finished_array_reports_each_task_under_the_array_id() {
        let parsed = parse("array_finished_one_task_failed");
        let keys: Vec<JobKey> = parsed.keys().copied().collect();
        assert_eq!(
            keys,
            (0..6)
                .map(|t| JobKey::task(JobId(3), t))
                .collect::<Vec<_>>()
        );
        for (key, status) in &parsed {
            let task = key.task.unwrap_or(u32::MAX);
            let expected_log = format!("/tmp/slcap/out_3_{task}.log");
            assert_eq!(status.stdout, path(&expected_log), "{key}");
            if task == 2 {
                assert_eq!(status.state, JobState::Failed);
                assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
                assert_eq!(status.exit, exit(3, 0));
            } else {
                assert_eq!(status.state, JobState::Completed, "{key}");
                assert_eq!(status.exit, exit(0, 0), "{key}");
            }
        }
    }

    #[test]
    fn the_multiline_format_reads_the_same_as_the_oneliner() {
        assert_eq!(
            parse("array_finished_multiline"),
            parse("array_finished_one_task_failed")
        );
    }

    #[test]
    fn waiting_tasks_of_a_throttled_array_expand_without_a_log_path() {
        let parsed = parse("array_throttled_two_running");
        assert_eq!(parsed.len(), 6);
        for task in 0..2 {
            let status = &parsed[&JobKey::task(JobId(21), task)];
            assert_eq!(status.state, JobState::Running);
            assert_eq!(status.exit, None);
            assert_eq!(status.stdout, path(&format!("/tmp/slcap/m_21_{task}.log")));
        }
        for task in 2..6 {
            let status = &parsed[&JobKey::task(JobId(21), task)];
            assert_eq!(status.state, JobState::Pending);
            assert_eq!(status.reason.as_deref(), Some("JobArrayTaskLimit"));
            assert_eq!(status.stdout, None);
        }
    }

    #[test]
    fn a_held_sparse_array_expands_to_exactly_its_indices() {
        let parsed = parse("array_held_sparse");
        let tasks: Vec<Option<u32>> = parsed.keys().map(|k| k.task).collect();
        assert_eq!(tasks, [0, 1, 2, 3, 8].map(Some));
        assert!(parsed.values().all(|s| s.state == JobState::Pending
            && s.reason.as_deref() == Some("JobHeldUser")));
    }

    #[test]
    fn a_cancelled_stepped_array_reports_signal_15_per_task() {
        let parsed = parse("array_cancelled_stepped");
        let tasks: Vec<Option<u32>> = parsed.keys().map(|k| k.task).collect();
        assert_eq!(tasks, [1, 3, 5, 7, 9].map(Some));
        assert!(
            parsed
                .values()
                .all(|s| s.state == JobState::Cancelled && s.exit == exit(0, 15))
        );
    }

    #[test]
    fn empty_output_gives_no_entries() {
        assert_eq!(parse_show_job(""), Ok(vec![]));
        assert_eq!(parse_show_job("\n\n"), Ok(vec![]));
    }

    #[test]
    fn fields_keep_inner_spaces_and_equals_signs_in_values() {
        let record = "JobId=5 JobName=a b TRES=cpu=1,mem=2M AllocNode:Sid=h:1 Power= \n";
        assert_eq!(
            fields(record),
            [
                ("JobId", "5"),
                ("JobName", "a b"),
                ("TRES", "cpu=1,mem=2M"),
                ("AllocNode:Sid", "h:1"),
                ("Power", ""),
            ]
        );
    }

    #[test]
    fn unreadable_records_are_errors_that_name_the_field() {
        let cases = [
            ("JobId=x JobState=RUNNING", "`JobId=x`"),
            ("JobId=5 Reason=None", "no `JobState`"),
            ("JobId=5 JobState=FAILED ExitCode=3", "`ExitCode=3`"),
            (
                "JobId=5 ArrayJobId=5 JobState=PENDING",
                "without `ArrayTaskId`",
            ),
            (
                "JobId=5 ArrayJobId=5 ArrayTaskId=9-1 JobState=PENDING",
                "backwards",
            ),
            (
                "JobId=5 ArrayJobId=5 ArrayTaskId=0-99999999 JobState=PENDING",
                "more than",
            ),
        ];
        for (text, expected) in cases {
            let err = parse_show_job(text).expect_err(text);
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
