//! Where the blobs of a dataset come from and go to: the cache, seen through whatever door
//! the caller has (the store for `export`, a stage's context for the `command` stage).

use std::path::Path;

use super::error::BlobError;
use crate::dataset::BlobRef;

/// Reads cached blobs. Implementations check each object's hash.
pub trait BlobSource: Sync {
    /// The whole blob, hash checked.
    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, BlobError>;
    /// Its first `len` bytes (or fewer), unchecked: enough to learn a tensor's type and shape.
    fn read_head(&self, blob: &BlobRef, len: usize) -> Result<Vec<u8>, BlobError>;
    /// Copies the blob to an ordinary file, hash checked.
    fn copy_to(&self, blob: &BlobRef, target: &Path) -> Result<(), BlobError>;
}

/// Stores blobs.
pub trait BlobSink: Sync {
    fn put(&self, bytes: &[u8], name: Option<&str>) -> Result<BlobRef, BlobError>;
    /// Stores a finished file without reading it into memory.
    fn put_file(&self, path: &Path, name: Option<&str>) -> Result<BlobRef, BlobError>;
}
