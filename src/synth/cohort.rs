//! Who is in the cohort: ids, grades as the CSV spells them, which files exist, and
//! how each segmentation is laid out. Pure: everything follows from the config.
//!
//! The proportions mirror METHOD.md (122 patients, 80 graded: II 34, III 24,
//! IV 22), scaled for smaller cohorts. On top of them the plan plants the drops a
//! sample filter must make: graded patients missing a file, grades that are empty
//! or outside II-IV, and a patient folder with no CSV row.

use super::config::SynthConfig;
use super::rng::Rng;
use super::summary::{DropReason, Grade, SegLayout};

/// The study's graded share and its split across grades (METHOD.md).
const STUDY_PATIENTS: usize = 122;
const STUDY_GRADED: [(Grade, usize); 3] = [(Grade::II, 34), (Grade::III, 24), (Grade::IV, 22)];
/// Graded patients with one file missing, planted in every cohort.
const INCOMPLETE: usize = 2;
/// Grade cells of ungraded patients: empty cells are the commonest case.
const UNGRADED_TEXTS: [&str; 8] = ["", "", "", "unknown", "G1", "I", "1", "NA"];

/// One patient, before any voxel is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PatientPlan {
    /// Index of this patient's random stream.
    pub stream: u64,
    pub id: String,
    /// `false` for the planted folder without a CSV row.
    pub in_csv: bool,
    pub csv_grade: String,
    /// The grade the CSV cell states, when it is II, III or IV.
    pub grade: Option<Grade>,
    /// The grade that shapes the lesion (every patient has a tumor).
    pub lesion_grade: Grade,
    pub has_scan: bool,
    pub has_segmentation: bool,
    pub layout: SegLayout,
    pub drop: Option<DropReason>,
    pub age: u32,
    pub sex: &'static str,
}

/// How many graded patients of each grade a cohort of `patients` gets: the study's
/// share, at least one per grade, and leaving room for the planted drops.
pub(crate) fn graded_counts(patients: usize) -> [(Grade, usize); 3] {
    let graded = (patients * 80 + STUDY_PATIENTS / 2) / STUDY_PATIENTS;
    let graded = graded.min(patients.saturating_sub(INCOMPLETE + 2)).max(3);
    // Largest remainder, so the default cohort gets exactly 34 / 24 / 22.
    let mut counts = STUDY_GRADED.map(|(grade, share)| (grade, graded * share / 80));
    let mut remainders: Vec<(usize, usize)> = STUDY_GRADED
        .iter()
        .enumerate()
        .map(|(i, (_, share))| (graded * share % 80, i))
        .collect();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let assigned: usize = counts.iter().map(|(_, n)| n).sum();
    for (_, i) in remainders.iter().take(graded - assigned) {
        counts[*i].1 += 1;
    }
    for i in 0..3 {
        if counts[i].1 == 0 {
            let largest = (0..3).max_by_key(|j| counts[*j].1).unwrap_or(0);
            counts[largest].1 -= 1;
            counts[i].1 += 1;
        }
    }
    counts
}

/// The whole cohort, in id order; the folder without a CSV row comes last.
pub(crate) fn plan_cohort(config: &SynthConfig) -> Vec<PatientPlan> {
    let mut rng = Rng::stream(config.seed, u64::MAX);
    #[derive(Clone, Copy)]
    enum Role {
        Graded(Grade),
        NoSegmentation(Grade),
        NoScan(Grade),
        Ungraded(usize),
    }
    let mut roles = Vec::with_capacity(config.patients);
    for (grade, count) in graded_counts(config.patients) {
        roles.extend(std::iter::repeat_n(Role::Graded(grade), count));
    }
    roles.push(Role::NoSegmentation(Grade::ALL[rng.int(0, 2)]));
    roles.push(Role::NoScan(Grade::ALL[rng.int(0, 2)]));
    let ungraded = config.patients - roles.len();
    roles.extend((0..ungraded).map(Role::Ungraded));
    rng.shuffle(&mut roles);

    let spell = |grade: Grade, rng: &mut Rng| match rng.int(0, 2) {
        0 => grade.to_string(),
        1 => grade.number().to_string(),
        _ => format!("G{}", grade.number()),
    };
    let mut plans: Vec<PatientPlan> = roles
        .iter()
        .enumerate()
        .map(|(index, role)| {
            let lesion_grade = Grade::ALL[rng.int(0, 2)];
            let mut plan = PatientPlan {
                stream: index as u64,
                id: format!("SYN-{:04}", index + 1),
                in_csv: true,
                csv_grade: String::new(),
                grade: None,
                lesion_grade,
                has_scan: true,
                has_segmentation: true,
                layout: SegLayout::FullGrid,
                drop: None,
                age: rng.int(22, 84) as u32,
                sex: if rng.chance(0.5) { "F" } else { "M" },
            };
            match *role {
                Role::Graded(grade) | Role::NoSegmentation(grade) | Role::NoScan(grade) => {
                    plan.csv_grade = spell(grade, &mut rng);
                    plan.grade = Some(grade);
                    plan.lesion_grade = grade;
                }
                Role::Ungraded(n) => {
                    // The first two are always one empty and one out-of-range cell,
                    // so even a tiny cohort plants both.
                    let text = match n {
                        0 => "",
                        1 => "G1",
                        _ => UNGRADED_TEXTS[rng.int(0, UNGRADED_TEXTS.len() - 1)],
                    };
                    plan.csv_grade = text.to_string();
                    plan.drop = Some(if text.is_empty() {
                        DropReason::GradeMissing
                    } else {
                        DropReason::GradeOutOfRange {
                            text: text.to_string(),
                        }
                    });
                }
            }
            if let Role::NoSegmentation(_) = role {
                plan.has_segmentation = false;
                plan.drop = Some(DropReason::NoSegmentation);
            }
            if let Role::NoScan(_) = role {
                plan.has_scan = false;
                plan.drop = Some(DropReason::NoScan);
            }
            plan
        })
        .collect();

    let orphan = config.patients;
    plans.push(PatientPlan {
        stream: orphan as u64,
        id: format!("SYN-{:04}", orphan + 1),
        in_csv: false,
        csv_grade: String::new(),
        grade: None,
        lesion_grade: Grade::ALL[rng.int(0, 2)],
        has_scan: true,
        has_segmentation: true,
        layout: SegLayout::FullGrid,
        drop: Some(DropReason::NotInClinicalCsv),
        age: 0,
        sex: "",
    });

    assign_layouts(&mut plans, &mut rng);
    plans
}

