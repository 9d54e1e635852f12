//! Decoded samples: one typed vector per NRRD scalar type, in file order (axis 0
//! fastest), in the machine's native byte order.
//!
//! The statistics follow the conventions of `shared/data/expected_values.json` (numpy
//! over the array as read by pynrrd): `min`/`max` are NaN when any float sample is NaN,
//! `sum` is exact for integers and a float64 sum for floats, and `sha256_le` hashes every
//! sample as the little-endian bytes of its type.

use sha2::{Digest, Sha256};

use super::error::NrrdError;
use super::types::ScalarType;

#[derive(Debug, Clone, PartialEq)]
pub enum Samples {
    I8(Vec<i8>),
    U8(Vec<u8>),
    I16(Vec<i16>),
    U16(Vec<u16>),
    I32(Vec<i32>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    /// Opaque records of `size` bytes each, back to back.
    Block {
        size: usize,
        bytes: Vec<u8>,
    },
}

/// Runs `$body` with `$v` bound to the typed vector of every numeric variant, and
/// `$block` for `Block`.
macro_rules! each_numeric {
    ($samples:expr, $v:ident => $body:expr, $size:ident, $bytes:ident => $block:expr) => {
        match $samples {
            Samples::I8($v) => $body,
            Samples::U8($v) => $body,
            Samples::I16($v) => $body,
            Samples::U16($v) => $body,
            Samples::I32($v) => $body,
            Samples::U32($v) => $body,
            Samples::I64($v) => $body,
            Samples::U64($v) => $body,
            Samples::F32($v) => $body,
            Samples::F64($v) => $body,
            Samples::Block {
                size: $size,
                bytes: $bytes,
            } => $block,
        }
    };
}
pub(crate) use each_numeric;

/// A sample type that can be viewed as bytes and read as f64.
pub(crate) trait Sample: bytemuck::Pod + Copy + PartialOrd {
    fn to_f64(self) -> f64;
    fn is_nan(self) -> bool;
    /// Exact integer value, for exact sums; `None` for floats.
    fn to_i128(self) -> Option<i128>;
}

macro_rules! int_sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            fn to_f64(self) -> f64 { self as f64 }
            fn is_nan(self) -> bool { false }
            fn to_i128(self) -> Option<i128> { Some(self as i128) }
        }
    )*};
}
int_sample!(i8, u8, i16, u16, i32, u32, i64, u64);

macro_rules! float_sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            fn to_f64(self) -> f64 { self as f64 }
            fn is_nan(self) -> bool { <$t>::is_nan(self) }
            fn to_i128(self) -> Option<i128> { None }
        }
    )*};
}
float_sample!(f32, f64);

macro_rules! from_vec {
    ($($t:ty => $variant:ident),*) => {$(
        impl From<Vec<$t>> for Samples {
            fn from(values: Vec<$t>) -> Samples { Samples::$variant(values) }
        }
    )*};
}
from_vec!(i8 => I8, u8 => U8, i16 => I16, u16 => U16, i32 => I32, u32 => U32,
          i64 => I64, u64 => U64, f32 => F32, f64 => F64);

impl Samples {
    /// `count` zero samples of `scalar_type`. The caller bounds `count` first.
    pub fn zeros(scalar_type: ScalarType, count: usize) -> Samples {
        match scalar_type {
            ScalarType::I8 => Samples::I8(vec![0; count]),
            ScalarType::U8 => Samples::U8(vec![0; count]),
            ScalarType::I16 => Samples::I16(vec![0; count]),
            ScalarType::U16 => Samples::U16(vec![0; count]),
            ScalarType::I32 => Samples::I32(vec![0; count]),
            ScalarType::U32 => Samples::U32(vec![0; count]),
            ScalarType::I64 => Samples::I64(vec![0; count]),
            ScalarType::U64 => Samples::U64(vec![0; count]),
            ScalarType::F32 => Samples::F32(vec![0.0; count]),
            ScalarType::F64 => Samples::F64(vec![0.0; count]),
            ScalarType::Block(size) => Samples::Block {
                size,
                bytes: vec![0; count.saturating_mul(size)],
            },
        }
    }

    /// No samples of `scalar_type`, with room for `count`. The caller bounds `count` first.
    pub fn with_capacity(scalar_type: ScalarType, count: usize) -> Samples {
        let mut samples = Samples::zeros(scalar_type, 0);
        each_numeric!(&mut samples, v => v.reserve_exact(count),
            size, bytes => bytes.reserve_exact(count.saturating_mul(*size)));
        samples
    }

