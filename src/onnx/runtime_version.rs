//! The version string of an ONNX Runtime library, as the library itself reports it.
//!
//! `ort` reads it while loading (to refuse too old a library) but does not expose it, and
//! radflow needs it in the key of every stage whose output the runtime computes: a new
//! runtime may change the last bits of a feature vector. So the same call is made here,
//! through the library's one stable entry point, `OrtGetApiBase()->GetVersionString()`.

use std::ffi::CStr;
use std::path::Path;

/// `1.31.1`, or why the library does not say.
pub fn library_version(path: &Path) -> Result<String, String> {
    // SAFETY: loading runs the library's initializers; it is the ONNX Runtime library the
    // process is about to load anyway (ort's `init_from` opens the same path), and dlopen
    // of an already loaded library returns the same handle.
    let library = unsafe { libloading::Library::new(path) }.map_err(|e| e.to_string())?;
    // SAFETY: `OrtGetApiBase` has this signature in every ONNX Runtime release (C ABI,
    // `onnxruntime_c_api.h`), and returns a pointer to a static struct.
    let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
        unsafe { library.get(b"OrtGetApiBase") }
            .map_err(|_| "it has no `OrtGetApiBase`".to_string())?;
    let base = unsafe { get_base() };
    if base.is_null() {
        return Err("`OrtGetApiBase` returned nothing".into());
    }
    // SAFETY: the struct is static in the library; `GetVersionString` returns a static,
    // NUL-terminated string that must not be freed.
    let text = unsafe { CStr::from_ptr(((*base).GetVersionString)()) };
    let version = text
        .to_str()
        .map_err(|_| "its version string is not UTF-8".to_string())?
        .to_string();
    // Keep the library loaded for the process: `ort` uses it next, and unloading a
    // library with running initializers is not worth the risk.
    std::mem::forget(library);
    Ok(version)
}

/// Versions of runtime libraries learned in earlier processes, by path and file identity
/// (size, mtime, inode), so that deciding whether a cached stage is current does not load
/// the library: loading ONNX Runtime costs a 20 MB dlopen, its initializers and, since
/// 1.31, a write to a SQLite file under `~/.cache/Microsoft`, on every no-op run and
/// `status`.
///
/// Like the stat cache of input hashes it only saves work: any change of the file's size,
/// mtime or inode misses and the library is loaded and asked again; a library modified in
/// the last two seconds is not remembered (`file_identity`); a lost or unreadable memo file
/// costs one load.
pub mod memo {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, OnceLock};

    use serde::{Deserialize, Serialize};

    use crate::file_identity::FileIdentity;

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    struct Entry {
        file: FileIdentity,
        version: String,
    }

    static FILE: OnceLock<PathBuf> = OnceLock::new();
    static ENTRIES: Mutex<Option<BTreeMap<String, Entry>>> = Mutex::new(None);

    /// Keep the memo in `file` (the cache's state folder) for this process; the first
    /// call wins.
    pub fn keep_in(file: PathBuf) {
        let _ = FILE.set(file);
    }

    fn with_entries<T>(f: impl FnOnce(&mut BTreeMap<String, Entry>) -> T) -> T {
        let mut guard = ENTRIES.lock().expect("runtime version memo");
        let entries = guard.get_or_insert_with(|| {
            FILE.get()
                .and_then(|file| std::fs::read(file).ok())
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .unwrap_or_default()
        });
        f(entries)
    }

    /// The remembered version of the library at `path`, if its file is unchanged.
    pub fn recall(path: &Path) -> Option<String> {
        FILE.get()?;
        let meta = std::fs::metadata(path).ok()?;
        let name = path.to_string_lossy();
        with_entries(|entries| {
            let entry = entries.get(name.as_ref())?;
            (entry.file == FileIdentity::of(&meta)).then(|| entry.version.clone())
        })
    }

    /// Remember `version` for the library at `path` and write the memo back (atomically;
    /// errors are ignored, the memo only saves time).
    pub fn remember(path: &Path, version: &str) {
        let Some(memo) = FILE.get() else { return };
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        let file = FileIdentity::of(&meta);
        if !file.settled() {
            return;
        }
        let entry = Entry {
            file,
            version: version.to_string(),
        };
        let name = path.to_string_lossy().into_owned();
        let bytes = with_entries(|entries| {
            if entries.get(&name) == Some(&entry) {
                return None;
            }
            entries.insert(name, entry);
            serde_json::to_vec(entries).ok()
        });
        if let Some(bytes) = bytes {
            let _ = crate::durable::write_beside(memo, &bytes, crate::durable::Durability::Fast);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::memo;

    fn aged(path: &std::path::Path, bytes: &[u8]) {
        std::fs::write(path, bytes).unwrap();
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(60))
            .unwrap();
    }

    #[test]
    fn a_remembered_version_is_recalled_until_the_library_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        // Other tests of this process may have named the memo file first; entries are
        // shared by path either way.
        memo::keep_in(dir.path().join("runtime-versions.json"));
        let library = dir.path().join("libonnxruntime.so.9.9.9");
        aged(&library, b"first build");
        assert_eq!(memo::recall(&library), None);
        memo::remember(&library, "9.9.9");
        assert_eq!(memo::recall(&library).as_deref(), Some("9.9.9"));
        aged(&library, b"another build");
        assert_eq!(
            memo::recall(&library),
            None,
            "a changed file is asked again"
        );
        // A file written just now is not remembered (same timestamp tick as a rewrite).
        let fresh = dir.path().join("libonnxruntime.so.9.9.8");
        std::fs::write(&fresh, b"fresh").unwrap();
        memo::remember(&fresh, "9.9.8");
        assert_eq!(memo::recall(&fresh), None);
    }
}
