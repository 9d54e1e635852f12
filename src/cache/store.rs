//! The on-disk cache: content-addressed objects plus the entries that commit results.
//!
//! Layout (all under the cache folder):
//! - `VERSION`: the layout version.
//! - `objects/ab/abcd…`: blobs, named by the blake3 of their bytes, read-only, immutable.
//! - `stages/ab/<key>.json`: stage entries, named by stage key.
//! - `items/ab/<key>.json`: item entries, named by item key.
//! - `runs/<pipeline>/…`: run records (what each run did, for `status` and `gc`).
//! - `tmp/`: temp files and scratch folders (same file system, so renames are atomic).
//! - `state/`: the stat cache, remembered ONNX Runtime versions, `shards/`: remembered
//!   listings of the object shard folders (`shard_listing.rs`), and `present/`: reference
//!   lists found whole (`present_lists.rs`).
//! - `derived/<kind>/<output hash>/`: folders made from cached datasets (see
//!   [`Store::derived_dir`]); `logs/`: logs kept for people (failed commands, Slurm jobs).
//! - `lock`: runs hold it shared, `gc` exclusively.
//!
//! Invariants: every write is atomic (temp + rename); an entry is written only after every
//! object it references; readers verify an object's hash before using it, and a damaged object
//! is moved to `damaged/` and reported as missing, so it is recomputed, never returned.
//! Concurrent runs on one cache are safe without locks: two writers of one object write the
//! same bytes, and entries are replaced whole.
//!
//! Durability (safe mode, the default; see [`crate::durable`]): before the next commit point
//! (an entry) is renamed into place, everything written since the last one (objects' data
//! and the names they were renamed to) is flushed to disk, so after a power loss no entry
//! names an object, and no stage entry names an item entry, that did not reach the disk.
//! The flush is one `syncfs(2)` of the cache's file system per commit point, not one
//! `fdatasync` per file and one `fsync` per folder: measured on the demo-sized cohort with
//! the tiny network, the per-file flushes (three `fdatasync` and three `fsync` a slice) were
//! half of a cold run. The map executor commits item entries in groups
//! ([`Store::put_item_entries`]), so a group of items costs one flush.
//! [`Store::flush`] flushes what is left at the end of a run, before the lock file.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::entry::{ItemEntry, StageEntry};
use super::error::CacheError;
use crate::digest::Digest;
use crate::durable::{
    AtomicFile, Durability, host_name, is_orphan, sync_file_system, write_atomic,
};

const VERSION: &str = "radflow cache 1";

/// Why an object could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    #[error("missing")]
    Missing,
    #[error("damaged (its content does not match its hash)")]
    Damaged,
    #[error("unreadable")]
    Unreadable,
}

/// What an error opening or reading an object means to a reader.
fn object_io_error(error: io::Error) -> ObjectError {
    match error.kind() {
        io::ErrorKind::NotFound => ObjectError::Missing,
        _ => ObjectError::Unreadable,
    }
}

/// An open cache folder. Clones share whether anything is still to be flushed.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    durability: Durability,
    /// Whether something was written or renamed into the cache since the last flush (safe
    /// mode).
    unsynced: Arc<Mutex<bool>>,
}

impl Store {
    /// Opens (creating if needed) the cache at `root`, in safe mode.
    pub fn open(root: &Path) -> Result<Self, CacheError> {
        Self::open_with(root, Durability::Safe)
    }

