//! What cohort to generate.

use std::path::PathBuf;

use serde::Serialize;

use super::error::SynthError;

/// The file format a cohort is written in; the patients and their samples are the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageFormat {
    /// `{id}/image.nrrd` and a 3D Slicer `{id}/segmentation.seg.nrrd` (segment `tumor`).
    #[default]
    Nrrd,
    /// BraTS-like: `{id}/{id}_t1ce.nii.gz` and a labelmap `{id}/{id}_seg.nii.gz`
    /// (1 tumor, 2 edema around it).
    Nifti,
    /// TCIA-like: a DICOM series `{id}/scan/` and a DICOM-SEG `{id}/seg.dcm`.
    Dicom,
}

/// Settings of a synthetic cohort. [`SynthConfig::new`] gives the study's size
/// (METHOD.md: 122 patients); [`SynthConfig::tiny`] gives a cohort small enough
/// for CI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynthConfig {
    /// Folder to write into; created if missing (see [`generate`](super::generate)
    /// for what happens when it already holds files).
    pub out: PathBuf,
    /// Patients in the clinical CSV (an extra folder with no CSV row is added).
    pub patients: usize,
    pub seed: u64,
    /// Voxels along each in-plane axis; the field of view stays about 240 mm, so
    /// smaller images have coarser pixels and the same anatomy.
    pub in_plane: usize,
    /// Fewest and most axial slices per scan (inclusive).
    pub slices: (usize, usize),
    /// The file format of scans and segmentations.
    pub format: ImageFormat,
}

impl SynthConfig {
    pub const DEFAULT_PATIENTS: usize = 122;
    pub const DEFAULT_SEED: u64 = 2018;
    /// Fewest patients that still hold one patient per grade plus the planted drops.
    pub const MIN_PATIENTS: usize = 7;
    /// Ids have four digits (`SYN-0001`), and the plan is held in memory.
    pub const MAX_PATIENTS: usize = 9998;
    pub const MIN_IN_PLANE: usize = 32;
    pub const MAX_IN_PLANE: usize = 1024;
    /// A lesion must span several slices, and the head needs room above and below.
    pub const MIN_SLICES: usize = 8;
    pub const MAX_SLICES: usize = 1000;

    /// The study-sized cohort: 122 patients of 256 x 256 x 40..120 voxels.
    pub fn new(out: impl Into<PathBuf>) -> SynthConfig {
        SynthConfig {
            out: out.into(),
            patients: Self::DEFAULT_PATIENTS,
            seed: Self::DEFAULT_SEED,
            in_plane: 256,
            slices: (40, 120),
            format: ImageFormat::Nrrd,
        }
    }

    /// A CI-sized cohort: 12 patients of 64 x 64 x 12..20 voxels.
    pub fn tiny(out: impl Into<PathBuf>) -> SynthConfig {
        SynthConfig {
            patients: 12,
            in_plane: 64,
            slices: (12, 20),
            ..SynthConfig::new(out)
        }
    }

    /// Refuses settings that cannot make a sensible cohort, naming the setting.
    pub fn validate(&self) -> Result<(), SynthError> {
        let invalid = |setting: &'static str, found: String, expected: String| {
            Err(SynthError::Config {
                setting,
                found,
                expected,
            })
        };
        if !(Self::MIN_PATIENTS..=Self::MAX_PATIENTS).contains(&self.patients) {
            return invalid(
                "patients",
                self.patients.to_string(),
                format!("{} to {}", Self::MIN_PATIENTS, Self::MAX_PATIENTS),
            );
        }
        if !(Self::MIN_IN_PLANE..=Self::MAX_IN_PLANE).contains(&self.in_plane) {
            return invalid(
                "in-plane size",
                self.in_plane.to_string(),
                format!("{} to {}", Self::MIN_IN_PLANE, Self::MAX_IN_PLANE),
            );
        }
        let (low, high) = self.slices;
        if low > high || low < Self::MIN_SLICES || high > Self::MAX_SLICES {
            return invalid(
                "slices",
                format!("{low}..{high}"),
                format!(
                    "a range within {}..{}, smallest first",
                    Self::MIN_SLICES,
                    Self::MAX_SLICES
                ),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_and_tiny_cohorts_are_valid() {
        assert_eq!(SynthConfig::new("x").validate().ok(), Some(()));
        assert_eq!(SynthConfig::tiny("x").validate().ok(), Some(()));
    }

    #[test]
    fn impossible_settings_are_refused_naming_the_setting() {
        let base = SynthConfig::tiny("x");
        let cases = [
            (
                SynthConfig {
                    patients: 6,
                    ..base.clone()
                },
                "`patients` is 6; expected 7 to 9998",
            ),
            (
                SynthConfig {
                    in_plane: 16,
                    ..base.clone()
                },
                "`in-plane size` is 16; expected 32 to 1024",
            ),
            (
                SynthConfig {
                    slices: (20, 12),
                    ..base.clone()
                },
                "`slices` is 20..12",
            ),
            (
                SynthConfig {
                    slices: (4, 12),
                    ..base.clone()
                },
                "`slices` is 4..12",
            ),
        ];
        for (config, expected) in cases {
            let message = config.validate().expect_err(expected).to_string();
            assert!(message.contains(expected), "{message}");
        }
    }
}
