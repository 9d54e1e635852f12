//! `--set STAGE.PARAM=VALUE`: one-run parameter overrides.
//!
//! The value is read as YAML (`5000`, `0.1`, `[299, 299]`, `patient`). `STAGE.matrix.KEY=[..]`
//! replaces a sweep. Overrides apply to every instance of a swept stage.

use serde_yaml::Value;

/// One parsed `--set`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub stage: String,
    /// The parameter path below `with` (or `matrix`, when `in_matrix`).
    pub path: Vec<String>,
    pub in_matrix: bool,
    pub value: Value,
    /// As typed, for messages and run records.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("`--set {0}`: expected STAGE.PARAM=VALUE, e.g. `--set head.steps=5000`")]
    Shape(String),
    #[error("`--set {text}`: the value is not valid YAML: {reason}")]
    Value { text: String, reason: String },
}

impl Override {
    pub fn parse(text: &str) -> Result<Self, OverrideError> {
        let shape = || OverrideError::Shape(text.to_string());
        let (target, value) = text.split_once('=').ok_or_else(shape)?;
        let mut parts = target.trim().split('.').map(str::to_string);
        let stage = parts.next().filter(|s| !s.is_empty()).ok_or_else(shape)?;
        let mut path: Vec<String> = parts.collect();
        if path.is_empty() || path.iter().any(String::is_empty) {
            return Err(shape());
        }
        let in_matrix = path[0] == "matrix" && path.len() == 2;
        if in_matrix || path[0] == "with" && path.len() > 1 {
            path.remove(0);
        }
        let value = serde_yaml::from_str(value).map_err(|e| OverrideError::Value {
            text: text.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            stage,
            path,
            in_matrix,
            value,
            text: text.to_string(),
        })
    }

    /// `head.steps`, the way errors name it.
    pub fn target(&self) -> String {
        let prefix = if self.in_matrix { "matrix." } else { "" };
        format!("{}.{prefix}{}", self.stage, self.path.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_as_yaml_values() {
        let o = Override::parse("head.steps=5000").unwrap();
        assert_eq!(
            (o.stage.as_str(), o.path.clone(), o.value),
            ("head", vec!["steps".to_string()], Value::from(5000))
        );
        let o = Override::parse("resize.size=[64, 64]").unwrap();
        assert_eq!(o.value, serde_yaml::from_str::<Value>("[64, 64]").unwrap());
        let o = Override::parse("head.matrix.seed=[1,2]").unwrap();
        assert!(o.in_matrix);
        assert_eq!(o.target(), "head.matrix.seed");
        let o = Override::parse("head.with.split.by=patient").unwrap();
        assert_eq!(o.path, ["split", "by"]);
    }

    #[test]
    fn malformed_overrides_say_how_to_write_one() {
        for text in ["head", "head=3", ".steps=3", "head..x=1"] {
            let err = Override::parse(text).unwrap_err();
            assert!(
                err.to_string().contains("expected STAGE.PARAM=VALUE"),
                "{text}: {err}"
            );
        }
    }
}
