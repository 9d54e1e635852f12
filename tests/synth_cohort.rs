//! The synthetic cohort, end to end: written files, read back through radflow's own
//! NRRD reader and `seg`, checked against the summary the generator returns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use radflow::nrrd::{self, Samples};
use radflow::seg::{AlignTolerance, Geometry, LesionSelector, Segmentation, align_lesion};
use radflow::synth::{
    self, DropReason, Grade, GradeCounts, MARKER_FILE, SegLayout, SynthConfig, SynthSummary,
};

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("list") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                found.insert(path.strip_prefix(dir).expect("inside").to_path_buf(), bytes);
            }
        }
    }
    found
}

fn tiny(dir: &Path) -> (SynthConfig, SynthSummary) {
    let config = SynthConfig::tiny(dir.join("cohort"));
    let started = Instant::now();
    let summary = synth::generate(&config).expect("generates");
    eprintln!("tiny cohort: {:?}", started.elapsed());
    (config, summary)
}

#[test]
fn the_same_config_writes_byte_identical_files_and_another_seed_does_not() {
    let (a, b, c) = (
        tempfile::tempdir().expect("temp"),
        tempfile::tempdir().expect("temp"),
        tempfile::tempdir().expect("temp"),
    );
    let (config, first) = tiny(a.path());
    let (_, second) = tiny(b.path());
    let (files_a, files_b) = (files(&config.out), files(&b.path().join("cohort")));
    assert_eq!(
        files_a.len(),
        2 + 13 * 2 - 2,
        "marker, csv, 13 folders of 2 files, 2 files missing"
    );
    assert_eq!(
        files_a.keys().collect::<Vec<_>>(),
        files_b.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &files_a {
        assert!(
            bytes == &files_b[path],
            "`{}` differs between runs",
            path.display()
        );
    }
    assert_eq!(first.patients, second.patients);

    let other = SynthConfig {
        seed: 7,
        ..SynthConfig::tiny(c.path().join("cohort"))
    };
    synth::generate(&other).expect("generates");
    let files_c = files(&other.out);
    let differing = files_a
        .iter()
        .filter(|(path, bytes)| files_c.get(*path) != Some(*bytes))
        .count();
    assert!(
        differing > 20,
        "only {differing} files changed with the seed"
    );
}

#[test]
fn the_summary_lists_what_a_correct_sample_filter_keeps_and_drops() {
    let dir = tempfile::tempdir().expect("temp");
    let (config, summary) = tiny(dir.path());
    assert_eq!(
        summary.kept,
        GradeCounts {
            ii: 4,
            iii: 2,
            iv: 2
        }
    );
    let reasons: Vec<&DropReason> = summary.drops().map(|(_, reason)| reason).collect();
    assert_eq!(reasons.len(), 5);
    for expected in [
        DropReason::NoScan,
        DropReason::NoSegmentation,
        DropReason::NotInClinicalCsv,
        DropReason::GradeMissing,
    ] {
        assert!(
            reasons.contains(&&expected),
            "{expected:?} missing from {reasons:?}"
        );
    }
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, DropReason::GradeOutOfRange { .. }))
    );

    // The CSV agrees: 12 rows, the kept patients' grades in mixed spellings.
    let mut reader = csv::Reader::from_path(&summary.clinical_csv).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(&headers[0], synth::ID_COLUMN);
    assert_eq!(&headers[1], synth::GRADE_COLUMN);
    let rows: BTreeMap<String, String> = reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    assert_eq!(rows.len(), 12);
    for patient in &summary.patients {
        assert_eq!(
            rows.get(&patient.id),
            patient.csv_grade.as_ref(),
            "{}",
            patient.id
        );
        let folder = config.out.join(&patient.id);
        assert_eq!(
            folder.join(synth::SCAN_FILE).exists(),
            patient.scan.is_some()
        );
        assert_eq!(
            folder.join(synth::SEGMENTATION_FILE).exists(),
            patient.segmentation.is_some()
        );
    }
    let kept_slices: usize = summary
        .patients
        .iter()
        .filter(|p| p.drop.is_none())
        .map(|p| p.slices)
        .sum();
    assert_eq!(summary.kept_slices.total(), kept_slices);
    assert!(summary.kept_lesion_slices.total() < kept_slices);
    assert!(config.out.join(MARKER_FILE).is_file());
    let text = summary.to_text();
    assert!(
        text.contains("kept by a correct sample filter: 8 patients (II 4, III 2, IV 2)"),
        "{text}"
    );
}

