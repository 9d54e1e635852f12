//! What identifies a file's content without reading it, and from when that identity may
//! stand for the content.
//!
//! Four memos save work this way (the input stat cache, `key/stat_cache.rs`; the ONNX
//! Runtime version memo, `onnx/runtime_version.rs`; the object shards' listings,
//! `cache/shard_listing.rs`; and which reference lists were all present,
//! `cache/present_lists.rs`), and all four follow one rule: something learned from a file
//! or folder is remembered only when its last change lies at least [`SETTLED`] in the past.
//! A write in the same timestamp tick as the read would otherwise leave the timestamp
//! unchanged and the memo wrong; once the file has settled, any later change carries a later
//! timestamp. Memos only save work: keys are always content hashes, so a memo that misses
//! costs a read, never a wrong result.

use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How long after its last change a file's or folder's state may be remembered.
pub const SETTLED: Duration = Duration::from_secs(2);

/// A regular file's size, modification time and inode: any write, truncation, replacement
/// or rename over it changes at least one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIdentity {
    pub size: u64,
    pub mtime_s: i64,
    pub mtime_ns: i64,
    pub inode: u64,
}

impl FileIdentity {
    pub fn of(meta: &Metadata) -> Self {
        Self {
            size: meta.len(),
            mtime_s: meta.mtime(),
            mtime_ns: meta.mtime_nsec(),
            inode: meta.ino(),
        }
    }

    /// Whether the file last changed at least [`SETTLED`] ago.
    pub fn settled(&self) -> bool {
        settled_since(time_of(self.mtime_s, self.mtime_ns), SETTLED)
    }
}

/// A folder's inode and ctime: no name in it can be added, removed or renamed without
/// changing the ctime, which (unlike the mtime) no program can set back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderIdentity {
    pub ino: u64,
    pub ctime: i64,
    pub ctime_nsec: i64,
}

impl FolderIdentity {
    pub fn of(meta: &Metadata) -> Self {
        Self {
            ino: meta.ino(),
            ctime: meta.ctime(),
            ctime_nsec: meta.ctime_nsec(),
        }
    }

    /// When the folder's names last changed.
    pub fn changed_at(self) -> SystemTime {
        time_of(self.ctime, self.ctime_nsec)
    }

    /// How memos store it: inode, ctime seconds, ctime nanoseconds (little-endian).
    pub fn to_bytes(self) -> [u8; 24] {
        let mut bytes = [0; 24];
        bytes[..8].copy_from_slice(&self.ino.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.ctime.to_le_bytes());
        bytes[16..].copy_from_slice(&self.ctime_nsec.to_le_bytes());
        bytes
    }

    /// The identity [`Self::to_bytes`] wrote (`None` unless given exactly 24 bytes).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 24 {
            return None;
        }
        let word = |at: usize| bytes[at..at + 8].try_into().ok();
        Some(Self {
            ino: u64::from_le_bytes(word(0)?),
            ctime: i64::from_le_bytes(word(8)?),
            ctime_nsec: i64::from_le_bytes(word(16)?),
        })
    }
}

/// The instant `seconds` and `nanos` after the epoch (the epoch itself for times before it).
pub fn time_of(seconds: i64, nanos: i64) -> SystemTime {
    UNIX_EPOCH
        + Duration::new(
            u64::try_from(seconds).unwrap_or(0),
            u32::try_from(nanos).unwrap_or(0),
        )
}

/// Whether `changed` lies at least `settle` in the past (a time in the future never has).
pub fn settled_since(changed: SystemTime, settle: Duration) -> bool {
    settled_by(changed, settle, SystemTime::now())
}

/// Whether `changed` lies at least `settle` before `moment`.
pub fn settled_by(changed: SystemTime, settle: Duration, moment: SystemTime) -> bool {
    moment
        .duration_since(changed)
        .is_ok_and(|age| age >= settle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_settles_two_seconds_after_its_last_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"x").unwrap();
        let fresh = FileIdentity::of(&std::fs::metadata(&path).unwrap());
        assert_eq!(fresh.size, 1);
        assert!(!fresh.settled());
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(3))
            .unwrap();
        let aged = FileIdentity::of(&std::fs::metadata(&path).unwrap());
        assert!(aged.settled());
        assert_ne!(aged, fresh, "the mtime is part of the identity");
        assert!(!settled_since(SystemTime::now() + SETTLED, SETTLED));
    }
}
