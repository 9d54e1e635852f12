//! One type and shape per array field across the records a per-record program writes.
//!
//! Items run in parallel, so each computed item is checked against the first one seen in this
//! run, and at the end the items taken from the cache are checked against it too (a record
//! edited since, recomputed alone, must still match the others). Fields listed in `varies`
//! keep one type but may change shape.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use crate::dataset::{DType, Record, Value};
use crate::exchange::tensor_header;
use crate::stage_api::{StageContext, StageError};

use super::context_blobs::{ContextBlobs, stage_error};

/// The type and shape of an array field as the first item that wrote it (`by`) set them.
struct FirstSeen {
    dtype: DType,
    shape: Vec<usize>,
    by: String,
}

pub struct Shapes<'p> {
    varies: &'p [String],
    /// Field -> its type and shape as first seen.
    first: Mutex<BTreeMap<String, FirstSeen>>,
    computed: Mutex<HashSet<String>>,
}

impl<'p> Shapes<'p> {
    pub fn new(varies: &'p [String]) -> Self {
        Self {
            varies,
            first: Mutex::new(BTreeMap::new()),
            computed: Mutex::new(HashSet::new()),
        }
    }

    /// Checks the arrays item `id` wrote; `Err` is the message (naming the file).
    pub fn check(
        &self,
        id: &str,
        arrays: &BTreeMap<String, (DType, Vec<usize>)>,
    ) -> Result<(), String> {
        self.computed
            .lock()
            .expect("computed")
            .insert(id.to_string());
        let mut first = self.first.lock().expect("shapes");
        for (field, (dtype, shape)) in arrays {
            match first.get(field) {
                None => {
                    let seen = FirstSeen {
                        dtype: *dtype,
                        shape: shape.clone(),
                        by: id.to_string(),
                    };
                    first.insert(field.clone(), seen);
                }
                Some(seen) => {
                    let was = (seen.dtype, seen.shape.as_slice());
                    if let Some(message) = self.differs(field, (*dtype, shape), was, &seen.by) {
                        return Err(format!("`{{out}}/{field}.npy` {message}"));
                    }
                }
            }
        }
        Ok(())
    }

    fn differs(
        &self,
        field: &str,
        (dtype, shape): (DType, &[usize]),
        (first_dtype, first_shape): (DType, &[usize]),
        by: &str,
    ) -> Option<String> {
        let shape_free = self.varies.iter().any(|v| v == field);
        if dtype != first_dtype {
            return Some(format!(
                "is {dtype}, but `{by}` wrote {first_dtype}: one field has one dtype"
            ));
        }
        if !shape_free && shape != first_shape {
            return Some(format!(
                "has shape {shape:?}, but `{by}` wrote {first_shape:?} (list the field in \
                 `varies:` if its shape may differ between records)"
            ));
        }
        None
    }

    /// Checks the records taken from the cache against the arrays computed in this run.
    pub fn check_cached(
        &self,
        ctx: &StageContext<'_>,
        records: &[Record],
    ) -> Result<(), StageError> {
        let first = self.first.lock().expect("shapes");
        let computed = self.computed.lock().expect("computed");
        if first.is_empty() || computed.len() == records.len() {
            return Ok(());
        }
        let blobs = ContextBlobs(ctx);
        for record in records.iter().filter(|r| !computed.contains(&r.id)) {
            for (field, seen) in first.iter() {
                let Some(Value::Blob(blob)) = record.fields.get(field) else {
                    continue;
                };
                let Some((d, s)) = tensor_header(blob, &blobs).map_err(|e| stage_error(e, ""))?
                else {
                    continue;
                };
                let was = (seen.dtype, seen.shape.as_slice());
                if let Some(message) = self.differs(field, was, (d, &s), &record.id) {
                    return Err(StageError::invalid(format!(
                        "`{}`: `{{out}}/{field}.npy` {message}",
                        seen.by
                    )));
                }
            }
        }
        Ok(())
    }
}
