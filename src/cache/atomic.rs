//! Atomic file writes: a temp file in a folder on the same file system, then a rename.
//!
//! A reader sees either the old file or the complete new one, never a part, whatever happens
//! to the writer (kill -9, Ctrl-C, a full disk). Temp names carry the host and process id, so
//! leftovers of dead processes can be told from files being written right now, also on a
//! file system shared by several machines.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Removes the temp file when dropped, unless it was renamed into place.
pub struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    pub fn create(tmp_dir: &Path) -> io::Result<(Self, File)> {
        let path = tmp_dir.join(temp_name());
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok((Self { path, armed: true }, file))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the temp file to `target`; `target`'s folder must exist.
    pub fn persist(mut self, target: &Path) -> io::Result<()> {
        fs::rename(&self.path, target)?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `target` atomically, staging in `tmp_dir` (same file system).
pub fn write_atomic(tmp_dir: &Path, target: &Path, bytes: &[u8]) -> io::Result<()> {
    let (temp, mut file) = TempFile::create(tmp_dir)?;
    file.write_all(bytes)?;
    drop(file);
    temp.persist(target)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unpersisted_temp_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (temp, _file) = TempFile::create(dir.path()).unwrap();
        let path = temp.path().to_path_buf();
        assert!(path.exists());
        drop(temp);
        assert!(!path.exists());
    }

    #[test]
    fn atomic_writes_replace_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("entry.json");
        write_atomic(dir.path(), &target, b"one").unwrap();
        write_atomic(dir.path(), &target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
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