    /// Appends up to `count` samples (records, for `Block`) of raw file bytes, in the
    /// file's byte order, read from `file`'s current position without clearing memory
    /// first ([`crate::raw_read`]). Returns the bytes read; fewer than asked at the end of
    /// the file.
    pub fn append_from_file(
        &mut self,
        file: &std::fs::File,
        count: usize,
    ) -> std::io::Result<usize> {
        use crate::raw_read::append_samples;
        each_numeric!(self, v => append_samples(file, v, count),
            size, bytes => append_samples(file, bytes, count.saturating_mul(*size)))
    }

    pub fn scalar_type(&self) -> ScalarType {
        match self {
            Samples::I8(_) => ScalarType::I8,
            Samples::U8(_) => ScalarType::U8,
            Samples::I16(_) => ScalarType::I16,
            Samples::U16(_) => ScalarType::U16,
            Samples::I32(_) => ScalarType::I32,
            Samples::U32(_) => ScalarType::U32,
            Samples::I64(_) => ScalarType::I64,
            Samples::U64(_) => ScalarType::U64,
            Samples::F32(_) => ScalarType::F32,
            Samples::F64(_) => ScalarType::F64,
            Samples::Block { size, .. } => ScalarType::Block(*size),
        }
    }

    /// The number of samples (records, for `Block`).
    pub fn len(&self) -> usize {
        each_numeric!(self, v => v.len(), size, bytes => bytes.len().checked_div(*size).unwrap_or(0))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The samples as bytes in native byte order.
    pub fn as_bytes(&self) -> &[u8] {
        each_numeric!(self, v => bytemuck::cast_slice(v), _size, bytes => bytes)
    }

    /// The samples as mutable bytes in native byte order.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        each_numeric!(self, v => bytemuck::cast_slice_mut(v), _size, bytes => bytes)
    }

    /// Reverses the bytes of every sample (a no-op for 1-byte types and blocks).
    pub fn swap_bytes(&mut self) {
        match self {
            Samples::I16(v) => v.iter_mut().for_each(|x| *x = x.swap_bytes()),
            Samples::U16(v) => v.iter_mut().for_each(|x| *x = x.swap_bytes()),
            Samples::I32(v) => v.iter_mut().for_each(|x| *x = x.swap_bytes()),
            Samples::U32(v) => v.iter_mut().for_each(|x| *x = x.swap_bytes()),
            Samples::I64(v) => v.iter_mut().for_each(|x| *x = x.swap_bytes()),
            Samples::U64(v) => v.iter_mut().for_each(|x| *x = x.swap_bytes()),
            Samples::F32(v) => v
                .iter_mut()
                .for_each(|x| *x = f32::from_bits(x.to_bits().swap_bytes())),
            Samples::F64(v) => v
                .iter_mut()
                .for_each(|x| *x = f64::from_bits(x.to_bits().swap_bytes())),
            Samples::I8(_) | Samples::U8(_) | Samples::Block { .. } => {}
        }
    }

    /// Sample `index` as f64; `None` past the end or for blocks.
    pub fn get_f64(&self, index: usize) -> Option<f64> {
        each_numeric!(self, v => v.get(index).map(|x| Sample::to_f64(*x)), _size, _bytes => None)
    }

    /// Every sample converted to f64 (exact for all types but 64-bit integers beyond 2^53).
    pub fn to_f64(&self) -> Result<Vec<f64>, NrrdError> {
        each_numeric!(self, v => Ok(v.iter().map(|x| Sample::to_f64(*x)).collect()),
            size, _bytes => Err(NrrdError::NotNumeric { size: *size }))
    }

    /// Every sample converted to f32 (rounded to nearest for wide types).
    pub fn to_f32(&self) -> Result<Vec<f32>, NrrdError> {
        if let Samples::F32(v) = self {
            return Ok(v.clone());
        }
        each_numeric!(self, v => Ok(v.iter().map(|x| Sample::to_f64(*x) as f32).collect()),
            size, _bytes => Err(NrrdError::NotNumeric { size: *size }))
    }

    /// The smallest sample; NaN if any sample is NaN; `None` when empty or for blocks.
    pub fn min(&self) -> Option<f64> {
        each_numeric!(self, v => extreme(v, |a, b| a < b), _size, _bytes => None)
    }

    /// The largest sample; NaN if any sample is NaN; `None` when empty or for blocks.
    pub fn max(&self) -> Option<f64> {
        each_numeric!(self, v => extreme(v, |a, b| a > b), _size, _bytes => None)
    }

