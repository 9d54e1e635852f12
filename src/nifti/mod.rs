//! radflow's NIfTI-1 and NIfTI-2 reader, and a NIfTI-1 writer.
//!
//! One header parser serves both versions (`header.rs`): they differ only in field widths
//! and offsets, and NIfTI-2 (540-byte header, int64 sizes, float64 geometry) has no Rust
//! crate. The `nifti` crate reads NIfTI-1 only, converts samples to ndarrays, and would
//! put a second set of geometry rules beside ours; here one set of rules
//! (`transform.rs`) follows nibabel's for both versions.
//!
//! Invariants:
//! - Samples are the stored values (before `scl_slope`/`scl_inter`), x fastest, in native
//!   byte order; sizes are `dim[1..=dim[0]]`.
//! - Geometry is nibabel's affine (sform, else qform, else the Analyze fallback) with the
//!   first two rows negated: RAS+ to LPS.
//! - Untrusted bytes never panic, and the sample buffer is allocated only once the file is
//!   known to be able to hold it (see `read.rs`).
//!
//! The way through the files: `read.rs` (files, gzip, pairs) -> `header.rs` (bytes to
//! fields) with `datatype.rs` (sample types) -> `transform.rs` (affine to LPS geometry).
//! Writing: `write.rs`.

mod datatype;
mod error;
mod header;
mod read;
mod transform;
mod write;

pub use datatype::name as type_name;
pub use error::NiftiError;
pub use header::{Header, NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES, Version, sniff};
pub use read::{MAX_BYTES, Nifti, data_files, pair_data_file, read, read_from_bytes, read_header};
pub use transform::{Affine, TransformSource, ras_affine, to_lps};
pub use write::{WriteOptions, write};

use std::path::Path;

use crate::seg::Geometry;

impl Nifti {
    /// The sizes of the first three axes, 1 for axes the image does not have.
    pub fn spatial_sizes(&self) -> [usize; 3] {
        std::array::from_fn(|axis| self.sizes.get(axis).copied().unwrap_or(1))
    }

    /// Where the first three axes sit in space (LPS), and which transform said so.
    pub fn geometry(&self, path: &Path) -> Result<(Geometry, TransformSource), NiftiError> {
        transform::geometry(&self.header, self.spatial_sizes(), path)
    }
}
