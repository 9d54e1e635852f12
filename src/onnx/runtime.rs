//! Finding and loading the ONNX Runtime shared library, once per process.
//!
//! radflow links ONNX Runtime at run time (`ort`'s `load-dynamic`), because the
//! library cannot be downloaded at build time. `scripts/setup-onnxruntime.sh` puts
//! the PyPI wheel's copy in `<project>/.radflow/onnxruntime/`; [`environment`] finds
//! it without configuration.
//!
//! Search order ([`library_path`]), first match wins:
//! 1. `ORT_DYLIB_PATH`, when set and not empty: a library file, or a folder holding
//!    `libonnxruntime.so*`. If it names nothing usable that is an error; radflow does
//!    not fall back to a library the user did not ask for.
//! 2. The current directory, then each of its parents:
//!    `<dir>/.radflow/onnxruntime/onnxruntime/capi/libonnxruntime.so*`.
//! 3. The directory of the running executable, then each of its parents, the same
//!    way (so `target/debug/radflow` and test binaries find the library of the
//!    checkout they were built in, wherever they are started from).
//!
//! Invariants:
//! - The library is loaded at most once per process; the outcome, success or error,
//!   is kept, and every later call returns the same one. A failed load is never
//!   retried with another library, so one process never mixes two runtimes.
//! - No other `ort` call may run before [`environment`] succeeds: `ort` would otherwise
//!   try to load `libonnxruntime.so` from the linker's path on its own and panic if
//!   it is missing. All of `radflow::onnx` goes through [`environment`].
//! - A library older than [`MIN_MINOR_VERSION`] is refused with a clean error (checked
//!   by `ort` from the library's own version string before any API call).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;

/// The ONNX Runtime release `scripts/setup-onnxruntime.sh` installs.
pub const EXPECTED_VERSION: &str = "1.31.1";

/// The oldest ONNX Runtime minor version (`1.x`) that `ort` built with `api-31` accepts.
pub const MIN_MINOR_VERSION: u32 = ort::MINOR_VERSION;

/// The environment variable that overrides the search.
pub const ENV_VAR: &str = "ORT_DYLIB_PATH";

/// Where the setup script puts the library, relative to a project root.
pub const PROJECT_LIBRARY_DIR: &str = ".radflow/onnxruntime/onnxruntime/capi";

const FIX: &str = "run scripts/setup-onnxruntime.sh or set ORT_DYLIB_PATH to a libonnxruntime.so";

/// Why the runtime could not be loaded. Cloned because the first outcome is kept for
/// the whole process.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "onnx runtime library not found: no `{PROJECT_LIBRARY_DIR}/libonnxruntime.so*` in {searched} \
         and `ORT_DYLIB_PATH` is not set; {FIX}"
    )]
    NotFound { searched: String },

    #[error(
        "`ORT_DYLIB_PATH` names `{}`, which {problem}; {FIX} ({EXPECTED_VERSION} expected)",
        path.display()
    )]
    BadOverride { path: PathBuf, problem: String },

    #[error("could not load onnx runtime `{}`: {reason}; {FIX}", path.display())]
    Load { path: PathBuf, reason: String },

    #[error(
        "onnx runtime `{}` is version {found}; radflow needs 1.{MIN_MINOR_VERSION} or newer \
         ({EXPECTED_VERSION} expected); {FIX}",
        path.display()
    )]
    Version { path: PathBuf, found: String },

    #[error("`{}` is not an onnx runtime library (it has no `OrtGetApiBase`); {FIX}", path.display())]
    NotOnnxRuntime { path: PathBuf },

    #[error("onnx runtime `{}` loaded but would not start: {reason}", path.display())]
    Init { path: PathBuf, reason: String },
}

/// A loaded runtime: where it came from, its version, and the environment sessions are
/// built in.
#[derive(Debug)]
pub struct Runtime {
    pub library: PathBuf,
    /// As the library reports it (`1.31.1`): part of the key of every stage it computes.
    pub version: String,
    pub environment: Environment,
}

static RUNTIME: OnceLock<Result<Runtime, RuntimeError>> = OnceLock::new();

/// The process's ONNX Runtime, found by [`library_path`] and loaded on first use.
pub fn runtime() -> Result<&'static Runtime, RuntimeError> {
    RUNTIME
        .get_or_init(|| library_path().and_then(|path| load(&path)))
        .as_ref()
        .map_err(Clone::clone)
}

