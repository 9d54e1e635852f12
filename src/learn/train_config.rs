//! The parameters of one head training, as a pipeline file states them.
//!
//! Defaults are the study's: batch 100, 10,000 steps, learning rate decaying
//! exponentially from 0.1 to 0.001, no weight decay, raw (unstandardized) features,
//! zero initial weights. Unknown keys are errors, so a misspelt parameter cannot be
//! silently ignored.

use serde::{Deserialize, Serialize};

use super::error::LearnError;

/// The largest batch accepted: the batch buffer is allocated up front, so an absurd
/// value must be an error, not an out-of-memory abort.
pub const MAX_BATCH_SIZE: usize = 1 << 20;

/// How the weights start. Softmax regression is convex, so zeros lose nothing and make
/// the result independent of an initialization draw; a small normal draw is offered
/// for comparison with TensorFlow's retraining script (stddev 0.001).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WeightInit {
    #[default]
    Zeros,
    /// Independent normal draws with this standard deviation; biases start at zero.
    Normal { std: f64 },
}

/// Everything that decides a training besides its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Samples per step (the study: 100).
    pub batch_size: usize,
    /// Number of SGD updates (the study: 10,000).
    pub steps: usize,
    /// Learning rate of step 0 (BLR, the study: 0.1).
    pub base_learning_rate: f64,
    /// Learning rate the decay tends to at step `steps` (MLR, the study: 0.001).
    pub min_learning_rate: f64,
    /// L2 penalty `weight_decay / 2 * |W|^2` added to the mean loss; biases are not
    /// penalized.
    pub weight_decay: f64,
    /// Standardize each feature with the training split's mean and standard deviation.
    pub standardize: bool,
    pub init: WeightInit,
    /// Record a curve point (validation accuracy and loss) every this many steps, and
    /// after the last step.
    pub eval_every: usize,
    /// Seeds the batch order and a random initialization.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            batch_size: 100,
            steps: 10_000,
            base_learning_rate: 0.1,
            min_learning_rate: 0.001,
            weight_decay: 0.0,
            standardize: false,
            init: WeightInit::Zeros,
            eval_every: 100,
            seed: 0,
        }
    }
}

impl TrainConfig {
    /// The learning rate of step `i` (0-based):
    /// `LR_i = BLR * exp(-i * ln(BLR / MLR) / STEPS)`, so `LR_0 = BLR` and the rate
    /// would reach `MLR` at `i = STEPS`.
    pub fn learning_rate(&self, step: usize) -> f64 {
        let decay = (self.base_learning_rate / self.min_learning_rate).ln();
        self.base_learning_rate * (-(step as f64) * decay / self.steps as f64).exp()
    }

    /// Refuses values that cannot train or would allocate without bound.
    pub fn validate(&self) -> Result<(), LearnError> {
        let invalid = |name, found: String, expected| {
            Err(LearnError::InvalidParameter {
                name,
                found,
                expected,
            })
        };
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return invalid(
                "batch_size",
                self.batch_size.to_string(),
                "an integer from 1 to 1048576",
            );
        }
        if self.steps == 0 {
            return invalid("steps", "0".into(), "at least 1");
        }
        if self.eval_every == 0 {
            return invalid("eval_every", "0".into(), "at least 1");
        }
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(self.base_learning_rate) {
            return invalid(
                "base_learning_rate",
                self.base_learning_rate.to_string(),
                "a finite number above 0",
            );
        }
        if !positive(self.min_learning_rate) || self.min_learning_rate > self.base_learning_rate {
            return invalid(
                "min_learning_rate",
                self.min_learning_rate.to_string(),
                "a finite number above 0 and at most `base_learning_rate`",
            );
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return invalid(
                "weight_decay",
                self.weight_decay.to_string(),
                "a finite number of at least 0",
            );
        }
        if let WeightInit::Normal { std } = self.init
            && !(std.is_finite() && std >= 0.0)
        {
            return invalid(
                "init.normal.std",
                std.to_string(),
                "a finite number of at least 0",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_learning_rate_decays_from_blr_towards_mlr() {
        let config = TrainConfig::default();
        assert_eq!(config.learning_rate(0), 0.1);
        assert!((config.learning_rate(5_000) - 0.01).abs() < 1e-12);
        assert!((config.learning_rate(9_999) - 0.001_000_46).abs() < 1e-8);
        assert!((config.learning_rate(10_000) - 0.001).abs() < 1e-15);
    }

    #[test]
    fn a_config_reads_partial_yaml_like_json_and_rejects_unknown_keys() {
        let config: TrainConfig =
            serde_json::from_str(r#"{"steps": 500, "init": {"normal": {"std": 0.001}}}"#).unwrap();
        assert_eq!(config.steps, 500);
        assert_eq!(config.batch_size, 100);
        assert_eq!(config.init, WeightInit::Normal { std: 0.001 });
        let zeros: TrainConfig = serde_json::from_str(r#"{"init": "zeros"}"#).unwrap();
        assert_eq!(zeros.init, WeightInit::Zeros);
        assert!(serde_json::from_str::<TrainConfig>(r#"{"step": 500}"#).is_err());
    }

    #[test]
    fn invalid_configs_name_the_parameter() {
        let cases = [
            (
                TrainConfig {
                    batch_size: 0,
                    ..TrainConfig::default()
                },
                "batch_size",
            ),
            (
                TrainConfig {
                    steps: 0,
                    ..TrainConfig::default()
                },
                "steps",
            ),
            (
                TrainConfig {
                    eval_every: 0,
                    ..TrainConfig::default()
                },
                "eval_every",
            ),
            (
                TrainConfig {
                    base_learning_rate: f64::INFINITY,
                    ..TrainConfig::default()
                },
                "base_learning_rate",
            ),
            (
                TrainConfig {
                    min_learning_rate: 0.5,
                    ..TrainConfig::default()
                },
                "min_learning_rate",
            ),
            (
                TrainConfig {
                    weight_decay: -1.0,
                    ..TrainConfig::default()
                },
                "weight_decay",
            ),
            (
                TrainConfig {
                    init: WeightInit::Normal { std: f64::NAN },
                    ..TrainConfig::default()
                },
                "init.normal.std",
            ),
        ];
        for (config, name) in cases {
            match config.validate() {
                Err(LearnError::InvalidParameter { name: found, .. }) => assert_eq!(found, name),
                other => panic!("expected `{name}` to be refused, got {other:?}"),
            }
        }
        assert!(TrainConfig::default().validate().is_ok());
    }
}
