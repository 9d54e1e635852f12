//! Errors of reading a scan or a segmentation in any format. The format readers' errors
//! already name the file; the variants here add what only dispatch knows.

use std::path::PathBuf;

use crate::dicom::DicomError;
use crate::metaimage::MetaImageError;
use crate::nifti::NiftiError;
use crate::nrrd::NrrdError;
use crate::seg::SegError;

#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// No reader recognizes the content.
    #[error(
        "`{}`: not an image radflow reads ({found}); expected NRRD, NIfTI-1/2 (`.nii`, \
         `.nii.gz`, `.hdr`), MetaImage (`.mha`, `.mhd`), a DICOM file or a folder of DICOM files",
        path.display()
    )]
    Unrecognized { path: PathBuf, found: String },
    /// A format whose reader is not part of this build.
    #[error("`{}`: unsupported: {what}", path.display())]
    Unsupported { path: PathBuf, what: String },
    /// A scan must be 3-D (trailing axes of size 1 are allowed).
    #[error("`{}` has sizes {sizes:?}; expected a 3-D scan", path.display())]
    NotThreeD { path: PathBuf, sizes: Vec<usize> },
    #[error(transparent)]
    Nrrd(#[from] NrrdError),
    #[error(transparent)]
    Nifti(#[from] NiftiError),
    #[error(transparent)]
    MetaImage(#[from] MetaImageError),
    #[error(transparent)]
    Seg(#[from] SegError),
    #[error(transparent)]
    Dicom(Box<DicomError>),
}

// Boxed: a DICOM error carries paths and UIDs, and would make every `Result` of this
// layer as large as the largest of them.
impl From<DicomError> for VolumeError {
    fn from(error: DicomError) -> Self {
        VolumeError::Dicom(Box::new(error))
    }
}
