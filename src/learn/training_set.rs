//! The rows a classifier head is fitted on, checked and copied out of [`Samples`].
//!
//! Invariants once built: at least one row; every row index below `n_samples`; every
//! class in `0..n_classes` has at least one row (a head cannot learn, and so cannot
//! predict, a class it never sees: that is an error naming the class, not a model with
//! a dead output); the standardization, when asked for, is fitted on these rows only.
//! Values are `f64`, row-major and contiguous, as the logistic regression and the SVM
//! compute in double precision (as scikit-learn and libsvm do).

use ndarray::{Array2, ArrayView2};

use super::error::LearnError;
use super::samples::{Samples, check_finite};
use super::standardize::Standardization;

/// Training rows in `f64`, their classes and the fitted standardization.
pub(crate) struct TrainingSet {
    /// One row per training sample, standardized when `standardization` is set.
    pub x: Array2<f64>,
    /// Class per row.
    pub y: Vec<usize>,
    pub n_classes: usize,
    pub standardization: Option<Standardization>,
}

impl TrainingSet {
    /// Copies `rows` of `samples`, standardized with their own statistics when
    /// `standardize` is set.
    pub fn gather(
        samples: &Samples<'_>,
        rows: &[usize],
        standardize: bool,
    ) -> Result<Self, LearnError> {
        check_training_rows(samples, rows)?;
        let standardization = standardize.then(|| {
            Standardization::fit(rows.iter().map(|&i| samples.row(i)), samples.n_features())
        });
        let d = samples.n_features();
        let mut x = Array2::zeros((rows.len(), d));
        for (&i, mut out) in rows.iter().zip(x.rows_mut()) {
            let out = out
                .as_slice_mut()
                .expect("a freshly allocated array is contiguous");
            let row = samples.row(i);
            match &standardization {
                Some(s) => s.apply_f64(row, out),
                None => out
                    .iter_mut()
                    .zip(row.iter())
                    .for_each(|(o, &v)| *o = f64::from(v)),
            }
        }
        Ok(Self {
            x,
            y: rows.iter().map(|&i| samples.labels()[i]).collect(),
            n_classes: samples.n_classes(),
            standardization,
        })
    }
}

/// Checks that `rows` is a non-empty list of valid indices holding every class.
pub(crate) fn check_training_rows(samples: &Samples<'_>, rows: &[usize]) -> Result<(), LearnError> {
    if rows.is_empty() {
        return Err(LearnError::Empty {
            what: "training rows",
            unit: "sample",
        });
    }
    let mut counts = vec![0usize; samples.n_classes()];
    for &i in rows {
        if i >= samples.n_samples() {
            return Err(LearnError::IndexOutOfRange {
                set: "train",
                index: i,
                n_samples: samples.n_samples(),
            });
        }
        counts[samples.labels()[i]] += 1;
    }
    match counts.iter().position(|&c| c == 0) {
        Some(class) => Err(LearnError::ClassAbsentFromTraining {
            class,
            n_classes: samples.n_classes(),
            n_rows: rows.len(),
        }),
        None => Ok(()),
    }
}

/// Features to predict on, checked against the model and copied to `f64` through the
/// model's standardization: the exact transform its training rows went through.
pub(crate) fn prediction_rows(
    features: ArrayView2<'_, f32>,
    n_features: usize,
    standardization: Option<&Standardization>,
) -> Result<Array2<f64>, LearnError> {
    if features.ncols() != n_features {
        return Err(LearnError::FeatureCountMismatch {
            found: features.ncols(),
            expected: n_features,
        });
    }
    check_finite(features)?;
    let mut x = Array2::zeros((features.nrows(), n_features));
    for (row, mut out) in features.rows().into_iter().zip(x.rows_mut()) {
        let out = out
            .as_slice_mut()
            .expect("a freshly allocated array is contiguous");
        match standardization {
            Some(s) => s.apply_f64(row, out),
            None => out
                .iter_mut()
                .zip(row.iter())
                .for_each(|(o, &v)| *o = f64::from(v)),
        }
    }
    Ok(x)
}

/// Checks a stored standardization against the model's feature count.
pub(crate) fn check_standardization(
    standardization: Option<&Standardization>,
    n_features: usize,
) -> Result<(), LearnError> {
    if let Some(s) = standardization {
        for (what, found) in [
            ("standardization.mean", s.mean.len()),
            ("standardization.scale", s.scale.len()),
        ] {
            if found != n_features {
                return Err(LearnError::CorruptModel {
                    what,
                    found,
                    expected: n_features,
                });
            }
        }
    }
    Ok(())
}
