//! Which instances of a Slurm run are submitted and which the coordinator runs itself (as
//! Snakemake's `localrules`, but decided from the times radflow records).
//!
//! A job pays the scheduler's latency (about a second per job on the test cluster, more on a
//! busy one) however little it computes; a chain of small stages pays it once per stage. So an
//! instance whose recorded compute time is under `local_below_seconds` runs here, through the
//! local executor; one with no record yet runs here when its kind is light (a filter, an
//! evaluation, a report) and is not a map. Everything else is submitted. This is a choice of
//! executor only: the decision to run at all is `decide`'s, and the keys, entries and lock file
//! are the same wherever an instance runs.

use std::collections::BTreeMap;

use crate::cache::{RunRecord, Status};
use crate::plan::Plan;

/// How many recent run records are read for times: enough to find a stage that the last few
/// runs took from the cache, without reading a long history at every start.
pub const RECORDS_READ: usize = 20;

/// For each instance of a plan, whether the coordinator runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    here: Vec<bool>,
}

impl Placement {
    /// Places `plan`'s instances from `runs` (newest first) and the threshold in seconds (0:
    /// submit everything).
    pub fn new(plan: &Plan, runs: &[RunRecord], local_below_seconds: f64) -> Self {
        let recorded = recorded_costs(runs);
        let below_ms = (local_below_seconds.max(0.0) * 1000.0) as u64;
        let here = plan
            .instances
            .iter()
            .map(|instance| {
                runs_here(
                    recorded.get(instance.id.as_str()).copied(),
                    instance.kind.light(),
                    instance.kind.is_map(),
                    below_ms,
                )
            })
            .collect();
        Self { here }
    }

    /// Whether instance `index` runs in the coordinator.
    pub fn here(&self, index: usize) -> bool {
        self.here.get(index).copied().unwrap_or(false)
    }
}

/// The rule for one instance: a recorded time decides; without one, a light kind that is not
/// a map stays here. A zero threshold submits everything.
pub fn runs_here(recorded_ms: Option<u64>, light: bool, is_map: bool, below_ms: u64) -> bool {
    if below_ms == 0 {
        return false;
    }
    match recorded_ms {
        Some(ms) => ms < below_ms,
        None => light && !is_map,
    }
}

/// Each instance's compute cost in the newest record that has one: what a run computed plus
/// the recorded cost of the items it took from the cache, or for a hit, the cost of the entry
/// it took. Failed, skipped and blocked instances carry no time worth trusting.
pub fn recorded_costs(runs: &[RunRecord]) -> BTreeMap<&str, u64> {
    let mut costs = BTreeMap::new();
    for run in runs {
        for (id, instance) in &run.instances {
            let cost = match instance.status {
                Status::Ran => instance.duration_ms + instance.saved_ms,
                Status::Cached => instance.saved_ms,
                _ => continue,
            };
            costs.entry(id.as_str()).or_insert(cost);
        }
    }
    costs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_times_decide_and_light_kinds_stay_here_until_recorded() {
        // (recorded ms, light, map, threshold ms) -> runs here
        let cases = [
            (Some(150), false, false, 2000, true),
            (Some(150), false, true, 2000, true),
            (Some(2000), true, false, 2000, false),
            (Some(30_000), true, false, 2000, false),
            (None, true, false, 2000, true),
            (None, true, true, 2000, false),
            (None, false, false, 2000, false),
            (Some(10), true, false, 0, false),
            (None, true, false, 0, false),
        ];
        for (recorded, light, map, below, expected) in cases {
            assert_eq!(
                runs_here(recorded, light, map, below),
                expected,
                "recorded {recorded:?}, light {light}, map {map}, below {below}"
            );
        }
    }

    fn record(instances: &[(&str, Status, u64, u64)]) -> RunRecord {
        let instance = |(stage, status, duration_ms, saved_ms): &(&str, Status, u64, u64)| {
            let record = crate::cache::InstanceRecord {
                stage: stage.to_string(),
                kind: "command".into(),
                label: String::new(),
                status: *status,
                key: None,
                output: None,
                records: None,
                items: None,
                summary: BTreeMap::new(),
                params: serde_json::Value::Null,
                duration_ms: *duration_ms,
                saved_ms: *saved_ms,
                why: None,
                error: None,
                warnings: Vec::new(),
            };
            (stage.to_string(), record)
        };
        RunRecord {
            format: 1,
            pipeline: "p".into(),
            pipeline_file: "p.yaml".into(),
            lock_file: "p.lock".into(),
            started_unix_ms: 0,
            duration_ms: 0,
            overrides: Vec::new(),
            only: Vec::new(),
            forced: Vec::new(),
            outcome: crate::cache::RunOutcome::Complete,
            instances: instances.iter().map(instance).collect(),
        }
    }

    #[test]
    fn the_newest_run_that_computed_or_reused_an_instance_gives_its_cost() {
        let newest = record(&[
            ("a", Status::Cached, 0, 900),
            ("b", Status::Failed, 5, 0),
            ("c", Status::Skipped, 0, 0),
        ]);
        let older = record(&[("a", Status::Ran, 100, 0), ("b", Status::Ran, 3000, 400)]);
        let runs = [newest, older];
        let costs = recorded_costs(&runs);
        assert_eq!(costs.get("a"), Some(&900), "a hit reports its entry's cost");
        assert_eq!(costs.get("b"), Some(&3400), "computed plus reused items");
        assert_eq!(costs.get("c"), None, "a skipped instance has no time");
    }
}
