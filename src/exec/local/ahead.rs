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
use super::compute::compute_ahead;
use crate::dataset::Dataset;
use crate::digest::Digest;

/// New records a round waits for (unless the input ends first, which ends the rounds): enough
/// for a few batches, so the kind's fixed costs (an ONNX Runtime session) are paid a few times
/// per run, not per item.
const ROUND: usize = 64;

/// Runs `job`'s instance ahead on what `source` publishes to `stream`, until it ends.
/// `job.inputs` names `source` with any output; each round replaces it with its part.
pub fn run_ahead(state: &RunState<'_>, job: &Job, source: usize, stream: &Stream) {
    let mut seen = 0;
    let mut round = 0u64;
    while let Some(batch) = stream.next(seen, ROUND) {
        if batch.ended || interrupt::cancelled() {
            return;
        }
        seen += batch.records.len();
        let Ok(part) = Dataset::new(batch.records, BTreeMap::new()) else {
            return;
        };
        let name = Digest::of(
            format!(
                "radflow: part {round} of instance {source}'s stream, for instance {}",
                job.instance
            )
            .as_bytes(),
        );
        state.remember(name, Arc::new(part.with_roles(&batch.roles)));
        let mut part_job = job.clone();
        for (upstream, output) in part_job.inputs.values_mut().flatten() {
            if *upstream == source {
                *output = name;
            }
        }
        let result = compute_ahead(state, &part_job);
        state.forget(&name);
        if result.is_err() {
            return;
        }
        round += 1;
    }
}
