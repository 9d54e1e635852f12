//! A map instance running ahead on the records its input commits while that input still runs
//! (see [`super::super::stream`]).
//!
//! In rounds: wait until enough new records are published, run the instance's kind on those
//! records alone with [`ItemWork::Ahead`](super::map::ItemWork), so its map computes every
//! missing item into the item cache and stops before assembling anything; then wait for more.
//! Records published after the input has ended are left to the instance's own run (decided as
//! soon as this ends): a round then would overlap nothing. A round's part of the input is a
//! dataset remembered in memory under a name that is no output's hash, forgotten when the
//! round ends. Nothing here is committed but item entries, and any error ends the rounds
//! quietly: the instance's own run, once its input has ended, meets the same error and
//! reports it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::super::executor::Job;
use super::super::interrupt;
use super::super::state::RunState;
use super::super::stream::Stream;
use super::compute::{compute_ahead, filter_part};
use crate::dataset::Dataset;
use crate::digest::Digest;

/// New records a round waits for (unless the input ends first, which ends the rounds): enough
/// for a few batches, so the kind's fixed costs (an ONNX Runtime session) are paid a few times
/// per run, not per item.
const ROUND: usize = 64;

/// Runs `job`'s instance ahead on what `source` publishes to `stream`, until it ends.
/// `job.inputs` names `source` (or the last of `via`) with any output; each round replaces it
/// with its part.
///
/// `via`: filters between `source` and the instance, in order, each a job whose first port
/// names the one before it (the first: `source`); each [filters by
/// group](crate::stage_api::Stage::filters_by_group), so rounds take whole groups only and
/// each round's part goes through every filter, as the filter would decide those groups in
/// the whole dataset. A round a filter refuses (it keeps nothing of that part, say) is left
/// to the run proper.
pub fn run_ahead(state: &RunState<'_>, job: &Job, source: usize, stream: &Stream, via: &[Job]) {
    let mut seen = 0;
    let mut round = 0u64;
    let next = |seen| match via {
        [] => stream.next(seen, ROUND),
        _ => stream.next_whole_groups(seen, ROUND),
    };
    while let Some(batch) = next(seen) {
        if batch.ended || interrupt::cancelled() {
            return;
        }
        seen += batch.records.len();
        round += 1;
        let Ok(part) = Dataset::new(batch.records, BTreeMap::new()) else {
            return;
        };
        let mut names = Vec::with_capacity(via.len() + 1);
        let mut part = (source, Arc::new(part.with_roles(&batch.roles)));
        let mut failed = false;
        for step in via.iter().map(Some).chain([None]) {
            let name = Digest::of(
                format!(
                    "radflow: part {round} of instance {source}'s stream, after instance {}, \
                     for instance {}",
                    part.0, job.instance
                )
                .as_bytes(),
            );
            state.remember(name, part.1.clone());
            names.push(name);
            let mut step_job = step.unwrap_or(job).clone();
            for (upstream, output) in step_job.inputs.values_mut().flatten() {
                if *upstream == part.0 {
                    *output = name;
                }
            }
            let Some(filter) = step else {
                failed = compute_ahead(state, &step_job).is_err();
                break;
            };
            match filter_part(state, &step_job) {
                Some(kept) => part = (filter.instance, Arc::new(kept)),
                None => break,
            }
        }
        for name in &names {
            state.forget(name);
        }
        if failed {
            return;
        }
    }
}
