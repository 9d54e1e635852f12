//! The exchange format's blob doors, opened on a running stage's context.

use std::path::Path;

use crate::dataset::BlobRef;
use crate::exchange::{BlobError, BlobSink, BlobSource, ExchangeError};
use crate::stage_api::{StageContext, StageError};

pub struct ContextBlobs<'c, 'a>(pub &'c StageContext<'a>);

fn blob_error(error: StageError) -> BlobError {
    match error {
        StageError::Object { digest, reason } => BlobError::Object { digest, reason },
        other => BlobError::Store(other.to_string()),
    }
}

impl BlobSource for ContextBlobs<'_, '_> {
    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, BlobError> {
        self.0.read_blob(blob).map_err(blob_error)
    }

    fn read_head(&self, blob: &BlobRef, len: usize) -> Result<Vec<u8>, BlobError> {
        // The context reads whole blobs only; heads are read once per materialised input.
        let mut bytes = self.read(blob)?;
        bytes.truncate(len);
        Ok(bytes)
    }

    fn copy_to(&self, blob: &BlobRef, target: &Path) -> Result<(), BlobError> {
        self.0.copy_blob(blob, target).map_err(blob_error)
    }
}

impl BlobSink for ContextBlobs<'_, '_> {
    fn put(&self, bytes: &[u8], name: Option<&str>) -> Result<BlobRef, BlobError> {
        self.0.put_blob(bytes, name).map_err(blob_error)
    }

    fn put_file(&self, path: &Path, name: Option<&str>) -> Result<BlobRef, BlobError> {
        self.0.put_file(path, name).map_err(blob_error)
    }
}

/// A damaged or missing cached object stays an object error (the engine sets it aside and
/// recomputes); anything else is the message with `context` in front (`{out}/`, `{item}/`).
pub fn stage_error(error: ExchangeError, context: &str) -> StageError {
    match error {
        ExchangeError::Blob(BlobError::Object { digest, reason }) => {
            StageError::Object { digest, reason }
        }
        ExchangeError::Blob(BlobError::Store(message)) => StageError::Cache(message),
        ExchangeError::File { path, message } => {
            StageError::invalid(format!("`{context}{path}`: {message}"))
        }
        ExchangeError::Io { path, source } => {
            StageError::invalid(format!("`{context}{path}`: {source}"))
        }
        other => StageError::invalid(other.to_string()),
    }
}
