//! Errors of the synthetic cohort generator.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::dicom::DicomError;
use crate::nifti::NiftiError;
use crate::nrrd::NrrdError;
use crate::seg::{GeometryError, SegError};

#[derive(Debug, Error)]
pub enum SynthError {
    #[error("synthetic cohort: `{setting}` is {found}; expected {expected}")]
    Config {
        setting: &'static str,
        found: String,
        expected: String,
    },
    #[error(
        "`{}` already holds files that radflow did not generate; choose an empty or new \
         folder",
        path.display()
    )]
    OutputNotEmpty { path: PathBuf },
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(transparent)]
    Nrrd(#[from] NrrdError),
    #[error(transparent)]
    Nifti(#[from] NiftiError),
    #[error(transparent)]
    Seg(#[from] SegError),
    #[error("synthetic cohort: {0}")]
    Geometry(#[from] GeometryError),
    #[error("synthetic cohort: {0}")]
    Dicom(Box<DicomError>),
    #[error("cannot write `{}`: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
}

impl SynthError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: io::Error) -> Self {
        SynthError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

// Boxed: a DICOM error carries paths and UIDs, and would make every `Result` of this
// layer as large as the largest of them.
impl From<DicomError> for SynthError {
    fn from(error: DicomError) -> Self {
        SynthError::Dicom(Box::new(error))
    }
}
