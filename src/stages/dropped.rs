//! The `meta.dropped` list: items a stage left out, each with its reason.

use std::collections::BTreeMap;

use crate::dataset::Value;

/// `[{id, reason}, ...]`.
pub fn dropped_value(dropped: &[(String, String)]) -> Value {
    Value::List(
        dropped
            .iter()
            .map(|(id, reason)| {
                Value::Map(BTreeMap::from([
                    ("id".to_string(), Value::from(id.as_str())),
                    ("reason".to_string(), Value::from(reason.as_str())),
                ]))
            })
            .collect(),
    )
}
