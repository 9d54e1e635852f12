//! What can go wrong reading or writing exchange folders.
//!
//! Every error names the file it is about, relative to the folder being read or written
//! (`features.npy`, `pixels/P1%2Fz003.npy`, `records.csv`), so the caller can say whose folder
//! it is (`{out}` of a program, an export target) in front of it.

use std::io;

use crate::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// A file of the folder is missing, malformed or disagrees with `dataset.json`.
    #[error("`{path}`: {message}")]
    File { path: String, message: String },
    /// A file could not be read or written.
    #[error("`{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    /// A record's value cannot be written in the format.
    #[error("record `{id}`, field `{field}`: {message}")]
    Value {
        id: String,
        field: String,
        message: String,
    },
    /// Fields were asked for by name (`export --fields`) that the dataset does not have.
    #[error("the dataset has no field `{wanted}` (fields: {})", .fields.join(", "))]
    NoField { wanted: String, fields: Vec<String> },
    /// A cached object the export read is missing or damaged.
    #[error(transparent)]
    Blob(#[from] BlobError),
}

/// Why a blob could not be read from (or stored in) the cache.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BlobError {
    /// The object is missing or does not match its hash (the store has set it aside).
    #[error("cached object {} is {reason}", .digest.short())]
    Object {
        digest: Digest,
        reason: &'static str,
    },
    /// The cache could not be written.
    #[error("cache: {0}")]
    Store(String),
}

impl ExchangeError {
    pub fn file(path: impl Into<String>, message: impl std::fmt::Display) -> Self {
        ExchangeError::File {
            path: path.into(),
            message: message.to_string(),
        }
    }

    pub fn io(path: impl Into<String>, source: io::Error) -> Self {
        ExchangeError::Io {
            path: path.into(),
            source,
        }
    }

    pub fn value(id: &str, field: &str, message: impl std::fmt::Display) -> Self {
        ExchangeError::Value {
            id: id.to_string(),
            field: field.to_string(),
            message: message.to_string(),
        }
    }

    /// The file the error is about, if it names one.
    pub fn path(&self) -> Option<&str> {
        match self {
            ExchangeError::File { path, .. } | ExchangeError::Io { path, .. } => Some(path),
            _ => None,
        }
    }
}
