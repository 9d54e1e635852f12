//! The fitted model a head stage hands to `evaluate`, whichever head made it.
//!
//! Every head stage (`train_head`, `logistic_regression`, `svm`, `random_forest`) outputs
//! one record `head` of the same form: `model` (the fitted model, JSON blob), `split`
//! (`{by, train, validation, test}` slice ids, JSON blob), `classes`, `seed` and the slice
//! counts. The other heads add `kind`, their kind's name; a record without it comes from
//! `train_head`, whose output predates the other heads and keeps its key. `evaluate` reads
//! the model through [`FittedHead::read`] and so tests every head the same way.

use ndarray::{Array2, ArrayView2};

use crate::dataset::Record;
use crate::learn::{
    Classifier, Gamma, LearnError, LogisticRegression, MaxFeatures, RandomForest,
    SupportVectorMachine, SvmKernel, TrainedHead,
};
use crate::stage_api::{StageContext, StageError};

/// A fitted classifier of any head kind.
pub enum FittedHead {
    Softmax(TrainedHead),
    Logistic(LogisticRegression),
    Svm(SupportVectorMachine),
    Forest(RandomForest),
}

/// The record field naming the head kind (absent: `train_head`).
pub const KIND_FIELD: &str = "kind";

impl FittedHead {
    /// Reads the `model` blob of a head record, as its `kind` field says.
    pub fn read(ctx: &StageContext<'_>, record: &Record) -> Result<Self, StageError> {
        let kind = match record.get(KIND_FIELD) {
            Ok(_) => record.str(KIND_FIELD)?,
            Err(_) => "train_head",
        };
        let model = record.blob("model")?;
        Ok(match kind {
            "train_head" => Self::Softmax(ctx.read_json(model)?),
            "logistic_regression" => Self::Logistic(ctx.read_json(model)?),
            "svm" => Self::Svm(ctx.read_json(model)?),
            "random_forest" => Self::Forest(ctx.read_json(model)?),
            other => {
                return Err(StageError::invalid(format!(
                    "input `head` has kind `{other}`, expected one of train_head, \
                     logistic_regression, svm, random_forest"
                )));
            }
        })
    }

    /// The head in words, as a report names it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Softmax(_) => crate::report_page::SOFTMAX,
            Self::Logistic(_) => "logistic regression",
            Self::Svm(_) => "SVM",
            Self::Forest(_) => "random forest",
        }
    }

    /// The parameters that tell runs of one kind apart, in one line for a report.
    pub fn settings(&self) -> String {
        match self {
            Self::Softmax(head) => {
                let c = head.config();
                format!(
                    "batch {}, {} steps, learning rate {} to {}",
                    c.batch_size, c.steps, c.base_learning_rate, c.min_learning_rate
                )
            }
            Self::Logistic(model) => format!("L2, C {}", model.config().c),
            Self::Svm(model) => {
                let c = model.config();
                match c.kernel {
                    SvmKernel::Linear => format!("linear kernel, C {}", c.c),
                    SvmKernel::Rbf => {
                        let gamma = match c.gamma {
                            Gamma::Scale => "scale".to_string(),
                            Gamma::Auto => "auto".to_string(),
                            Gamma::Value(g) => g.to_string(),
                        };
                        format!("RBF kernel, C {}, gamma {gamma}", c.c)
                    }
                }
            }
            Self::Forest(model) => {
                let c = model.config();
                let depth = c
                    .max_depth
                    .map_or("unlimited".to_string(), |d| d.to_string());
                let features = match c.max_features {
                    MaxFeatures::Sqrt => "sqrt".to_string(),
                    MaxFeatures::Log2 => "log2".to_string(),
                    MaxFeatures::All => "all".to_string(),
                    MaxFeatures::Count(n) => n.to_string(),
                    MaxFeatures::Fraction(f) => f.to_string(),
                };
                format!(
                    "{} trees, depth {depth}, max features {features}",
                    c.n_estimators
                )
            }
        }
    }

    /// The softmax head, the only one with a training curve and learning rates.
    pub fn softmax(&self) -> Option<&TrainedHead> {
        match self {
            Self::Softmax(head) => Some(head),
            _ => None,
        }
    }

    pub fn predict_proba(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>, LearnError> {
        match self {
            Self::Softmax(head) => head.predict_proba(features),
            Self::Logistic(model) => model.predict_proba(features),
            Self::Svm(model) => model.predict_proba(features),
            Self::Forest(model) => model.predict_proba(features),
        }
    }

    /// The predicted class per row, by each head's own rule (the SVM's libsvm vote).
    pub fn predict(&self, features: ArrayView2<'_, f32>) -> Result<Vec<usize>, LearnError> {
        match self {
            Self::Softmax(head) => head.predict(features),
            Self::Logistic(model) => model.predict(features),
            Self::Svm(model) => model.predict(features),
            Self::Forest(model) => model.predict(features),
        }
    }
}
