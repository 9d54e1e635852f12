//! What a stage entry (and so the lock file and the run summary) records about an output:
//! its records counted by the class and group fields its roles name, and the headline
//! metrics the stage put in `meta.metrics`.
//!
//! The engine knows no field by name: a dataset whose roles say `class: grade, group:
//! patient` is counted as `records` and distinct `patient` values per grade; a dataset
//! without roles gets no counts.

use std::collections::{BTreeMap, BTreeSet};

use crate::dataset::{Dataset, Value};

/// `counts` (when the dataset has a class role) and `metrics` (when the stage recorded any).
pub fn summary_of(dataset: &Dataset) -> BTreeMap<String, Value> {
    let mut summary = BTreeMap::new();
    if let Some(counts) = counts(dataset) {
        summary.insert("counts".to_string(), counts);
    }
    if let Some(metrics) = dataset.meta().get("metrics") {
        summary.insert("metrics".to_string(), metrics.clone());
    }
    summary
}

/// `{records: {<class>: n, .., total: n}, <group>: {<class>: distinct groups, .., total}}`.
fn counts(dataset: &Dataset) -> Option<Value> {
    let roles = dataset.roles();
    let class = roles.class.as_deref()?;
    let class_of = |r: &crate::dataset::Record| {
        r.fields
            .get(class)
            .map(label)
            .unwrap_or_else(|| "?".to_string())
    };
    let mut records: BTreeMap<String, usize> = BTreeMap::new();
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for record in dataset.records() {
        let class = class_of(record);
        *records.entry(class.clone()).or_insert(0) += 1;
        if let Some(group) = roles.group.as_deref() {
            let value = record.fields.get(group).map(label).unwrap_or_default();
            groups.entry(class).or_default().insert(value);
        }
    }
    let mut out = BTreeMap::from([("records".to_string(), by_class(&records))]);
    if let Some(group) = roles.group {
        let distinct: BTreeMap<String, usize> =
            groups.into_iter().map(|(c, g)| (c, g.len())).collect();
        out.insert(group, by_class(&distinct));
    }
    Some(Value::Map(out))
}

fn by_class(counts: &BTreeMap<String, usize>) -> Value {
    let mut map: BTreeMap<String, Value> = counts
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(*v)))
        .collect();
    map.insert("total".into(), Value::from(counts.values().sum::<usize>()));
    Value::Map(map)
}

/// A class or group value as text (`II`, `2`).
fn label(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{Record, Roles};

    #[test]
    fn records_and_groups_are_counted_by_class_through_the_roles() {
        let records = vec![
            Record::new("a/1").with("grade", "II").with("patient", "a"),
            Record::new("a/2").with("grade", "II").with("patient", "a"),
            Record::new("b/1").with("grade", "IV").with("patient", "b"),
        ];
        let dataset = Dataset::from_records(records)
            .unwrap()
            .with_roles(&Roles::new("grade", "patient"));
        let summary = summary_of(&dataset);
        let json = serde_json::to_string(&summary["counts"]).unwrap();
        assert_eq!(
            json,
            r#"{"patient":{"II":1,"IV":1,"total":2},"records":{"II":2,"IV":1,"total":3}}"#
        );
    }

    #[test]
    fn a_dataset_without_roles_has_no_counts() {
        let dataset = Dataset::from_records(vec![Record::new("a").with("x", 1i64)]).unwrap();
        assert!(summary_of(&dataset).is_empty());
    }
}
