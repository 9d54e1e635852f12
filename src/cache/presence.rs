//! Which objects exist, as one run sees them.
//!
//! A no-op rerun checks every object its cached stages reference: tens of thousands, and a
//! `stat` each costs more than the rest of the run. So a shard folder (`objects/ab/`) that
//! holds many of the objects asked about is listed once, and its listing answers for the
//! rest of the run; a shard asked about a few objects, or one far larger than what is asked
//! of it, is still checked file by file, so a huge cache is never listed for a handful of
//! lookups and memory stays proportional to what is asked.
//!
//! A listing is remembered between runs while its folder is unchanged
//! ([`super::shard_listing`]), so a no-op rerun reads one small file per shard instead of
//! walking the folder; and a whole reference list found present is remembered while the
//! shard folders it touches are unchanged ([`super::present_lists`]), so a no-op rerun
//! checks a stage's objects with a `stat` per shard.
//!
//! Invariant: an object counts as present only when its file was seen. Objects appear by
//! rename, whole, so a listed name is a complete object; a name a listing lacks is checked
//! with a `stat` before it counts as missing, so an object written after the listing is
//! still found.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::sync::RwLock;

use rayon::prelude::*;

use super::present_lists::PresentLists;
use super::shard_listing::ShardListings;
use super::store::Store;
use crate::digest::Digest;

/// A shard is listed from this many objects asked about in it.
const LIST_FROM: usize = 16;
/// ... and when its folder holds at most this many times as many names (estimated from the
/// folder's size at [`DIRENT_BYTES`] a name).
const LIST_WHEN_AT_MOST: u64 = 8;
/// About what one object name takes in an ext4 folder (64 hex digits plus the record).
const DIRENT_BYTES: u64 = 80;
/// A reference list is remembered whole from this many objects (a shorter one costs less to
/// check than its memo's `stat` per shard).
const REMEMBER_FROM: usize = 64;

/// The objects a run has seen, for [`ObjectPresence::count_missing`].
#[derive(Debug)]
pub struct ObjectPresence {
    store: Store,
    listings: ShardListings,
    lists: PresentLists,
    seen: RwLock<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// Objects found by a `stat`.
    present: HashSet<Digest>,
    /// Shards listed so far, by first digest byte.
    listed: HashMap<u8, HashSet<Digest>>,
}

/// What one shard's lookup found.
struct ShardAnswer {
    found: Vec<Digest>,
    missing: usize,
    listing: Option<(u8, HashSet<Digest>)>,
}

impl ObjectPresence {
    pub fn new(store: Store) -> Self {
        Self {
            listings: ShardListings::new(store.state_dir().join("shards"), store.tmp_dir()),
            lists: PresentLists::new(store.clone()),
            store,
            seen: RwLock::new(Seen::default()),
        }
    }

    /// Whether every object of the reference list stored as object `list` is known to be
    /// present without looking at them (remembered, and its shard folders unchanged).
    pub fn all_present(&self, list: &Digest) -> bool {
        self.lists.all_present(list)
    }

    /// [`Self::count_missing`] for `digests`, the reference list stored as object `list`;
    /// a long list found whole is remembered for [`Self::all_present`].
    pub fn count_missing_in_list(&self, list: &Digest, digests: &[Digest]) -> usize {
        if digests.len() < REMEMBER_FROM {
            return self.count_missing(digests);
        }
        let before = self.lists.settled_states(digests);
        let missing = self.count_missing(digests);
        if missing == 0
            && let Some(before) = before
        {
            self.lists.remember(list, &before);
        }
        missing
    }

