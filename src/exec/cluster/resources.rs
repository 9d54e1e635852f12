//! Scheduler settings from the pipeline: `executor:` defaults, overridden per stage by
//! `resources:`, in Slurm's own notations.

use std::time::Duration;

use crate::spec::document::{ExecutorDoc, ResourcesDoc};

/// Settings of a Slurm run.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    pub defaults: ResourcesDoc,
    /// Target wall time of one array task.
    pub shard_seconds: f64,
    /// Most array tasks of one stage running at once.
    pub max_parallel: Option<u32>,
    /// Instances recorded (or, light ones, expected) to compute in less than this run in the
    /// coordinator (`placement.rs`); 0 submits everything.
    pub local_below_seconds: f64,
}

/// A job's scheduling latency is about a second on the test cluster: a stage computing in
/// less than two pays more for the job than for its work.
pub const LOCAL_BELOW_SECONDS: f64 = 2.0;

impl ClusterConfig {
    pub fn from_doc(doc: Option<&ExecutorDoc>) -> Self {
        Self {
            defaults: doc.map(|d| d.resources.clone()).unwrap_or_default(),
            shard_seconds: doc.and_then(|d| d.shard_seconds).unwrap_or(60.0),
            max_parallel: doc.and_then(|d| d.max_parallel),
            local_below_seconds: doc
                .and_then(|d| d.local_below_seconds)
                .unwrap_or(LOCAL_BELOW_SECONDS),
        }
    }

    /// A stage's resources: its own, else the executor's.
    pub fn for_stage(&self, stage: &ResourcesDoc) -> ResourcesDoc {
        ResourcesDoc {
            partition: stage
                .partition
                .clone()
                .or_else(|| self.defaults.partition.clone()),
            time: stage.time.clone().or_else(|| self.defaults.time.clone()),
            cpus: stage.cpus.or(self.defaults.cpus),
            mem: stage.mem.clone().or_else(|| self.defaults.mem.clone()),
        }
    }
}

/// Slurm time: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`.
pub fn parse_time(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a Slurm time (minutes, MM:SS, HH:MM:SS or D-HH:MM:SS)");
    let (days, rest) = match text.split_once('-') {
        Some((d, rest)) => (d.trim().parse::<u64>().map_err(|_| bad())?, rest),
        None => (0, text),
    };
    let parts: Vec<u64> = rest
        .split(':')
        .map(|p| p.trim().parse::<u64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let seconds = match (text.contains('-'), parts.as_slice()) {
        (false, [m]) => m * 60,
        (false, [m, s]) => m * 60 + s,
        (false, [h, m, s]) => h * 3600 + m * 60 + s,
        (true, [h]) => h * 3600,
        (true, [h, m]) => h * 3600 + m * 60,
        (true, [h, m, s]) => h * 3600 + m * 60 + s,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs(days * 86_400 + seconds))
}

/// Memory: `500M`, `4G`, `1T`, or plain megabytes.
pub fn parse_mem_mb(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not an amount of memory (e.g. 500M, 4G)");
    let t = text.trim();
    let (number, factor) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1.0 / 1024.0),
        Some('M' | 'm') => (&t[..t.len() - 1], 1.0),
        Some('G' | 'g') => (&t[..t.len() - 1], 1024.0),
        Some('T' | 't') => (&t[..t.len() - 1], 1024.0 * 1024.0),
        _ => (t, 1.0),
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if value.is_nan() || value <= 0.0 {
        return Err(bad());
    }
    Ok((value * factor).ceil() as u64)
}

/// How many array tasks a map gets: enough work per task that the scheduler's cost (about a
/// second per task, measured on the test cluster) stays under a tenth of it, and never more
/// tasks than items, Slurm's array limit or `max_parallel` x 4.
pub fn shard_count(
    items: usize,
    seconds_per_item: f64,
    shard_seconds: f64,
    max_parallel: Option<u32>,
) -> usize {
    if items == 0 {
        return 1;
    }
    let work = items as f64 * seconds_per_item.max(0.0);
    // The tolerance keeps float noise (6000 x 0.07 = 420.00000000000006) from adding a task.
    let wanted = (work / shard_seconds.max(1.0) - 1e-9).ceil() as usize;
    let cap = max_parallel
        .map_or(1000, |m| (m as usize).saturating_mul(4).max(1))
        .min(1000);
    wanted.clamp(1, items.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_times_parse() {
        let cases = [
            ("30", 1800),
            ("05:30", 330),
            ("01:00:00", 3600),
            ("1-02", 93_600),
            ("2-00:30:00", 174_600),
        ];
        for (text, seconds) in cases {
            assert_eq!(parse_time(text), Ok(Duration::from_secs(seconds)), "{text}");
        }
        assert!(parse_time("soon").is_err());
        assert!(parse_time("1:2:3:4").is_err());
    }

    #[test]
    fn memory_parses() {
        assert_eq!(parse_mem_mb("500M"), Ok(500));
        assert_eq!(parse_mem_mb("4G"), Ok(4096));
        assert_eq!(parse_mem_mb("2048"), Ok(2048));
        assert!(parse_mem_mb("lots").is_err());
        assert!(parse_mem_mb("0G").is_err());
    }

    #[test]
    fn shards_carry_enough_work_to_hide_scheduling() {
        // 6,000 slices at 0.07 s each = 420 s of work: 7 tasks of 60 s.
        assert_eq!(shard_count(6000, 0.07, 60.0, None), 7);
        // Little work: one task.
        assert_eq!(shard_count(80, 0.01, 60.0, None), 1);
        // Never more tasks than items, nor than max_parallel x 4.
        assert_eq!(shard_count(3, 100.0, 1.0, None), 3);
        assert_eq!(shard_count(10_000, 10.0, 1.0, Some(8)), 32);
        assert_eq!(shard_count(0, 1.0, 60.0, None), 1);
    }
}
