//! Which family of features a dataset holds ("CNN", "radiomics"), so that an evaluation, and
//! through it the report, can group runs by the features their head was trained on.
//!
//! A feature stage names its family in its output's meta `feature_family`; `evaluate` reads it
//! from its `features` input. A features dataset that names none (a `command` stage's, say)
//! is its own family, named after the stage that made it: runs on it still group together,
//! they just take no part in the CNN-versus-radiomics verdict.

use crate::dataset::Value;
use crate::stage_api::Upstream;

/// The dataset meta key a feature stage writes.
pub const META: &str = "feature_family";

/// The meta key naming the model that made CNN features and its precision (fp32, int8),
/// which the report states.
pub const MODEL_META: &str = "feature_model";

/// The `(key, value)` a feature stage of `family` adds to its output meta.
pub fn meta_entry(family: &str) -> (String, Value) {
    (META.to_string(), Value::from(family.to_string()))
}

/// The family of the features `upstream` holds: its meta's, else its stage's name.
pub fn family_of(upstream: &Upstream) -> String {
    upstream
        .dataset
        .meta()
        .get(META)
        .and_then(Value::as_str)
        .map_or_else(|| upstream.stage.clone(), str::to_string)
}

/// The model that made the features `upstream` holds, in words; empty when it names none
/// (radiomics, a command stage's features).
pub fn model_of(upstream: &Upstream) -> String {
    upstream
        .dataset
        .meta()
        .get(MODEL_META)
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::dataset::{Dataset, Record};
    use crate::digest::Digest;

    fn upstream(meta: BTreeMap<String, Value>) -> Upstream {
        Upstream {
            stage: "vectors".into(),
            label: String::new(),
            output: Digest::of(b"x"),
            dataset: Arc::new(Dataset::new(vec![Record::new("a")], meta).unwrap()),
        }
    }

    #[test]
    fn the_family_is_the_metas_else_the_stages_name() {
        let named = upstream(BTreeMap::from([meta_entry("radiomics")]));
        assert_eq!(family_of(&named), "radiomics");
        assert_eq!(family_of(&upstream(BTreeMap::new())), "vectors");
    }
}
