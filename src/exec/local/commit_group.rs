//! Group commit of computed items: their entries are written a group at a time, behind one
//! flush of the objects they name.
//!
//! In safe mode every commit point flushes the cache to disk first (`Store::flush`, one
//! `syncfs`). Committing each item on its own paid that flush per item: on the demo-sized
//! cohort with the tiny network, per-item flushes were about half of a cold run (11.7 s safe
//! vs 6.1 s fast). Items that compute quickly therefore wait in a group until it holds
//! [`GROUP_ITEMS`] items or its oldest has waited [`MAX_WAIT`]; a batch that itself took
//! [`MAX_WAIT`] or longer is committed at once with whatever waits, so slow items are never
//! held back. Whatever waits is committed when the map ends, also when it ends with an error
//! or an interrupt, so a failing stage keeps every finished item as before. Only a kill -9
//! or a power loss can lose the waiting items (at most [`MAX_WAIT`] of quick work); they
//! have no entry, so they are recomputed, never half-read. In fast mode nothing is flushed,
//! so each item is committed as soon as it is computed.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cache::{CacheError, ItemEntry, Store};
use crate::digest::Digest;
use crate::stage_api::Emit;

/// A group is committed once it holds this many items...
const GROUP_ITEMS: usize = 256;
/// ... or its oldest item has waited this long.
const MAX_WAIT: Duration = Duration::from_millis(250);

/// Computed items waiting for their entries to be written.
pub struct CommitGroup<'a> {
    store: &'a Store,
    keys: &'a [Digest],
    limit: usize,
    waiting: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    items: Vec<(usize, ItemEntry)>,
    since: Option<Instant>,
}

impl<'a> CommitGroup<'a> {
    /// `keys[i]` is the key of item `i`.
    pub fn new(store: &'a Store, keys: &'a [Digest]) -> Self {
        Self {
            store,
            keys,
            limit: if store.durability().is_safe() {
                GROUP_ITEMS
            } else {
                1
            },
            waiting: Mutex::new(Waiting::default()),
        }
    }

    /// Adds the items of one computed batch (which took `cost` to compute). Returns the
    /// items committed now, with what each emitted.
    pub fn add(
        &self,
        items: Vec<(usize, ItemEntry)>,
        cost: Duration,
    ) -> Result<Vec<(usize, Vec<Emit>)>, CacheError> {
        let group = {
            let mut waiting = self.waiting.lock().expect("commit group");
            let since = *waiting.since.get_or_insert_with(Instant::now);
            waiting.items.extend(items);
            let due = waiting.items.len() >= self.limit
                || cost >= MAX_WAIT
                || since.elapsed() >= MAX_WAIT;
            if !due {
                return Ok(Vec::new());
            }
            std::mem::take(&mut *waiting)
        };
        self.commit(group.items)
    }

    /// Commits whatever waits.
    pub fn finish(&self) -> Result<Vec<(usize, Vec<Emit>)>, CacheError> {
        let group = std::mem::take(&mut *self.waiting.lock().expect("commit group"));
        self.commit(group.items)
    }

    fn commit(
        &self,
        items: Vec<(usize, ItemEntry)>,
    ) -> Result<Vec<(usize, Vec<Emit>)>, CacheError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        self.store
            .put_item_entries(items.iter().map(|(i, entry)| (&self.keys[*i], entry)))?;
        Ok(items
            .into_iter()
            .map(|(i, entry)| (i, entry.emits))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::ENTRY_FORMAT;
    use crate::durable::Durability;

    fn entry(n: u8) -> ItemEntry {
        ItemEntry {
            format: ENTRY_FORMAT,
            emits: vec![Emit {
                suffix: Some(format!("e{n}")),
                fields: Default::default(),
            }],
            cost_ms: 1,
        }
    }

    fn keys(n: u8) -> Vec<Digest> {
        (0..n).map(|i| Digest::of(&[i])).collect()
    }

    #[test]
    fn quick_items_wait_for_their_group_and_finish_commits_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(dir.path(), Durability::Safe).unwrap();
        let keys = keys(3);
        let group = CommitGroup::new(&store, &keys);
        let quick = Duration::from_millis(1);
        assert!(group.add(vec![(0, entry(0))], quick).unwrap().is_empty());
        assert!(store.item_entry(&keys[0]).is_none(), "a quick item waits");
        // A slow batch is committed at once, with what waits.
        let now = group.add(vec![(1, entry(1))], MAX_WAIT).unwrap();
        assert_eq!(now.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1]);
        assert!(store.item_entry(&keys[0]).is_some());
        assert!(store.item_entry(&keys[1]).is_some());
        assert!(group.add(vec![(2, entry(2))], quick).unwrap().is_empty());
        let rest = group.finish().unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].1[0].suffix.as_deref(), Some("e2"));
        assert!(store.item_entry(&keys[2]).is_some());
        assert!(group.finish().unwrap().is_empty());
    }

    #[test]
    fn in_fast_mode_every_item_is_committed_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(dir.path(), Durability::Fast).unwrap();
        let keys = keys(1);
        let group = CommitGroup::new(&store, &keys);
        let now = group
            .add(vec![(0, entry(0))], Duration::from_millis(1))
            .unwrap();
        assert_eq!(now.len(), 1);
        assert!(store.item_entry(&keys[0]).is_some());
    }

    #[test]
    fn a_group_waits_no_longer_than_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(dir.path(), Durability::Safe).unwrap();
        let keys = keys(2);
        let group = CommitGroup::new(&store, &keys);
        assert!(
            group
                .add(vec![(0, entry(0))], Duration::ZERO)
                .unwrap()
                .is_empty()
        );
        std::thread::sleep(MAX_WAIT);
        let now = group.add(vec![(1, entry(1))], Duration::ZERO).unwrap();
        assert_eq!(now.len(), 2, "the oldest item had waited long enough");
    }
}
