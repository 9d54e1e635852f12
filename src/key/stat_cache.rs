//! Remembers file hashes by (path, size, mtime, inode), so unchanged large inputs are not
//! rehashed on every run.
//!
//! It only saves work: keys always use content hashes, so a touched file whose content did not
//! change hashes to the same key, and a stale entry can never be used because any change of
//! size, mtime or inode misses. Files modified within the last two seconds are not remembered
//! (`file_identity`: a write in the same timestamp tick as the hash could otherwise go
//! unnoticed). The file is rewritten atomically; concurrent runs may drop each other's
//! additions, never corrupt them.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::file_identity::FileIdentity;

/// Files at least this large are hashed with memory mapping on all cores.
const MMAP_THRESHOLD: u64 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    file: FileIdentity,
    digest: Digest,
}

/// A file's content hash and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hashed {
    pub digest: Digest,
    pub size: u64,
}

#[derive(Debug, Default)]
pub struct StatCache {
    file: Option<PathBuf>,
    entries: Mutex<BTreeMap<String, Entry>>,
    dirty: Mutex<bool>,
}

impl StatCache {
    /// Loads the cache kept at `file`; a missing or unreadable file starts empty.
    pub fn load(file: PathBuf) -> Self {
        let entries = fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            file: Some(file),
            entries: Mutex::new(entries),
            dirty: Mutex::new(false),
        }
    }

    /// A cache that remembers nothing across processes.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// The content hash of `path`, from the cache when its metadata is unchanged.
    pub fn hash(&self, path: &Path) -> io::Result<Hashed> {
        let meta = fs::metadata(path)?;
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        let name = path.to_string_lossy().into_owned();
        let file = FileIdentity::of(&meta);
        if let Some(entry) = self.entries.lock().expect("stat cache lock").get(&name)
            && entry.file == file
        {
            return Ok(Hashed {
                digest: entry.digest,
                size: file.size,
            });
        }
        let digest = hash_file(path, file.size)?;
        if file.settled() {
            self.entries
                .lock()
                .expect("stat cache lock")
                .insert(name, Entry { file, digest });
            *self.dirty.lock().expect("stat cache lock") = true;
        }
        Ok(Hashed {
            digest,
            size: file.size,
        })
    }

    /// Writes the cache back if it learned anything (atomically; errors are ignored: the cache
    /// only saves time).
    pub fn save(&self) {
        let Some(file) = &self.file else { return };
        if !*self.dirty.lock().expect("stat cache lock") {
            return;
        }
        let entries = self.entries.lock().expect("stat cache lock");
        let Ok(bytes) = serde_json::to_vec(&*entries) else {
            return;
        };
        // Fast is enough: a lost or stale stat cache only costs rehashing.
        let _ = crate::durable::write_beside(file, &bytes, crate::durable::Durability::Fast);
    }
}

/// blake3 of a file's content; large files are memory-mapped and hashed on all cores.
pub fn hash_file(path: &Path, size: u64) -> io::Result<Digest> {
    let mut hasher = blake3::Hasher::new();
    if size >= MMAP_THRESHOLD {
        hasher.update_mmap_rayon(path)?;
    } else {
        let mut bytes = Vec::with_capacity(size as usize);
        File::open(path)?.read_to_end(&mut bytes)?;
        hasher.update(&bytes);
    }
    Ok(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    #[test]
    fn a_touched_file_keeps_its_hash_and_a_changed_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, b"hello").unwrap();
        let cache = StatCache::in_memory();
        let first = cache.hash(&path).unwrap();
        assert_eq!(first.digest, Digest::of(b"hello"));
        let file = File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now()).unwrap();
        assert_eq!(cache.hash(&path).unwrap(), first);
        fs::write(&path, b"world").unwrap();
        assert_eq!(cache.hash(&path).unwrap().digest, Digest::of(b"world"));
    }

    #[test]
    fn the_cache_survives_a_reload_and_is_trusted_only_while_metadata_matches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.bin");
        fs::write(&path, vec![7u8; 100]).unwrap();
        let old = SystemTime::now() - std::time::Duration::from_secs(60);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let store = dir.path().join("stat.json");
        let cache = StatCache::load(store.clone());
        let hashed = cache.hash(&path).unwrap();
        cache.save();
        let reloaded = StatCache::load(store);
        assert_eq!(reloaded.entries.lock().unwrap().len(), 1);
        assert_eq!(reloaded.hash(&path).unwrap(), hashed);
    }
}