/// The runtime's version (`1.31.1`), as the library reports it. Loads the runtime on first
/// use, unless an earlier process asked the same unchanged library file (see
/// [`super::runtime_version::memo`]): deciding that a cached stage is current then costs a
/// `stat`, not a load.
pub fn version() -> Result<String, RuntimeError> {
    if let Some(loaded) = RUNTIME.get() {
        return loaded
            .as_ref()
            .map(|r| r.version.clone())
            .map_err(Clone::clone);
    }
    let path = library_path()?;
    if let Some(version) = super::runtime_version::memo::recall(&path) {
        return Ok(version);
    }
    let loaded = runtime()?;
    super::runtime_version::memo::remember(&loaded.library, &loaded.version);
    Ok(loaded.version.clone())
}

/// Remember the versions of libraries loaded by this process in `file`, and recall earlier
/// processes' answers from it (the engine passes a file in the cache's state folder).
pub fn remember_versions_in(file: PathBuf) {
    super::runtime_version::memo::keep_in(file);
}

/// The environment every session is built in; loads the runtime on first use.
pub fn environment() -> Result<&'static Environment, RuntimeError> {
    runtime().map(|runtime| &runtime.environment)
}

/// Where the runtime would be loaded from, by the search order in the module docs.
pub fn library_path() -> Result<PathBuf, RuntimeError> {
    let mut starts = Vec::new();
    if let Ok(dir) = std::env::current_dir() {
        starts.push(dir);
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        starts.push(dir);
    }
    locate(std::env::var_os(ENV_VAR), &starts)
}

/// The search itself, given the override's value and the directories to walk up from.
pub fn locate(env_override: Option<OsString>, starts: &[PathBuf]) -> Result<PathBuf, RuntimeError> {
    if let Some(value) = env_override.filter(|value| !value.is_empty()) {
        return resolve_override(PathBuf::from(value));
    }
    for start in starts {
        for dir in start.ancestors() {
            if let Some(library) = library_in(&dir.join(PROJECT_LIBRARY_DIR)) {
                return Ok(library);
            }
        }
    }
    let searched: Vec<String> = starts
        .iter()
        .map(|start| format!("`{}` or its parents", start.display()))
        .collect();
    Err(RuntimeError::NotFound {
        searched: if searched.is_empty() {
            "no directory (neither the current directory nor the executable's is known)".to_string()
        } else {
            searched.join(", nor in ")
        },
    })
}

fn resolve_override(path: PathBuf) -> Result<PathBuf, RuntimeError> {
    // ort resolves relative paths against the executable's folder; radflow users expect
    // the current directory, as for every other path they type.
    let path = match std::path::absolute(&path) {
        Ok(absolute) => absolute,
        Err(_) => path,
    };
    if path.is_dir() {
        return library_in(&path).ok_or_else(|| RuntimeError::BadOverride {
            path,
            problem: "is a folder without a `libonnxruntime.so*`".to_string(),
        });
    }
    if !path.exists() {
        return Err(RuntimeError::BadOverride {
            path,
            problem: "does not exist".to_string(),
        });
    }
    Ok(path)
}

/// The runtime library in `dir`, preferring a versioned name (`.so.1.31.1`) and the
/// highest version when several are there.
fn library_in(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut candidates: Vec<(Vec<u64>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let suffix = name.strip_prefix("libonnxruntime.so")?;
            // `libonnxruntime.so` or `libonnxruntime.so.1.31.1`; not `.so.bak` or `_providers`.
            let version = if suffix.is_empty() {
                Vec::new()
            } else {
                suffix
                    .strip_prefix('.')?
                    .split('.')
                    .map(|part| part.parse().ok())
                    .collect::<Option<Vec<u64>>>()?
            };
            entry.path().is_file().then(|| (version, entry.path()))
        })
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, path)| path)
}

