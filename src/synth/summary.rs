//! What a generated cohort holds: the truth a test checks the pipeline against.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A pathological grade of the study (METHOD.md: II, III or IV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Grade {
    II,
    III,
    IV,
}

impl Grade {
    pub const ALL: [Grade; 3] = [Grade::II, Grade::III, Grade::IV];

    /// The grade as a number (2, 3 or 4).
    pub fn number(self) -> u8 {
        match self {
            Grade::II => 2,
            Grade::III => 3,
            Grade::IV => 4,
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Grade::II => "II",
            Grade::III => "III",
            Grade::IV => "IV",
        })
    }
}

/// A count per grade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GradeCounts {
    pub ii: usize,
    pub iii: usize,
    pub iv: usize,
}

impl GradeCounts {
    pub fn get(&self, grade: Grade) -> usize {
        match grade {
            Grade::II => self.ii,
            Grade::III => self.iii,
            Grade::IV => self.iv,
        }
    }

    pub fn add(&mut self, grade: Grade, count: usize) {
        match grade {
            Grade::II => self.ii += count,
            Grade::III => self.iii += count,
            Grade::IV => self.iv += count,
        }
    }

    pub fn total(&self) -> usize {
        self.ii + self.iii + self.iv
    }
}

/// How a patient's segmentation file is laid out, as 3D Slicer may save it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SegLayout {
    /// 3-D, on the scan's whole grid; `Extent` covers the whole grid (loose, like a
    /// shared Slicer layer).
    FullGrid,
    /// 3-D, cropped to the lesion's box like Slicer's CropToMinimumExtent, with
    /// `Segmentation_ReferenceImageExtentOffset` and the origin moved to the crop.
    Cropped,
    /// 4-D, two layers on the whole grid: the tumor, and an overlapping edema.
    Layered,
    /// 4-D and cropped to the box of both segments.
    LayeredCropped,
}

/// Why the sample filter must drop a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum DropReason {
    /// The grade cell is empty.
    GradeMissing,
    /// The grade cell holds something other than grade II, III or IV.
    GradeOutOfRange { text: String },
    /// Graded, with a scan, but no segmentation file.
    NoSegmentation,
    /// Graded, with a segmentation, but no scan file.
    NoScan,
    /// A patient folder with no row in the clinical CSV.
    NotInClinicalCsv,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::GradeMissing => f.write_str("no grade"),
            DropReason::GradeOutOfRange { text } => {
                write!(f, "grade `{text}` is not II, III or IV")
            }
            DropReason::NoSegmentation => f.write_str("no segmentation file"),
            DropReason::NoScan => f.write_str("no scan file"),
            DropReason::NotInClinicalCsv => f.write_str("not in the clinical CSV"),
        }
    }
}

/// One patient of the cohort, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientRecord {
    pub id: String,
    /// The grade cell as written in the CSV; `None` when the patient has no row.
    pub csv_grade: Option<String>,
    /// The grade the CSV states when it is II, III or IV (whatever the spelling).
    pub grade: Option<Grade>,
    /// The grade that shaped the lesion's texture (ungraded patients have one too).
    pub lesion_grade: Grade,
    pub scan: Option<PathBuf>,
    pub segmentation: Option<PathBuf>,
    /// `None` when no segmentation was written.
    pub seg_layout: Option<SegLayout>,
    /// Axial slices of the scan.
    pub slices: usize,
    pub in_plane_spacing_mm: f64,
    pub slice_thickness_mm: f64,
    /// Tumor voxels on the scan grid.
    pub lesion_voxels: u64,
    /// First and last axial slice holding tumor voxels.
    pub lesion_slices: (usize, usize),
    /// Why the sample filter must drop this patient; `None` when it must keep it.
    pub drop: Option<DropReason>,
}

/// What [`generate`](super::generate) wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthSummary {
    pub out: PathBuf,
    pub clinical_csv: PathBuf,
    /// Every patient folder and CSV row, in id order.
    pub patients: Vec<PatientRecord>,
    /// Patients the sample filter must keep, per grade.
    pub kept: GradeCounts,
    /// Axial slices of the kept patients, per grade.
    pub kept_slices: GradeCounts,
    /// Slices holding tumor voxels, of the kept patients, per grade.
    pub kept_lesion_slices: GradeCounts,
}

impl SynthSummary {
    /// The patients the sample filter must drop, with the reason.
    pub fn drops(&self) -> impl Iterator<Item = (&str, &DropReason)> {
        self.patients
            .iter()
            .filter_map(|p| p.drop.as_ref().map(|reason| (p.id.as_str(), reason)))
    }

    /// A few lines for a person: counts per grade and the planted drops.
    pub fn to_text(&self) -> String {
        let mut lines = vec![
            format!(
                "wrote {} patient folders and `{}`",
                self.patients
                    .iter()
                    .filter(|p| p.scan.is_some() || p.segmentation.is_some())
                    .count(),
                self.clinical_csv.display()
            ),
            format!(
                "kept by a correct sample filter: {} patients (II {}, III {}, IV {}), {} slices, {} with lesion",
                self.kept.total(),
                self.kept.ii,
                self.kept.iii,
                self.kept.iv,
                self.kept_slices.total(),
                self.kept_lesion_slices.total()
            ),
        ];
        for (id, reason) in self.drops() {
            lines.push(format!("  drop {id}: {reason}"));
        }
        lines.join("\n")
    }
}
