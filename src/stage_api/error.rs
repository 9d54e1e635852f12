//! What can go wrong inside a stage.

use crate::dataset::{DatasetError, FieldError, TensorError};
use crate::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// A record lacks a field the stage needs, or has the wrong type.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A file could not be read or is not what was expected. `path` is workspace-relative.
    #[error("`{path}`: {message}")]
    File { path: String, message: String },
    /// One item failed; names the item (a patient, a slice).
    #[error("`{item}`: {source}")]
    Item {
        item: String,
        #[source]
        source: Box<StageError>,
    },
    /// The stage cannot produce a meaningful output (a filter that drops every slice, a model
    /// that does not match its configuration).
    #[error("{0}")]
    Invalid(String),
    /// A cached object the stage read is missing or does not match its hash. It has been
    /// removed; the run recomputes it.
    #[error("cached object {} is {reason}", .digest.short())]
    Object {
        digest: Digest,
        reason: &'static str,
    },
    /// The cache could not be written.
    #[error("cache: {0}")]
    Cache(String),
    #[error("interrupted")]
    Interrupted,
    /// The engine ended the stage on purpose after the items it was asked for (a cluster
    /// worker computing one shard of a map); not a failure, and nothing is committed.
    #[error("stopped after its share of the items")]
    Stopped,
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    #[error("blob: {0}")]
    Tensor(#[from] TensorError),
}

impl StageError {
    pub fn invalid(message: impl Into<String>) -> Self {
        StageError::Invalid(message.into())
    }

    pub fn file(path: impl Into<String>, message: impl std::fmt::Display) -> Self {
        StageError::File {
            path: path.into(),
            message: message.to_string(),
        }
    }

    /// Wraps the error as a failure of `item`, unless it already names one.
    pub fn for_item(self, item: &str) -> Self {
        match self {
            StageError::Item { .. }
            | StageError::Interrupted
            | StageError::Stopped
            | StageError::Object { .. } => self,
            other => StageError::Item {
                item: item.to_string(),
                source: Box::new(other),
            },
        }
    }

    /// The message without the leading item name when it names `item` (for callers that name
    /// the item themselves, so it is named once).
    pub fn message_without_item(&self, item: &str) -> String {
        match self {
            StageError::Item {
                item: named,
                source,
            } if named == item => source.to_string(),
            other => other.to_string(),
        }
    }

    /// The damaged object this error is about, wherever it is nested.
    pub fn damaged_object(&self) -> Option<Digest> {
        match self {
            StageError::Object { digest, .. } => Some(*digest),
            StageError::Item { source, .. } => source.damaged_object(),
            _ => None,
        }
    }
}
