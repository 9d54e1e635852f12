//! Comparing another lab's results with ours: exact for anything discrete (counts, labels,
//! ids, hashes), within `|a - b| <= atol + rtol * |reference|` for floats.

use std::collections::BTreeMap;

use serde_json::Value;

/// Float noise allowed between two labs (see the README's "Reproducing another lab's study").
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

/// How two results compare.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Same,
    /// Every float within tolerance; the largest relative difference seen.
    Within {
        max_rel: f64,
    },
    /// The first difference, for people.
    Differs(String),
}

impl Verdict {
    pub fn differs(&self) -> bool {
        matches!(self, Verdict::Differs(_))
    }
}

/// Compares `ours` with `reference` leaf by leaf (dotted paths).
pub fn compare(ours: &Value, reference: &Value, tolerance: Tolerance) -> Verdict {
    let mut a = BTreeMap::new();
    let mut b = BTreeMap::new();
    leaves("", ours, &mut a);
    leaves("", reference, &mut b);
    let mut max_rel: f64 = 0.0;
    let mut exact = true;
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let shown = if key.is_empty() { "value" } else { key };
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) if x == y => {}
            // Integers are counts: exact.
            (Some(Value::Number(x)), Some(Value::Number(y))) if x.is_f64() || y.is_f64() => {
                let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) else {
                    return Verdict::Differs(format!("{shown}: {x} vs reference {y}"));
                };
                let diff = (x - y).abs();
                if diff > tolerance.atol + tolerance.rtol * y.abs() {
                    return Verdict::Differs(format!("{shown}: {x} vs reference {y}"));
                }
                exact = false;
                if y != 0.0 {
                    max_rel = max_rel.max(diff / y.abs());
                }
            }
            (x, y) => {
                let show = |v: Option<&Value>| v.map_or("(none)".to_string(), Value::to_string);
                return Verdict::Differs(format!("{shown}: {} vs reference {}", show(x), show(y)));
            }
        }
    }
    if exact {
        Verdict::Same
    } else {
        Verdict::Within { max_rel }
    }
}

fn leaves(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(&join(k), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&join(&i.to_string()), v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_compare_within_tolerance_and_everything_else_exactly() {
        let tol = Tolerance {
            rtol: 1e-5,
            atol: 1e-8,
        };
        let cases = [
            (json!({"a": 1.0}), json!({"a": 1.0}), "same"),
            (json!({"a": 1.000001}), json!({"a": 1.0}), "within"),
            (json!({"a": 1e-9}), json!({"a": 0.0}), "within"),
            (json!({"a": 1.001}), json!({"a": 1.0}), "differs"),
            (json!({"n": 3}), json!({"n": 4}), "differs"),
            (json!({"n": 1000000}), json!({"n": 1000001}), "differs"),
            (json!({"label": "high"}), json!({"label": "low"}), "differs"),
            (json!({"a": [1.0, 2.0]}), json!({"a": [1.0]}), "differs"),
            (json!({}), json!({"a": 1}), "differs"),
        ];
        for (ours, reference, expected) in cases {
            let verdict = compare(&ours, &reference, tol);
            let word = match verdict {
                Verdict::Same => "same",
                Verdict::Within { .. } => "within",
                Verdict::Differs(_) => "differs",
            };
            assert_eq!(word, expected, "{ours} vs {reference}: {verdict:?}");
        }
    }
}
