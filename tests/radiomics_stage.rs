//! The `radiomics` stage in a pipeline on a tiny synthetic cohort: per lesion slice (2d) and
//! per patient (3d), item-level cached on the slices and the settings.

mod common;

use common::Project;

const PIPELINE: &str = concat!(
    r#"
pipeline: radiomics
stages:
"#,
    common::imaging_stages!(),
    r#"  radiomics:
    kind: radiomics
    input: lesions
    with: {mode: 2d}
  radiomics-3d:
    kind: radiomics
    input: patients
    with: {mode: 3d}
"#
);

fn cohort() -> Project {
    common::tiny_study(PIPELINE, "12", "48", "8,12")
}

fn record_count(stdout: &str, stage: &str) -> usize {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(stage))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no record count for {stage} in\n{stdout}"))
}

#[test]
fn radiomics_gives_one_vector_per_lesion_slice_and_per_patient() {
    let p = cohort();
    let run = p.run(&["run"]).ok();
    let lesions = record_count(&run.stdout, "lesions");
    let slices = record_count(&run.stdout, "radiomics");
    let patients = record_count(&run.stdout, "patients");
    assert!(lesions > 0);
    // Every synthetic lesion slice is at least 10 pixels, so none is refused.
    assert_eq!(slices, lesions, "{}", run.stderr);
    assert_eq!(record_count(&run.stdout, "radiomics-3d"), patients);
}

#[test]
fn changing_bin_width_recomputes_radiomics_only() {
    let p = cohort();
    let first = p.run(&["run"]).ok();
    let slices = record_count(&first.stdout, "radiomics");
    let run = p.run(&["run", "--set", "radiomics.bin_width=10"]).ok();
    assert_eq!(run.status_of("slices"), "cached");
    assert_eq!(run.status_of("lesions"), "cached");
    assert_eq!(run.status_of("radiomics-3d"), "cached");
    assert_eq!(run.items_of("radiomics"), (slices, slices));
    let again = p.run(&["run", "--set", "radiomics.bin_width=10"]).ok();
    assert_eq!(again.status_of("radiomics"), "cached");
}

/// The radiomics stage's output hash in the lock file.
fn radiomics_output(p: &Project) -> serde_yaml::Value {
    let lock: serde_yaml::Value = serde_yaml::from_str(&p.read("radflow.lock")).unwrap();
    lock["stages"]["radiomics"]["output"].clone()
}

#[test]
fn each_slice_carries_its_own_spacing_which_wins_over_the_fallback() {
    let p = cohort();
    p.run(&["run"]).ok();
    let own = radiomics_output(&p);
    assert!(!own.is_null(), "the lock records the radiomics output");
    // A fallback for slices without spacing changes the key, not the features.
    p.write(
        "radflow.yaml",
        &PIPELINE.replace(
            "{mode: 2d}",
            "{mode: 2d, spacing: [5.0, 5.0], thickness: 9.0}",
        ),
    );
    let run = p.run(&["run"]).ok();
    assert_eq!(run.status_of("slices"), "cached");
    assert_eq!(radiomics_output(&p), own, "{}", run.stderr);
}
