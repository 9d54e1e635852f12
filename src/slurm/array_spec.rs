//! Job arrays: which task indices to run and how many at once, in Slurm's
//! index syntax (`0-3,7%2`) both ways: written for `sbatch --array` and read
//! back from the `ArrayTaskId` of `scontrol show job`.

use std::collections::BTreeSet;

/// The tasks of a job array. Each task sees its index as
/// `SLURM_ARRAY_TASK_ID` and in the `%a` of its log path.
///
/// Indices need not be sorted or contiguous (a map stage may rerun only the
/// shards that missed the cache); `submit` rejects an empty list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArraySpec {
    pub indices: Vec<u32>,
    /// At most this many tasks run at once (`%N`); `None`: as many as the
    /// cluster allows.
    pub max_concurrent: Option<u32>,
}

/// Slurm's hard ceiling on `MaxArraySize`, hence on the number of tasks one
/// `ArrayTaskId` can name: reading more than this from `scontrol` is a
/// misreading, never a real array, and is refused before allocating.
pub const MAX_ARRAY_TASKS: usize = 4_000_001;

impl ArraySpec {
    /// Tasks `0..count`, all at once.
    pub fn range(count: u32) -> Self {
        Self {
            indices: (0..count).collect(),
            max_concurrent: None,
        }
    }

    /// Why Slurm would refuse this array, if it would.
    pub(crate) fn problem(&self) -> Option<String> {
        if self.indices.is_empty() {
            return Some("the job array has no task indices".to_owned());
        }
        if self.max_concurrent == Some(0) {
            return Some("`max_concurrent` is 0, expected at least 1".to_owned());
        }
        None
    }

    /// The `--array` value: sorted, duplicates dropped, runs of consecutive
    /// indices folded into ranges, so a shard list stays a short argument.
    pub fn to_sbatch(&self) -> String {
        let sorted: BTreeSet<u32> = self.indices.iter().copied().collect();
        let mut parts: Vec<String> = Vec::new();
        let mut run: Option<(u32, u32)> = None;
        for index in sorted {
            run = match run {
                Some((first, last)) if last.checked_add(1) == Some(index) => Some((first, index)),
                Some(done) => {
                    parts.push(format_run(done));
                    Some((index, index))
                }
                None => Some((index, index)),
            };
        }
        if let Some(done) = run {
            parts.push(format_run(done));
        }
        let mut spec = parts.join(",");
        if let Some(limit) = self.max_concurrent {
            spec.push_str(&format!("%{limit}"));
        }
        spec
    }
}

fn format_run((first, last): (u32, u32)) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

/// Reads Slurm's index syntax (`5`, `0-3,8`, `2-5%2`, `1-9:2`) into the
/// indices it names, in the order written. Refuses more than
/// [`MAX_ARRAY_TASKS`] indices before allocating them.
pub(crate) fn parse_task_ids(text: &str) -> Result<Vec<u32>, String> {
    // The throttle (`%2`) says how many run at once, not which ones.
    let list = text.split_once('%').map_or(text, |(list, _)| list);
    let mut ranges = Vec::new();
    let mut total: usize = 0;
    for part in list.split(',') {
        let (span, step) = match part.split_once(':') {
            Some((span, step)) => (span, parse_index(step, text)?),
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("task list `{text}` has a step of 0"));
        }
        let (first, last) = match span.split_once('-') {
            Some((first, last)) => (parse_index(first, text)?, parse_index(last, text)?),
            None => {
                let index = parse_index(span, text)?;
                (index, index)
            }
        };
        if last < first {
            return Err(format!(
                "task list `{text}` has a range that runs backwards"
            ));
        }
        total += ((last - first) / step) as usize + 1;
        if total > MAX_ARRAY_TASKS {
            return Err(format!(
                "task list `{text}` names more than {MAX_ARRAY_TASKS} tasks, Slurm's largest array"
            ));
        }
        ranges.push((first, last, step));
    }
    let mut indices = Vec::with_capacity(total);
    for (first, last, step) in ranges {
        indices.extend((first..=last).step_by(step as usize));
    }
    Ok(indices)
}

fn parse_index(text: &str, whole: &str) -> Result<u32, String> {
    text.parse()
        .map_err(|_| format!("task list `{whole}` has `{text}`, expected a task index"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_fold_into_sorted_ranges_with_the_throttle_last() {
        let cases: &[(&[u32], Option<u32>, &str)] = &[
            (&[0], None, "0"),
            (&[0, 1, 2, 3], None, "0-3"),
            (&[3, 1, 2, 0], Some(2), "0-3%2"),
            (&[0, 1, 2, 3, 7], None, "0-3,7"),
            (&[9, 5, 5, 6, 1], None, "1,5-6,9"),
            (&[u32::MAX - 1, u32::MAX], None, "4294967294-4294967295"),
        ];
        for &(indices, max_concurrent, expected) in cases {
            let spec = ArraySpec {
                indices: indices.to_vec(),
                max_concurrent,
            };
            assert_eq!(spec.to_sbatch(), expected, "{indices:?}");
        }
    }

    #[test]
    fn an_empty_array_or_a_zero_throttle_is_a_problem() {
        assert!(ArraySpec::range(0).problem().is_some());
        let zero = ArraySpec {
            max_concurrent: Some(0),
            ..ArraySpec::range(3)
        };
        assert!(zero.problem().is_some());
        assert!(ArraySpec::range(3).problem().is_none());
    }

    #[test]
    fn task_lists_as_scontrol_prints_them_expand_to_indices() {
        let cases: &[(&str, &[u32])] = &[
            ("5", &[5]),
            ("0-3", &[0, 1, 2, 3]),
            ("2-5%2", &[2, 3, 4, 5]),
            ("0-3,8", &[0, 1, 2, 3, 8]),
            ("1,3,5-9:2", &[1, 3, 5, 7, 9]),
        ];
        for &(text, expected) in cases {
            assert_eq!(parse_task_ids(text).as_deref(), Ok(expected), "{text}");
        }
    }

    #[test]
    fn malformed_or_oversized_task_lists_are_refused() {
        for text in [
            "",
            "a",
            "3-1",
            "1-",
            "0-9:0",
            "0-4294967295",
            "0-10,0-4000000",
        ] {
            assert!(parse_task_ids(text).is_err(), "{text}");
        }
    }

    #[test]
    fn written_arrays_read_back_to_the_same_indices() {
        let spec = ArraySpec {
            indices: vec![7, 0, 1, 2, 40, 41],
            max_concurrent: Some(3),
        };
        assert_eq!(
            parse_task_ids(&spec.to_sbatch()),
            Ok(vec![0, 1, 2, 7, 40, 41])
        );
    }
}
