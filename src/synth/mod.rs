//! A deterministic synthetic glioma cohort, laid out like a TCIA download, for
//! demos, tests and benchmarks of the grading pipeline (`radflow synth`).
//!
//! ```text
//! OUT/clinical.csv                     patient_id,grade,age,sex
//! OUT/SYN-0001/image.nrrd              gzip int16 MR-like scan, LPS
//! OUT/SYN-0001/segmentation.seg.nrrd   3D Slicer segmentation, segment `tumor`
//! OUT/.radflow-synth.json              marker: the settings that made the cohort
//! ```
//!
//! With `format: nifti` the same patients are written BraTS-like, as
//! `OUT/SYN-0001/SYN-0001_t1ce.nii.gz` (the scan) and `OUT/SYN-0001/SYN-0001_seg.nii.gz`
//! (a labelmap: 1 tumor, 2 edema; on the same cropped or full grid as the Slicer file);
//! with `format: dicom`, TCIA-like, as a series folder and a DICOM-SEG (`dicom_files.rs`).
//!
//! What it plants (`cohort.rs` has the details, [`SynthSummary`] the outcome):
//! METHOD.md's proportions (122 patients, 80 graded: II 34, III 24, IV 22, scaled
//! for smaller cohorts); grades spelled `II`, `2` or `G2`; empty and out-of-range
//! grades; a graded patient without a segmentation, one without a scan, and a folder
//! without a CSV row; segmentations on the full grid, cropped like Slicer's
//! CropToMinimumExtent, and 4-D layered with an overlapping `edema` segment; a
//! tumor whose texture depends on the grade.
//!
//! Invariant: the same [`SynthConfig`] (folder aside) gives byte-identical files.
//! Each patient draws from its own random stream, so rayon's scheduling does not
//! matter, and the NRRD writer's gzip stream carries no timestamp.

mod anatomy;
mod clinical_csv;
mod cohort;
mod config;
mod dicom_files;
mod error;
mod labelmap;
mod lesion;
mod output_folder;
mod patient;
mod rng;
mod scan_grid;
mod slicer_seg;
mod smooth_field;
mod summary;

use rayon::prelude::*;

pub use clinical_csv::{CLINICAL_CSV, GRADE_COLUMN, ID_COLUMN};
pub use config::{ImageFormat, SynthConfig};
pub use error::SynthError;
pub use labelmap::{EDEMA_LABEL, TUMOR_LABEL};
pub use output_folder::MARKER_FILE;
pub use patient::{SCAN_FILE, SEGMENTATION_FILE, patient_files};
pub use slicer_seg::{EDEMA_SEGMENT, TUMOR_SEGMENT};
pub use summary::{DropReason, Grade, GradeCounts, PatientRecord, SegLayout, SynthSummary};

/// Writes the cohort described by `config` and returns what it holds.
pub fn generate(config: &SynthConfig) -> Result<SynthSummary, SynthError> {
    config.validate()?;
    output_folder::prepare(config)?;
    let plans = cohort::plan_cohort(config);
    let patients: Vec<PatientRecord> = plans
        .par_iter()
        .map(|plan| patient::generate_patient(config, plan))
        .collect::<Result<_, _>>()?;
    let clinical_csv = config.out.join(CLINICAL_CSV);
    clinical_csv::write_clinical_csv(&clinical_csv, &plans)?;

    let (mut kept, mut kept_slices, mut kept_lesion_slices) = Default::default();
    for patient in patients.iter().filter(|p| p.drop.is_none()) {
        let grade = patient.grade.unwrap_or(patient.lesion_grade);
        GradeCounts::add(&mut kept, grade, 1);
        GradeCounts::add(&mut kept_slices, grade, patient.slices);
        let (first, last) = patient.lesion_slices;
        let lesion_slices = if patient.lesion_voxels > 0 {
            last - first + 1
        } else {
            0
        };
        GradeCounts::add(&mut kept_lesion_slices, grade, lesion_slices);
    }
    Ok(SynthSummary {
        out: config.out.clone(),
        clinical_csv,
        patients,
        kept,
        kept_slices,
        kept_lesion_slices,
    })
}
