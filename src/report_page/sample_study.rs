//! A realistic synthetic [`StudyReport`] for tests, the `render_report` example and the
//! CI browser check. Not study data: only table 5 and the slice-split test accuracies
//! are the study's; curves, confusion matrices and patient-split runs are generated
//! from a fixed seed, so every call returns the same report.
//!
//! Confusion matrices hold `round(accuracy * test size)` correct predictions, so their
//! accuracy matches the printed one to within half a test slice, as real runs would.

use std::collections::BTreeMap;

use crate::splitmix64::SplitMix64;

use super::study_report::{
    ClassMetrics, CountsRow, LearningRate, RunSummary, SplitMode, StudyReport,
};

const CLASSES: [&str; 3] = ["II", "III", "IV"];

/// The study's ten slice-split test accuracies (table 6), seed 0 to 9.
const STUDY_ACCURACIES: [f64; 10] = [
    0.952, 0.933, 0.961, 0.955, 0.941, 0.974, 0.976, 0.943, 0.980, 0.996,
];

/// Patient-split accuracies in the range a plain reimplementation saw (47% to 83%).
const PATIENT_ACCURACIES: [f64; 10] = [
    0.712, 0.655, 0.829, 0.478, 0.764, 0.801, 0.693, 0.742, 0.587, 0.781,
];

/// Ten slice-split runs shaped like the study's: 10,000 steps, batch 100, learning
/// rate 0.1 to 0.001, a validation point every 100 steps.
pub fn sample_study() -> StudyReport {
    let mut random = DemoRandom::new(0x5eed_0f7a_b1e6);
    let runs = STUDY_ACCURACIES
        .iter()
        .enumerate()
        .map(|(seed, &accuracy)| {
            sample_run(&mut random, seed, SplitMode::Slice, accuracy, [60, 34, 27])
        })
        .collect();
    StudyReport {
        title: "Glioma grading by transfer learning (synthetic demo data)".into(),
        pipeline: "glioma-grading".into(),
        generated_by: format!("radflow {}", env!("CARGO_PKG_VERSION")),
        counts: table_5(),
        runs,
        notes: vec![
            "Demo report: table 5 and the slice-split test accuracies are the study's; \
             curves and confusion matrices are synthetic."
                .into(),
        ],
    }
}

/// [`sample_study`] plus ten patient-split runs, for the side-by-side comparison.
pub fn sample_study_both_splits() -> StudyReport {
    let mut report = sample_study();
    let mut random = DemoRandom::new(0xbad_5eed);
    for (seed, &accuracy) in PATIENT_ACCURACIES.iter().enumerate() {
        // About 8 test patients: the test set size varies with who is drawn.
        let sizes = [
            48 + 3 * seed as u64 % 17,
            30 + seed as u64 % 9,
            24 + 2 * seed as u64 % 11,
        ];
        report.runs.push(sample_run(
            &mut random,
            seed,
            SplitMode::Patient,
            accuracy,
            sizes,
        ));
    }
    report
}

fn table_5() -> Vec<CountsRow> {
    let row = |stage: &str, slices: [usize; 3]| CountsRow {
        stage: stage.into(),
        patients_by_class: by_class([34, 24, 22]),
        slices_by_class: by_class(slices),
        total_slices: slices.iter().sum(),
    };
    vec![
        row("sample filter (grade known)", [2583, 1613, 1514]),
        row("lesion slices (inside the extent)", [704, 385, 419]),
        row("lesion area filter", [600, 338, 270]),
    ]
}

fn by_class(values: [usize; 3]) -> BTreeMap<String, usize> {
    CLASSES.iter().map(|c| c.to_string()).zip(values).collect()
}

