//! The parameters of a random-forest head, as a pipeline file states them.
//!
//! Defaults are scikit-learn's `RandomForestClassifier()`: 100 trees, gini, no depth
//! limit, `min_samples_split` 2, `min_samples_leaf` 1, `max_features='sqrt'` (drawn
//! anew at every split), bootstrap samples. Trees split on thresholds, which
//! standardization does not change, so it is off by default. Unknown keys are errors.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::learn::error::LearnError;

/// The most trees accepted: each is built and kept in memory, so an absurd count must be
/// an error, not an out-of-memory abort.
pub const MAX_ESTIMATORS: usize = 100_000;

/// How many features each split draws.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum MaxFeatures {
    /// `max(1, floor(sqrt(n_features)))`
    #[default]
    Sqrt,
    /// `max(1, floor(log2(n_features)))`
    Log2,
    /// Every feature (bagged trees without feature sampling).
    All,
    /// This many, at most `n_features`.
    Count(usize),
    /// `max(1, floor(f * n_features))`, `f` in `(0, 1]`.
    Fraction(f64),
}

impl MaxFeatures {
    /// The count for `n_features` features, as scikit-learn computes it.
    pub fn resolve(self, n_features: usize) -> Result<usize, LearnError> {
        let d = n_features as f64;
        let count = match self {
            MaxFeatures::Sqrt => d.sqrt() as usize,
            MaxFeatures::Log2 => d.log2() as usize,
            MaxFeatures::All => n_features,
            MaxFeatures::Fraction(f) => (f * d) as usize,
            MaxFeatures::Count(n) if (1..=n_features).contains(&n) => n,
            MaxFeatures::Count(n) => {
                return Err(LearnError::InvalidParameter {
                    name: "max_features",
                    found: format!("{n} (with {n_features} features)"),
                    expected: "a count from 1 to the number of features",
                });
            }
        };
        Ok(count.max(1))
    }
}

/// Everything that decides a forest besides its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForestConfig {
    /// Number of trees.
    pub n_estimators: usize,
    /// Deepest level a node may be at (the root is at 0); `None`: grow until pure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<usize>,
    /// Fewest samples (distinct training rows) a node needs to be split.
    pub min_samples_split: usize,
    /// Fewest samples each child of a split must keep.
    pub min_samples_leaf: usize,
    pub max_features: MaxFeatures,
    /// Each tree sees a bootstrap sample (n draws with replacement) of the rows.
    pub bootstrap: bool,
    /// Seeds every tree's bootstrap and feature draws (tree `t` on its own stream).
    pub seed: u64,
    /// Standardize each feature with the training split's mean and deviation.
    pub standardize: bool,
}

impl Default for ForestConfig {
    fn default() -> Self {
        Self {
            n_estimators: 100,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: MaxFeatures::Sqrt,
            bootstrap: true,
            seed: 0,
            standardize: false,
        }
    }
}

impl ForestConfig {
    pub fn validate(&self) -> Result<(), LearnError> {
        let invalid = |name, found: String, expected| {
            Err(LearnError::InvalidParameter {
                name,
                found,
                expected,
            })
        };
        if !(1..=MAX_ESTIMATORS).contains(&self.n_estimators) {
            return invalid(
                "n_estimators",
                self.n_estimators.to_string(),
                "an integer from 1 to 100000",
            );
        }
        if self.max_depth == Some(0) {
            return invalid(
                "max_depth",
                "0".into(),
                "at least 1, or absent for no limit",
            );
        }
        if self.min_samples_split < 2 {
            return invalid(
                "min_samples_split",
                self.min_samples_split.to_string(),
                "at least 2",
            );
        }
        if self.min_samples_leaf < 1 {
            return invalid("min_samples_leaf", "0".into(), "at least 1");
        }
        match self.max_features {
            MaxFeatures::Count(0) => invalid("max_features", "0".into(), "at least 1"),
            MaxFeatures::Fraction(f) if !(f > 0.0 && f <= 1.0) => invalid(
                "max_features",
                f.to_string(),
                "`sqrt`, `log2`, `all`, a count, or a fraction in (0, 1]",
            ),
            _ => Ok(()),
        }
    }
}

impl Serialize for MaxFeatures {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MaxFeatures::Sqrt => serializer.serialize_str("sqrt"),
            MaxFeatures::Log2 => serializer.serialize_str("log2"),
            MaxFeatures::All => serializer.serialize_str("all"),
            MaxFeatures::Count(n) => serializer.serialize_u64(*n as u64),
            MaxFeatures::Fraction(f) => serializer.serialize_f64(*f),
        }
    }
}

impl<'de> Deserialize<'de> for MaxFeatures {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MaxFeaturesVisitor;
        impl Visitor<'_> for MaxFeaturesVisitor {
            type Value = MaxFeatures;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`sqrt`, `log2`, `all`, a count, or a fraction in (0, 1]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MaxFeatures, E> {
                match v {
                    "sqrt" => Ok(MaxFeatures::Sqrt),
                    "log2" => Ok(MaxFeatures::Log2),
                    "all" => Ok(MaxFeatures::All),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<MaxFeatures, E> {
                usize::try_from(v)
                    .map(MaxFeatures::Count)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<MaxFeatures, E> {
                usize::try_from(v)
                    .map(MaxFeatures::Count)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<MaxFeatures, E> {
                Ok(MaxFeatures::Fraction(v))
            }
        }
        deserializer.deserialize_any(MaxFeaturesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_features_resolves_as_scikit_learn() {
        // (rule, n_features) -> count
        let table = [
            (MaxFeatures::Sqrt, 256, 16),
            (MaxFeatures::Sqrt, 2048, 45),
            (MaxFeatures::Sqrt, 3, 1),
            (MaxFeatures::Log2, 256, 8),
            (MaxFeatures::Log2, 1, 1),
            (MaxFeatures::All, 7, 7),
            (MaxFeatures::Count(5), 7, 5),
            (MaxFeatures::Fraction(0.5), 7, 3),
            (MaxFeatures::Fraction(0.01), 7, 1),
        ];
        for (rule, d, expected) in table {
            assert_eq!(rule.resolve(d), Ok(expected), "{rule:?} of {d}");
        }
        assert!(MaxFeatures::Count(8).resolve(7).is_err());
    }

    #[test]
    fn max_features_reads_rules_counts_and_fractions() {
        let table = [
            (r#""sqrt""#, Some(MaxFeatures::Sqrt)),
            (r#""log2""#, Some(MaxFeatures::Log2)),
            (r#""all""#, Some(MaxFeatures::All)),
            ("12", Some(MaxFeatures::Count(12))),
            ("0.25", Some(MaxFeatures::Fraction(0.25))),
            (r#""auto""#, None),
            ("-3", None),
        ];
        for (json, expected) in table {
            assert_eq!(
                serde_json::from_str::<MaxFeatures>(json).ok(),
                expected,
                "{json}"
            );
        }
    }

    #[test]
    fn invalid_configs_are_refused() {
        let bad = [
            ForestConfig {
                n_estimators: 0,
                ..ForestConfig::default()
            },
            ForestConfig {
                max_depth: Some(0),
                ..ForestConfig::default()
            },
            ForestConfig {
                min_samples_split: 1,
                ..ForestConfig::default()
            },
            ForestConfig {
                min_samples_leaf: 0,
                ..ForestConfig::default()
            },
            ForestConfig {
                max_features: MaxFeatures::Fraction(1.5),
                ..ForestConfig::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
        assert!(serde_json::from_str::<ForestConfig>(r#"{"trees": 10}"#).is_err());
    }
}
