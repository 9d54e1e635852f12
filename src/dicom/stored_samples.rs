//! Decoded little-endian bytes to typed stored samples, as pydicom's `pixel_array` gives
//! them: BitsAllocated 8/16/32 to u8/u16/u32 (i8/i16/i32 when PixelRepresentation is 1),
//! 1-bit samples to u8 0/1; samples past BitsStored have their unused high bits cleared
//! (unsigned) or filled with the sign bit (signed).

use crate::nrrd::Samples;

use super::pixel_format::PixelFormat;

/// Builds typed samples from little-endian bytes of `bits_allocated` width (8, 16, 32),
/// `count` samples of them, applying the BitsStored masking.
pub fn samples_from_le(bytes: &[u8], format: &PixelFormat) -> Samples {
    let stored = u32::from(format.bits_stored);
    match (format.bits_allocated, format.signed) {
        (16, false) => Samples::U16(map_words::<2, u16>(bytes, |b| {
            mask_u(u64::from(u16::from_le_bytes(b)), stored) as u16
        })),
        (16, true) => Samples::I16(map_words::<2, i16>(bytes, |b| {
            extend_i(u64::from(u16::from_le_bytes(b)), stored) as i16
        })),
        (32, false) => Samples::U32(map_words::<4, u32>(bytes, |b| {
            mask_u(u64::from(u32::from_le_bytes(b)), stored) as u32
        })),
        (32, true) => Samples::I32(map_words::<4, i32>(bytes, |b| {
            extend_i(u64::from(u32::from_le_bytes(b)), stored) as i32
        })),
        (_, false) => Samples::U8(
            bytes
                .iter()
                .map(|b| mask_u(u64::from(*b), stored) as u8)
                .collect(),
        ),
        (_, true) => Samples::I8(
            bytes
                .iter()
                .map(|b| extend_i(u64::from(*b), stored) as i8)
                .collect(),
        ),
    }
}

fn map_words<const N: usize, T>(bytes: &[u8], convert: impl Fn([u8; N]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(N)
        .map(|chunk| {
            let mut word = [0u8; N];
            word.copy_from_slice(chunk);
            convert(word)
        })
        .collect()
}

/// Keeps the low `bits` bits.
fn mask_u(value: u64, bits: u32) -> u64 {
    if bits >= 64 {
        value
    } else {
        value & ((1u64 << bits) - 1)
    }
}

/// Sign-extends the low `bits` bits to 64 bits (two's complement).
fn extend_i(value: u64, bits: u32) -> i64 {
    let shift = 64 - bits.clamp(1, 64);
    ((value << shift) as i64) >> shift
}

/// Unpacks 1-bit samples (least significant bit first, PS3.5 8.1.1) starting at bit
/// `first_bit`, `count` of them, to bytes 0/1. `None` when the bytes run out.
pub fn unpack_bits(bytes: &[u8], first_bit: usize, count: usize) -> Option<Vec<u8>> {
    let last = first_bit.checked_add(count)?;
    if last.div_ceil(8) > bytes.len() {
        return None;
    }
    Some(
        (first_bit..last)
            .map(|bit| (bytes[bit / 8] >> (bit % 8)) & 1)
            .collect(),
    )
}

/// Reorders one frame from planar (all R, all G, all B) to interleaved (RGBRGB...),
/// in units of `sample_bytes`.
pub fn interleave(planar: &[u8], samples_per_pixel: usize, sample_bytes: usize) -> Vec<u8> {
    let plane = planar.len() / samples_per_pixel;
    let pixels = plane / sample_bytes;
    let mut out = vec![0u8; planar.len()];
    for pixel in 0..pixels {
        for sample in 0..samples_per_pixel {
            let from = sample * plane + pixel * sample_bytes;
            let to = (pixel * samples_per_pixel + sample) * sample_bytes;
            out[to..to + sample_bytes].copy_from_slice(&planar[from..from + sample_bytes]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(bits_allocated: u16, bits_stored: u16, signed: bool) -> PixelFormat {
        PixelFormat {
            rows: 1,
            columns: 2,
            samples_per_pixel: 1,
            bits_allocated,
            bits_stored,
            signed,
            photometric: "MONOCHROME2".into(),
            planar: false,
            frames: 1,
        }
    }

    #[test]
    fn unused_high_bits_are_cleared_or_sign_extended() {
        // 0xF800 and 0x0FFF as 12-bit samples in 16 bits.
        let bytes = [0x00, 0xF8, 0xFF, 0x0F];
        let cases: &[(bool, Samples)] = &[
            (false, Samples::U16(vec![0x0800, 0x0FFF])),
            (true, Samples::I16(vec![-2048, -1])),
        ];
        for (signed, expected) in cases {
            assert_eq!(&samples_from_le(&bytes, &format(16, 12, *signed)), expected);
        }
        let full = samples_from_le(&[0xFF, 0xFF, 0xFF, 0x7F], &format(32, 32, true));
        assert_eq!(full, Samples::I32(vec![i32::MAX]));
        assert_eq!(
            samples_from_le(&[0x81, 0x7F], &format(8, 7, true)),
            Samples::I8(vec![1, -1])
        );
    }

    #[test]
    fn bits_unpack_least_significant_first_across_byte_boundaries() {
        assert_eq!(
            unpack_bits(&[0b1000_0101, 0b0000_0001], 0, 9),
            Some(vec![1, 0, 1, 0, 0, 0, 0, 1, 1])
        );
        assert_eq!(
            unpack_bits(&[0b1000_0101, 0b0000_0001], 7, 2),
            Some(vec![1, 1])
        );
        assert_eq!(unpack_bits(&[0xFF], 4, 5), None);
    }

    #[test]
    fn planar_frames_interleave_per_sample() {
        assert_eq!(
            interleave(&[1, 2, 3, 4, 5, 6], 3, 1),
            vec![1, 3, 5, 2, 4, 6]
        );
        assert_eq!(
            interleave(&[1, 0, 2, 0, 3, 0], 3, 2),
            vec![1, 0, 2, 0, 3, 0]
        );
    }
}
