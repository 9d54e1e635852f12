//! Errors of the cache layer.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a radflow cache of this version ({found}); use another `--cache` folder or remove it", .path.display())]
    Version { path: PathBuf, found: String },
    #[error("cache `{}` is locked by another process ({what})", .path.display())]
    Locked { path: PathBuf, what: &'static str },
}

impl CacheError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CacheError::Io {
            path: path.into(),
            source,
        }
    }
}
