//! Bounds on what the reader will allocate for untrusted input.
//!
//! A header can claim any size; the reader compares the claim with these limits (and,
//! for raw data, with the bytes actually present) before it allocates, and compressed or
//! text data is decoded into a buffer that grows with what the stream really yields.

/// Reader limits. The defaults are generous for medical volumes and still refuse a
/// header that claims 10^12 voxels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most decoded sample bytes one volume may have.
    pub max_bytes: u64,
    /// The most bytes a header may have (Slicer segmentations with hundreds of segments
    /// reach a few hundred KiB).
    pub max_header_bytes: usize,
}

impl Limits {
    pub const DEFAULT_MAX_BYTES: u64 = 16 << 30;
    pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: Limits::DEFAULT_MAX_BYTES,
            max_header_bytes: Limits::DEFAULT_MAX_HEADER_BYTES,
        }
    }
}
