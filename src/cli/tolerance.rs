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

impl Tolerance {
    /// numpy's `isclose` rule, `reference` being the second argument: `|a - b| <= atol +
    /// rtol * |b|`. Two NaNs agree (a lab that computed NaN where we did is reproducing us).
    pub fn allows(self, ours: f64, reference: f64) -> bool {
        if ours.is_nan() || reference.is_nan() {
            return ours.is_nan() && reference.is_nan();
        }
        ours == reference || (ours - reference).abs() <= self.atol + self.rtol * reference.abs()
    }
}

/// Element-wise comparison of many floats (a stage's arrays and float columns): how many
/// were compared, how many lie beyond tolerance, the largest differences, and where the
/// first one beyond is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FloatTally {
    pub compared: usize,
    pub beyond: usize,
    /// Values that differ at all (within tolerance or not).
    pub unequal: usize,
    pub max_abs: f64,
    /// Over reference values that are not zero.
    pub max_rel: f64,
    /// The first value beyond tolerance: (record id, field).
    pub first_beyond: Option<(String, String)>,
}

impl FloatTally {
    /// Adds one pair; `at` names the record and field for the first one beyond tolerance.
    pub fn add(
        &mut self,
        ours: f64,
        reference: f64,
        tolerance: Tolerance,
        at: impl FnOnce() -> (String, String),
    ) {
        self.compared += 1;
        if ours == reference || (ours.is_nan() && reference.is_nan()) {
            return;
        }
        self.unequal += 1;
        let diff = (ours - reference).abs();
        if diff.is_finite() {
            self.max_abs = self.max_abs.max(diff);
            if reference != 0.0 && reference.is_finite() {
                self.max_rel = self.max_rel.max(diff / reference.abs());
            }
        }
        if !tolerance.allows(ours, reference) {
            self.beyond += 1;
            if self.first_beyond.is_none() {
                self.first_beyond = Some(at());
            }
        }
    }
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
                if !tolerance.allows(x, y) {
                    return Verdict::Differs(format!("{shown}: {x} vs reference {y}"));
                }
                exact = false;
                if y != 0.0 {
                    max_rel = max_rel.max((x - y).abs() / y.abs());
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

    #[test]
    fn the_tolerance_rule_is_numpys_isclose() {
        let tol = Tolerance {
            rtol: 1e-5,
            atol: 1e-8,
        };
        // Expected values from numpy.isclose(a, b, rtol=1e-5, atol=1e-8) (b the reference).
        let cases = [
            (1.0, 1.0, true),
            (1.0 + 1e-6, 1.0, true),
            (1.0 + 2e-5, 1.0, false),
            (1e-9, 0.0, true),
            (1e-7, 0.0, false),
            (100.0, 100.001, true),
            (100.0, 100.01, false),
            (f64::NAN, f64::NAN, true),
            (f64::NAN, 1.0, false),
            (f64::INFINITY, f64::INFINITY, true),
            (f64::INFINITY, 1.0, false),
        ];
        for (a, b, expected) in cases {
            assert_eq!(tol.allows(a, b), expected, "{a} vs {b}");
        }
    }

    #[test]
    fn a_tally_counts_values_beyond_tolerance_and_names_the_first() {
        let tol = Tolerance {
            rtol: 1e-5,
            atol: 0.0,
        };
        let mut tally = FloatTally::default();
        let pairs = [(1.0, 1.0), (2.000001, 2.0), (3.1, 3.0), (4.0, 4.2)];
        for (i, (a, b)) in pairs.into_iter().enumerate() {
            tally.add(a, b, tol, || (format!("r{i}"), "x".into()));
        }
        assert_eq!((tally.compared, tally.unequal, tally.beyond), (4, 3, 2));
        assert_eq!(tally.first_beyond, Some(("r2".into(), "x".into())));
        assert!((tally.max_abs - 0.2).abs() < 1e-12);
        assert!((tally.max_rel - 0.2 / 4.2).abs() < 1e-12);
    }
}
