//! Bounds on what one file may make the reader allocate.

/// Bounds applied while reading a file. The defaults take any real scan; the fuzz
/// target uses small ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file read (and the largest a deflated dataset may inflate to).
    pub max_file_bytes: u64,
    /// The largest decoded pixel data of one file, in bytes.
    pub max_decoded_bytes: u64,
    /// A compressed frame may decode to at most this many times its size (or
    /// [`Limits::MIN_FRAME_BUDGET`], whichever is larger): the header's Rows and Columns
    /// cannot make a 100-byte fragment allocate gigabytes.
    pub max_compression_ratio: u64,
}

impl Limits {
    /// A frame may always decode to this many bytes, however small its fragment: a
    /// constant 512x512 16-bit slice compresses to a few hundred bytes in JPEG-LS.
    pub const MIN_FRAME_BUDGET: u64 = 1 << 20;

    /// The most bytes a compressed frame of `compressed` bytes may decode to.
    pub fn frame_budget(&self, compressed: usize) -> u64 {
        (compressed as u64)
            .saturating_mul(self.max_compression_ratio)
            .max(Self::MIN_FRAME_BUDGET)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 4 << 30,
            max_decoded_bytes: 16 << 30,
            max_compression_ratio: 1024,
        }
    }
}
