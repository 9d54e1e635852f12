//! Item-level caching for map stages.
//!
//! Each input record is an item with its own key ([`ItemKeyer`]). Items whose entry exists, and
//! whose referenced objects all exist, are taken from the cache; the others are computed in
//! batches, in parallel, and each is committed (its entry written after its objects) as soon as
//! its batch finishes, so an interrupted or failing stage keeps every finished item.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::host::LocalHost;
use crate::cache::{ENTRY_FORMAT, ItemCounts, ItemEntry};
use crate::dataset::Record;
use crate::digest::Digest;
use crate::key::ItemKeyer;
use crate::stages::{Emit, MapOutput, MapRequest, OnError, StageContext, StageError};

enum Slot {
    Cached(Vec<Emit>),
    Computed(Vec<Emit>),
    Dropped(String),
    Pending,
}

pub fn run_map(
    host: &LocalHost<'_, '_>,
    ctx: &StageContext<'_>,
    request: MapRequest<'_>,
) -> Result<MapOutput, StageError> {
    let kind = &host.instance.kind;
    let keyer = ItemKeyer::new(
        kind.kind(),
        kind.version(),
        kind.fingerprint(),
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

    let store = &host.run.store;
    let saved = AtomicU64::new(0);
    let mut slots: Vec<Slot> = keys
        .par_iter()
        .map(|key| {
            if host.forced {
                return Slot::Pending;
            }
            match store.item_entry(key) {
                Some(entry) if objects_present(host, &entry.emits) => {
                    saved.fetch_add(entry.cost_ms, Ordering::Relaxed);
                    Slot::Cached(entry.emits)
                }
                _ => Slot::Pending,
            }
        })
        .collect();
    host.add_saved(saved.into_inner());

    // A cluster worker computes its shard of the items (by input position) and stops there.
    let shard = host
        .run
        .options
        .shard
        .filter(|s| std::ptr::eq(&host.run.plan.instances[s.instance], host.instance));
    let pending: Vec<usize> = (0..records.len())
        .filter(|&i| matches!(slots[i], Slot::Pending))
        .filter(|&i| shard.is_none_or(|s| i % s.count == s.index))
        .collect();
    let total = records.len() as u64;
    let done = AtomicU64::new(total - pending.len() as u64);
    host.bar.set(done.load(Ordering::Relaxed), total);
    let batch = request.batch.max(1);
    let batches: Vec<&[usize]> = pending.chunks(batch).collect();
    let results: Mutex<Vec<(usize, Slot)>> = Mutex::new(Vec::with_capacity(pending.len()));
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<StageError>> = Mutex::new(None);

    let process = |indices: &[usize]| {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if ctx.check_cancelled().is_err() {
            stop.store(true, Ordering::Relaxed);
            first_error
                .lock()
                .expect("error slot")
                .get_or_insert(StageError::Interrupted);
            return;
        }
        match compute_batch(host, ctx, &request, records, &keys, indices) {
            Ok(computed) => {
                done.fetch_add(indices.len() as u64, Ordering::Relaxed);
                host.bar.set(done.load(Ordering::Relaxed), total);
                results.lock().expect("results").extend(computed);
            }
            Err(error) => {
                stop.store(true, Ordering::Relaxed);
                first_error.lock().expect("error slot").get_or_insert(error);
            }
        }
    };
    if request.parallel {
        batches.par_iter().for_each(|b| process(b));
    } else {
        batches.iter().for_each(|b| process(b));
    }
    if let Some(error) = first_error.into_inner().expect("error slot") {
        return Err(error);
    }
    if shard.is_some() {
        let computed = results.into_inner().expect("results").len();
        *host.items.lock().expect("item counts") = Some(ItemCounts {
            total: records.len(),
            computed,
        });
        return Err(StageError::ShardDone);
    }
    for (i, slot) in results.into_inner().expect("results") {
        slots[i] = slot;
    }

    let mut output = MapOutput::default();
    let mut used_keys = Vec::with_capacity(records.len());
    let mut computed = 0;
    for ((record, slot), key) in records.iter().zip(slots).zip(&keys) {
        let emits = match slot {
            Slot::Cached(emits) => emits,
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
        for emit in emits {
            let mut out = record.clone();
            if let Some(suffix) = &emit.suffix {
                out.id = format!("{}/{suffix}", record.id);
            }
            out.fields.extend(emit.fields);
            output.records.push(out);
        }
    }
    host.item_keys.lock().expect("item keys").extend(used_keys);
    let mut counts = host.items.lock().expect("item counts");
    let previous = counts.unwrap_or(ItemCounts {
        total: 0,
        computed: 0,
    });
    *counts = Some(ItemCounts {
        total: previous.total + records.len(),
        computed: previous.computed + computed,
    });
    Ok(output)
}

/// Computes one batch and commits each item; with `on_error: skip`, a failing batch is retried
/// item by item so only the failing items are dropped.
fn compute_batch(
    host: &LocalHost<'_, '_>,
    ctx: &StageContext<'_>,
    request: &MapRequest<'_>,
    records: &[Record],
    keys: &[Digest],
    indices: &[usize],
) -> Result<Vec<(usize, Slot)>, StageError> {
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
            let mut out = Vec::with_capacity(batch.len());
            for (&i, emits) in indices.iter().zip(outputs) {
                let entry = ItemEntry {
                    format: ENTRY_FORMAT,
                    emits,
                    cost_ms,
                };
                host.run
                    .store
                    .put_item_entry(&keys[i], &entry)
                    .map_err(|e| StageError::Cache(e.to_string()))?;
                out.push((i, Slot::Computed(entry.emits)));
            }
            Ok(out)
        }
        Err(error)
            if error.damaged_object().is_some() || matches!(error, StageError::Interrupted) =>
        {
            Err(error)
        }
        Err(error) if request.on_error == OnError::Skip => {
            if indices.len() == 1 {
                let id = &records[indices[0]].id;
                host.warnings
                    .lock()
                    .expect("warnings")
                    .push(format!("dropped `{id}`: {error}"));
                return Ok(vec![(indices[0], Slot::Dropped(error.to_string()))]);
            }
            let mut out = Vec::new();
            for &i in indices {
                out.extend(compute_batch(host, ctx, request, records, keys, &[i])?);
            }
            Ok(out)
        }
        Err(error) => Err(if indices.len() == 1 {
            error.for_item(&records[indices[0]].id)
        } else {
            error
        }),
    }
}

fn objects_present(host: &LocalHost<'_, '_>, emits: &[Emit]) -> bool {
    let mut digests = BTreeSet::new();
    for emit in emits {
        for value in emit.fields.values() {
            value.for_each_blob(&mut |b| {
                digests.insert(b.digest);
            });
        }
    }
    digests.iter().all(|d| host.run.store.has_object(d))
}