    /// How many of `digests` are not in the object store (a digest given twice counts twice).
    pub fn count_missing(&self, digests: &[Digest]) -> usize {
        let mut shards: HashMap<u8, Vec<Digest>> = HashMap::new();
        let mut unlisted_absent = Vec::new();
        {
            let seen = self.seen.read().expect("object presence");
            for digest in digests {
                let shard = digest.as_bytes()[0];
                match seen.listed.get(&shard) {
                    Some(listing) if listing.contains(digest) => {}
                    Some(_) => unlisted_absent.push(*digest),
                    None if seen.present.contains(digest) => {}
                    None => shards.entry(shard).or_default().push(*digest),
                }
            }
        }
        let answers: Vec<ShardAnswer> = shards
            .into_par_iter()
            .map(|(shard, wanted)| self.look_up(shard, wanted))
            .chain(rayon::iter::once(self.stat_each(unlisted_absent)))
            .collect();
        let mut seen = self.seen.write().expect("object presence");
        let mut missing = 0;
        for answer in answers {
            missing += answer.missing;
            seen.present.extend(answer.found);
            if let Some((shard, listing)) = answer.listing {
                seen.listed.insert(shard, listing);
            }
        }
        missing
    }

    fn look_up(&self, shard: u8, wanted: Vec<Digest>) -> ShardAnswer {
        let folder = self.store.shard_dir(shard);
        let meta = match fs::metadata(&folder) {
            Ok(meta) if wanted.len() >= LIST_FROM => meta,
            _ => return self.stat_each(wanted),
        };
        if meta.len() / DIRENT_BYTES > wanted.len() as u64 * LIST_WHEN_AT_MOST {
            return self.stat_each(wanted);
        }
        let Some(listing) = self.listings.list(shard, &folder, &meta) else {
            return self.stat_each(wanted);
        };
        let absent: Vec<Digest> = wanted
            .into_iter()
            .filter(|d| !listing.contains(d))
            .collect();
        ShardAnswer {
            listing: Some((shard, listing)),
            ..self.stat_each(absent)
        }
    }

    fn stat_each(&self, digests: Vec<Digest>) -> ShardAnswer {
        let total = digests.len();
        let found: Vec<Digest> = digests
            .into_iter()
            .filter(|d| self.store.has_object(d))
            .collect();
        ShardAnswer {
            missing: total - found.len(),
            found,
            listing: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digests stored in a fresh cache, and as many that are not.
    fn cache_with(count: u32) -> (tempfile::TempDir, Store, Vec<Digest>, Vec<Digest>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let stored = (0..count)
            .map(|i| store.put_object(&i.to_le_bytes()).unwrap())
            .collect();
        let absent = (count..2 * count)
            .map(|i| Digest::of(&i.to_le_bytes()))
            .collect();
        (dir, store, stored, absent)
    }

    #[test]
    fn missing_objects_are_counted_whether_shards_are_listed_or_not() {
        // 8,000 objects put about 31 in each shard: every shard is listed.
        let (_dir, store, stored, absent) = cache_with(8000);
        let presence = ObjectPresence::new(store.clone());
        assert_eq!(presence.count_missing(&stored), 0);
        assert_eq!(presence.seen.read().unwrap().listed.len(), 256);
        assert_eq!(presence.count_missing(&absent), absent.len());
        // A few digests: checked one by one.
        let few = ObjectPresence::new(store);
        assert_eq!(few.count_missing(&[stored[3], absent[5], absent[5]]), 2);
        assert!(few.seen.read().unwrap().listed.is_empty());
    }

    #[test]
    fn an_object_written_after_its_shard_was_listed_is_found() {
        let (_dir, store, stored, _) = cache_with(8000);
        let presence = ObjectPresence::new(store.clone());
        assert_eq!(presence.count_missing(&stored), 0);
        let late = store.put_object(b"written later in the run").unwrap();
        assert_eq!(presence.count_missing(&[late]), 0);
    }

    #[test]
    fn a_stray_file_in_a_shard_is_not_an_object() {
        let (_dir, store, stored, _) = cache_with(8000);
        let stray = store.object_path(&stored[0]).with_file_name("partial.tmp");
        fs::write(stray, b"x").unwrap();
        fs::remove_file(store.object_path(&stored[1])).unwrap();
        let presence = ObjectPresence::new(store);
        assert_eq!(presence.count_missing(&stored), 1);
    }
}