    /// Opens (creating if needed) the cache at `root` with the given durability.
    pub fn open_with(root: &Path, durability: Durability) -> Result<Self, CacheError> {
        let store = Self {
            root: root.to_path_buf(),
            durability,
            unsynced: Arc::new(Mutex::new(false)),
        };
        for dir in ["objects", "stages", "items", "runs", "tmp", "state", "logs"] {
            let path = root.join(dir);
            fs::create_dir_all(&path).map_err(|e| CacheError::io(&path, e))?;
        }
        let version_file = root.join("VERSION");
        match fs::read_to_string(&version_file) {
            Ok(found) if found.trim() == VERSION => {}
            Ok(found) => {
                return Err(CacheError::Version {
                    path: root.to_path_buf(),
                    found: found.trim().to_string(),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                write_atomic(
                    &store.tmp_dir(),
                    &version_file,
                    format!("{VERSION}\n").as_bytes(),
                    durability,
                )
                .map_err(|e| CacheError::io(&version_file, e))?;
            }
            Err(e) => return Err(CacheError::io(&version_file, e)),
        }
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// Flushes everything written into the cache since the last flush (one `syncfs`), when
    /// anything was. Called before each commit point and at the end of a run; a no-op in
    /// fast mode.
    pub fn flush(&self) -> Result<(), CacheError> {
        if !self.durability.is_safe() {
            return Ok(());
        }
        // Held while flushing: a concurrent committer must not find nothing to flush while
        // a file its entry depends on is still being flushed. A writer marks the cache
        // unsynced only after its rename, so a flush that sees the mark covers the file.
        let mut unsynced = self.unsynced.lock().expect("unsynced cache");
        if *unsynced {
            sync_file_system(&self.root).map_err(|e| CacheError::io(&self.root, e))?;
            *unsynced = false;
        }
        Ok(())
    }

    fn mark_unsynced(&self) {
        if self.durability.is_safe() {
            *self.unsynced.lock().expect("unsynced cache") = true;
        }
    }

    /// How one file is written: never flushed on its own, since [`Store::flush`] flushes
    /// the whole cache before anything refers to it.
    fn staged(&self) -> Result<AtomicFile, CacheError> {
        let tmp = self.tmp_dir();
        AtomicFile::create(&tmp, Durability::Fast).map_err(|e| CacheError::io(&tmp, e))
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join("state")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    /// `derived/<kind>/<hex>`: a folder made from the cached dataset `of` (the exchange-format
    /// view of a dataset that `command` programs read), rebuilt when missing; `gc` removes it
    /// when it removes the dataset.
    pub fn derived_dir(&self, kind: &str, of: &Digest) -> PathBuf {
        self.root.join("derived").join(kind).join(of.to_hex())
    }

    /// Takes the cache lock: shared for runs, exclusive for `gc`. Held until the file drops.
    pub fn lock(&self, exclusive: bool) -> Result<File, CacheError> {
        let path = self.root.join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| CacheError::io(&path, e))?;
        let result = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match result {
            Ok(()) => Ok(file),
            Err(fs::TryLockError::WouldBlock) => {
                let what = if exclusive {
                    "a run is using it"
                } else {
                    "`radflow gc` is running"
                };
                Err(CacheError::Locked {
                    path: self.root.clone(),
                    what,
                })
            }
            Err(fs::TryLockError::Error(e)) => Err(CacheError::io(&path, e)),
        }
    }

    /// Removes temp files left by dead processes of this host.
    pub fn clean_orphans(&self) {
        let host = host_name();
        let Ok(entries) = fs::read_dir(self.tmp_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_orphan(&name, &host) {
                // A folder may be read-only (a derived folder about to be renamed into place).
                let _ = crate::durable::remove_tree(&entry.path());
            }
        }
    }

    // ---- objects ----

    /// The folder holding the objects whose digests start with byte `shard`.
    pub fn shard_dir(&self, shard: u8) -> PathBuf {
        self.root.join("objects").join(format!("{shard:02x}"))
    }

    pub fn object_path(&self, digest: &Digest) -> PathBuf {
        let digits = digest.hex_digits();
        let hex = std::str::from_utf8(&digits).expect("hex digits are ASCII");
        let mut path = PathBuf::with_capacity(self.root.as_os_str().len() + 80);
        path.push(&self.root);
        path.push("objects");
        path.push(&hex[..2]);
        path.push(hex);
        path
    }

    pub fn has_object(&self, digest: &Digest) -> bool {
        fs::metadata(self.object_path(digest)).is_ok()
    }

    /// Stores `bytes`; a no-op when the object exists.
    pub fn put_object(&self, bytes: &[u8]) -> Result<Digest, CacheError> {
        let digest = Digest::of(bytes);
        let target = self.object_path(&digest);
        if self.already_stored(&target, bytes.len() as u64) {
            return Ok(digest);
        }
        let mut temp = self.staged()?;
        temp.file()
            .write_all(bytes)
            .map_err(|e| CacheError::io(temp.path(), e))?;
        self.persist(temp, &target)?;
        Ok(digest)
    }

    /// Copies a finished file (e.g. a command's output) into the object store by content.
    pub fn put_file(&self, path: &Path) -> Result<(Digest, u64), CacheError> {
        let size = fs::metadata(path)
            .map_err(|e| CacheError::io(path, e))?
            .len();
        let digest = crate::key::hash_file(path, size).map_err(|e| CacheError::io(path, e))?;
        let target = self.object_path(&digest);
        if self.already_stored(&target, size) {
            return Ok((digest, size));
        }
        // Copy rather than move: the command may have left hard links or open handles to it.
        let mut temp = self.staged()?;
        let mut source = File::open(path).map_err(|e| CacheError::io(path, e))?;
        io::copy(&mut source, temp.file()).map_err(|e| CacheError::io(path, e))?;
        self.persist(temp, &target)?;
        Ok((digest, size))
    }

    /// Whether an object of this size is already stored. Another process may have renamed
    /// it in without flushing it yet, so in safe mode the cache is flushed before the next
    /// commit point all the same.
    fn already_stored(&self, target: &Path, size: u64) -> bool {
        let stored = fs::metadata(target).is_ok_and(|m| m.len() == size);
        if stored {
            self.mark_unsynced();
        }
        stored
    }

    fn persist(&self, mut temp: AtomicFile, target: &Path) -> Result<(), CacheError> {
        temp.file()
            .set_permissions(fs::Permissions::from_mode(0o444))
            .map_err(|e| CacheError::io(temp.path(), e))?;
        let dir = target.parent().expect("objects have a parent folder");
        fs::create_dir_all(dir).map_err(|e| CacheError::io(dir, e))?;
        temp.commit(target).map_err(|e| CacheError::io(target, e))?;
        self.mark_unsynced();
        Ok(())
    }

    /// Reads an object and checks its hash; a damaged object is moved aside so it is
    /// recomputed.
    pub fn get_object(&self, digest: &Digest) -> Result<Vec<u8>, ObjectError> {
        let path = self.object_path(digest);
        let mut bytes = Vec::new();
        File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(object_io_error)?;
        if Digest::of(&bytes) != *digest {
            self.quarantine(digest);
            return Err(ObjectError::Damaged);
        }
        Ok(bytes)
    }

    /// [`Store::get_object`] for an object whose size is known (a blob reference's): one
    /// `read` of exactly `size` bytes, no size query, no read to the end. The bytes are
    /// returned only when they hash to `digest`; anything else (a short file, other bytes, a
    /// wrong `size`) is decided by `get_object`, so a good object is never set aside because
    /// a reference stated the wrong size.
    pub fn get_object_sized(&self, digest: &Digest, size: u64) -> Result<Vec<u8>, ObjectError> {
        let Ok(len) = usize::try_from(size) else {
            return self.get_object(digest);
        };
        let mut file = File::open(self.object_path(digest)).map_err(object_io_error)?;
        let mut bytes = Vec::new();
        if bytes.try_reserve_exact(len).is_ok()
            && (&mut file).take(size).read_to_end(&mut bytes).is_ok()
            && bytes.len() == len
            && Digest::of(&bytes) == *digest
        {
            return Ok(bytes);
        }
        drop(file);
        self.get_object(digest)
    }

    /// Copies an object to `target` (an ordinary, writable file) and checks the copy's hash; a
    /// damaged object is moved aside and the copy removed.
    pub fn copy_object(&self, digest: &Digest, target: &Path) -> Result<(), ObjectError> {
        fs::copy(self.object_path(digest), target).map_err(object_io_error)?;
        let _ = fs::set_permissions(target, fs::Permissions::from_mode(0o644));
        let size = fs::metadata(target).map(|m| m.len()).unwrap_or(0);
        if crate::key::hash_file(target, size).ok() != Some(*digest) {
            let _ = fs::remove_file(target);
            self.quarantine(digest);
            return Err(ObjectError::Damaged);
        }
        Ok(())
    }

    /// Moves a damaged object to `damaged/` (kept for inspection, out of the store).
    pub fn quarantine(&self, digest: &Digest) {
        let dir = self.root.join("damaged");
        let _ = fs::create_dir_all(&dir);
        let _ = fs::rename(self.object_path(digest), dir.join(digest.to_hex()));
    }

    // ---- entries ----

    fn entry_path(&self, family: &str, key: &Digest) -> PathBuf {
        let hex = key.to_hex();
        self.root
            .join(family)
            .join(&hex[..2])
            .join(format!("{hex}.json"))
    }

    fn read_json<T: DeserializeOwned>(&self, path: &Path) -> Option<T> {
        let bytes = fs::read(path).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(value) => Some(value),
            Err(_) => {
                // A torn or foreign entry is not a result: drop it so it is recomputed.
                let _ = fs::remove_file(path);
                None
            }
        }
    }

    /// Writes an entry: a commit point. Everything it may name is flushed first.
    fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<(), CacheError> {
        self.flush()?;
        self.write_entry_file(path, value)
    }

    /// Writes one entry file, atomically; the caller flushed what it names.
    fn write_entry_file<T: Serialize>(&self, path: &Path, value: &T) -> Result<(), CacheError> {
        let bytes =
            serde_json::to_vec(value).map_err(|e| CacheError::io(path, io::Error::other(e)))?;
        let dir = path.parent().expect("entries have a parent folder");
        fs::create_dir_all(dir).map_err(|e| CacheError::io(dir, e))?;
        let mut temp = self.staged()?;
        temp.file()
            .write_all(&bytes)
            .map_err(|e| CacheError::io(temp.path(), e))?;
        temp.commit(path).map_err(|e| CacheError::io(path, e))?;
        self.mark_unsynced();
        Ok(())
    }

    pub fn stage_entry(&self, key: &Digest) -> Option<StageEntry> {
        self.read_json(&self.entry_path("stages", key))
    }

    pub fn has_stage_entry(&self, key: &Digest) -> bool {
        self.entry_path("stages", key).exists()
    }

    pub fn put_stage_entry(&self, key: &Digest, entry: &StageEntry) -> Result<(), CacheError> {
        self.write_json(&self.entry_path("stages", key), entry)
    }

    pub fn remove_stage_entry(&self, key: &Digest) {
        let _ = fs::remove_file(self.entry_path("stages", key));
    }

    pub fn item_entry(&self, key: &Digest) -> Option<ItemEntry> {
        self.read_json(&self.entry_path("items", key))
    }

    pub fn put_item_entry(&self, key: &Digest, entry: &ItemEntry) -> Result<(), CacheError> {
        self.write_json(&self.entry_path("items", key), entry)
    }

    /// Writes a group of item entries behind one flush of the objects they name.
    pub fn put_item_entries<'e>(
        &self,
        entries: impl IntoIterator<Item = (&'e Digest, &'e ItemEntry)>,
    ) -> Result<(), CacheError> {
        self.flush()?;
        for (key, entry) in entries {
            self.write_entry_file(&self.entry_path("items", key), entry)?;
        }
        Ok(())
    }

    pub fn remove_item_entry(&self, key: &Digest) {
        let _ = fs::remove_file(self.entry_path("items", key));
    }

    /// Every stored digest of one family (`objects`, `stages`, `items`), with file paths.
    pub fn list(&self, family: &str) -> Vec<(Digest, PathBuf)> {
        let mut out = Vec::new();
        let Ok(fans) = fs::read_dir(self.root.join(family)) else {
            return out;
        };
        for fan in fans.flatten() {
            let Ok(files) = fs::read_dir(fan.path()) else {
                continue;
            };
            for file in files.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                let stem = name.strip_suffix(".json").unwrap_or(&name);
                if let Ok(digest) = stem.parse::<Digest>() {
                    out.push((digest, file.path()));
                }
            }
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_round_trip_and_deduplicate() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store.put_object(b"pixels").unwrap();
        let b = store.put_object(b"pixels").unwrap();
        assert_eq!(a, b);
        assert_eq!(store.get_object(&a).unwrap(), b"pixels");
        assert_eq!(store.list("objects").len(), 1);
    }

    #[test]
    fn a_damaged_object_is_never_returned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let digest = store.put_object(b"features").unwrap();
        let path = store.object_path(&digest);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(&path, b"feat").unwrap();
        assert_eq!(store.get_object(&digest), Err(ObjectError::Damaged));
        assert_eq!(store.get_object(&digest), Err(ObjectError::Missing));
        assert!(!store.has_object(&digest));
    }

    #[test]
    fn a_torn_entry_reads_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let key = Digest::of(b"k");
        let path = store.entry_path("items", &key);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, b"{\"format\": 1, \"emi").unwrap();
        assert!(store.item_entry(&key).is_none());
        assert!(!path.exists());
    }

    #[test]
    fn a_foreign_cache_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("VERSION"), "radflow cache 0\n").unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("not a radflow cache of this version"),
            "{err}"
        );
    }
}
