//! radflow's own NRRD reader and writer (no NRRD crate exists on crates.io).
//!
//! NRRD is teem's "nearly raw raster data": a short text header followed (or pointed to)
//! by the samples. This module reads every header feature listed in
//! `shared/data/README.md` (NRRD0001 to NRRD0005, attached and detached data, the
//! single-file, pattern and `LIST` forms of `data file`, raw/ascii/hex/gzip/bzip2, both
//! byte orders, line and byte skips) and writes raw, ascii, hex, gzip and bzip2, attached
//! or detached.
//!
//! Invariants:
//! - Samples are in file order (axis 0 fastest) and native byte order; `Header::sizes`
//!   is fastest axis first.
//! - Untrusted bytes never panic and never make the reader allocate more than
//!   [`Limits`] allows; a claimed size is checked before any allocation.
//! - The decoded byte count must equal the product of the sizes times the sample size;
//!   raw data may be followed by unused bytes, compressed and text data may not.
//!
//! The way through the files, in the order data flows:
//! `read.rs` (entry points, header chunking) -> `parse.rs` (lines to fields) with
//! `field.rs` (value syntaxes) and `types.rs` (vocabularies) -> `validate.rs`
//! (whole-header checks) -> `detached.rs` (which files hold the data) -> `decode.rs`
//! (skips, decompression, text, byte swap) -> `samples.rs` (typed samples, statistics,
//! hash). Writing goes `write.rs` -> `emit.rs` (header text). `summary.rs` is what
//! `radflow nrrd` prints.
//!
//! ```no_run
//! use radflow::nrrd::{self, Encoding, WriteOptions};
//! # fn main() -> Result<(), nrrd::NrrdError> {
//! let volume = nrrd::read("scan.nrrd".as_ref())?;
//! let voxels: Vec<f32> = volume.samples.to_f32()?;
//! let shape = volume.header.shape_row_major(); // [k, j, i] for an ndarray
//! nrrd::write("copy.nrrd".as_ref(), &volume, &WriteOptions::new(Encoding::Gzip))?;
//! # let _ = (voxels, shape);
//! # Ok(())
//! # }
//! ```

mod decode;
mod detached;
mod emit;
mod error;
mod field;
mod header;
mod limits;
mod parse;
mod read;
mod samples;
mod summary;
mod types;
mod validate;
mod write;

pub use detached::data_files;
pub use error::NrrdError;
pub use header::{DataFile, Header};
pub use limits::Limits;
pub use read::{read, read_from_bytes, read_header, read_with_limits};
pub use samples::Samples;
pub use summary::Summary;
pub use types::{Centering, Encoding, Endian, Kind, ScalarType, Space};
pub use validate::MAX_DIMENSION;
pub use write::{Layout, WriteOptions, write};

/// A decoded NRRD volume: its header and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Nrrd {
    pub header: Header,
    pub samples: Samples,
}

impl Nrrd {
    /// A new volume from samples in file order (axis 0 fastest), with a minimal header
    /// (`Header::new`) that the caller can enrich with geometry and key/values.
    pub fn from_samples(sizes: Vec<usize>, samples: Samples) -> Result<Nrrd, NrrdError> {
        let header = Header::new(samples.scalar_type(), sizes);
        let expected = header.sample_count();
        if expected != Some(samples.len()) {
            return Err(NrrdError::Shape {
                count: samples.len(),
                payload: header.describe_payload(),
                sizes: header.sizes,
            });
        }
        Ok(Nrrd { header, samples })
    }
}
