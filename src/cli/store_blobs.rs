//! The exchange format's blob door, opened on the cache itself (for `show` and `export`).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::cache::{ObjectError, Store};
use crate::dataset::BlobRef;
use crate::exchange::{BlobError, BlobSource};

pub struct StoreBlobs<'s>(pub &'s Store);

fn object_error(blob: &BlobRef, error: ObjectError) -> BlobError {
    BlobError::Object {
        digest: blob.digest,
        reason: match error {
            ObjectError::Missing => "missing",
            ObjectError::Damaged => "damaged (run again to recompute it)",
            ObjectError::Unreadable => "unreadable",
        },
    }
}

impl BlobSource for StoreBlobs<'_> {
    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, BlobError> {
        self.0
            .get_object_sized(&blob.digest, blob.size)
            .map_err(|e| object_error(blob, e))
    }

    fn read_head(&self, blob: &BlobRef, len: usize) -> Result<Vec<u8>, BlobError> {
        let mut file = File::open(self.0.object_path(&blob.digest))
            .map_err(|_| object_error(blob, ObjectError::Missing))?;
        let mut head = Vec::with_capacity(len);
        (&mut file)
            .take(len as u64)
            .read_to_end(&mut head)
            .map_err(|_| object_error(blob, ObjectError::Unreadable))?;
        Ok(head)
    }

    fn copy_to(&self, blob: &BlobRef, target: &Path) -> Result<(), BlobError> {
        self.0
            .copy_object(&blob.digest, target)
            .map_err(|e| object_error(blob, e))
    }
}
