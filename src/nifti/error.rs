//! Errors of the NIfTI reader and writer. Each names the file, the header field when
//! there is one, and what was found against what was expected.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum NiftiError {
    /// The operating system refused a file operation.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    /// Neither a NIfTI-1 (348-byte) nor a NIfTI-2 (540-byte) header.
    #[error("`{}`: not a NIfTI file: {found}", file.display())]
    NotNifti { file: PathBuf, found: String },

    /// A header field whose value cannot be used.
    #[error("`{}`: `{field}` is {found}; expected {expected}", file.display())]
    Field {
        file: PathBuf,
        field: &'static str,
        found: String,
        expected: String,
    },

    /// The `.img` of a `.hdr` does not exist.
    #[error("`{}`: its data file `{}` does not exist", file.display(), data.display())]
    MissingData { file: PathBuf, data: PathBuf },

    /// The two transforms of the header place the grid in different places.
    #[error(
        "`{}`: the qform and the sform disagree by {distance_mm:.3} mm at a corner of the \
         grid (more than one voxel); the file's geometry cannot be trusted (rewrite it \
         with one transform, e.g. nibabel's `set_qform(img.get_sform())`)",
        file.display()
    )]
    InconsistentTransforms { file: PathBuf, distance_mm: f64 },

    /// The grid the header describes cannot be placed in space.
    #[error("`{}`: {message}", file.display())]
    Geometry { file: PathBuf, message: String },

    /// The data ended before the header's sizes were filled.
    #[error(
        "`{}`: the data holds {found} bytes from offset {offset}, expected {expected} \
         ({payload}); the file is truncated",
        file.display()
    )]
    Truncated {
        file: PathBuf,
        offset: u64,
        found: u64,
        expected: u64,
        payload: String,
    },

    /// The data is larger than the limit, checked before allocating.
    #[error(
        "`{}`: the data needs {bytes} bytes ({payload}), more than the limit of {limit} bytes",
        file.display()
    )]
    TooLarge {
        file: PathBuf,
        bytes: u128,
        limit: u64,
        payload: String,
    },

    /// A gzip stream that cannot be decompressed.
    #[error("`{}`: gzip data: {message}", file.display())]
    Decode { file: PathBuf, message: String },

    /// A volume that cannot be written as asked.
    #[error("cannot write `{}`: {message}", file.display())]
    Write { file: PathBuf, message: String },
}

impl NiftiError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        NiftiError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
