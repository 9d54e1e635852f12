//! A shard folder's listing, remembered between runs while the folder is unchanged.
//!
//! Listing the object shards was 36% of a no-op rerun at 112,000 items (`getdents64` over
//! about 230,000 names and ext4's hashed directory walk, `benches/README.md`). A folder's
//! names cannot change without changing its ctime (every link, unlink and rename in it sets
//! it, and unlike the mtime no program can set it back), so a listing taken while the folder
//! had inode `ino` and ctime `c` is still its listing while it has both.
//!
//! One rule keeps that true across the clock's granularity (the rule of `file_identity`): a
//! listing is remembered only when it was taken at least [`SETTLED`] after the folder's
//! ctime and the folder's ctime did not move while it was being listed, so any later change
//! carries a later ctime. The memo is one file per shard under `state/shards/`, written
//! atomically; a damaged, short or foreign memo is ignored and the folder listed again. A
//! memo can only claim names that were present: an object removed since changes the ctime,
//! and an object added since is not in the memo, so it is checked with a `stat` as before.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::digest::Digest;
use crate::durable::{Durability, write_atomic};
use crate::file_identity::{FolderIdentity, SETTLED, settled_since};

const MAGIC: &[u8; 8] = b"rfshard1";
/// Magic, inode, ctime seconds, ctime nanoseconds, name count.
const HEADER: usize = 8 + 8 + 8 + 8 + 8;

/// Remembered shard listings of one cache.
#[derive(Debug, Clone)]
pub struct ShardListings {
    dir: PathBuf,
    tmp: PathBuf,
    settled: Duration,
}

impl ShardListings {
    /// Listings kept in `dir`, written through `tmp` (both on the cache's file system).
    pub fn new(dir: PathBuf, tmp: PathBuf) -> Self {
        Self {
            dir,
            tmp,
            settled: SETTLED,
        }
    }

    #[cfg(test)]
    fn settled_after(mut self, settled: Duration) -> Self {
        self.settled = settled;
        self
    }

    /// The object names in `folder` (shard `shard`, whose metadata the caller just read):
    /// remembered when the folder is as it was when last listed, else listed now (and
    /// remembered when the folder has settled). `None` when the folder cannot be read.
    pub fn list(&self, shard: u8, folder: &Path, meta: &fs::Metadata) -> Option<HashSet<Digest>> {
        let before = FolderIdentity::of(meta);
        let memo = self.dir.join(format!("{shard:02x}"));
        if let Some(names) = read_memo(&memo, before) {
            return Some(names);
        }
        let names: HashSet<Digest> = fs::read_dir(folder)
            .ok()?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        let after = fs::metadata(folder).ok().map(|m| FolderIdentity::of(&m));
        let settled = settled_since(before.changed_at(), self.settled);
        if after == Some(before) && settled {
            // A memo that cannot be written only costs the next run a listing.
            let _ = fs::create_dir_all(&self.dir);
            let _ = write_atomic(&self.tmp, &memo, &encode(before, &names), Durability::Fast);
        }
        Some(names)
    }
}

fn encode(state: FolderIdentity, names: &HashSet<Digest>) -> Vec<u8> {
    let mut sorted: Vec<&Digest> = names.iter().collect();
    sorted.sort_unstable();
    let mut bytes = Vec::with_capacity(HEADER + 32 * sorted.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&state.to_bytes());
    bytes.extend_from_slice(&(sorted.len() as u64).to_le_bytes());
    for digest in sorted {
        bytes.extend_from_slice(digest.as_bytes());
    }
    bytes
}

