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

/// A folder being filled; renamed into place by [`AtomicDir::commit`], removed if dropped
/// before that. A reader sees no folder or the complete one, never a part of it.
pub struct AtomicDir {
    path: PathBuf,
    durability: Durability,
    /// The folder itself becomes read-only once renamed (moving a folder to another parent
    /// needs write permission on it).
    read_only: bool,
}

impl AtomicDir {
    /// A new, empty temp folder in `tmp_dir`, which must be on the target's file system.
    pub fn create(tmp_dir: &Path, durability: Durability) -> io::Result<Self> {
        let path = tmp_dir.join(temp_name());
        fs::create_dir(&path)?;
        Ok(Self {
            path,
            durability,
            read_only: false,
        })
    }

    /// A new, empty temp folder beside `target`, hidden: `.<target name>.<temp name>`.
    pub fn create_beside(target: &Path, durability: Durability) -> io::Result<Self> {
        let parent = parent_of(target);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = parent.join(format!(".{name}.{}", temp_name()));
        fs::create_dir(&path)?;
        Ok(Self {
            path,
            durability,
            read_only: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes every file read-only (0444) and every folder 0555, so readers sharing the
    /// finished folder cannot change it by mistake; [`remove_tree`] still removes it.
    pub fn make_read_only(&mut self) -> io::Result<()> {
        for entry in fs::read_dir(&self.path)? {
            let entry = entry?;
            set_tree_modes(&entry.path(), 0o444, 0o555)?;
        }
        self.read_only = true;
        Ok(())
    }

    /// Flushes everything inside (in safe mode) and renames the folder to `target`, which
    /// must not exist (or be an empty folder). Fails with `AlreadyExists` or
    /// `DirectoryNotEmpty` when another writer got there first.
    pub fn commit(mut self, target: &Path) -> io::Result<()> {
        if self.durability.is_safe() {
            sync_tree(&self.path)?;
        }
        fs::rename(&self.path, target)?;
        self.path = PathBuf::new();
        if self.read_only {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(target, fs::Permissions::from_mode(0o555))?;
        }
        if self.durability.is_safe() {
            sync_dir(parent_of(target))?;
        }
        Ok(())
    }

    /// [`AtomicDir::commit`], replacing whatever is at `target`: the old folder is first
    /// renamed aside (so the target is never a mix of both) and removed once the new one is
    /// in place.
    pub fn commit_replacing(self, target: &Path) -> io::Result<()> {
        let aside = parent_of(target).join(temp_name());
        let moved = match fs::rename(target, &aside) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(e),
        };
        self.commit(target)?;
        if moved {
            remove_tree(&aside)?;
        }
        Ok(())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = remove_tree(&self.path);
        }
    }
}

/// The folder holding `path`: `.` for a bare name (whose `parent()` is the empty path, which
/// cannot be opened to flush it).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Removes a folder tree, read-only folders included ([`AtomicDir::make_read_only`]).
pub fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            set_dir_modes_writable(path)?;
            fs::remove_dir_all(path)
        }
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn set_dir_modes_writable(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            set_dir_modes_writable(&entry.path())?;
        }
    }
    Ok(())
}

/// Sets `path` (a file, or a folder and everything in it) to these modes; links are left.
fn set_tree_modes(path: &Path, file_mode: u32, dir_mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let kind = fs::symlink_metadata(path)?.file_type();
    if kind.is_dir() {
        for entry in fs::read_dir(path)? {
            set_tree_modes(&entry?.path(), file_mode, dir_mode)?;
        }
        fs::set_permissions(path, fs::Permissions::from_mode(dir_mode))
    } else if kind.is_file() {
        fs::set_permissions(path, fs::Permissions::from_mode(file_mode))
    } else {
        Ok(())
    }
}

/// Flushes every file's data and every folder's names under `dir` (and `dir` itself).
fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sync_tree(&entry.path())?;
        } else if kind.is_file() {
            File::open(entry.path())?.sync_data()?;
        }
    }
    sync_dir(dir)
}

/// Flushes everything written to the file system holding `path` (`syncfs(2)`): every file's
/// data and every name created or renamed on it. One call instead of one `fdatasync` per
/// file and one `fsync` per folder, for writers of many small files.
pub fn sync_file_system(path: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let dir = File::open(path)?;
    // SAFETY: `syncfs` only reads the descriptor, which `dir` keeps open for the call.
    if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
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
        sync_dir(parent_of(target))?;
    }
    Ok(())
}

/// [`write_atomic`] staging beside the target, for files outside the cache (lock files,
/// published files, reports).
pub fn write_beside(target: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    write_atomic(parent_of(target), target, bytes, durability)
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

    #[test]
    fn an_atomic_folder_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("export");
        let building = AtomicDir::create(dir.path(), Durability::Safe).unwrap();
        fs::create_dir(building.path().join("sub")).unwrap();
        fs::write(building.path().join("sub/a.npy"), b"a").unwrap();
        let temp = building.path().to_path_buf();
        drop(building);
        assert!(!temp.exists() && !target.exists());

        let mut first = AtomicDir::create(dir.path(), Durability::Fast).unwrap();
        fs::write(first.path().join("a"), b"1").unwrap();
        first.make_read_only().unwrap();
        first.commit(&target).unwrap();
        let second = AtomicDir::create(dir.path(), Durability::Safe).unwrap();
        fs::write(second.path().join("b"), b"2").unwrap();
        assert!(
            second.commit(&target).is_err(),
            "the first writer keeps its folder"
        );

        let third = AtomicDir::create(dir.path(), Durability::Safe).unwrap();
        fs::write(third.path().join("c"), b"3").unwrap();
        third.commit_replacing(&target).unwrap();
        let names: Vec<_> = fs::read_dir(&target)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["c"]);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing left beside it"
        );
    }
}
