//! Assigning samples to training, validation and test sets, stratified by class.
//!
//! Two modes. [`SplitMode::BySlice`] is the study's: every sample (slice) is placed on
//! its own, so one patient's slices land in several sets and test accuracy is
//! optimistic. [`SplitMode::ByPatient`] is the honest measure the study asks for: whole
//! groups (patients) are placed, so no group is in two sets; since one patient has one
//! grade, groups are stratified by their class.
//!
//! Rounding rule, applied per class to the units being placed (samples or groups), for
//! `n` units and a fraction `f` of a held-out set:
//!
//! 1. the set gets `floor(n * f + 0.5)` units (round half up of the `f64` product);
//! 2. if that is 0 while `f > 0` and the class has a unit for every set in use
//!    (training plus each held-out set with a positive fraction), it gets 1, so every
//!    class is represented in every set whenever it can be;
//! 3. training keeps at least one unit: while the held-out sets would take all `n`,
//!    the larger of them gives one back (validation on a tie).
//!
//! Invariants: every sample is in exactly one set; each set's indices are sorted
//! ascending (the order carries no randomness; training reshuffles anyway); the result
//! is a pure function of the labels, the groups, the fractions, the mode and the seed.
//! Units of one class are shuffled with [`Rng`] on the `split` stream; classes are
//! visited in ascending order, groups in ascending order of their ids.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::{Deserialize, Serialize};

use super::error::LearnError;
use super::rng::Rng;

/// The [`Rng`] stream of splits, distinct from the other users of one seed.
const SPLIT_STREAM: u64 = 0x0053_504C_4954; // "SPLIT"

/// Which units are placed into the sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitMode {
    /// Each sample on its own, stratified by class: the study's protocol.
    #[default]
    BySlice,
    /// Whole groups (patients), stratified by each group's class.
    ByPatient,
}

/// What decides a split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SplitConfig {
    pub mode: SplitMode,
    /// Share of each class's units held out for validation, in `[0, 1)`.
    pub validation_fraction: f64,
    /// Share of each class's units held out for testing, in `[0, 1)`.
    pub test_fraction: f64,
    pub seed: u64,
}

impl Default for SplitConfig {
    /// The study's protocol: 10% validation, 10% test, split by slice.
    fn default() -> Self {
        Self {
            mode: SplitMode::BySlice,
            validation_fraction: 0.1,
            test_fraction: 0.1,
            seed: 0,
        }
    }
}

impl SplitConfig {
    fn validate(&self) -> Result<(), LearnError> {
        for (name, value) in [
            ("validation_fraction", self.validation_fraction),
            ("test_fraction", self.test_fraction),
        ] {
            if !(0.0..1.0).contains(&value) {
                return Err(LearnError::InvalidParameter {
                    name,
                    found: value.to_string(),
                    expected: "a number in [0, 1)",
                });
            }
        }
        let held_out = self.validation_fraction + self.test_fraction;
        if held_out >= 1.0 {
            return Err(LearnError::InvalidParameter {
                name: "validation_fraction + test_fraction",
                found: held_out.to_string(),
                expected: "a sum below 1, so that something is left to train on",
            });
        }
        Ok(())
    }
}

/// Sample indices per set, each sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

