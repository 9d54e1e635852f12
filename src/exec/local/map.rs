//! Item-level caching for map stages.
//!
//! Each input record is an item with its own key ([`ItemKeyer`]). Items whose entry exists, and
//! whose referenced objects all exist, are taken from the cache; the others are computed in
//! batches, in parallel, and committed (their entries written after their objects) in groups
//! ([`CommitGroup`]) while the map runs and at its end, so an interrupted or failing stage
//! keeps every finished item.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::super::progress::StageBar;
use super::super::stream::{Stream, Streams};
use super::commit_group::CommitGroup;
use crate::cache::{ENTRY_FORMAT, ItemCounts, ItemEntry, Store};
use crate::dataset::{Record, Roles};
use crate::digest::Digest;
use crate::key::{ItemKeyer, ItemStage};
use crate::stage_api::{Emit, MapOutput, MapRequest, OnError, StageContext, StageError};

/// Items `index`, `index + count`, ...: one cluster task's share of a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// Which items a map computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemWork {
    /// Every item not in the cache (every item when forced).
    Missing { forced: bool },
    /// Nothing new: every item must be in the cache already (a cluster computed them). Items
    /// a cluster task dropped under `on_error: skip` have no entry; they are tried again here,
    /// so they are dropped again with their message where the run is watched.
    CachedOnly,
    /// Only this shard of the items not in the cache; then the stage is stopped
    /// ([`StageError::Stopped`]) before it assembles anything.
    Shard(Shard),
    /// Running ahead on the records its input has committed so far (`super::ahead`):
    /// every item not in the cache, remembered as computed ahead; then the stage is stopped
    /// before it assembles anything.
    Ahead,
}

/// What one running instance's maps share and add up.
pub struct ItemScope<'a> {
    pub store: &'a Store,
    pub kind: &'a str,
    pub version: u32,
    pub runtime: &'a BTreeMap<String, String>,
    pub params: &'a serde_json::Value,
    pub work: ItemWork,
    pub bar: &'a StageBar,
    pub tally: &'a Tally,
    /// The run's streams: where items computed ahead are remembered, by instance.
    pub streams: &'a Streams,
    /// The instance's index in the plan.
    pub instance: usize,
    /// Where this map publishes its records as they commit, with its input's roles, when a
    /// map downstream runs ahead on them.
    pub stream: Option<(&'a Stream, &'a Roles)>,
}

/// Counters of one instance's maps.
#[derive(Debug, Default)]
pub struct Tally {
    /// Item keys the output was assembled from (recorded in the stage entry for `gc`).
    pub item_keys: Mutex<Vec<Digest>>,
    pub items: Mutex<Option<ItemCounts>>,
    pub saved_ms: AtomicU64,
    /// Compute time of the items this run computed ahead ([`ItemWork::Ahead`]) and then took
    /// from the cache: part of the instance's own time.
    pub ahead_ms: AtomicU64,
    pub warnings: Mutex<Vec<String>>,
}

impl Tally {
    pub fn warn(&self, message: String) {
        self.warnings.lock().expect("warnings").push(message);
    }

    fn add_items(&self, total: usize, computed: usize, ahead: usize) {
        let mut counts = self.items.lock().expect("item counts");
        let previous = counts.unwrap_or_default();
        *counts = Some(ItemCounts {
            total: previous.total + total,
            computed: previous.computed + computed,
            ahead: previous.ahead + ahead,
        });
    }
}

enum Slot {
    /// Taken from the cache; `ahead` when this run computed it ahead of the instance's own run.
    Cached {
        emits: Vec<Emit>,
        ahead: bool,
    },
    Computed(Vec<Emit>),
    Dropped(String),
    Pending,
}

/// Runs one map: keys, hits, computed misses, output records in input order.
pub fn run_map(
    scope: &ItemScope<'_>,
    ctx: &StageContext<'_>,
    request: MapRequest<'_>,
) -> Result<MapOutput, StageError> {
    let keyer = ItemKeyer::new(
        &ItemStage {
            kind: scope.kind,
            version: scope.version,
            runtime: scope.runtime,
            params: scope.params,
        },
        &request.shared_key,
        request.key_fields,
    );
    let records = request.records;
    let keys: Vec<Digest> = records
        .par_iter()
        .map(|r| {
            keyer
                .key(r)
                .map_err(|e| StageError::from(e).for_item(&r.id))
        })
        .collect::<Result<_, _>>()?;

    if let Some((stream, roles)) = scope.stream {
        stream.expect(records, roles);
    }
    let mut slots = look_up(scope, &keys);
    publish(
        scope,
        records,
        slots.iter().enumerate().filter_map(|(i, slot)| match slot {
            Slot::Cached { emits, .. } => Some((i, emits.as_slice())),
            _ => None,
        }),
    );
    let pending: Vec<usize> = (0..records.len())
        .filter(|&i| matches!(slots[i], Slot::Pending))
        .filter(|&i| match scope.work {
            ItemWork::Shard(s) => i % s.count == s.index,
            _ => true,
        })
        .collect();
    if scope.work == ItemWork::CachedOnly
        && !pending.is_empty()
        && request.on_error == OnError::Stop
    {
        return Err(StageError::invalid(format!(
            "{} of {} items are not in the cache after the cluster computed them (first: `{}`)",
            pending.len(),
            records.len(),
            records[pending[0]].id
        )));
    }
    let computed = compute_pending(scope, ctx, &request, &keys, &pending)?;
    if scope.work == ItemWork::Ahead {
        let ahead = computed
            .iter()
            .filter(|(_, s)| matches!(s, Slot::Computed(_)));
        scope
            .streams
            .add_computed_ahead(scope.instance, ahead.map(|&(i, _)| keys[i]));
    }
    if matches!(scope.work, ItemWork::Shard(_) | ItemWork::Ahead) {
        scope.tally.add_items(records.len(), computed.len(), 0);
        return Err(StageError::Stopped);
    }
    for (i, slot) in computed {
        slots[i] = slot;
    }
    Ok(assemble(scope, records, slots, &keys))
}

