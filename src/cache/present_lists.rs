//! Which reference lists had every object present, remembered while their shard folders
//! are unchanged.
//!
//! A cached stage is trusted only when every object it references exists (`exec/decide.rs`).
//! With the shard listings remembered ([`super::shard_listing`]), what a no-op rerun at
//! 112,000 items still spent on that was reading 256 listings back into hash sets and looking
//! up some 230,000 digests in them: a fifth of the run (`benches/README.md`). Yet an object
//! leaves its shard folder only by an unlink or a rename, and either sets the folder's ctime
//! (`file_identity::FolderIdentity`). So when every object of a list was seen present while
//! each shard folder the list touches had a given inode and ctime, all of them are still
//! present while every one of those folders still has both: a `stat` per shard answers
//! for the whole list.
//!
//! The rule of `file_identity` keeps that true across the clock's granularity, measured from
//! the start of the run: a list is remembered only when each of its folders' ctimes lay at
//! least [`SETTLED`] before the run began (so every listing and `stat` the run's presence
//! checks took saw the folder as it is), and no folder changed while its objects were
//! checked. The memo is one
//! small file per list (named by the digest of the list object) under `state/present/`,
//! written atomically; a damaged, short or foreign memo is ignored and the objects checked
//! as before. `gc` removes the folder, so memos never outlive what they describe for long.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::store::Store;
use crate::digest::Digest;
use crate::durable::{Durability, write_atomic};
use crate::file_identity::{FolderIdentity, SETTLED, settled_by};

const MAGIC: &[u8; 8] = b"rfpresn1";
/// One shard: its byte (stored in 8 bytes), inode, ctime seconds, ctime nanoseconds.
const SHARD_BYTES: usize = 32;

/// The shard folders a list touches, each with its identity when looked at.
pub type ShardStates = Vec<(u8, FolderIdentity)>;

/// Remembered present lists of one cache.
#[derive(Debug, Clone)]
pub struct PresentLists {
    store: Store,
    dir: PathBuf,
    settled: Duration,
    /// When the run began.
    began: SystemTime,
}

impl PresentLists {
    /// The memos of `store`'s object shards (in its `state/present/`), for a run that begins
    /// now.
    pub fn new(store: Store) -> Self {
        Self {
            dir: store.state_dir().join("present"),
            store,
            settled: SETTLED,
            began: SystemTime::now(),
        }
    }

    #[cfg(test)]
    fn settled_after(mut self, settled: Duration) -> Self {
        self.settled = settled;
        self
    }

    /// Whether the list stored as object `list` was remembered with every object present,
    /// and every shard folder it touches is as it was then.
    pub fn all_present(&self, list: &Digest) -> bool {
        let Ok(bytes) = fs::read(self.memo(list)) else {
            return false;
        };
        let Some(states) = decode(&bytes) else {
            return false;
        };
        states
            .iter()
            .all(|&(shard, then)| self.state(shard) == Some(then))
    }

    /// The current identity of each shard folder `digests` touch; `None` when one cannot be
    /// read or had not settled when the run began (then nothing about the list may be
    /// remembered).
    pub fn settled_states(&self, digests: &[Digest]) -> Option<ShardStates> {
        let mut touched = [false; 256];
        for digest in digests {
            touched[usize::from(digest.as_bytes()[0])] = true;
        }
        (0..=255u8)
            .filter(|&shard| touched[usize::from(shard)])
            .map(|shard| {
                let state = self.state(shard)?;
                settled_by(state.changed_at(), self.settled, self.began).then_some((shard, state))
            })
            .collect()
    }

    /// Remembers that every object of `list` was present while its shards had `before`
    /// (taken with [`Self::settled_states`] before the objects were checked), unless a shard
    /// changed since.
    pub fn remember(&self, list: &Digest, before: &ShardStates) {
        if before
            .iter()
            .any(|&(shard, then)| self.state(shard) != Some(then))
        {
            return;
        }
        // A memo that cannot be written only costs the next run the object checks.
        let _ = fs::create_dir_all(&self.dir);
        let tmp = self.store.tmp_dir();
        let _ = write_atomic(&tmp, &self.memo(list), &encode(before), Durability::Fast);
    }

    fn state(&self, shard: u8) -> Option<FolderIdentity> {
        fs::metadata(self.store.shard_dir(shard))
            .ok()
            .map(|m| FolderIdentity::of(&m))
    }

    fn memo(&self, list: &Digest) -> PathBuf {
        self.dir.join(list.to_hex())
    }
}

