//! Job identities: the id `sbatch` hands back, and the key under which one
//! job, or one task of a job array, is reported.

use std::fmt;

/// A job id as `sbatch --parsable` prints it. For a job array this is the
/// array's id (`%A`), which names all its tasks at once for `scancel`,
/// `scontrol show job` and `--dependency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What one status entry is about: a plain job (`task: None`) or one task of
/// a job array (`job` is the array's id, `task` the task's index, `%a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobKey {
    pub job: JobId,
    pub task: Option<u32>,
}

impl JobKey {
    pub fn job(job: JobId) -> Self {
        Self { job, task: None }
    }

    pub fn task(job: JobId, task: u32) -> Self {
        Self {
            job,
            task: Some(task),
        }
    }
}

impl fmt::Display for JobKey {
    /// Slurm's own spelling: `12` for a job, `12_3` for task 3 of array 12.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.task {
            None => write!(f, "{}", self.job),
            Some(task) => write!(f, "{}_{task}", self.job),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_as_slurm_spells_them() {
        assert_eq!(JobKey::job(JobId(12)).to_string(), "12");
        assert_eq!(JobKey::task(JobId(12), 3).to_string(), "12_3");
    }

    #[test]
    fn tasks_of_one_array_sort_together_after_the_plain_job_key() {
        let mut keys = vec![
            JobKey::task(JobId(5), 10),
            JobKey::job(JobId(6)),
            JobKey::task(JobId(5), 2),
            JobKey::job(JobId(5)),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                JobKey::job(JobId(5)),
                JobKey::task(JobId(5), 2),
                JobKey::task(JobId(5), 10),
                JobKey::job(JobId(6)),
            ]
        );
    }
}
