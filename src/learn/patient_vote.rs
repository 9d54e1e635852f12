//! Patient-level accuracy: each patient's slices vote, the majority names the grade.
//!
//! Each slice votes for its most probable class (the lowest class on a tie). A patient
//! gets the class with most votes; a tie between classes goes to the tied class with
//! the highest mean probability over the patient's slices, and if that ties too, to the
//! lowest class. Patients are reported in ascending order of their ids.

use std::collections::BTreeMap;
use std::fmt::Display;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::error::LearnError;
use super::metrics::{ConfusionMatrix, Evaluation};
use super::softmax::argmax;

/// One patient's vote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientPrediction {
    pub patient: String,
    pub true_class: usize,
    pub predicted_class: usize,
    pub n_slices: usize,
    /// Slices voting for each class.
    pub votes: Vec<usize>,
    /// Mean probability of each class over the patient's slices.
    pub mean_probability: Vec<f64>,
}

/// Every patient's vote and the metrics over patients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientVote {
    pub patients: Vec<PatientPrediction>,
    pub evaluation: Evaluation,
}

/// Votes per patient: `groups[i]` is slice `i`'s patient, `truth[i]` its class and row
/// `i` of `probabilities` its predicted class probabilities (one column per class).
pub fn patient_vote<G: Ord + Display>(
    groups: &[G],
    truth: &[usize],
    probabilities: ArrayView2<'_, f64>,
) -> Result<PatientVote, LearnError> {
    let n_classes = probabilities.ncols();
    if n_classes < 2 {
        return Err(LearnError::ProbabilityShape {
            found: n_classes,
            expected: 2,
        });
    }
    for (what, found) in [
        ("groups", groups.len()),
        ("probabilities", probabilities.nrows()),
    ] {
        if found != truth.len() {
            return Err(LearnError::LengthMismatch {
                what,
                found,
                expected: truth.len(),
            });
        }
    }
    if truth.is_empty() {
        return Err(LearnError::Empty {
            what: "truth",
            unit: "slice",
        });
    }

    let mut tallies: BTreeMap<&G, Tally> = BTreeMap::new();
    for (slice, ((group, &class), row)) in groups
        .iter()
        .zip(truth)
        .zip(probabilities.rows())
        .enumerate()
    {
        if class >= n_classes {
            return Err(LearnError::ClassOutOfRange {
                sample: slice,
                found: class,
                n_classes,
            });
        }
        let row = row.to_vec();
        if let Some(&value) = row.iter().find(|p| !p.is_finite()) {
            return Err(LearnError::InvalidParameter {
                name: "probabilities",
                found: format!("{value} in row {slice}"),
                expected: "finite numbers",
            });
        }
        let tally = tallies
            .entry(group)
            .or_insert_with(|| Tally::new(class, n_classes));
        if tally.true_class != class {
            return Err(LearnError::MixedGroupClass {
                group: group.to_string(),
                first: tally.true_class,
                second: class,
            });
        }
        tally.add(&row);
    }

    let patients: Vec<PatientPrediction> = tallies
        .into_iter()
        .map(|(group, tally)| tally.decide(group.to_string()))
        .collect();
    let truth: Vec<usize> = patients.iter().map(|p| p.true_class).collect();
    let predicted: Vec<usize> = patients.iter().map(|p| p.predicted_class).collect();
    let evaluation =
        Evaluation::from_confusion(ConfusionMatrix::new(n_classes, &truth, &predicted)?);
    Ok(PatientVote {
        patients,
        evaluation,
    })
}

struct Tally {
    true_class: usize,
    votes: Vec<usize>,
    probability_sums: Vec<f64>,
    slices: usize,
}

impl Tally {
    fn new(true_class: usize, n_classes: usize) -> Self {
        Self {
            true_class,
            votes: vec![0; n_classes],
            probability_sums: vec![0.0; n_classes],
            slices: 0,
        }
    }

    fn add(&mut self, probabilities: &[f64]) {
        self.votes[argmax(probabilities)] += 1;
        for (sum, p) in self.probability_sums.iter_mut().zip(probabilities) {
            *sum += p;
        }
        self.slices += 1;
    }

    fn decide(self, patient: String) -> PatientPrediction {
        let mean_probability: Vec<f64> = self
            .probability_sums
            .iter()
            .map(|s| s / self.slices as f64)
            .collect();
        let most_votes = self.votes.iter().copied().max().unwrap_or(0);
        let mut predicted_class = 0;
        let mut best: Option<f64> = None;
        for (class, (&votes, &mean)) in self.votes.iter().zip(&mean_probability).enumerate() {
            // Strictly greater: the lowest class keeps a full tie.
            if votes == most_votes && best.is_none_or(|b| mean > b) {
                predicted_class = class;
                best = Some(mean);
            }
        }
        PatientPrediction {
            patient,
            true_class: self.true_class,
            predicted_class,
            n_slices: self.slices,
            votes: self.votes,
            mean_probability,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_majority_of_slices_names_the_patient_class() {
        let groups = ["A", "A", "A", "B", "B"];
        let truth = [1, 1, 1, 0, 0];
        let probabilities = array![
            [0.1, 0.8, 0.1],
            [0.6, 0.3, 0.1],
            [0.2, 0.7, 0.1],
            [0.1, 0.1, 0.8],
            [0.2, 0.1, 0.7],
        ];
        let vote = patient_vote(&groups, &truth, probabilities.view()).unwrap();
        assert_eq!(vote.patients[0].patient, "A");
        assert_eq!(vote.patients[0].votes, vec![1, 2, 0]);
        assert_eq!(vote.patients[0].predicted_class, 1);
        assert_eq!(vote.patients[1].predicted_class, 2);
        assert_eq!(vote.evaluation.accuracy, 0.5);
        assert_eq!(vote.evaluation.n_samples, 2);
    }

    #[test]
    fn a_tied_vote_goes_to_the_higher_mean_probability_then_the_lower_class() {
        // (rows, expected class)
        let cases = [
            // One vote each for 0 and 2; class 2's mean is higher.
            (array![[0.5, 0.1, 0.4], [0.1, 0.1, 0.8]], 2),
            // One vote each for 0 and 1 with equal means: the lower class.
            (array![[0.6, 0.4, 0.0], [0.4, 0.6, 0.0]], 0),
        ];
        for (probabilities, expected) in cases {
            let vote = patient_vote(&[7, 7], &[0, 0], probabilities.view()).unwrap();
            assert_eq!(
                vote.patients[0].predicted_class, expected,
                "{probabilities}"
            );
        }
    }

    #[test]
    fn inconsistent_inputs_are_refused() {
        let probabilities = array![[0.5, 0.5], [0.5, 0.5]];
        assert!(matches!(
            patient_vote(&["A", "A"], &[0, 1], probabilities.view()),
            Err(LearnError::MixedGroupClass { .. })
        ));
        assert!(matches!(
            patient_vote(&["A"], &[0, 1], probabilities.view()),
            Err(LearnError::LengthMismatch { what: "groups", .. })
        ));
        let nan = array![[f64::NAN, 0.5]];
        assert!(patient_vote(&["A"], &[0], nan.view()).is_err());
    }
}