#[test]
fn every_segmentation_aligns_to_its_scan_through_seg_and_matches_the_summary() {
    let dir = tempfile::tempdir().expect("temp");
    let (config, summary) = tiny(dir.path());
    let mut layouts_seen = Vec::new();
    for patient in &summary.patients {
        let (Some(scan), Some(seg)) = (&patient.scan, &patient.segmentation) else {
            continue;
        };
        let (scan, seg) = (config.out.join(scan), config.out.join(seg));
        let segmentation = Segmentation::read(&seg).expect("segmentation reads");
        let geometry = Geometry::read(&scan).expect("scan header reads");
        let tumor = LesionSelector::SegmentNames(vec![synth::TUMOR_SEGMENT.to_string()]);
        let (mask, alignment) = align_lesion(
            &segmentation,
            &tumor,
            &geometry,
            &scan,
            &AlignTolerance::default(),
        )
        .expect("aligns");
        assert_eq!(mask.voxel_count(), patient.lesion_voxels, "{}", patient.id);
        assert!(patient.lesion_voxels > 0, "{} has a tumor", patient.id);
        assert_eq!(alignment.dropped_voxels, 0);
        assert_eq!(
            alignment.declared_offset,
            Some(alignment.offset),
            "{}",
            patient.id
        );
        assert_eq!(
            mask.slice_range(2),
            Some(patient.lesion_slices),
            "{}",
            patient.id
        );
        assert!(
            patient.lesion_slices.1 > patient.lesion_slices.0,
            "{}: several slices",
            patient.id
        );
        let layout = patient.seg_layout.expect("layout");
        let cropped = matches!(layout, SegLayout::Cropped | SegLayout::LayeredCropped);
        assert_eq!(
            alignment.offset != [0, 0, 0],
            cropped,
            "{} {layout:?}",
            patient.id
        );
        let layered = matches!(layout, SegLayout::Layered | SegLayout::LayeredCropped);
        assert_eq!(segmentation.layers().len(), if layered { 2 } else { 1 });
        if layered {
            let edema = LesionSelector::SegmentNames(vec![synth::EDEMA_SEGMENT.to_string()]);
            let (edema_mask, _) = align_lesion(
                &segmentation,
                &edema,
                &geometry,
                &scan,
                &AlignTolerance::default(),
            )
            .expect("aligns");
            assert!(edema_mask.voxel_count() > mask.voxel_count());
            let overlap = mask
                .voxels()
                .iter()
                .zip(edema_mask.voxels())
                .all(|(t, e)| *t <= *e);
            assert!(
                overlap,
                "{}: the edema segment overlaps the whole tumor",
                patient.id
            );
        }
        layouts_seen.push(layout);
    }
    for layout in [
        SegLayout::FullGrid,
        SegLayout::Cropped,
        SegLayout::Layered,
        SegLayout::LayeredCropped,
    ] {
        assert!(layouts_seen.contains(&layout), "{layout:?} not exercised");
    }
}

#[test]
fn scans_are_int16_mr_like_and_grade_iv_tumors_are_more_heterogeneous_than_grade_ii() {
    let dir = tempfile::tempdir().expect("temp");
    let config = SynthConfig {
        patients: 30,
        ..SynthConfig::tiny(dir.path().join("cohort"))
    };
    let summary = synth::generate(&config).expect("generates");
    let mut variation: BTreeMap<Grade, Vec<f64>> = BTreeMap::new();
    for patient in &summary.patients {
        let (Some(scan), Some(seg)) = (&patient.scan, &patient.segmentation) else {
            continue;
        };
        let scan_path = config.out.join(scan);
        let volume = nrrd::read(&scan_path).expect("scan reads");
        let Samples::I16(values) = &volume.samples else {
            panic!("{}: scan is not int16", patient.id);
        };
        assert!(
            values.iter().all(|v| (0..=1023).contains(v)),
            "{}",
            patient.id
        );
        let segmentation = Segmentation::read(&config.out.join(seg)).expect("reads");
        let geometry = Geometry::read(&scan_path).expect("reads");
        let (mask, _) = align_lesion(
            &segmentation,
            &LesionSelector::AllSegments,
            &geometry,
            &scan_path,
            &AlignTolerance::default(),
        )
        .expect("aligns");
        let inside: Vec<f64> = values
            .iter()
            .zip(mask.voxels())
            .filter(|(_, m)| **m == 1)
            .map(|(v, _)| f64::from(*v))
            .collect();
        let mean = inside.iter().sum::<f64>() / inside.len() as f64;
        let sd =
            (inside.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / inside.len() as f64).sqrt();
        variation
            .entry(patient.lesion_grade)
            .or_default()
            .push(sd / mean);
    }
    let mean = |grade: Grade| {
        let values = &variation[&grade];
        values.iter().sum::<f64>() / values.len() as f64
    };
    let (ii, iv) = (mean(Grade::II), mean(Grade::IV));
    eprintln!(
        "lesion coefficient of variation: II {ii:.3}, III {:.3}, IV {iv:.3}",
        mean(Grade::III)
    );
    assert!(iv > ii * 1.3, "grade IV {iv:.3} vs grade II {ii:.3}");
}

#[test]
fn an_invalid_config_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("temp");
    let config = SynthConfig {
        patients: 2,
        ..SynthConfig::tiny(dir.path().join("cohort"))
    };
    let error = synth::generate(&config).expect_err("too few patients");
    assert!(error.to_string().contains("`patients` is 2"), "{error}");
    assert!(!config.out.exists());
}

/// The default, study-sized cohort; run with
/// `cargo test --release --test synth_cohort -- --ignored --nocapture`.
#[test]
#[ignore = "writes about 1 GB; run on demand for timing"]
fn the_default_cohort_matches_the_study_counts() {
    let dir = tempfile::tempdir().expect("temp");
    let config = SynthConfig::new(dir.path().join("cohort"));
    let started = Instant::now();
    let summary = synth::generate(&config).expect("generates");
    let elapsed = started.elapsed();
    let bytes: u64 = summary
        .patients
        .iter()
        .flat_map(|p| [&p.scan, &p.segmentation])
        .flatten()
        .map(|path| std::fs::metadata(config.out.join(path)).map_or(0, |m| m.len()))
        .sum();
    eprintln!(
        "default cohort: {elapsed:?} on {} threads, {:.0} MB\n{}",
        rayon::current_num_threads(),
        bytes as f64 / 1e6,
        summary.to_text()
    );
    assert_eq!(
        summary.kept,
        GradeCounts {
            ii: 34,
            iii: 24,
            iv: 22
        }
    );
}
