//! Whole-buffer inflate of gzip and zlib data whose decompressed size is known, through
//! libdeflate.
//!
//! Why a second inflater beside `flate2`: a compressed volume (`.nii.gz`, a zlib `.mha`) is
//! read whole anyway, and libdeflate, which decompresses a whole buffer at once instead of
//! streaming, inflates it about 1.6x faster than `flate2` with `zlib-rs` (measured on the
//! 15.7 MB volume of `benches/volume_read`; zlib-rs is on par with zlib-ng, which ITK uses).
//!
//! Every function here answers `None`/`false` instead of an error when the data is not what
//! the fast path handles (several gzip members, a size other than the expected one, damaged
//! data): the caller then reads through its `flate2` stream, which handles every case and
//! names the problem in its own words, so error messages do not depend on which path ran.

use libdeflater::Decompressor;

/// The decompressed bytes of a single-member gzip file, when their size (from the gzip
/// trailer) is at most `max_len` and the member inflates to exactly that size.
pub fn gunzip_whole(compressed: &[u8], max_len: u64) -> Option<Vec<u8>> {
    // ISIZE is the size modulo 2^32: a larger member cannot fit and falls back.
    let size = gzip_stated_size(compressed)? as usize;
    if size as u64 > max_len {
        return None;
    }
    let mut out = vec![0u8; size];
    gunzip_into(compressed, &mut out).then_some(out)
}

/// The decompressed size a gzip file's trailer states (ISIZE: the size modulo 2^32 of its
/// last member); `None` when the data is too short to have a trailer.
pub fn gzip_stated_size(compressed: &[u8]) -> Option<u32> {
    let trailer: [u8; 4] = compressed
        .get(compressed.len().checked_sub(4)?..)?
        .try_into()
        .ok()?;
    Some(u32::from_le_bytes(trailer))
}

/// Inflates gzip `compressed` into `out`; true when it filled `out` exactly.
pub fn gunzip_into(compressed: &[u8], out: &mut [u8]) -> bool {
    matches!(Decompressor::new().gzip_decompress(compressed, out), Ok(n) if n == out.len())
}

/// Inflates zlib `compressed` into `out`; true when it filled `out` exactly.
pub fn zlib_into(compressed: &[u8], out: &mut [u8]) -> bool {
    matches!(Decompressor::new().zlib_decompress(compressed, out), Ok(n) if n == out.len())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn sample() -> Vec<u8> {
        (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn a_single_member_inflates_to_what_flate2_wrote() {
        let data = sample();
        assert_eq!(gunzip_whole(&gzip(&data), 1 << 20), Some(data.clone()));
        let mut out = vec![0u8; data.len()];
        assert!(zlib_into(&zlib(&data), &mut out));
        assert_eq!(out, data);
    }

    #[test]
    fn what_the_fast_path_does_not_handle_falls_back() {
        let data = sample();
        let one = gzip(&data);
        // Two members: the streaming decoder reads both, the fast path declines.
        let two = [one.clone(), gzip(b"more")].concat();
        assert_eq!(gunzip_whole(&two, 1 << 20), None);
        // Larger than allowed, truncated, damaged, or a size other than expected.
        assert_eq!(gunzip_whole(&one, 10), None);
        assert_eq!(gunzip_whole(&one[..one.len() / 2], 1 << 20), None);
        let mut damaged = one.clone();
        damaged[one.len() / 2] ^= 0xFF;
        assert_eq!(gunzip_whole(&damaged, 1 << 20), None);
        assert!(!gunzip_into(&one, &mut vec![0u8; data.len() + 1]));
        assert!(!gunzip_into(&one, &mut vec![0u8; data.len() - 1]));
        assert!(!zlib_into(&zlib(&data), &mut vec![0u8; data.len() - 1]));
        assert_eq!(gunzip_whole(&[], 1 << 20), None);
    }
}