/// Splits samples with class `labels[i]` and group `groups[i]` as `config` says.
///
/// `groups` must have one entry per sample in both modes (by-slice splits ignore its
/// values); in by-patient mode every group must hold a single class.
pub fn split<G: Ord + Display>(
    labels: &[usize],
    groups: &[G],
    config: &SplitConfig,
) -> Result<Split, LearnError> {
    config.validate()?;
    if labels.is_empty() {
        return Err(LearnError::Empty {
            what: "labels",
            unit: "sample",
        });
    }
    if groups.len() != labels.len() {
        return Err(LearnError::LengthMismatch {
            what: "groups",
            found: groups.len(),
            expected: labels.len(),
        });
    }
    // A unit is a list of samples that always move together: one sample, or one group.
    let units_by_class: BTreeMap<usize, Vec<Vec<usize>>> = match config.mode {
        SplitMode::BySlice => {
            let mut by_class: BTreeMap<usize, Vec<Vec<usize>>> = BTreeMap::new();
            for (sample, &class) in labels.iter().enumerate() {
                by_class.entry(class).or_default().push(vec![sample]);
            }
            by_class
        }
        SplitMode::ByPatient => group_units(labels, groups)?,
    };

    let mut rng = Rng::with_stream(config.seed, SPLIT_STREAM);
    let mut result = Split {
        train: Vec::new(),
        validation: Vec::new(),
        test: Vec::new(),
    };
    for mut units in units_by_class.into_values() {
        rng.shuffle(&mut units);
        let (n_validation, n_test) = held_out_counts(
            units.len(),
            config.validation_fraction,
            config.test_fraction,
        );
        for (position, unit) in units.into_iter().enumerate() {
            let set = if position < n_test {
                &mut result.test
            } else if position < n_test + n_validation {
                &mut result.validation
            } else {
                &mut result.train
            };
            set.extend(unit);
        }
    }
    result.train.sort_unstable();
    result.validation.sort_unstable();
    result.test.sort_unstable();
    Ok(result)
}

/// Each group's samples, keyed by the group's single class; groups in ascending id order.
fn group_units<G: Ord + Display>(
    labels: &[usize],
    groups: &[G],
) -> Result<BTreeMap<usize, Vec<Vec<usize>>>, LearnError> {
    let mut by_group: BTreeMap<&G, (usize, Vec<usize>)> = BTreeMap::new();
    for (sample, (group, &class)) in groups.iter().zip(labels).enumerate() {
        let (group_class, samples) = by_group.entry(group).or_insert((class, Vec::new()));
        if *group_class != class {
            return Err(LearnError::MixedGroupClass {
                group: group.to_string(),
                first: *group_class,
                second: class,
            });
        }
        samples.push(sample);
    }
    let mut by_class: BTreeMap<usize, Vec<Vec<usize>>> = BTreeMap::new();
    for (class, samples) in by_group.into_values() {
        by_class.entry(class).or_default().push(samples);
    }
    Ok(by_class)
}