/// Takes every item whose entry and objects exist from the cache (none when forced).
fn look_up(scope: &ItemScope<'_>, keys: &[Digest]) -> Vec<Slot> {
    let forced = scope.work == ItemWork::Missing { forced: true };
    let saved = AtomicU64::new(0);
    let ahead_ms = AtomicU64::new(0);
    let slots = keys
        .par_iter()
        .map(|key| {
            if forced {
                return Slot::Pending;
            }
            match scope.store.item_entry(key) {
                Some(entry) if objects_present(scope.store, &entry.emits) => {
                    let ahead = scope.work != ItemWork::Ahead
                        && scope.streams.computed_ahead(scope.instance, key);
                    let counter = if ahead { &ahead_ms } else { &saved };
                    counter.fetch_add(entry.cost_ms, Ordering::Relaxed);
                    Slot::Cached {
                        emits: entry.emits,
                        ahead,
                    }
                }
                _ => Slot::Pending,
            }
        })
        .collect();
    scope
        .tally
        .saved_ms
        .fetch_add(saved.into_inner(), Ordering::Relaxed);
    scope
        .tally
        .ahead_ms
        .fetch_add(ahead_ms.into_inner(), Ordering::Relaxed);
    slots
}

/// Computes the pending items in batches (in parallel when the request allows) and commits
/// each; the first error stops the rest.
fn compute_pending(
    scope: &ItemScope<'_>,
    ctx: &StageContext<'_>,
    request: &MapRequest<'_>,
    keys: &[Digest],
    pending: &[usize],
) -> Result<Vec<(usize, Slot)>, StageError> {
    let records = request.records;
    let total = records.len() as u64;
    let done = AtomicU64::new(total - pending.len() as u64);
    scope.bar.set(done.load(Ordering::Relaxed), total);
    let batches: Vec<&[usize]> = pending.chunks(request.batch.max(1)).collect();
    let results: Mutex<Vec<(usize, Slot)>> = Mutex::new(Vec::with_capacity(pending.len()));
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<StageError>> = Mutex::new(None);
    let fail = |error: StageError| {
        stop.store(true, Ordering::Relaxed);
        first_error.lock().expect("error slot").get_or_insert(error);
    };
    let group = CommitGroup::new(scope.store, keys);
    let cache_error = |e: crate::cache::CacheError| StageError::Cache(e.to_string());
    let committed = |now: Vec<(usize, Vec<Emit>)>| {
        publish(
            scope,
            records,
            now.iter().map(|(i, emits)| (*i, emits.as_slice())),
        );
        let mut results = results.lock().expect("results");
        results.extend(now.into_iter().map(|(i, emits)| (i, Slot::Computed(emits))));
    };
    let process = |indices: &[usize]| {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if let Err(error) = ctx.check_cancelled() {
            return fail(error);
        }
        let started = Instant::now();
        match compute_batch(scope, ctx, request, indices) {
            Ok(outcomes) => {
                done.fetch_add(indices.len() as u64, Ordering::Relaxed);
                scope.bar.set(done.load(Ordering::Relaxed), total);
                let mut computed = Vec::with_capacity(outcomes.len());
                for (i, outcome) in outcomes {
                    match outcome {
                        Outcome::Computed(entry) => computed.push((i, entry)),
                        Outcome::Dropped(reason) => {
                            publish(scope, records, std::iter::once((i, &[][..])));
                            results
                                .lock()
                                .expect("results")
                                .push((i, Slot::Dropped(reason)));
                        }
                    }
                }
                match group.add(computed, started.elapsed()) {
                    Ok(now) => committed(now),
                    Err(e) => fail(cache_error(e)),
                }
            }
            Err(error) => fail(error),
        }
    };
    if request.parallel {
        batches.par_iter().for_each(|b| process(b));
    } else {
        batches.iter().for_each(|b| process(b));
    }
    // Finished items are kept whatever ended the map.
    let rest = group.finish();
    match (first_error.into_inner().expect("error slot"), rest) {
        (Some(error), _) => Err(error),
        (None, Err(e)) => Err(cache_error(e)),
        (None, Ok(now)) => {
            committed(now);
            Ok(results.into_inner().expect("results"))
        }
    }
}

