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

    /// Ends every open stream: the run stops, and no job that would end them will start.
    pub fn end_all(&self) {
        for (_, stream) in self.open.lock().expect("streams").drain() {
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

/// Committed records of one running map, in commit order, each id once; and, for readers
/// that filter by group, the records of its whole groups.
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
    groups: Groups,
    ended: bool,
}

/// Which groups (values of the producer's input's group role, the patient) are whole: every
/// input record of the group has been committed, found cached or dropped. A filter by group
/// may decide a whole group's records as it would decide them in the whole dataset.
#[derive(Default)]
struct Groups {
    /// The input's records still to come, per group.
    remaining: HashMap<String, usize>,
    /// Input record ids already counted.
    counted: HashSet<String>,
    /// Output records of groups not yet whole.
    held: HashMap<String, Vec<Record>>,
    /// Output records of whole groups, in the order the groups became whole.
    whole: Vec<Record>,
    /// A reader by group was registered ([`Stream::want_whole_groups`]); otherwise nothing is
    /// counted or held.
    wanted: bool,
    expected: bool,
    /// Whole groups cannot be told (no group role, an input record without a group, a second
    /// map in one instance, an output record whose group differs from its input record's):
    /// readers by group get nothing more.
    broken: bool,
}

/// What a reader gets from [`Stream::next`].
pub struct Batch {
    pub records: Vec<Record>,
    pub roles: Roles,
    /// The stream had ended: these are its last records.
    pub ended: bool,
}

/// The value of `record`'s group field.
fn group_of(record: &Record, field: &str) -> Option<String> {
    record.str(field).ok().map(str::to_string)
}

impl Stream {
    /// Registers a reader by whole groups; before the producer starts. Without one the stream
    /// keeps no second copy of the records.
    pub fn want_whole_groups(&self) {
        self.state.lock().expect("stream").groups.wanted = true;
    }

    /// Called by the producing map before it publishes anything, with its input records and
    /// roles: how many items each group has, so whole groups can be told.
    pub fn expect(&self, inputs: &[Record], roles: &Roles) {
        let mut state = self.state.lock().expect("stream");
        let groups = &mut state.groups;
        if groups.expected || !groups.wanted {
            groups.broken = true;
        }
        groups.expected = true;
        if groups.broken {
            return;
        }
        let Some(field) = roles.group.as_deref() else {
            groups.broken = true;
            return;
        };
        for record in inputs {
            match group_of(record, field) {
                Some(group) => *groups.remaining.entry(group).or_default() += 1,
                None => groups.broken = true,
            }
        }
    }

    /// Adds what items committed (or were found cached, or were dropped: no outputs): each
    /// item's input record and output records (outputs already published, by id, are skipped);
    /// `roles` are the producer's input roles, which a map's records keep.
    pub fn publish<'r>(
        &self,
        items: impl IntoIterator<Item = (&'r Record, Vec<Record>)>,
        roles: &Roles,
    ) {
        let mut state = self.state.lock().expect("stream");
        if state.ended {
            return;
        }
        let roles = state.roles.get_or_insert_with(|| roles.clone()).clone();
        let field = roles.group.as_deref();
        let (before, whole_before) = (state.records.len(), state.groups.whole.len());
        for (input, outputs) in items {
            let State {
                records,
                ids,
                groups,
                ..
            } = &mut *state;
            let counts =
                groups.expected && !groups.broken && groups.counted.insert(input.id.clone());
            let group = field.and_then(|f| group_of(input, f));
            for record in outputs {
                if counts && field.and_then(|f| group_of(&record, f)) != group {
                    groups.broken = true;
                }
                if ids.insert(record.id.clone()) {
                    if counts && let Some(group) = &group {
                        groups
                            .held
                            .entry(group.clone())
                            .or_default()
                            .push(record.clone());
                    }
                    records.push(record);
                }
            }
            if !counts || groups.broken {
                continue;
            }
            let Some(group) = group else {
                groups.broken = true;
                continue;
            };
            match groups.remaining.get_mut(&group) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    if *left == 0 {
                        let held = groups.held.remove(&group).unwrap_or_default();
                        groups.whole.extend(held);
                    }
                }
                _ => groups.broken = true,
            }
        }
        let grown = state.records.len() > before || state.groups.whole.len() > whole_before;
        if grown || state.groups.broken {
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
        self.next_of(seen, at_least, |state| Some(&state.records))
    }

    /// As [`Self::next`], over the records of whole groups only (in the order the groups
    /// became whole); `None` also when whole groups cannot be told.
    pub fn next_whole_groups(&self, seen: usize, at_least: usize) -> Option<Batch> {
        self.next_of(seen, at_least, |state| {
            (!state.groups.broken).then_some(&state.groups.whole)
        })
    }

    fn next_of(
        &self,
        seen: usize,
        at_least: usize,
        list: impl Fn(&State) -> Option<&Vec<Record>>,
    ) -> Option<Batch> {
        let mut state = self.state.lock().expect("stream");
        loop {
            let records = list(&state)?;
            if state.ended || records.len() >= seen + at_least.max(1) {
                break;
            }
            state = self.changed.wait(state).expect("stream");
        }
        let records = list(&state)?;
        if records.len() <= seen {
            return None;
        }
        Some(Batch {
            records: records[seen..].to_vec(),
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

    /// Publishes items that each pass their input record on.
    fn publish(stream: &Stream, ids: &[&str], roles: &Roles) {
        let inputs: Vec<Record> = ids.iter().map(|id| record(id)).collect();
        stream.publish(inputs.iter().map(|r| (r, vec![r.clone()])), roles);
    }

    fn of_patient(id: &str, patient: &str) -> Record {
        let mut record = record(id);
        record
            .fields
            .insert("patient".into(), crate::dataset::Value::Str(patient.into()));
        record
    }

    fn ids(batch: &Batch) -> Vec<&str> {
        batch.records.iter().map(|r| r.id.as_str()).collect()
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
        publish(&stream, &["a"], &roles);
        std::thread::sleep(Duration::from_millis(20));
        publish(&stream, &["b", "a"], &roles);
        std::thread::sleep(Duration::from_millis(20));
        publish(&stream, &["c"], &roles);
        streams.end(3);
        let (first, last, ended) = reader.join().expect("reader");
        assert_eq!(first, ["a", "b"]);
        assert_eq!(last, ["c"]);
        assert!(ended);
        assert!(streams.of(3).is_none());
    }

    #[test]
    fn readers_by_group_get_a_group_once_every_item_of_it_has_come() {
        let roles = Roles::new("grade", "patient");
        let stream = Stream::default();
        stream.want_whole_groups();
        let inputs = [
            of_patient("p1-a", "p1"),
            of_patient("p1-b", "p1"),
            of_patient("p2-a", "p2"),
        ];
        stream.expect(&inputs, &roles);
        let slices = |input: &Record, n: usize| -> Vec<Record> {
            (0..n)
                .map(|i| {
                    let mut out = input.clone();
                    out.id = format!("{}/{i}", input.id);
                    out
                })
                .collect()
        };
        stream.publish([(&inputs[0], slices(&inputs[0], 2))], &roles);
        assert_eq!(stream.next(0, 1).map(|b| b.records.len()), Some(2));
        // p1 is not whole yet; p2's item makes p2 whole (a dropped item has no outputs).
        stream.publish([(&inputs[2], Vec::new())], &roles);
        stream.publish([(&inputs[0], slices(&inputs[0], 2))], &roles);
        stream.publish([(&inputs[1], slices(&inputs[1], 1))], &roles);
        let whole = stream.next_whole_groups(0, 3).expect("p1 whole");
        assert_eq!(ids(&whole), ["p1-a/0", "p1-a/1", "p1-b/0"]);
        assert!(!whole.ended);

        // An output whose group differs from its input's: whole groups cannot be told.
        let broken = Stream::default();
        broken.want_whole_groups();
        broken.expect(&inputs, &roles);
        let mut moved = inputs[2].clone();
        moved
            .fields
            .insert("patient".into(), crate::dataset::Value::Str("p1".into()));
        broken.publish([(&inputs[2], vec![moved])], &roles);
        assert!(broken.next_whole_groups(0, 1).is_none());
        assert_eq!(broken.next(0, 1).map(|b| b.records.len()), Some(1));

        // No group role: none either.
        let ungrouped = Stream::default();
        ungrouped.want_whole_groups();
        ungrouped.expect(&inputs, &Roles::default());
        assert!(ungrouped.next_whole_groups(0, 1).is_none());

        // No reader by group: nothing is counted or held, and such a reader gets nothing.
        let unwanted = Stream::default();
        unwanted.expect(&inputs, &roles);
        unwanted.publish([(&inputs[2], slices(&inputs[2], 1))], &roles);
        assert!(unwanted.next_whole_groups(0, 1).is_none());
        assert_eq!(unwanted.next(0, 1).map(|b| b.records.len()), Some(1));
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
