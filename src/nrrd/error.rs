//! Errors of the NRRD reader and writer. Each says what was wrong and where: the file,
//! the header line and field when there is one, and what was found against what was
//! expected.

use std::io;
use std::path::PathBuf;

use super::types::Encoding;

#[derive(Debug, thiserror::Error)]
pub enum NrrdError {
    /// The operating system refused a file operation.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error(
        "`{}`: not an NRRD file: the first line is `{found}`, expected `NRRD0001` to `NRRD0005`",
        file.display()
    )]
    Magic { file: PathBuf, found: String },

    #[error(
        "`{}`: the header ends without the blank line that separates it from attached data",
        file.display()
    )]
    UnterminatedHeader { file: PathBuf },

    #[error("`{}`: the header is longer than the limit of {limit} bytes", file.display())]
    HeaderTooLong { file: PathBuf, limit: usize },

    /// A header line that is neither a field nor a key/value pair, or that is malformed.
    #[error("`{}` line {line}: {message}", file.display())]
    Line {
        file: PathBuf,
        line: usize,
        message: String,
    },

    /// A standard field whose value is wrong.
    #[error("`{}` line {line}: field `{field}` {message}", file.display())]
    Field {
        file: PathBuf,
        line: usize,
        field: &'static str,
        message: String,
    },

    /// A header that is wrong as a whole: a missing or contradictory field.
    #[error("`{}`: {message}", file.display())]
    Header { file: PathBuf, message: String },

    /// The data ended early, or (for compressed and text data) went on too long.
    #[error("`{}`: decoded {found} bytes, expected {expected} ({payload})", file.display())]
    DataSize {
        file: PathBuf,
        found: u64,
        expected: u64,
        payload: String,
    },

    /// The data is larger than the configured limit, checked before allocating.
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

    /// The stored bytes could not be decoded (corrupt stream, bad number or hex digit).
    #[error("`{}`: {encoding} data: {message}", file.display())]
    Decode {
        file: PathBuf,
        encoding: Encoding,
        message: String,
    },

    /// A volume that cannot be written as asked (samples and header disagree, a key
    /// that cannot be stored).
    #[error("cannot write `{}`: {message}", file.display())]
    Write { file: PathBuf, message: String },

    /// Samples that do not fill the sizes they were given.
    #[error("{count} samples do not fill sizes {sizes:?} ({payload})")]
    Shape {
        count: usize,
        sizes: Vec<usize>,
        payload: String,
    },

    /// A numeric view of `block` samples was asked for.
    #[error("samples of type `block` (size {size}) have no numeric value")]
    NotNumeric { size: usize },
}

impl NrrdError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        NrrdError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
