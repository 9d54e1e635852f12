//! Errors of the MetaImage reader. Each names the file, the header key when there is one,
//! and what was found against what was expected.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MetaImageError {
    /// The operating system refused a file operation.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error("`{}`: not a MetaImage header: {found}", file.display())]
    NotMetaImage { file: PathBuf, found: String },

    /// A header key whose value cannot be used, or a required key that is missing.
    #[error("`{}` line {line}: `{key}` is `{found}`; expected {expected}", file.display())]
    Field {
        file: PathBuf,
        line: usize,
        key: String,
        found: String,
        expected: String,
    },

    #[error("`{}`: `{key}` is missing; expected {expected}", file.display())]
    Missing {
        file: PathBuf,
        key: &'static str,
        expected: &'static str,
    },

    /// A data file the header names does not exist.
    #[error("`{}`: its data file `{}` does not exist", file.display(), data.display())]
    MissingData { file: PathBuf, data: PathBuf },

    /// The data ended before the header's sizes were filled, or the compressed stream
    /// went on too long.
    #[error("`{}`: {found} bytes of data, expected {expected} ({payload})", file.display())]
    DataSize {
        file: PathBuf,
        found: u64,
        expected: u64,
        payload: String,
    },

    #[error(
        "`{}`: the data needs {bytes} bytes ({payload}), more than the limit of {limit} bytes",
        file.display()
    )]
    TooLarge {
        file: PathBuf,
        bytes: u128,
        limit: u64,
        payload: String,
    },

    /// The grid the header describes cannot be placed in space.
    #[error("`{}`: {message}", file.display())]
    Geometry { file: PathBuf, message: String },

    #[error("`{}`: compressed data: {message}", file.display())]
    Decode { file: PathBuf, message: String },
}

impl MetaImageError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        MetaImageError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