/// (validation, test) unit counts for a class of `n` units; see the module docs.
fn held_out_counts(n: usize, validation_fraction: f64, test_fraction: f64) -> (usize, usize) {
    let round = |fraction: f64| (n as f64 * fraction + 0.5).floor() as usize;
    let mut validation = round(validation_fraction);
    let mut test = round(test_fraction);
    let sets_in_use = 1 + usize::from(validation_fraction > 0.0) + usize::from(test_fraction > 0.0);
    if n >= sets_in_use {
        if validation_fraction > 0.0 && validation == 0 {
            validation = 1;
        }
        if test_fraction > 0.0 && test == 0 {
            test = 1;
        }
    }
    while validation + test > 0 && validation + test >= n {
        if validation >= test {
            validation -= 1;
        } else {
            test -= 1;
        }
    }
    (validation, test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn config(mode: SplitMode, seed: u64) -> SplitConfig {
        SplitConfig {
            mode,
            seed,
            ..SplitConfig::default()
        }
    }

    /// The study's lesion slices after the area filter: 600, 338 and 270 per grade.
    fn study_labels() -> Vec<usize> {
        [(0, 600), (1, 338), (2, 270)]
            .iter()
            .flat_map(|&(class, count)| std::iter::repeat_n(class, count))
            .collect()
    }

    /// Patients of 15 slices (the last of a class smaller), never spanning two classes.
    fn patients_of(labels: &[usize]) -> Vec<usize> {
        let mut seen = [0usize; 3];
        labels
            .iter()
            .map(|&class| {
                seen[class] += 1;
                class * 1000 + (seen[class] - 1) / 15
            })
            .collect()
    }

    fn class_counts(labels: &[usize], indices: &[usize]) -> [usize; 3] {
        let mut counts = [0; 3];
        for &i in indices {
            counts[labels[i]] += 1;
        }
        counts
    }

    #[test]
    fn held_out_counts_follow_the_documented_rounding_rule() {
        // (n, validation fraction, test fraction) -> (validation, test)
        let table = [
            ((600, 0.1, 0.1), (60, 60)),
            ((338, 0.1, 0.1), (34, 34)),
            ((270, 0.1, 0.1), (27, 27)),
            ((25, 0.1, 0.1), (3, 3)), // 2.5 rounds half up
            ((34, 0.1, 0.1), (3, 3)),
            ((3, 0.1, 0.1), (1, 1)), // rounds to 0, raised to 1: one unit per set
            ((2, 0.1, 0.1), (0, 0)), // too few to fill three sets: training keeps both
            ((1, 0.1, 0.1), (0, 0)), // a single unit always trains
            ((2, 0.45, 0.45), (0, 1)), // 1 + 1 would empty training; validation gives back
            ((10, 0.0, 0.2), (0, 2)), // a zero fraction is never raised
            ((10, 0.0, 0.0), (0, 0)),
        ];
        for ((n, validation, test), expected) in table {
            assert_eq!(
                held_out_counts(n, validation, test),
                expected,
                "n = {n}, fractions {validation} and {test}"
            );
        }
    }

    #[test]
    fn a_slice_split_is_stratified_by_class_in_the_stated_proportions() {
        let labels = study_labels();
        let groups = vec![0; labels.len()];
        let split = split(&labels, &groups, &config(SplitMode::BySlice, 1)).unwrap();
        assert_eq!(class_counts(&labels, &split.test), [60, 34, 27]);
        assert_eq!(class_counts(&labels, &split.validation), [60, 34, 27]);
        assert_eq!(class_counts(&labels, &split.train), [480, 270, 216]);
    }

    #[test]
    fn every_sample_lands_in_exactly_one_sorted_set() {
        let labels = study_labels();
        let groups = patients_of(&labels);
        for mode in [SplitMode::BySlice, SplitMode::ByPatient] {
            let split = split(&labels, &groups, &config(mode, 3)).unwrap();
            let mut all: Vec<usize> = [&split.train, &split.validation, &split.test]
                .into_iter()
                .flatten()
                .copied()
                .collect();
            for set in [&split.train, &split.validation, &split.test] {
                assert!(set.windows(2).all(|w| w[0] < w[1]));
            }
            all.sort_unstable();
            assert_eq!(all, (0..labels.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_patient_split_stratifies_patients_by_class() {
        // The study's graded patients: 34, 24 and 22 per grade, 10 slices each.
        let mut labels = Vec::new();
        let mut groups = Vec::new();
        let mut patient = 0;
        for (class, patients) in [(0, 34), (1, 24), (2, 22)] {
            for _ in 0..patients {
                labels.extend([class; 10]);
                groups.extend(std::iter::repeat_n(format!("P{patient:03}"), 10));
                patient += 1;
            }
        }
        let split = split(&labels, &groups, &config(SplitMode::ByPatient, 0)).unwrap();
        let patients_per_class = |indices: &[usize]| {
            let counts = class_counts(&labels, indices);
            counts.map(|slices| slices / 10)
        };
        assert_eq!(patients_per_class(&split.test), [3, 2, 2]);
        assert_eq!(patients_per_class(&split.validation), [3, 2, 2]);
        assert_eq!(patients_per_class(&split.train), [28, 20, 18]);
    }

    #[test]
    fn the_same_seed_gives_the_same_split_and_another_seed_a_different_one() {
        let labels = study_labels();
        let groups = patients_of(&labels);
        for mode in [SplitMode::BySlice, SplitMode::ByPatient] {
            let a = split(&labels, &groups, &config(mode, 7)).unwrap();
            let b = split(&labels, &groups, &config(mode, 7)).unwrap();
            let c = split(&labels, &groups, &config(mode, 8)).unwrap();
            assert_eq!(a, b);
            assert_ne!(a.test, c.test);
        }
    }

    #[test]
    fn a_group_with_two_classes_is_refused_with_its_name() {
        let error = split(
            &[0, 1],
            &["TCGA-02-0003", "TCGA-02-0003"],
            &config(SplitMode::ByPatient, 0),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "group `TCGA-02-0003` holds samples of class 0 and class 1, expected one class per group"
        );
    }

    #[test]
    fn invalid_inputs_are_refused() {
        let by_slice = config(SplitMode::BySlice, 0);
        assert!(matches!(
            split::<usize>(&[], &[], &by_slice),
            Err(LearnError::Empty { .. })
        ));
        assert!(matches!(
            split(&[0, 1], &[0], &by_slice),
            Err(LearnError::LengthMismatch { .. })
        ));
        for (validation, test) in [(0.5, 0.5), (-0.1, 0.1), (0.1, f64::NAN), (1.0, 0.0)] {
            let bad = SplitConfig {
                validation_fraction: validation,
                test_fraction: test,
                ..by_slice.clone()
            };
            assert!(
                matches!(
                    split(&[0, 1], &[0, 1], &bad),
                    Err(LearnError::InvalidParameter { .. })
                ),
                "fractions {validation} and {test} were accepted"
            );
        }
    }

    #[test]
    fn a_config_rejects_unknown_keys() {
        let parsed: Result<SplitConfig, _> =
            serde_json::from_str(r#"{"mode": "by_patient", "seeds": 3}"#);
        assert!(parsed.is_err());
        let parsed: SplitConfig = serde_json::from_str(r#"{"mode": "by_patient"}"#).unwrap();
        assert_eq!(parsed.mode, SplitMode::ByPatient);
        assert_eq!(parsed.test_fraction, 0.1);
    }

    /// Random cohorts: (class, number of slices) per patient.
    fn cohorts() -> impl Strategy<Value = Vec<(usize, usize)>> {
        prop::collection::vec((0usize..3, 1usize..12), 1..60)
    }

    proptest! {
        #[test]
        fn a_patient_split_never_puts_one_patient_in_two_sets(
            patients in cohorts(),
            seed in any::<u64>(),
            validation_fraction in 0.0f64..0.4,
            test_fraction in 0.0f64..0.4,
        ) {
            let mut labels = Vec::new();
            let mut groups = Vec::new();
            for (patient, &(class, slices)) in patients.iter().enumerate() {
                labels.extend(std::iter::repeat_n(class, slices));
                groups.extend(std::iter::repeat_n(patient, slices));
            }
            let config = SplitConfig {
                mode: SplitMode::ByPatient,
                validation_fraction,
                test_fraction,
                seed,
            };
            let split = split(&labels, &groups, &config).unwrap();
            let groups_of = |indices: &[usize]| -> BTreeSet<usize> {
                indices.iter().map(|&i| groups[i]).collect()
            };
            let (train, validation, test) =
                (groups_of(&split.train), groups_of(&split.validation), groups_of(&split.test));
            prop_assert!(train.is_disjoint(&validation));
            prop_assert!(train.is_disjoint(&test));
            prop_assert!(validation.is_disjoint(&test));
            prop_assert_eq!(
                split.train.len() + split.validation.len() + split.test.len(),
                labels.len()
            );
            // Every class with a patient for each set in use is in each of them.
            for class in 0..3 {
                let patients_of_class = patients.iter().filter(|p| p.0 == class).count();
                let has = |indices: &[usize]| indices.iter().any(|&i| labels[i] == class);
                if patients_of_class >= 3 && validation_fraction > 0.0 && test_fraction > 0.0 {
                    prop_assert!(has(&split.train) && has(&split.validation) && has(&split.test));
                }
                if patients_of_class >= 1 {
                    prop_assert!(has(&split.train));
                }
            }
        }
    }
}