fn sample_run(
    random: &mut DemoRandom,
    seed: usize,
    split: SplitMode,
    accuracy: f64,
    test_sizes: [u64; 3],
) -> RunSummary {
    let validation_size: u32 = 121;
    let start = 0.35 + 0.1 * random.uniform();
    let tau = 600.0 + 900.0 * random.uniform();
    let noise = match split {
        SplitMode::Slice => 0.012,
        SplitMode::Patient => 0.045,
    };
    let plateau = accuracy + 0.01 * random.normal();
    let validation_curve = (1..=100)
        .map(|i| {
            let step = i * 100;
            let clean = plateau - (plateau - start) * (-f64::from(step) / tau).exp();
            let noisy = (clean + noise * random.normal()).clamp(0.0, 1.0);
            // A validation accuracy is a count over the validation slices.
            let correct = (noisy * f64::from(validation_size)).round();
            (step, correct / f64::from(validation_size))
        })
        .collect();
    let confusion = sample_confusion(random, accuracy, test_sizes);
    RunSummary {
        name: format!("seed={seed}"),
        split,
        head: super::study_report::softmax(),
        head_settings: String::new(),
        feature_family: String::new(),
        feature_model: String::new(),
        learning_rate: Some(LearningRate {
            base: 0.1,
            min: 0.001,
        }),
        steps: Some(10_000),
        batch: Some(100),
        test_accuracy: accuracy,
        validation_curve,
        per_class: class_metrics(&confusion),
        confusion,
        class_names: CLASSES.iter().map(|c| c.to_string()).collect(),
        patient_vote_accuracy: match split {
            SplitMode::Slice => None,
            SplitMode::Patient => Some((accuracy + 0.05 * random.normal()).clamp(0.0, 1.0)),
        },
    }
}

/// Misclassifies `round((1 - accuracy) * total)` test slices, mostly into a
/// neighbouring grade, as grading errors are.
fn sample_confusion(random: &mut DemoRandom, accuracy: f64, sizes: [u64; 3]) -> Vec<Vec<u64>> {
    let total: u64 = sizes.iter().sum();
    let mut errors = ((1.0 - accuracy) * total as f64).round() as u64;
    let mut confusion: Vec<Vec<u64>> = (0..3)
        .map(|i| (0..3).map(|j| if i == j { sizes[i] } else { 0 }).collect())
        .collect();
    while errors > 0 {
        let truth = random.below(3);
        if confusion[truth][truth] == 0 {
            continue;
        }
        let predicted = match truth {
            0 => 1,
            2 => 1,
            _ if random.uniform() < 0.5 => 0,
            _ => 2,
        };
        let predicted = if random.uniform() < 0.15 {
            2 - truth
        } else {
            predicted
        };
        if predicted == truth {
            continue;
        }
        confusion[truth][truth] -= 1;
        confusion[truth][predicted] += 1;
        errors -= 1;
    }
    confusion
}

fn class_metrics(confusion: &[Vec<u64>]) -> Vec<ClassMetrics> {
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    CLASSES
        .iter()
        .enumerate()
        .map(|(k, class)| {
            let hits = confusion[k][k];
            let support: u64 = confusion[k].iter().sum();
            let predicted: u64 = confusion.iter().map(|row| row[k]).sum();
            let precision = ratio(hits, predicted);
            let recall = ratio(hits, support);
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            ClassMetrics {
                class: class.to_string(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect()
}

/// The draws the demo data needs, from SplitMix64: well mixed, enough for demo data and
/// stable forever (a dependency's generator could change its stream between versions).
struct DemoRandom(SplitMix64);

impl DemoRandom {
    fn new(seed: u64) -> Self {
        DemoRandom(SplitMix64::new(seed))
    }

    /// In [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize
    }

    /// Standard normal, by Box-Muller.
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_the_same_on_every_call() {
        assert_eq!(sample_study_both_splits(), sample_study_both_splits());
    }

    #[test]
    fn confusion_matrices_match_the_printed_accuracy_to_half_a_slice() {
        for run in sample_study_both_splits().runs {
            let total: u64 = run.confusion.iter().flatten().sum();
            let hits: u64 = (0..3).map(|k| run.confusion[k][k]).sum();
            let gap = (hits as f64 / total as f64 - run.test_accuracy).abs();
            assert!(gap <= 0.5 / total as f64 + 1e-12, "{}: {gap}", run.name);
        }
    }

    #[test]
    fn curves_have_a_hundred_points_up_to_the_last_step() {
        for run in sample_study_both_splits().runs {
            assert_eq!(run.validation_curve.len(), 100);
            assert_eq!(Some(run.validation_curve.last().unwrap().0), run.steps);
        }
    }
}
