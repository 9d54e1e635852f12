//! The one way radflow writes a file another process may read: a temp file in a folder on
//! the same file system, flushed to disk, then renamed into place, then the folder flushed.
//!
//! A reader sees either the old file or the complete new one, never a part, whatever happens
//! to the writer: kill -9, Ctrl-C, a full disk, and (with [`Durability::Safe`]) a power loss.
//! Temp names carry the host and process id, so leftovers of dead processes can be told
//! from files being written right now, also on a file system shared by several machines.
//!
//! Power loss is the case a rename alone does not cover: the kernel may write the new name
//! to disk before the data it points at. So, in safe mode, the file's data is flushed
//! (`fdatasync`) before the rename, and the folder after it (`fsync` on the directory), so
//! the name is durable before anything that refers to it is written. The cache relies on
//! that order: objects, then the entries that name them, then the lock file.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Whether writes survive a power loss, or only the death of the process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    /// Data and names are flushed to disk before anything refers to them.
    #[default]
    Safe,
    /// Atomic renames only: a crash of radflow loses nothing, a power loss may lose the
    /// last writes (they are then detected by hash and recomputed, never returned).
    Fast,
}

impl Durability {
    pub fn is_safe(self) -> bool {
        self == Durability::Safe
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// This machine's name, as temp names use it.
pub fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// A fresh temp name: `<host>.<pid>.<n>.tmp`.
pub fn temp_name() -> String {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let host = HOST.get_or_init(host_name);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{host}.{}.{n}.tmp", std::process::id())
}

/// Whether a temp file named by [`temp_name`] belongs to a process of this host that is gone.
pub fn is_orphan(name: &str, host: &str) -> bool {
    let mut parts = name.rsplitn(4, '.');
    let (Some("tmp"), Some(_n), Some(pid), Some(owner)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    owner == host
        && pid
            .parse::<u32>()
            .is_ok_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
}

/// A file being written; renamed into place by [`AtomicFile::commit`], removed if dropped
/// before that.
pub struct AtomicFile {
    path: PathBuf,
    file: Option<File>,
    durability: Durability,
}

impl AtomicFile {
    /// A new temp file in `tmp_dir`, which must be on the target's file system.
    pub fn create(tmp_dir: &Path, durability: Durability) -> io::Result<Self> {
        let path = tmp_dir.join(temp_name());
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok(Self {
            path,
            file: Some(file),
            durability,
        })
    }

    /// The temp file's path (a program may write it by name).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&mut self) -> &mut File {
        self.file
            .as_mut()
            .expect("an uncommitted atomic file is open")
    }

    /// Flushes the data (in safe mode) and renames the file to `target`, whose folder must
    /// exist. The folder itself is not flushed: callers that write many files into one
    /// folder flush it once ([`sync_dir`]); [`write_atomic`] does it for one file.
    pub fn commit(mut self, target: &Path) -> io::Result<()> {
        let file = self.file.take().expect("committed once");
        if self.durability.is_safe() {
            file.sync_data()?;
        }
        drop(file);
        fs::rename(&self.path, target)?;
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Flushes a folder's entries (names created or renamed in it) to disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to `target` atomically, staging in `tmp_dir` (same file system); in safe
/// mode the data and then the target's folder are flushed, so the file is on disk when this
/// returns.
pub fn write_atomic(
    tmp_dir: &Path,
    target: &Path,
    bytes: &[u8],
    durability: Durability,
) -> io::Result<()> {
    let mut temp = AtomicFile::create(tmp_dir, durability)?;
    temp.file().write_all(bytes)?;
    temp.commit(target)?;
    if durability.is_safe() {
        sync_dir(target.parent().unwrap_or(Path::new(".")))?;
    }
    Ok(())
}

/// [`write_atomic`] staging beside the target, for files outside the cache (lock files,
/// published files, reports).
pub fn write_beside(target: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    write_atomic(dir, target, bytes, durability)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_temp_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let temp = AtomicFile::create(dir.path(), Durability::Safe).unwrap();
        let path = temp.path().to_path_buf();
        assert!(path.exists());
        drop(temp);
        assert!(!path.exists());
    }

    #[test]
    fn atomic_writes_replace_whole_files_in_both_modes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("entry.json");
        write_atomic(dir.path(), &target, b"one", Durability::Safe).unwrap();
        write_atomic(dir.path(), &target, b"two", Durability::Fast).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        write_beside(&target, b"three", Durability::Safe).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"three");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temp_names_are_unique_so_concurrent_writers_never_share_one() {
        let names: std::collections::HashSet<String> = (0..100).map(|_| temp_name()).collect();
        assert_eq!(names.len(), 100);
    }

    #[test]
    fn orphans_are_temp_files_of_dead_local_processes() {
        let host = host_name();
        assert!(!is_orphan(
            &format!("{host}.{}.0.tmp", std::process::id()),
            &host
        ));
        assert!(
            is_orphan(&format!("{host}.4000000000.0.tmp"), &host) || !Path::new("/proc").exists()
        );
        assert!(!is_orphan("otherhost.4000000000.0.tmp", &host));
        assert!(!is_orphan("readme.txt", &host));
    }
}
