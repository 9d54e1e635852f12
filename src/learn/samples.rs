//! A validated view of labelled feature vectors: the input of training and evaluation.
//!
//! Invariants once built: one label per feature row, at least one row and one column,
//! at least two classes, every label below `n_classes`, every feature finite. Features
//! are rows of an `ndarray` matrix (row = sample, column = feature) in any memory
//! layout; training copies the rows it uses into its own contiguous buffer.

use ndarray::{ArrayView1, ArrayView2, Axis};

use super::error::LearnError;

/// Feature rows, their classes and the number of classes.
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a> {
    features: ArrayView2<'a, f32>,
    labels: &'a [usize],
    n_classes: usize,
}

impl<'a> Samples<'a> {
    /// Checks the invariants above; a non-finite feature is refused here because one
    /// NaN would silently poison every weight it touches.
    pub fn new(
        features: ArrayView2<'a, f32>,
        labels: &'a [usize],
        n_classes: usize,
    ) -> Result<Self, LearnError> {
        if n_classes < 2 {
            return Err(LearnError::TooFewClasses { found: n_classes });
        }
        if labels.len() != features.nrows() {
            return Err(LearnError::LengthMismatch {
                what: "labels",
                found: labels.len(),
                expected: features.nrows(),
            });
        }
        if features.nrows() == 0 {
            return Err(LearnError::Empty {
                what: "features",
                unit: "sample",
            });
        }
        if features.ncols() == 0 {
            return Err(LearnError::Empty {
                what: "features",
                unit: "column",
            });
        }
        if let Some((sample, &found)) = labels.iter().enumerate().find(|(_, c)| **c >= n_classes) {
            return Err(LearnError::ClassOutOfRange {
                sample,
                found,
                n_classes,
            });
        }
        check_finite(features)?;
        Ok(Self {
            features,
            labels,
            n_classes,
        })
    }

    pub fn features(&self) -> ArrayView2<'a, f32> {
        self.features
    }

    /// Row `sample` of the features; `sample` must be below `n_samples`.
    pub fn row(&self, sample: usize) -> ArrayView1<'a, f32> {
        self.features.index_axis_move(Axis(0), sample)
    }

    pub fn labels(&self) -> &'a [usize] {
        self.labels
    }

    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    pub fn n_samples(&self) -> usize {
        self.labels.len()
    }

    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }
}

/// The first non-finite feature, if any, as an error naming its place.
pub(crate) fn check_finite(features: ArrayView2<'_, f32>) -> Result<(), LearnError> {
    for (sample, row) in features.rows().into_iter().enumerate() {
        if let Some((column, &value)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(LearnError::NonFiniteFeature {
                sample,
                column,
                value,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn valid_samples_are_accepted_in_any_layout() {
        let features = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let transposed = features.t();
        let samples = Samples::new(features.view(), &[0, 1, 0], 2).unwrap();
        assert_eq!((samples.n_samples(), samples.n_features()), (3, 2));
        assert!(Samples::new(transposed, &[0, 1], 2).is_ok());
    }

    #[test]
    fn invalid_samples_are_refused_with_the_offending_value() {
        let features = array![[1.0f32, 2.0], [3.0, f32::NAN]];
        let cases: [(&[usize], usize, &str); 4] = [
            (&[0, 1], 1, "`n_classes` is 1, expected at least 2"),
            (
                &[0],
                2,
                "`labels` has 1 entries, expected 2 (one per sample)",
            ),
            (
                &[0, 3],
                3,
                "sample 1 has class 3, expected a class below `n_classes` = 3",
            ),
            (
                &[0, 1],
                2,
                "feature 1 of sample 1 is NaN, expected a finite number",
            ),
        ];
        for (labels, n_classes, message) in cases {
            let error = Samples::new(features.view(), labels, n_classes).unwrap_err();
            assert_eq!(error.to_string(), message);
        }
        let empty = ndarray::Array2::<f32>::zeros((0, 4));
        assert!(matches!(
            Samples::new(empty.view(), &[], 2),
            Err(LearnError::Empty { .. })
        ));
    }
}