    /// The sum of all samples: exact for integers (then rounded once to f64), a
    /// pairwise float64 sum for floats. `None` for blocks.
    pub fn sum(&self) -> Option<f64> {
        each_numeric!(self, v => Some(sum(v)), _size, _bytes => None)
    }

    /// Lowercase hex sha256 of all samples in file order, each as the little-endian
    /// bytes of its type (blocks as stored).
    pub fn sha256_le(&self) -> String {
        let mut hasher = Sha256::new();
        if cfg!(target_endian = "little") || self.scalar_type().size_bytes() == 1 {
            hasher.update(self.as_bytes());
        } else {
            let mut swapped = self.clone();
            swapped.swap_bytes();
            hasher.update(swapped.as_bytes());
        }
        hex(&hasher.finalize())
    }
}

fn extreme<T: Sample>(values: &[T], better: impl Fn(T, T) -> bool) -> Option<f64> {
    let mut best = *values.first()?;
    for &x in values {
        if x.is_nan() {
            return Some(f64::NAN);
        }
        if better(x, best) {
            best = x;
        }
    }
    Some(best.to_f64())
}

fn sum<T: Sample>(values: &[T]) -> f64 {
    if values.first().and_then(|x| x.to_i128()).is_some() {
        // Integers: i128 cannot overflow for fewer than 2^64 samples of 64-bit values.
        let total: i128 = values.iter().filter_map(|x| x.to_i128()).sum();
        return total as f64;
    }
    pairwise_sum(values)
}

/// Pairwise summation keeps the rounding error at O(log n), close to numpy's.
fn pairwise_sum<T: Sample>(values: &[T]) -> f64 {
    const BLOCK: usize = 128;
    if values.len() <= BLOCK {
        return values.iter().map(|x| x.to_f64()).sum();
    }
    let (left, right) = values.split_at(values.len() / 2);
    pairwise_sum(left) + pairwise_sum(right)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_integers_are_exact() {
        let samples = Samples::from(vec![i64::MAX, i64::MAX, -5]);
        assert_eq!(samples.min(), Some(-5.0));
        assert_eq!(samples.max(), Some(i64::MAX as f64));
        assert_eq!(samples.sum(), Some((2 * i64::MAX as i128 - 5) as f64));
    }

    #[test]
    fn a_nan_sample_makes_min_and_max_nan_like_numpy() {
        let samples = Samples::from(vec![1.0f32, f32::NAN, -3.0]);
        assert!(samples.min().is_some_and(f64::is_nan));
        assert!(samples.max().is_some_and(f64::is_nan));
    }

    #[test]
    fn empty_samples_have_no_extremes_and_a_zero_sum() {
        let samples = Samples::from(Vec::<u16>::new());
        assert_eq!(samples.min(), None);
        assert_eq!(samples.sum(), Some(0.0));
    }

    #[test]
    fn sha256_le_hashes_little_endian_bytes() {
        // sha256 of the bytes 01 00 02 00: two uint16 samples 1 and 2.
        let samples = Samples::from(vec![1u16, 2]);
        let mut hasher = Sha256::new();
        hasher.update([1u8, 0, 2, 0]);
        assert_eq!(samples.sha256_le(), hex(&hasher.finalize()));
    }

    #[test]
    fn swapping_twice_restores_every_type() {
        let original = Samples::from(vec![1.5f64, -2.25, f64::MAX]);
        let mut swapped = original.clone();
        swapped.swap_bytes();
        assert_ne!(swapped, original);
        swapped.swap_bytes();
        assert_eq!(swapped, original);
    }

    #[test]
    fn blocks_count_records_and_refuse_numeric_views() {
        let samples = Samples::Block {
            size: 3,
            bytes: vec![0; 12],
        };
        assert_eq!(samples.len(), 4);
        assert_eq!(samples.min(), None);
        assert!(matches!(
            samples.to_f64(),
            Err(NrrdError::NotNumeric { size: 3 })
        ));
    }

    #[test]
    fn conversions_keep_values() {
        let samples = Samples::from(vec![-3i16, 7]);
        assert_eq!(samples.to_f64().ok(), Some(vec![-3.0, 7.0]));
        assert_eq!(samples.to_f32().ok(), Some(vec![-3.0, 7.0]));
        assert_eq!(samples.get_f64(1), Some(7.0));
        assert_eq!(samples.get_f64(2), None);
    }
}
