//! Parameter sweeps: `matrix: {seed: [0, 1, 2], split.by: [slice, patient]}`.
//!
//! Each combination of values is one instance of the stage, labelled `seed=1,split.by=slice`
//! (axes sorted by name, values in the order written). A value list may be written as a range:
//! `"0..10"` (end excluded) or `"0..=9"`.

use std::collections::BTreeMap;

use serde_yaml::Value;

/// The axes of a sweep and their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matrix {
    axes: BTreeMap<String, Vec<Value>>,
}

/// One instance's values, by axis.
pub type Coordinates = BTreeMap<String, Value>;

impl Matrix {
    pub fn is_empty(&self) -> bool {
        self.axes.is_empty()
    }

    pub fn axes(&self) -> impl Iterator<Item = &str> {
        self.axes.keys().map(String::as_str)
    }

    /// Replaces or adds the axes of `other`.
    pub fn set(&mut self, other: Matrix) {
        self.axes.extend(other.axes);
    }

    /// Every combination, in order: the last axis varies fastest.
    pub fn combinations(&self) -> Vec<Coordinates> {
        let mut out = vec![Coordinates::new()];
        for (axis, values) in &self.axes {
            out = out
                .into_iter()
                .flat_map(|partial| {
                    values.iter().map(move |v| {
                        let mut next = partial.clone();
                        next.insert(axis.clone(), v.clone());
                        next
                    })
                })
                .collect();
        }
        out
    }
}

/// `seed=3,split.by=patient`.
pub fn label(coordinates: &Coordinates) -> String {
    coordinates
        .iter()
        .map(|(axis, value)| format!("{axis}={}", scalar_text(value)))
        .collect::<Vec<_>>()
        .join(",")
}

/// A YAML value written compactly on one line.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        other => serde_json::to_string(other).unwrap_or_else(|_| "?".into()),
    }
}

/// Parses `matrix:`; errors name the axis and say what was expected.
pub fn parse_matrix(doc: &BTreeMap<String, Value>) -> Result<Matrix, (String, String)> {
    let mut axes = BTreeMap::new();
    for (axis, value) in doc {
        let values = match value {
            Value::Sequence(items) => items.clone(),
            Value::String(range) => parse_range(range).ok_or_else(|| {
                (
                    axis.clone(),
                    format!("`{range}` is not a list or a range like `0..10` or `0..=9`"),
                )
            })?,
            _ => {
                return Err((
                    axis.clone(),
                    "expected a list of values or a range like `0..10`".into(),
                ));
            }
        };
        if values.is_empty() {
            return Err((
                axis.clone(),
                "a matrix axis needs at least one value".into(),
            ));
        }
        if let Some(v) = values
            .iter()
            .find(|v| matches!(v, Value::Mapping(_) | Value::Tagged(_)))
        {
            return Err((
                axis.clone(),
                format!(
                    "matrix values must be scalars or lists, found {}",
                    scalar_text(v)
                ),
            ));
        }
        let mut seen: Vec<String> = Vec::new();
        for v in &values {
            let text = scalar_text(v);
            if seen.contains(&text) {
                return Err((axis.clone(), format!("value `{text}` appears twice")));
            }
            seen.push(text);
        }
        axes.insert(axis.clone(), values);
    }
    Ok(Matrix { axes })
}

fn parse_range(text: &str) -> Option<Vec<Value>> {
    let (start, end, inclusive) = if let Some((a, b)) = text.split_once("..=") {
        (a, b, true)
    } else {
        let (a, b) = text.split_once("..")?;
        (a, b, false)
    };
    let start: i64 = start.trim().parse().ok()?;
    let end: i64 = end.trim().parse().ok()?;
    let end = if inclusive { end.checked_add(1)? } else { end };
    if end <= start || end - start > 100_000 {
        return None;
    }
    Some((start..end).map(Value::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> BTreeMap<String, Value> {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn combinations_are_the_cartesian_product() {
        let m = parse_matrix(&doc("{seed: [0, 1], by: [slice, patient]}")).unwrap();
        let labels: Vec<String> = m.combinations().iter().map(label).collect();
        assert_eq!(
            labels,
            [
                "by=slice,seed=0",
                "by=slice,seed=1",
                "by=patient,seed=0",
                "by=patient,seed=1"
            ]
        );
    }

    #[test]
    fn ranges_expand() {
        let m = parse_matrix(&doc("{seed: '0..3'}")).unwrap();
        assert_eq!(m.combinations().len(), 3);
        let m = parse_matrix(&doc("{seed: '1..=10'}")).unwrap();
        assert_eq!(m.combinations().len(), 10);
    }

    #[test]
    fn bad_axes_are_refused() {
        for yaml in [
            "{seed: []}",
            "{seed: 3}",
            "{seed: '5..1'}",
            "{seed: [1, 1]}",
            "{seed: [{a: 1}]}",
        ] {
            assert!(parse_matrix(&doc(yaml)).is_err(), "{yaml}");
        }
    }
}
