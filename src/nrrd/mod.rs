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

mod error;
mod header;
mod limits;
mod samples;
mod types;
mod validate;

pub use error::NrrdError;
pub use header::{DataFile, Header};
pub use limits::Limits;
pub use samples::Samples;
pub use types::{Centering, Encoding, Endian, Kind, ScalarType, Space};
pub use validate::MAX_DIMENSION;

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
            return Err(NrrdError::Write {
                file: std::path::PathBuf::from("<memory>"),
                message: format!(
                    "{} samples do not fill sizes {:?} ({})",
                    samples.len(),
                    header.sizes,
                    header.describe_payload()
                ),
            });
        }
        Ok(Nrrd { header, samples })
    }
}