/// Removes every remembered list of the cache whose state folder is `state` (after `gc`).
pub fn forget_all(state: &Path) {
    let _ = crate::durable::remove_tree(&state.join("present"));
}

fn encode(states: &ShardStates) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(16 + SHARD_BYTES * states.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(states.len() as u64).to_le_bytes());
    for (shard, state) in states {
        bytes.extend_from_slice(&u64::from(*shard).to_le_bytes());
        bytes.extend_from_slice(&state.to_bytes());
    }
    bytes
}

fn decode(bytes: &[u8]) -> Option<ShardStates> {
    let word = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    if bytes.get(..8)? != MAGIC {
        return None;
    }
    let count = usize::try_from(word(8)?).ok()?;
    if count == 0 || count > 256 || bytes.len() != 16 + count * SHARD_BYTES {
        return None;
    }
    (0..count)
        .map(|i| {
            let at = 16 + i * SHARD_BYTES;
            let shard = u8::try_from(word(at)?).ok()?;
            let state = FolderIdentity::from_bytes(bytes.get(at + 8..at + SHARD_BYTES)?)?;
            Some((shard, state))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Store;

    /// A cache holding `count` objects, whose shards had settled for the tests' 50 ms when
    /// the run (the `PresentLists`) began.
    fn setup(count: u32) -> (tempfile::TempDir, Store, PresentLists, Vec<Digest>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let stored: Vec<Digest> = (0..count)
            .map(|i| store.put_object(&i.to_le_bytes()).unwrap())
            .collect();
        std::thread::sleep(Duration::from_millis(60));
        let lists = PresentLists::new(store.clone()).settled_after(Duration::from_millis(50));
        (dir, store, lists, stored)
    }

    #[test]
    fn a_remembered_list_stands_while_its_shards_are_unchanged() {
        let (_dir, store, lists, stored) = setup(40);
        let list = Digest::of(b"the list");
        assert!(!lists.all_present(&list));
        let before = lists.settled_states(&stored).unwrap();
        lists.remember(&list, &before);
        assert!(lists.all_present(&list));
        // Removing one object changes its shard's ctime: the memo no longer answers.
        fs::remove_file(store.object_path(&stored[7])).unwrap();
        assert!(!lists.all_present(&list));
    }

    #[test]
    fn an_object_added_to_a_shard_of_the_list_makes_it_stale_too() {
        let (_dir, store, lists, stored) = setup(40);
        let list = Digest::of(b"the list");
        lists.remember(&list, &lists.settled_states(&stored).unwrap());
        let mut extra = 0u32;
        let added = loop {
            let digest = Digest::of(&(1000 + extra).to_le_bytes());
            if stored
                .iter()
                .any(|d| d.as_bytes()[0] == digest.as_bytes()[0])
            {
                break digest;
            }
            extra += 1;
        };
        store.put_object(&(1000 + extra).to_le_bytes()).unwrap();
        assert!(store.object_path(&added).exists());
        assert!(!lists.all_present(&list));
    }

    #[test]
    fn unsettled_or_changed_shards_are_not_remembered() {
        let (_dir, store, lists, stored) = setup(40);
        let unsettled = lists.clone().settled_after(Duration::from_secs(3600));
        assert_eq!(unsettled.settled_states(&stored), None);
        // A shard changed after the run began is not settled for this run, however long ago.
        let mut begun_earlier = lists.clone();
        begun_earlier.began -= Duration::from_millis(200);
        assert_eq!(begun_earlier.settled_states(&stored), None);
        let list = Digest::of(b"the list");
        let before = lists.settled_states(&stored).unwrap();
        fs::remove_file(store.object_path(&stored[0])).unwrap();
        lists.remember(&list, &before);
        assert!(!lists.dir.join(list.to_hex()).exists());
    }

    #[test]
    fn damaged_memos_are_ignored() {
        let (_dir, _store, lists, stored) = setup(40);
        let list = Digest::of(b"the list");
        let before = lists.settled_states(&stored).unwrap();
        let good = encode(&before);
        fs::create_dir_all(&lists.dir).unwrap();
        for bad in [
            &good[..good.len() - 1],
            &good[..16],
            &[b"rfpresn0".as_slice(), &good[8..]].concat(),
            &[],
        ] {
            fs::write(lists.memo(&list), bad).unwrap();
            assert!(!lists.all_present(&list));
        }
        fs::write(lists.memo(&list), &good).unwrap();
        assert!(lists.all_present(&list));
    }
}
