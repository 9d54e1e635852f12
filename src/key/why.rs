//! Why a key changed: the first component that differs between the key a stage last ran with
//! and the key it has now, worded for `radflow status` and `run`.

use std::fmt;

use super::stage_key::StageKey;

/// The first differing key component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Kind {
        from: String,
        to: String,
    },
    Version {
        kind: String,
        from: u32,
        to: u32,
    },
    /// A run-time library (or radflow itself, where an output embeds its version); `None`
    /// when the fact is absent on that side.
    Runtime {
        name: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// A parameter, by dotted path; `None` when absent on that side.
    Param {
        path: String,
        from: Option<String>,
        to: Option<String>,
    },
    File {
        path: String,
        what: FileChange,
        others: usize,
    },
    Input {
        port: String,
    },
    Env {
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    Changed,
    Added,
    Removed,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Kind { from, to } => write!(f, "kind changed `{from}` -> `{to}`"),
            Change::Version { kind, from, to } => {
                write!(
                    f,
                    "implementation of `{kind}` changed (version {from} -> {to})"
                )
            }
            Change::Runtime { name, from, to } => write!(
                f,
                "{name} {} -> {}",
                from.as_deref().unwrap_or("(none)"),
                to.as_deref().unwrap_or("(none)")
            ),
            Change::Param {
                path,
                from: Some(a),
                to: Some(b),
            } => write!(f, "parameter {path} changed {a} -> {b}"),
            Change::Param {
                path,
                from: None,
                to: Some(b),
            } => write!(f, "parameter {path} set to {b}"),
            Change::Param {
                path,
                from: Some(a),
                to: None,
            } => write!(f, "parameter {path} removed (was {a})"),
            Change::Param { path, .. } => write!(f, "parameter {path} changed"),
            Change::File { path, what, others } => {
                let verb = match what {
                    FileChange::Changed => "changed",
                    FileChange::Added => "is new",
                    FileChange::Removed => "was removed",
                };
                write!(f, "file {path} {verb}")?;
                if *others > 0 {
                    write!(f, " (and {others} more)")?;
                }
                Ok(())
            }
            Change::Input { port } => write!(f, "input {port} changed"),
            Change::Env { name } => write!(f, "environment variable {name} changed"),
        }
    }
}

/// The first component, in key order, that differs; `None` when the keys are equal.
pub fn first_change(old: &StageKey, new: &StageKey) -> Option<Change> {
    if old.kind != new.kind {
        return Some(Change::Kind {
            from: old.kind.clone(),
            to: new.kind.clone(),
        });
    }
    if old.version != new.version || old.format != new.format {
        return Some(Change::Version {
            kind: new.kind.clone(),
            from: old.version,
            to: new.version,
        });
    }
    if old.runtime != new.runtime {
        let mut names: Vec<&String> = old.runtime.keys().chain(new.runtime.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let (from, to) = (old.runtime.get(name), new.runtime.get(name));
            if from != to {
                return Some(Change::Runtime {
                    name: name.clone(),
                    from: from.cloned(),
                    to: to.cloned(),
                });
            }
        }
    }
    if old.params != new.params {
        let mut path = Vec::new();
        let (from, to) =
            first_param_difference(&old.params, &new.params, &mut path).unwrap_or((None, None));
        return Some(Change::Param {
            path: path.join("."),
            from,
            to,
        });
    }
    let mut file_changes = Vec::new();
    for (path, digest) in &new.files {
        match old.files.get(path) {
            None => file_changes.push((path, FileChange::Added)),
            Some(old_digest) if old_digest != digest => {
                file_changes.push((path, FileChange::Changed))
            }
            _ => {}
        }
    }
    for path in old.files.keys().filter(|p| !new.files.contains_key(*p)) {
        file_changes.push((path, FileChange::Removed));
    }
    if let Some((path, what)) = file_changes.first() {
        return Some(Change::File {
            path: path.to_string(),
            what: *what,
            others: file_changes.len() - 1,
        });
    }
    for (port, inputs) in &new.inputs {
        if old.inputs.get(port) != Some(inputs) {
            return Some(Change::Input { port: port.clone() });
        }
    }
    if let Some(port) = old.inputs.keys().find(|p| !new.inputs.contains_key(*p)) {
        return Some(Change::Input { port: port.clone() });
    }
    for (name, value) in &new.env {
        if old.env.get(name) != Some(value) {
            return Some(Change::Env { name: name.clone() });
        }
    }
    None
}

type Side = Option<String>;

fn first_param_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: &mut Vec<String>,
) -> Option<(Side, Side)> {
    use serde_json::Value::Object;
    match (a, b) {
        (Object(x), Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) if u == v => continue,
                    (Some(u), Some(v)) => {
                        path.push(key.clone());
                        return first_param_difference(u, v, path);
                    }
                    (u, v) => {
                        path.push(key.clone());
                        return Some((u.map(show), v.map(show)));
                    }
                }
            }
            None
        }
        _ if a == b => None,
        _ => Some((Some(show(a)), Some(show(b)))),
    }
}

fn show(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::digest::Digest;
    use crate::key::{InputKey, KEY_FORMAT};

    fn key(params: serde_json::Value) -> StageKey {
        StageKey {
            format: KEY_FORMAT,
            kind: "train_head".into(),
            version: 1,
            runtime: BTreeMap::new(),
            params,
            inputs: BTreeMap::from([(
                "features".into(),
                vec![InputKey {
                    label: String::new(),
                    output: Digest::of(b"f"),
                }],
            )]),
            files: BTreeMap::from([("data/a.nrrd".into(), Digest::of(b"a"))]),
            env: BTreeMap::new(),
        }
    }

    #[test]
    fn a_changed_parameter_names_its_path_and_values() {
        let old = key(serde_json::json!({"steps": 10000, "split": {"by": "slice"}}));
        let new = key(serde_json::json!({"steps": 5000, "split": {"by": "slice"}}));
        assert_eq!(
            first_change(&old, &new).unwrap().to_string(),
            "parameter steps changed 10000 -> 5000"
        );
        let new = key(serde_json::json!({"steps": 10000, "split": {"by": "patient"}}));
        assert_eq!(
            first_change(&old, &new).unwrap().to_string(),
            "parameter split.by changed slice -> patient"
        );
    }

    #[test]
    fn a_changed_file_is_named() {
        let old = key(serde_json::json!({}));
        let mut new = old.clone();
        new.files.insert("data/a.nrrd".into(), Digest::of(b"b"));
        assert_eq!(
            first_change(&old, &new).unwrap().to_string(),
            "file data/a.nrrd changed"
        );
        assert_eq!(first_change(&old, &old), None);
    }

    #[test]
    fn a_changed_runtime_names_both_versions() {
        let mut old = key(serde_json::json!({}));
        old.runtime.insert("onnx runtime".into(), "1.31.1".into());
        let mut new = old.clone();
        new.runtime.insert("onnx runtime".into(), "1.32.0".into());
        assert_eq!(
            first_change(&old, &new).unwrap().to_string(),
            "onnx runtime 1.31.1 -> 1.32.0"
        );
    }

    #[test]
    fn a_changed_input_is_named() {
        let old = key(serde_json::json!({}));
        let mut new = old.clone();
        new.inputs.get_mut("features").unwrap()[0].output = Digest::of(b"g");
        assert_eq!(
            first_change(&old, &new).unwrap().to_string(),
            "input features changed"
        );
    }
}
