//! The parameters of an SVM head, as a pipeline file states them.
//!
//! Defaults are scikit-learn's `SVC()` (RBF kernel, C 1, gamma `scale`, tol 1e-3,
//! shrinking on, a 200 MB kernel cache), except that features are standardized on the
//! training split by default (scikit-learn's documentation asks for it; `gamma: scale`
//! only corrects the overall scale, not features of different scales). Unknown keys
//! are errors.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::learn::error::LearnError;

/// The largest kernel cache accepted, in MB: it is allocated as the solver runs, so an
/// absurd value must be refused before it exhausts memory.
pub const MAX_CACHE_MB: f64 = 65_536.0;

/// Which kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SvmKernel {
    /// `K(x, z) = x . z`
    Linear,
    /// `K(x, z) = exp(-gamma |x - z|^2)`
    #[default]
    Rbf,
}

/// The RBF kernel's `gamma`: a number, or a rule on the training features.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Gamma {
    /// `1 / (n_features * var(X))`, the variance over every entry of the (standardized)
    /// training matrix; 1 when that variance is 0 (scikit-learn's rule).
    #[default]
    Scale,
    /// `1 / n_features`.
    Auto,
    Value(f64),
}

/// Everything that decides an SVM fit besides its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SvmConfig {
    pub kernel: SvmKernel,
    /// Penalty of margin violations (scikit-learn's `C`).
    pub c: f64,
    /// Used by the RBF kernel only.
    pub gamma: Gamma,
    /// Stop when the maximal violating pair violates the optimality conditions by less
    /// than this (libsvm's `eps`).
    pub tol: f64,
    /// Set aside bounded variables that are unlikely to move (libsvm's `-h`): faster,
    /// same optimum up to `tol`.
    pub shrinking: bool,
    /// Kernel columns kept per pairwise problem, in MB.
    pub cache_size_mb: f64,
    /// Stop a pairwise problem after this many SMO iterations; `None`: libsvm's own
    /// bound, `max(10^7, 100 n)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_iter: Option<u64>,
    /// Standardize each feature with the training split's mean and deviation.
    pub standardize: bool,
}

impl Default for SvmConfig {
    fn default() -> Self {
        Self {
            kernel: SvmKernel::Rbf,
            c: 1.0,
            gamma: Gamma::Scale,
            tol: 1e-3,
            shrinking: true,
            cache_size_mb: 200.0,
            max_iter: None,
            standardize: true,
        }
    }
}

impl SvmConfig {
    pub fn validate(&self) -> Result<(), LearnError> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        let invalid = |name, found: f64, expected| {
            Err(LearnError::InvalidParameter {
                name,
                found: found.to_string(),
                expected,
            })
        };
        if !positive(self.c) {
            return invalid("c", self.c, "a finite number above 0");
        }
        if !positive(self.tol) {
            return invalid("tol", self.tol, "a finite number above 0");
        }
        if let Gamma::Value(gamma) = self.gamma
            && !positive(gamma)
        {
            return invalid("gamma", gamma, "`scale`, `auto` or a finite number above 0");
        }
        if !(positive(self.cache_size_mb) && self.cache_size_mb <= MAX_CACHE_MB) {
            return invalid(
                "cache_size_mb",
                self.cache_size_mb,
                "a number above 0 and at most 65536",
            );
        }
        if self.max_iter == Some(0) {
            return invalid("max_iter", 0.0, "at least 1");
        }
        Ok(())
    }
}

impl Serialize for Gamma {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Gamma::Scale => serializer.serialize_str("scale"),
            Gamma::Auto => serializer.serialize_str("auto"),
            Gamma::Value(v) => serializer.serialize_f64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for Gamma {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GammaVisitor;
        impl Visitor<'_> for GammaVisitor {
            type Value = Gamma;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`scale`, `auto` or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Gamma, E> {
                match v {
                    "scale" => Ok(Gamma::Scale),
                    "auto" => Ok(Gamma::Auto),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Gamma, E> {
                Ok(Gamma::Value(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Gamma, E> {
                Ok(Gamma::Value(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Gamma, E> {
                Ok(Gamma::Value(v as f64))
            }
        }
        deserializer.deserialize_any(GammaVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_reads_a_rule_or_a_number_and_refuses_anything_else() {
        let cases: [(&str, Option<Gamma>); 6] = [
            (r#""scale""#, Some(Gamma::Scale)),
            (r#""auto""#, Some(Gamma::Auto)),
            ("0.25", Some(Gamma::Value(0.25))),
            ("2", Some(Gamma::Value(2.0))),
            (r#""Scale""#, None),
            ("[1]", None),
        ];
        for (json, expected) in cases {
            let parsed: Result<Gamma, _> = serde_json::from_str(json);
            assert_eq!(parsed.ok(), expected, "{json}");
        }
        for gamma in [Gamma::Scale, Gamma::Auto, Gamma::Value(0.5)] {
            let json = serde_json::to_string(&gamma).unwrap();
            assert_eq!(serde_json::from_str::<Gamma>(&json).unwrap(), gamma);
        }
    }

    #[test]
    fn a_config_rejects_unknown_keys_and_invalid_values() {
        let parsed: Result<SvmConfig, _> = serde_json::from_str(r#"{"kernel": "rbf", "C": 1}"#);
        assert!(parsed.is_err());
        let parsed: SvmConfig =
            serde_json::from_str(r#"{"kernel": "linear", "gamma": "auto"}"#).unwrap();
        assert_eq!(
            (parsed.kernel, parsed.gamma),
            (SvmKernel::Linear, Gamma::Auto)
        );
        let bad = [
            SvmConfig {
                c: 0.0,
                ..SvmConfig::default()
            },
            SvmConfig {
                gamma: Gamma::Value(-1.0),
                ..SvmConfig::default()
            },
            SvmConfig {
                tol: f64::NAN,
                ..SvmConfig::default()
            },
            SvmConfig {
                cache_size_mb: 1e9,
                ..SvmConfig::default()
            },
            SvmConfig {
                max_iter: Some(0),
                ..SvmConfig::default()
            },
        ];
        for config in bad {
            assert!(
                matches!(config.validate(), Err(LearnError::InvalidParameter { .. })),
                "{config:?}"
            );
        }
    }
}