fn load(path: &Path) -> Result<Runtime, RuntimeError> {
    use ort::LoadDynamicError as E;
    let builder = ort::init_from(path).map_err(|error| match error {
        E::Dlopen { error, path } => RuntimeError::Load {
            path,
            reason: with_sources(&error),
        },
        E::MissingApi { path } => RuntimeError::NotOnnxRuntime { path },
        E::InvalidVersionString => RuntimeError::Load {
            path: path.to_path_buf(),
            reason: "its version string is not valid UTF-8".to_string(),
        },
        E::BadVersion { version_str, path } => RuntimeError::Version {
            path,
            found: version_str,
        },
    })?;
    let version =
        super::runtime_version::library_version(path).map_err(|reason| RuntimeError::Load {
            path: path.to_path_buf(),
            reason,
        })?;
    let environment = builder
        .with_name("radflow")
        .with_telemetry(false)
        .build()
        .map_err(|error| RuntimeError::Init {
            path: path.to_path_buf(),
            reason: error.to_string(),
        })?;
    Ok(Runtime {
        library: path.to_path_buf(),
        version,
        environment,
    })
}

/// `error` and its causes on one line: libloading says only "dlopen failed" and keeps
/// the reason (missing file, wrong ELF class, undefined symbol) in its source.
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project_with_libraries(names: &[&str]) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        let capi = root.path().join(PROJECT_LIBRARY_DIR);
        std::fs::create_dir_all(&capi).expect("capi dir");
        for name in names {
            std::fs::write(capi.join(name), b"").expect("library file");
        }
        root
    }

    #[test]
    fn the_library_is_found_from_a_subdirectory_of_the_project() {
        let root = project_with_libraries(&[
            "libonnxruntime.so.1.31.1",
            "libonnxruntime_providers_shared.so",
        ]);
        let deep = root.path().join("pipelines/study");
        std::fs::create_dir_all(&deep).unwrap();
        let found = locate(None, &[deep]).unwrap();
        assert_eq!(
            found,
            root.path()
                .join(PROJECT_LIBRARY_DIR)
                .join("libonnxruntime.so.1.31.1")
        );
    }

    #[test]
    fn the_executables_directory_is_searched_after_the_current_one() {
        let elsewhere = tempfile::tempdir().unwrap();
        let root = project_with_libraries(&["libonnxruntime.so.1.31.1"]);
        let exe_dir = root.path().join("target/debug/deps");
        std::fs::create_dir_all(&exe_dir).unwrap();
        let found = locate(None, &[elsewhere.path().to_path_buf(), exe_dir]).unwrap();
        assert!(found.starts_with(root.path()));
    }

    #[test]
    fn the_highest_versioned_library_wins_over_an_unversioned_one() {
        let root = project_with_libraries(&[
            "libonnxruntime.so",
            "libonnxruntime.so.1.31.1",
            "libonnxruntime.so.1.9.0",
            "libonnxruntime.so.bak",
        ]);
        let found = locate(None, &[root.path().to_path_buf()]).unwrap();
        assert_eq!(found.file_name().unwrap(), "libonnxruntime.so.1.31.1");
    }

    #[test]
    fn a_missing_library_is_one_error_that_says_how_to_fix_it() {
        let empty = tempfile::tempdir().unwrap();
        let error = locate(None, &[empty.path().to_path_buf()]).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, RuntimeError::NotFound { .. }));
        assert!(
            message.contains("run scripts/setup-onnxruntime.sh or set ORT_DYLIB_PATH"),
            "{message}"
        );
        assert!(
            message.contains(&empty.path().display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn an_override_that_names_nothing_is_an_error_even_if_the_project_has_a_library() {
        let root = project_with_libraries(&["libonnxruntime.so.1.31.1"]);
        let bogus = root.path().join("nowhere/libonnxruntime.so");
        let error = locate(Some(bogus.clone().into()), &[root.path().to_path_buf()]).unwrap_err();
        assert_eq!(
            error,
            RuntimeError::BadOverride {
                path: bogus,
                problem: "does not exist".to_string()
            }
        );
        assert!(
            error
                .to_string()
                .contains("run scripts/setup-onnxruntime.sh")
        );
    }

    #[test]
    fn an_override_may_name_the_folder_that_holds_the_library() {
        let root = project_with_libraries(&["libonnxruntime.so.1.31.1"]);
        let capi = root.path().join(PROJECT_LIBRARY_DIR);
        let found = locate(Some(capi.clone().into()), &[]).unwrap();
        assert_eq!(found, capi.join("libonnxruntime.so.1.31.1"));
    }

    #[test]
    fn an_empty_override_is_ignored() {
        let root = project_with_libraries(&["libonnxruntime.so.1.31.1"]);
        assert!(locate(Some(OsString::new()), &[root.path().to_path_buf()]).is_ok());
    }
}
