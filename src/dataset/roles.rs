//! What a dataset's fields mean beyond their values: which field is the class label a
//! classifier learns, and which groups records (the patient a slice belongs to).
//!
//! Roles travel with the data (in the manifest's `meta.roles`), set by the stage that makes
//! the fields and passed on by the stages that keep them, so the engine can count records by
//! class and group, a classifier finds its labels, and an exported dataset says what its
//! columns are, without any of them knowing the study's vocabulary (`grade`, `patient`).

use std::collections::BTreeMap;

use super::value::Value;

/// The meta key roles are stored under.
pub const ROLES_META: &str = "roles";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    /// The field holding each record's class label.
    pub class: Option<String>,
    /// The field holding each record's group (records of one group must never be split
    /// between training and test sets).
    pub group: Option<String>,
}

impl Roles {
    pub fn new(class: &str, group: &str) -> Self {
        Self {
            class: Some(class.to_string()),
            group: Some(group.to_string()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.class.is_none() && self.group.is_none()
    }

    /// Reads `meta.roles`; anything malformed reads as no roles.
    pub fn from_meta(meta: &BTreeMap<String, Value>) -> Self {
        let Some(Value::Map(map)) = meta.get(ROLES_META) else {
            return Self::default();
        };
        let field = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_string);
        Self {
            class: field("class"),
            group: field("group"),
        }
    }

    /// The `meta.roles` value; `None` when no role is set.
    pub fn to_value(&self) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        let mut map = BTreeMap::new();
        if let Some(class) = &self.class {
            map.insert("class".to_string(), Value::from(class.as_str()));
        }
        if let Some(group) = &self.group {
            map.insert("group".to_string(), Value::from(group.as_str()));
        }
        Some(Value::Map(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_meta() {
        let roles = Roles::new("grade", "patient");
        let meta = BTreeMap::from([(ROLES_META.to_string(), roles.to_value().unwrap())]);
        assert_eq!(Roles::from_meta(&meta), roles);
        assert_eq!(Roles::from_meta(&BTreeMap::new()), Roles::default());
        assert!(Roles::default().to_value().is_none());
    }
}
