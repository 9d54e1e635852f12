//! Scalar values as `records.csv` cells and `record.json` values, and back.
//!
//! Cells: integers in decimal; floats in their shortest round-trip form, always with a `.` or
//! an exponent (`3.0`, `0.1`, `1e-7`) so pandas reads a float column as floats; `true` /
//! `false`; strings as they are; lists and maps as compact JSON; a workspace file as its
//! root-relative path. An empty cell is a record without that field.
//!
//! Reading refuses NaN and infinities (they have no canonical form in a record) and maps
//! with `$`-keys (the manifest's reference tags: a program cannot forge a reference to a
//! cached object).

use std::collections::BTreeMap;

use super::field_kind::ScalarType;
use crate::dataset::Value;

/// The cell of a scalar value (`None` for null).
pub fn to_cell(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => float_text(*x),
        Value::Str(s) => s.clone(),
        Value::File(file) => file.path.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    })
}

/// A cell of a column of `ty` as it reads in a column of that type: an integer in a float
/// column is written as a float.
pub fn to_typed_cell(value: &Value, ty: ScalarType) -> Option<String> {
    match (value, ty) {
        (Value::Int(i), ScalarType::Float64) => Some(float_text(*i as f64)),
        (Value::Null, _) => None,
        (other, ScalarType::Json) if !matches!(other, Value::List(_) | Value::Map(_)) => {
            serde_json::to_string(other).ok()
        }
        (other, _) => to_cell(other),
    }
}

fn float_text(x: f64) -> String {
    // Debug is the shortest round-trip text and keeps `.0` on integral values.
    format!("{x:?}")
}

/// Reads a cell of a column of `ty`; `Ok(None)` for an empty cell.
pub fn from_cell(text: &str, ty: ScalarType) -> Result<Option<Value>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let value = match ty {
        ScalarType::Int64 => Value::Int(
            text.trim()
                .parse::<i64>()
                .map_err(|_| format!("expected an int64, found `{text}`"))?,
        ),
        ScalarType::Float64 => {
            let x: f64 = text
                .trim()
                .parse()
                .map_err(|_| format!("expected a float64, found `{text}`"))?;
            Value::float(x)
                .ok_or_else(|| format!("`{text}`: NaN and infinities are not allowed"))?
        }
        ScalarType::Bool => match text.trim() {
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            _ => return Err(format!("expected true or false, found `{text}`")),
        },
        ScalarType::Str | ScalarType::Path => Value::Str(text.to_string()),
        ScalarType::Json => {
            let json: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| format!("expected JSON text ({e}), found `{text}`"))?;
            from_json(json)?
        }
    };
    Ok(Some(value))
}

/// A `record.json` value: JSON as it is, a workspace file as its path.
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::File(file) => serde_json::Value::String(file.path.clone()),
        Value::List(items) => items.iter().map(to_json).collect(),
        Value::Map(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        other => serde_json::to_value(other).unwrap_or(serde_json::Value::Null),
    }
}

/// A value a program wrote (a `record.json` value, a JSON cell).
pub fn from_json(json: serde_json::Value) -> Result<Value, String> {
    Ok(match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(x)) if n.is_f64() => Value::float(x).ok_or("a non-finite number")?,
            _ => return Err(format!("the number {n} does not fit an int64")),
        },
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Array(items) => {
            Value::List(items.into_iter().map(from_json).collect::<Result<_, _>>()?)
        }
        serde_json::Value::Object(map) => {
            let mut out = BTreeMap::new();
            for (key, value) in map {
                if key.starts_with('$') {
                    return Err(format!("map keys may not start with `$` (found `{key}`)"));
                }
                out.insert(key, from_json(value)?);
            }
            Value::Map(out)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_by_type() {
        let cases: Vec<(Value, ScalarType, &str)> = vec![
            (Value::Int(-3), ScalarType::Int64, "-3"),
            (Value::Float(3.0), ScalarType::Float64, "3.0"),
            (Value::Float(0.1), ScalarType::Float64, "0.1"),
            (Value::Float(1e-7), ScalarType::Float64, "1e-7"),
            (Value::Bool(true), ScalarType::Bool, "true"),
            (Value::Str("II".into()), ScalarType::Str, "II"),
            (
                Value::List(vec![Value::Int(1), Value::Int(2)]),
                ScalarType::Json,
                "[1,2]",
            ),
        ];
        for (value, ty, text) in cases {
            assert_eq!(to_typed_cell(&value, ty).as_deref(), Some(text));
            assert_eq!(from_cell(text, ty), Ok(Some(value)), "{text}");
        }
        assert_eq!(
            to_typed_cell(&Value::Int(2), ScalarType::Float64).as_deref(),
            Some("2.0")
        );
        assert_eq!(from_cell("", ScalarType::Int64), Ok(None));
    }

    #[test]
    fn bad_cells_say_what_was_expected() {
        let cases = [
            ("1.5", ScalarType::Int64, "expected an int64, found `1.5`"),
            ("nan", ScalarType::Float64, "NaN and infinities"),
            ("inf", ScalarType::Float64, "NaN and infinities"),
            ("yes", ScalarType::Bool, "expected true or false"),
            (
                "{\"$blob\": \"00\"}",
                ScalarType::Json,
                "may not start with `$`",
            ),
        ];
        for (text, ty, expected) in cases {
            let error = from_cell(text, ty).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
