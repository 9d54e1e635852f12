//! A map instance running ahead on the records its input commits while that input still runs
//! (see [`super::super::stream`]).
//!
//! In rounds: wait until enough new records are published, run the instance's kind on those
//! records alone with [`ItemWork::Ahead`](super::map::ItemWork), so its map computes every
//! missing item into the item cache and stops before assembling anything; then wait for more.
//! Records published after the input has ended are left to the instance's own run (decided as
//! soon as this ends): a round then would overlap nothing. A round's part of the input is a
//! dataset remembered in memory under a name that is no output's hash, forgotten when the
//! round ends. Behind a filter by group (the lesion filter), a round takes whole groups only
//! and goes through the filter first. Nothing here is committed but item entries, and any
//! error ends the rounds quietly: the instance's own run, once its input has ended, meets the
//! same error and reports it.

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
        let result = run_round(
            state,
            Round {
                job,
                source,
                via,
                round,
                names: &mut names,
            },
            part.with_roles(&batch.roles),
        );
        for name in &names {
            state.forget(name);
        }
        if result.is_err() {
            return;
        }
    }
}

/// One round's settings, and the names its parts are remembered under (forgotten after it).
struct Round<'a> {
    job: &'a Job,
    source: usize,
    via: &'a [Job],
    round: u64,
    names: &'a mut Vec<Digest>,
}

/// `part` through each filter of `via`, then the instance's missing items computed on what
/// they keep. `Err` when computing the items failed (the rounds end); a part a filter refuses
/// is left to the run proper.
fn run_round(state: &RunState<'_>, mut r: Round<'_>, part: Dataset) -> Result<(), ()> {
    let (mut from, mut part) = (r.source, part);
    for filter in r.via {
        let filter_job = r.with_part(state, filter, from, part);
        match filter_part(state, &filter_job) {
            Some(kept) => (from, part) = (filter.instance, kept),
            None => return Ok(()),
        }
    }
    let job = r.with_part(state, r.job, from, part);
    compute_ahead(state, &job).map(|_| ()).map_err(|_| ())
}

impl Round<'_> {
    /// `job` (the instance running ahead, or a filter before it) reading `part` where it reads
    /// instance `from`: the part is remembered under a name that is no output's hash.
    fn with_part(&mut self, state: &RunState<'_>, job: &Job, from: usize, part: Dataset) -> Job {
        // Named by the instance running ahead too: two may run ahead through one filter, each
        // reading the stream in rounds of its own.
        let name = Digest::of(
            format!(
                "radflow: part {} of instance {}'s stream read by instance {}, into instance {}",
                self.round, self.source, self.job.instance, job.instance
            )
            .as_bytes(),
        );
        state.remember(name, Arc::new(part));
        self.names.push(name);
        let mut job = job.clone();
        for (upstream, output) in job.inputs.values_mut().flatten() {
            if *upstream == from {
                *output = name;
            }
        }
        job
    }
}
