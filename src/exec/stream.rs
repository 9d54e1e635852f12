//! Records a running map has committed so far, for a map downstream to start on early.
//!
//! A cold run would otherwise compute its map stages one after the other: features wait for
//! the last slice to be resized. When a map instance runs here and the map that consumes it
//! waits for nothing else, the scheduler opens a [`Stream`] for the running one: its map
//! ([`super::local`]) publishes each group of items as it commits them (and the items it found
//! in the cache), and the downstream map runs ahead on them (`exec/local/ahead.rs`),
//! computing its own items into the item cache. The downstream instance is still decided and
//! run as always once its input has ended; it then finds those items in the cache. So the
//! entries, keys and lock file are those of a run without streams, byte for byte: streaming
//! changes when items are computed, never what is stored.
//!
//! The keys of the items computed ahead are remembered ([`Streams::computed_ahead`]) so the
//! instance's own run counts them as computed in this run, not as taken from the cache.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex};

use crate::dataset::{Record, Roles};
use crate::digest::Digest;

/// The open streams of one run, by producing instance, and the item keys computed ahead.
#[derive(Default)]
pub struct Streams {
    open: Mutex<HashMap<usize, Arc<Stream>>>,
    /// (instance, item key): two instances may share item keys (the same stage written twice).
    ahead: Mutex<HashSet<(usize, Digest)>>,
}

impl Streams {
    /// Opens (or returns) the stream of instance `producer`.
    pub fn open(&self, producer: usize) -> Arc<Stream> {
        self.open
            .lock()
            .expect("streams")
            .entry(producer)
            .or_default()
            .clone()
    }

    /// The stream of `producer`, when one is open.
    pub fn of(&self, producer: usize) -> Option<Arc<Stream>> {
        self.open.lock().expect("streams").get(&producer).cloned()
    }

    /// Ends the stream of `producer` (its job ended, whatever the outcome): readers take what
    /// is left and stop.
    pub fn end(&self, producer: usize) {
        if let Some(stream) = self.open.lock().expect("streams").remove(&producer) {
            stream.end();
        }
    }

    /// Remembers item keys computed by instance `instance` running ahead.
    pub fn add_computed_ahead(&self, instance: usize, keys: impl IntoIterator<Item = Digest>) {
        let mut ahead = self.ahead.lock().expect("ahead keys");
        ahead.extend(keys.into_iter().map(|key| (instance, key)));
    }

    /// Whether instance `instance` computed the item with this key ahead in this run.
    pub fn computed_ahead(&self, instance: usize, key: &Digest) -> bool {
        self.ahead
            .lock()
            .expect("ahead keys")
            .contains(&(instance, *key))
    }
}

/// Committed records of one running map, in commit order, each id once.
#[derive(Default)]
pub struct Stream {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    records: Vec<Record>,
    ids: HashSet<String>,
    roles: Option<Roles>,
    ended: bool,
}

/// What a reader gets from [`Stream::next`].
pub struct Batch {
    pub records: Vec<Record>,
    pub roles: Roles,
    /// The stream had ended: these are its last records.
    pub ended: bool,
}

impl Stream {
    /// Adds committed records (those already published, by id, are skipped); `roles` are the
    /// producer's input roles, which a map's records keep.
    pub fn publish(&self, records: impl IntoIterator<Item = Record>, roles: &Roles) {
        let mut state = self.state.lock().expect("stream");
        if state.ended {
            return;
        }
        state.roles.get_or_insert_with(|| roles.clone());
        let before = state.records.len();
        for record in records {
            if state.ids.insert(record.id.clone()) {
                state.records.push(record);
            }
        }
        if state.records.len() > before {
            self.changed.notify_all();
        }
    }

    fn end(&self) {
        self.state.lock().expect("stream").ended = true;
        self.changed.notify_all();
    }

    /// Waits until at least `at_least` records after the first `seen` are published, or the
    /// stream ends, and returns those records; `None` once it has ended with nothing new.
    pub fn next(&self, seen: usize, at_least: usize) -> Option<Batch> {
        let mut state = self.state.lock().expect("stream");
        while !state.ended && state.records.len() < seen + at_least.max(1) {
            state = self.changed.wait(state).expect("stream");
        }
        if state.records.len() <= seen {
            return None;
        }
        Some(Batch {
            records: state.records[seen..].to_vec(),
            roles: state.roles.clone().unwrap_or_default(),
            ended: state.ended,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn record(id: &str) -> Record {
        Record::new(id)
    }

    #[test]
    fn a_reader_waits_for_enough_records_and_takes_the_rest_at_the_end() {
        let streams = Streams::default();
        let stream = streams.open(3);
        let reader = {
            let stream = stream.clone();
            std::thread::spawn(move || {
                let first = stream.next(0, 2).expect("two records");
                assert!(!first.ended);
                let ids: Vec<String> = first.records.iter().map(|r| r.id.clone()).collect();
                let rest = stream.next(ids.len(), 2).expect("the last one");
                assert!(rest.ended);
                let last: Vec<String> = rest.records.iter().map(|r| r.id.clone()).collect();
                let after = stream.next(ids.len() + last.len(), 2);
                (ids, last, after.is_none())
            })
        };
        let roles = Roles::default();
        stream.publish([record("a")], &roles);
        std::thread::sleep(Duration::from_millis(20));
        stream.publish([record("b"), record("a")], &roles);
        std::thread::sleep(Duration::from_millis(20));
        stream.publish([record("c")], &roles);
        streams.end(3);
        let (first, last, ended) = reader.join().expect("reader");
        assert_eq!(first, ["a", "b"]);
        assert_eq!(last, ["c"]);
        assert!(ended);
        assert!(streams.of(3).is_none());
    }

    #[test]
    fn keys_computed_ahead_are_remembered() {
        let streams = Streams::default();
        let key = crate::digest::Digest::of(b"item");
        assert!(!streams.computed_ahead(2, &key));
        streams.add_computed_ahead(2, [key]);
        assert!(streams.computed_ahead(2, &key));
        assert!(
            !streams.computed_ahead(5, &key),
            "another instance's item is its own"
        );
    }
}
