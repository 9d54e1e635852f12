//! How every codec hands decoded samples on: little-endian bytes of the stored width.

/// Writes `value` as `width` little-endian bytes (two's complement when negative).
pub(super) fn push_le(out: &mut Vec<u8>, value: i64, width: usize) {
    out.extend_from_slice(&value.to_le_bytes()[..width]);
}
