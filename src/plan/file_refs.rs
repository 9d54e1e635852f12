//! File parameters that name another stage's output (`{from: STAGE, file: NAME}`, see
//! [`crate::stage_api::FileParam`]): found in a stage's `with`, they become inputs of the
//! stage, so the plan orders, keys and sweeps them like any other input.

use serde_yaml::{Mapping, Value};

/// One `{from, file}` parameter: its dotted path below `with`, and the stage it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    pub param: String,
    pub stage: String,
}

/// Every `{from: STAGE, file: ...}` mapping in `with`, at any depth of nested mappings, in
/// key order. A mapping is one when it has a string `from` and a `file` key; the kind's own
/// parameter types check the rest.
pub fn file_refs(with: &Mapping) -> Vec<FileRef> {
    let mut refs = Vec::new();
    collect(with, "", &mut refs);
    refs
}

fn collect(map: &Mapping, prefix: &str, refs: &mut Vec<FileRef>) {
    for (key, value) in map {
        let Some(key) = key.as_str() else { continue };
        let Value::Mapping(inner) = value else {
            continue;
        };
        let path = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        match (inner.get("from").and_then(Value::as_str), inner.get("file")) {
            (Some(stage), Some(_)) => refs.push(FileRef {
                param: path,
                stage: stage.to_string(),
            }),
            _ => collect(inner, &path, refs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(yaml: &str) -> Vec<(String, String)> {
        let with: Mapping = serde_yaml::from_str(yaml).unwrap();
        file_refs(&with)
            .into_iter()
            .map(|r| (r.param, r.stage))
            .collect()
    }

    #[test]
    fn from_file_mappings_are_found_at_any_depth_and_nothing_else_is() {
        assert_eq!(
            refs("model: {from: quantize, file: model.onnx}\nscale: 1\n"),
            [("model".to_string(), "quantize".to_string())]
        );
        assert_eq!(
            refs("net: {weights: {from: train, file: w.bin}}\nclinical: c.csv\n"),
            [("net.weights".to_string(), "train".to_string())]
        );
        assert!(refs("model: models/m.onnx\nsplit: {by: patient}\n").is_empty());
        assert!(
            refs("x: {from: a}\n").is_empty(),
            "`file` is part of the form"
        );
    }
}
