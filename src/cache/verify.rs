//! `radflow cache verify`: re-hashes every object and parses every entry.

use std::fs;
use std::path::PathBuf;

use rayon::prelude::*;

use super::store::{ObjectError, Store};
use crate::digest::Digest;

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub objects: usize,
    pub bytes: u64,
    /// Objects whose content does not match their name (moved to `damaged/` with `repair`).
    pub damaged: Vec<Digest>,
    /// Entries that do not parse (removed with `repair`).
    pub bad_entries: Vec<PathBuf>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.damaged.is_empty() && self.bad_entries.is_empty()
    }
}

pub fn verify(store: &Store, repair: bool) -> VerifyReport {
    let objects = store.list("objects");
    let results: Vec<(Digest, u64, bool)> = objects
        .par_iter()
        .map(|(digest, path)| {
            let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            let ok = match fs::read(path) {
                Ok(bytes) => Digest::of(&bytes) == *digest,
                Err(_) => false,
            };
            (*digest, size, ok)
        })
        .collect();
    let mut report = VerifyReport {
        objects: results.len(),
        ..Default::default()
    };
    for (digest, size, ok) in results {
        report.bytes += size;
        if !ok {
            report.damaged.push(digest);
            if repair {
                // get_object quarantines what does not match.
                let _ = store
                    .get_object(&digest)
                    .err()
                    .filter(|e| *e == ObjectError::Damaged);
            }
        }
    }
    for family in ["stages", "items"] {
        for (_, path) in store.list(family) {
            let parses = fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some();
            if !parses {
                if repair {
                    let _ = fs::remove_file(&path);
                }
                report.bad_entries.push(path);
            }
        }
    }
    report
}
