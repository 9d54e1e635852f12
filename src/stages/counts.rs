//! Table-5 counts: patients and slices per class, as stages record them in `meta.counts`.

use std::collections::{BTreeMap, BTreeSet};

use crate::dataset::{Record, Value};

/// The class field every imaging stage carries (set by `sample_filter`).
pub const CLASS_FIELD: &str = "grade";
/// The patient id field (set by `sample_filter`, inherited by slices).
pub const PATIENT_FIELD: &str = "patient";

/// Distinct patients per class.
pub fn patients_by_class<'a>(
    records: impl IntoIterator<Item = &'a Record>,
) -> BTreeMap<String, usize> {
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in records {
        let class = r.str(CLASS_FIELD).unwrap_or("?").to_string();
        let patient = r.str(PATIENT_FIELD).unwrap_or(&r.id).to_string();
        seen.entry(class).or_default().insert(patient);
    }
    seen.into_iter().map(|(c, p)| (c, p.len())).collect()
}

/// Records per class.
pub fn records_by_class<'a>(
    records: impl IntoIterator<Item = &'a Record>,
) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in records {
        *out.entry(r.str(CLASS_FIELD).unwrap_or("?").to_string())
            .or_insert(0) += 1;
    }
    out
}

/// A per-class count as a record value, with a `total`.
pub fn count_value(counts: &BTreeMap<String, usize>) -> Value {
    let mut map: BTreeMap<String, Value> = counts
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(*v)))
        .collect();
    map.insert("total".into(), Value::from(counts.values().sum::<usize>()));
    Value::Map(map)
}

/// `{patients: {..}, slices: {..}}` by class: the counts a slice-level stage records.
pub fn slice_counts(records: &[Record]) -> BTreeMap<String, Value> {
    BTreeMap::from([
        (
            "patients".to_string(),
            count_value(&patients_by_class(records)),
        ),
        (
            "slices".to_string(),
            count_value(&records_by_class(records)),
        ),
    ])
}