/// Output records in input order, each input record overlaid with what its item emitted.
fn assemble(
    scope: &ItemScope<'_>,
    records: &[Record],
    slots: Vec<Slot>,
    keys: &[Digest],
) -> MapOutput {
    let mut output = MapOutput::default();
    let mut used_keys = Vec::with_capacity(records.len());
    let (mut computed, mut ahead_count) = (0, 0);
    for ((record, slot), key) in records.iter().zip(slots).zip(keys) {
        let emits = match slot {
            Slot::Cached { emits, ahead } => {
                ahead_count += usize::from(ahead);
                emits
            }
            Slot::Computed(emits) => {
                computed += 1;
                emits
            }
            Slot::Dropped(reason) => {
                output.dropped.push((record.id.clone(), reason));
                continue;
            }
            Slot::Pending => {
                unreachable!("every pending item was computed or the map returned an error")
            }
        };
        used_keys.push(*key);
        output
            .records
            .extend(emits.into_iter().map(|emit| overlaid(record, emit)));
    }
    scope
        .tally
        .item_keys
        .lock()
        .expect("item keys")
        .extend(used_keys);
    scope
        .tally
        .add_items(records.len(), computed + ahead_count, ahead_count);
    output
}

/// The output record of one emit: the input record with the emitted fields over it, its id
/// suffixed when the item emits several.
fn overlaid(record: &Record, emit: Emit) -> Record {
    let mut out = record.clone();
    if let Some(suffix) = &emit.suffix {
        out.id = format!("{}/{suffix}", record.id);
    }
    out.fields.extend(emit.fields);
    out
}

/// Publishes these items (each with the output records of its emits; none for a dropped one)
/// to the map's stream, when it has one.
fn publish<'e>(
    scope: &ItemScope<'_>,
    records: &[Record],
    items: impl Iterator<Item = (usize, &'e [Emit])>,
) {
    if let Some((stream, roles)) = scope.stream {
        let items = items.map(|(i, emits)| {
            let outputs = emits
                .iter()
                .map(|emit| overlaid(&records[i], emit.clone()))
                .collect();
            (&records[i], outputs)
        });
        stream.publish(items, roles);
    }
}

/// What became of one computed item.
enum Outcome {
    /// Computed; its entry is still to be committed.
    Computed(ItemEntry),
    /// Dropped under `on_error: skip`, with the reason.
    Dropped(String),
}

/// Computes one batch; with `on_error: skip`, a failing batch is retried item by item so only
/// the failing items are dropped.
fn compute_batch(
    scope: &ItemScope<'_>,
    ctx: &StageContext<'_>,
    request: &MapRequest<'_>,
    indices: &[usize],
) -> Result<Vec<(usize, Outcome)>, StageError> {
    let records = request.records;
    let batch: Vec<&Record> = indices.iter().map(|&i| &records[i]).collect();
    let started = Instant::now();
    match (request.compute)(&batch, ctx) {
        Ok(outputs) => {
            if outputs.len() != batch.len() {
                return Err(StageError::invalid(format!(
                    "stage returned {} results for a batch of {} items",
                    outputs.len(),
                    batch.len()
                )));
            }
            let cost_ms = started.elapsed().as_millis() as u64 / batch.len() as u64;
            Ok(indices
                .iter()
                .zip(outputs)
                .map(|(&i, emits)| {
                    let entry = ItemEntry {
                        format: ENTRY_FORMAT,
                        emits,
                        cost_ms,
                    };
                    (i, Outcome::Computed(entry))
                })
                .collect())
        }
        Err(error)
            if error.damaged_object().is_some() || matches!(error, StageError::Interrupted) =>
        {
            Err(error)
        }
        Err(error) if request.on_error == OnError::Skip => {
            if let [i] = indices {
                let id = &records[*i].id;
                let reason = error.message_without_item(id);
                scope.tally.warn(format!("dropped `{id}`: {reason}"));
                return Ok(vec![(*i, Outcome::Dropped(reason))]);
            }
            let mut out = Vec::new();
            for &i in indices {
                out.extend(compute_batch(scope, ctx, request, &[i])?);
            }
            Ok(out)
        }
        Err(error) => Err(match indices {
            [i] => error.for_item(&records[*i].id),
            _ => error,
        }),
    }
}

fn objects_present(store: &Store, emits: &[Emit]) -> bool {
    let mut digests = BTreeSet::new();
    for emit in emits {
        for value in emit.fields.values() {
            value.for_each_blob(&mut |b| {
                digests.insert(b.digest);
            });
        }
    }
    digests.iter().all(|d| store.has_object(d))
}
