//! A patient record's scan and segmentation, opened for reading: what `slice_extract` and
//! `radiomics` (3-D) both need before they decode a volume.

use std::path::PathBuf;

use super::sample_filter::ImageRef;
use crate::dataset::{Record, Value};
use crate::stage_api::{StageContext, StageError};

pub struct PatientImages {
    pub scan: ImageRef,
    pub segmentation: ImageRef,
    /// Where the scan and the segmentation can be read now (checked against their hashes).
    pub scan_path: PathBuf,
    pub segmentation_path: PathBuf,
}

impl PatientImages {
    /// The record's `scan` and `segmentation` (a file or a folder of files), with every
    /// detached data file they name checked against the hash it was keyed with.
    pub fn open(ctx: &StageContext<'_>, patient: &Record) -> Result<Self, StageError> {
        let image = |field: &str| {
            ImageRef::from_value(patient.get(field)?).ok_or_else(|| {
                StageError::invalid(format!(
                    "record `{}`: field `{field}` is neither a file nor a folder of files",
                    patient.id
                ))
            })
        };
        let (scan, segmentation) = (image("scan")?, image("segmentation")?);
        for field in ["scan_data", "segmentation_data"] {
            if let Some(Value::List(data)) = patient.fields.get(field) {
                for file in data.iter().filter_map(Value::as_file) {
                    ctx.open_file(file)?;
                }
            }
        }
        let scan_path = scan.open(ctx)?;
        let segmentation_path = segmentation.open(ctx)?;
        Ok(Self {
            scan,
            segmentation,
            scan_path,
            segmentation_path,
        })
    }

    /// `message` with the paths the readers were given replaced by the workspace-relative
    /// names a person knows the files by.
    pub fn relative(&self, message: String) -> String {
        message
            .replace(&*self.scan_path.to_string_lossy(), self.scan.name())
            .replace(
                &*self.segmentation_path.to_string_lossy(),
                self.segmentation.name(),
            )
    }
}
