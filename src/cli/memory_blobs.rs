//! The exchange format's blob door held in memory: a dataset directory read for comparison
//! (`verify --reference EXPORT`) goes nowhere near the cache, so another lab's files never
//! become objects this lab's runs could reuse.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use crate::dataset::BlobRef;
use crate::digest::Digest;
use crate::exchange::{BlobError, BlobSink, BlobSource};

#[derive(Default)]
pub struct MemoryBlobs(Mutex<HashMap<Digest, Vec<u8>>>);

impl MemoryBlobs {
    fn get(&self, blob: &BlobRef) -> Result<Vec<u8>, BlobError> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&blob.digest)
            .cloned()
            .ok_or(BlobError::Object {
                digest: blob.digest,
                reason: "missing",
            })
    }
}

impl BlobSink for MemoryBlobs {
    fn put(&self, bytes: &[u8], name: Option<&str>) -> Result<BlobRef, BlobError> {
        let digest = Digest::of(bytes);
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(digest)
            .or_insert_with(|| bytes.to_vec());
        Ok(BlobRef {
            digest,
            size: bytes.len() as u64,
            name: name.map(str::to_string),
        })
    }

    fn put_file(&self, path: &Path, name: Option<&str>) -> Result<BlobRef, BlobError> {
        let bytes = std::fs::read(path)
            .map_err(|e| BlobError::Store(format!("`{}`: {e}", path.display())))?;
        self.put(&bytes, name)
    }
}

impl BlobSource for MemoryBlobs {
    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, BlobError> {
        self.get(blob)
    }

    fn read_head(&self, blob: &BlobRef, len: usize) -> Result<Vec<u8>, BlobError> {
        let mut bytes = self.get(blob)?;
        bytes.truncate(len);
        Ok(bytes)
    }

    fn copy_to(&self, blob: &BlobRef, target: &Path) -> Result<(), BlobError> {
        std::fs::write(target, self.get(blob)?)
            .map_err(|e| BlobError::Store(format!("`{}`: {e}", target.display())))
    }
}
