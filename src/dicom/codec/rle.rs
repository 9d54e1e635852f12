//! RLE Lossless (PS3.5 Annex G), written here rather than taken from dicom-rs because
//! its adapter needs a whole dataset object and reorders samples itself; this keeps
//! one frame in, interleaved little-endian samples out, and bounds every write.
//!
//! A frame is a 64-byte header (segment count, then up to 15 segment offsets) and one
//! PackBits segment per byte plane: for each sample, its most significant byte first.

use super::{CodecFailure, PixelFormat};

const NAME: &str = "RLE Lossless";

pub fn decode(data: &[u8], format: &PixelFormat) -> Result<Vec<u8>, CodecFailure> {
    let fail = |detail: String| CodecFailure::new(NAME, detail);
    if data.len() < 64 {
        return Err(fail(format!(
            "the frame is {} bytes, shorter than the 64-byte RLE header",
            data.len()
        )));
    }
    let word = |i: usize| {
        u32::from_le_bytes([
            data[4 * i],
            data[4 * i + 1],
            data[4 * i + 2],
            data[4 * i + 3],
        ]) as usize
    };
    let segments = word(0);
    let bytes = format.sample_bytes();
    let expected = format.samples_per_pixel * bytes;
    if segments != expected {
        return Err(fail(format!(
            "the header lists {segments} segments; expected {expected} ({} samples x {bytes} bytes)",
            format.samples_per_pixel
        )));
    }
    let pixels = format.rows * format.columns;
    let mut out = vec![0u8; pixels * expected];
    for segment in 0..segments {
        let start = word(1 + segment);
        let end = if segment + 1 < segments {
            word(2 + segment)
        } else {
            data.len()
        };
        if start < 64 || start > end || end > data.len() {
            return Err(fail(format!(
                "segment {segment} spans bytes {start}..{end} of {}",
                data.len()
            )));
        }
        let plane = unpack(&data[start..end], pixels).ok_or_else(|| {
            fail(format!(
                "segment {segment} decodes to fewer than {pixels} bytes"
            ))
        })?;
        let sample = segment / bytes;
        // Segments go from the most significant byte down; little-endian puts it last.
        let byte = bytes - 1 - segment % bytes;
        for (pixel, value) in plane.iter().enumerate() {
            out[(pixel * format.samples_per_pixel + sample) * bytes + byte] = *value;
        }
    }
    Ok(out)
}

/// PackBits: a header byte n >= 0 copies n+1 bytes; -127..=-1 repeats the next byte
/// 1-n times; -128 does nothing. Stops at `wanted` bytes (segments may be padded).
fn unpack(segment: &[u8], wanted: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(wanted);
    let mut position = 0;
    while out.len() < wanted && position < segment.len() {
        let header = segment[position] as i8;
        position += 1;
        if header >= 0 {
            let count = header as usize + 1;
            let literal = segment.get(position..position + count)?;
            out.extend_from_slice(literal);
            position += count;
        } else if header != -128 {
            let value = *segment.get(position)?;
            position += 1;
            out.extend(std::iter::repeat_n(
                value,
                1 + header.unsigned_abs() as usize,
            ));
        }
    }
    (out.len() >= wanted).then(|| {
        out.truncate(wanted);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(columns: usize, samples_per_pixel: usize, bits_allocated: u16) -> PixelFormat {
        PixelFormat {
            rows: 1,
            columns,
            samples_per_pixel,
            bits_allocated,
            bits_stored: bits_allocated,
            signed: false,
            photometric: "MONOCHROME2".into(),
            planar: false,
            frames: 1,
        }
    }

    fn frame(segments: &[&[u8]]) -> Vec<u8> {
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(&(segments.len() as u32).to_le_bytes());
        let mut offset = 64u32;
        let mut body = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            header[4 + 4 * i..8 + 4 * i].copy_from_slice(&offset.to_le_bytes());
            offset += segment.len() as u32;
            body.extend_from_slice(segment);
        }
        header.extend(body);
        header
    }

    #[test]
    fn byte_planes_become_little_endian_interleaved_samples() {
        // 16-bit: high bytes [1, 2, 2], low bytes [0x10 x3] -> 0x0110, 0x0210, 0x0210.
        let data = frame(&[&[0x00, 1, 0xFF, 2], &[0xFE, 0x10]]);
        assert_eq!(
            decode(&data, &format(3, 1, 16)),
            Ok(vec![0x10, 1, 0x10, 2, 0x10, 2])
        );
        // RGB 8-bit, two pixels: R=[5,6], G=[7,7], B=[8,9].
        let rgb = frame(&[&[1, 5, 6], &[0xFF, 7], &[1, 8, 9]]);
        assert_eq!(decode(&rgb, &format(2, 3, 8)), Ok(vec![5, 7, 8, 6, 7, 9]));
    }

    #[test]
    fn short_or_inconsistent_frames_are_errors() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![0; 10], "shorter than the 64-byte RLE header"),
            (frame(&[&[0, 1]]), "lists 1 segments; expected 2"),
            (frame(&[&[0, 1], &[0, 1]]), "decodes to fewer than 3 bytes"),
            (
                frame(&[&[0x05, 1], &[0xFE, 1]]),
                "decodes to fewer than 3 bytes",
            ),
        ];
        for (data, expected) in cases {
            let error = decode(&data, &format(3, 1, 16)).expect_err(expected);
            assert!(error.detail.contains(expected), "{}", error.detail);
        }
    }
}
