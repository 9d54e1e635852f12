//! The same synthetic cohort written in each image format gives the same study: identical
//! record counts and per-class counts at every stage, and identical slices, lesions,
//! resized images and features (their output hashes agree), so nothing downstream of the
//! reader can tell which format the patients came in.
//!
//! Adding a format is one more entry in [`FORMATS`].

mod common;

/// One way of writing the cohort, and the pipeline settings that read it.
struct CohortFormat {
    /// `radflow synth --format`.
    synth: &'static str,
    scan: &'static str,
    segmentation: &'static str,
    lesion: &'static str,
    /// Whether voxels come back in the NRRD's order. DICOM orders slices along the plane
    /// normal (as ITK and pydicom-based readers do), so a left-handed NRRD grid comes back
    /// with its slices reversed: the same slices under other indices, so record counts and
    /// class counts agree but slice ids (and so output hashes) do not.
    same_voxel_order: bool,
}

const FORMATS: &[CohortFormat] = &[
    CohortFormat {
        synth: "nrrd",
        scan: "{id}/image.nrrd",
        segmentation: "{id}/*.seg.nrrd",
        lesion: "{segment_names: [tumor]}",
        same_voxel_order: true,
    },
    CohortFormat {
        synth: "nifti",
        scan: "{id}/{id}_t1ce.nii.gz",
        segmentation: "{id}/{id}_seg.nii.gz",
        lesion: "{label_values: [1]}",
        same_voxel_order: true,
    },
    CohortFormat {
        synth: "dicom",
        scan: "{id}/scan",
        segmentation: "{id}/seg.dcm",
        lesion: "{segment_names: [tumor]}",
        same_voxel_order: false,
    },
];

fn pipeline(format: &CohortFormat) -> String {
    format!(
        r#"
pipeline: formats
stages:
  patients:
    kind: sample_filter
    with: {{clinical: data/clinical.csv, images: data, scan: "{scan}", segmentation: "{segmentation}"}}
  slices:
    kind: slice_extract
    input: patients
    with: {{lesion: {lesion}}}
  lesions:
    kind: lesion_filter
    input: slices
    with: {{policy: per_patient, fraction: 0.25, min_pixels: 10}}
  resized:
    kind: resize
    input: lesions
    with: {{size: [48, 48]}}
  features:
    kind: onnx_features
    input: resized
    with: {{model: models/tiny_cnn.onnx, input: images, output: features, features: 16, batch_size: 8}}
"#,
        scan = format.scan,
        segmentation = format.segmentation,
        lesion = format.lesion,
    )
}

/// Runs the study on the cohort written in `format`; returns the lock file's stages.
fn run_study(format: &CohortFormat) -> serde_yaml::Mapping {
    let p = common::Project::new().file("radflow.yaml", &pipeline(format));
    p.run(&[
        "synth",
        "--out",
        "data",
        "--patients",
        "14",
        "--size",
        "64",
        "--slices",
        "12,16",
        "--format",
        format.synth,
    ])
    .ok();
    std::fs::create_dir_all(p.path().join("models")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/models/tiny_cnn.onnx"),
        p.path().join("models/tiny_cnn.onnx"),
    )
    .unwrap();
    p.run(&["run"]).ok();
    let lock: serde_yaml::Value = serde_yaml::from_str(&p.read("radflow.lock")).unwrap();
    lock["stages"].as_mapping().unwrap().clone()
}

#[test]
fn every_format_gives_the_same_counts_slices_and_features() {
    let reference = run_study(&FORMATS[0]);
    for format in &FORMATS[1..] {
        let stages = run_study(format);
        for (name, want) in &reference {
            let stage = name.as_str().unwrap();
            let got = &stages[name];
            assert!(
                got.is_mapping(),
                "{}: no stage `{stage}` in the lock file",
                format.synth
            );
            assert!(
                want["records"].as_u64().is_some_and(|n| n > 0),
                "{stage} has records to compare"
            );
            assert_eq!(
                got["records"], want["records"],
                "{}: {stage} records",
                format.synth
            );
            assert_eq!(
                got["summary"]["counts"], want["summary"]["counts"],
                "{}: {stage} counts",
                format.synth
            );
            // The patient records name the files, which differ by format; everything
            // after them depends on the samples only.
            if stage != "patients" && format.same_voxel_order {
                assert_eq!(
                    got["output"], want["output"],
                    "{}: {stage} output",
                    format.synth
                );
            }
        }
        println!(
            "{}: every stage agrees with {}",
            format.synth, FORMATS[0].synth
        );
    }
}