/// Spreads the four Slicer layouts over the patients that have a segmentation:
/// about 10% layered, 8% layered and cropped, 35% cropped, the rest on the full
/// grid, with at least one of each.
fn assign_layouts(plans: &mut [PatientPlan], rng: &mut Rng) {
    let with_segmentation: Vec<usize> = (0..plans.len())
        .filter(|i| plans[*i].has_segmentation)
        .collect();
    let m = with_segmentation.len();
    let share = |percent: usize| (m * percent / 100).max(1);
    let mut layouts = Vec::with_capacity(m);
    layouts.extend(std::iter::repeat_n(SegLayout::Layered, share(10)));
    layouts.extend(std::iter::repeat_n(SegLayout::LayeredCropped, share(8)));
    layouts.extend(std::iter::repeat_n(SegLayout::Cropped, share(35)));
    layouts.resize(m.max(layouts.len()), SegLayout::FullGrid);
    layouts.truncate(m);
    rng.shuffle(&mut layouts);
    for (index, layout) in with_segmentation.into_iter().zip(layouts) {
        plans[index].layout = layout;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graded_counts_mirror_the_study_and_scale_down_with_one_per_grade() {
        let cases: &[(usize, [usize; 3])] = &[
            (122, [34, 24, 22]),
            (12, [4, 2, 2]),
            (7, [1, 1, 1]),
            (61, [17, 12, 11]),
        ];
        for (patients, expected) in cases {
            let counts = graded_counts(*patients).map(|(_, n)| n);
            assert_eq!(&counts, expected, "{patients} patients");
        }
    }

    #[test]
    fn the_default_plan_keeps_80_graded_patients_and_plants_every_kind_of_drop() {
        let plans = plan_cohort(&SynthConfig::new("x"));
        assert_eq!(
            plans.len(),
            123,
            "122 CSV rows and one folder without a row"
        );
        let kept: Vec<&PatientPlan> = plans.iter().filter(|p| p.drop.is_none()).collect();
        assert_eq!(kept.len(), 80);
        for grade in Grade::ALL {
            let expected = match grade {
                Grade::II => 34,
                Grade::III => 24,
                Grade::IV => 22,
            };
            assert_eq!(
                kept.iter().filter(|p| p.grade == Some(grade)).count(),
                expected
            );
        }
        let count = |f: &dyn Fn(&DropReason) -> bool| {
            plans
                .iter()
                .filter(|p| p.drop.as_ref().is_some_and(f))
                .count()
        };
        assert_eq!(count(&|d| *d == DropReason::NoSegmentation), 1);
        assert_eq!(count(&|d| *d == DropReason::NoScan), 1);
        assert_eq!(count(&|d| *d == DropReason::NotInClinicalCsv), 1);
        assert!(count(&|d| *d == DropReason::GradeMissing) >= 1);
        assert!(count(&|d| matches!(d, DropReason::GradeOutOfRange { .. })) >= 1);
        let spellings: std::collections::BTreeSet<&str> = kept
            .iter()
            .filter(|p| p.grade == Some(Grade::III))
            .map(|p| p.csv_grade.as_str())
            .collect();
        assert_eq!(spellings, ["3", "G3", "III"].into_iter().collect());
    }

    #[test]
    fn every_layout_appears_even_in_a_tiny_cohort() {
        let plans = plan_cohort(&SynthConfig::tiny("x"));
        for layout in [
            SegLayout::FullGrid,
            SegLayout::Cropped,
            SegLayout::Layered,
            SegLayout::LayeredCropped,
        ] {
            assert!(
                plans
                    .iter()
                    .any(|p| p.has_segmentation && p.layout == layout),
                "{layout:?}"
            );
        }
        let drops = plans.iter().filter(|p| p.drop.is_some()).count();
        assert_eq!(
            drops,
            2 + 2 + 1,
            "2 incomplete, 2 ungraded, 1 without a CSV row"
        );
    }

    #[test]
    fn ids_are_sequential_and_the_plan_depends_only_on_the_config() {
        let config = SynthConfig::tiny("x");
        let plans = plan_cohort(&config);
        let ids: Vec<&str> = plans.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"SYN-0001"));
        assert_eq!(ids.last(), Some(&"SYN-0013"));
        assert_eq!(plans, plan_cohort(&config));
        let other = plan_cohort(&SynthConfig {
            seed: 1,
            ..config.clone()
        });
        assert_ne!(plans, other);
    }
}