/// The names a memo holds, when it belongs to the folder's current state.
fn read_memo(path: &Path, state: FolderIdentity) -> Option<HashSet<Digest>> {
    let bytes = fs::read(path).ok()?;
    let header = bytes.get(..HEADER)?;
    if &header[..8] != MAGIC || FolderIdentity::from_bytes(&header[8..32]) != Some(state) {
        return None;
    }
    let count = usize::try_from(u64::from_le_bytes(header[32..].try_into().ok()?)).ok()?;
    let body = &bytes[HEADER..];
    if body.len() != count.checked_mul(32)? {
        return None;
    }
    Some(
        body.chunks_exact(32)
            .map(|c| Digest::from_bytes(c.try_into().expect("32 bytes")))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(listings: &ShardListings, shard: u8, folder: &Path) -> Option<HashSet<Digest>> {
        listings.list(shard, folder, &fs::metadata(folder).unwrap())
    }

    fn setup() -> (tempfile::TempDir, PathBuf, ShardListings) {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("ab");
        fs::create_dir(&folder).unwrap();
        for i in 0..5u8 {
            fs::write(folder.join(Digest::of(&[i]).to_hex()), [i]).unwrap();
        }
        fs::write(folder.join("stray.tmp"), b"x").unwrap();
        fs::create_dir(root.path().join("tmp")).unwrap();
        // The folder settles for a little longer than the tests' settling time, so a
        // listing of it is remembered, and a change made after that carries a later ctime
        // whatever the clock's granularity.
        let listings = ShardListings::new(root.path().join("memo"), root.path().join("tmp"))
            .settled_after(Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(60));
        (root, folder, listings)
    }

    #[test]
    fn a_settled_folder_is_remembered_and_its_memo_used_while_it_is_unchanged() {
        let (_root, folder, listings) = setup();
        let names = list(&listings, 0xab, &folder).unwrap();
        assert_eq!(names.len(), 5, "the stray file is not an object");
        let memo = listings.dir.join("ab");
        assert_eq!(fs::metadata(&memo).unwrap().len(), (HEADER + 5 * 32) as u64);
        // The memo answers (proved by giving it a name the folder does not have).
        let mut extra = names.clone();
        extra.insert(Digest::of(b"only in the memo"));
        let state = FolderIdentity::of(&fs::metadata(&folder).unwrap());
        fs::write(&memo, encode(state, &extra)).unwrap();
        assert_eq!(list(&listings, 0xab, &folder).unwrap(), extra);
    }

    #[test]
    fn removing_or_adding_an_object_makes_the_memo_stale() {
        let (_root, folder, listings) = setup();
        let names = list(&listings, 0xab, &folder).unwrap();
        let gone = *names.iter().next().unwrap();
        fs::remove_file(folder.join(gone.to_hex())).unwrap();
        let now = list(&listings, 0xab, &folder).unwrap();
        assert_eq!(now.len(), 4);
        assert!(!now.contains(&gone));
        let added = Digest::of(b"added");
        fs::write(folder.join(added.to_hex()), b"added").unwrap();
        assert!(list(&listings, 0xab, &folder).unwrap().contains(&added));
    }

    #[test]
    fn a_folder_changed_just_now_is_listed_but_not_remembered() {
        let (_root, folder, listings) = setup();
        let listings = listings.settled_after(Duration::from_secs(3600));
        assert_eq!(list(&listings, 0xab, &folder).unwrap().len(), 5);
        assert!(!listings.dir.join("ab").exists());
    }

    #[test]
    fn a_damaged_or_foreign_memo_is_ignored() {
        let (_root, folder, listings) = setup();
        list(&listings, 0xab, &folder).unwrap();
        let memo = listings.dir.join("ab");
        let good = fs::read(&memo).unwrap();
        for bad in [
            good[..good.len() - 1].to_vec(),
            [b"rfshardX".as_slice(), &good[8..]].concat(),
            Vec::new(),
        ] {
            fs::write(&memo, &bad).unwrap();
            assert_eq!(list(&listings, 0xab, &folder).unwrap().len(), 5);
        }
        // Another folder's memo (another inode) is not this one's.
        let other = folder.with_file_name("cd");
        fs::create_dir(&other).unwrap();
        fs::copy(&memo, listings.dir.join("cd")).unwrap();
        assert!(list(&listings, 0xcd, &other).unwrap().is_empty());
    }
}
