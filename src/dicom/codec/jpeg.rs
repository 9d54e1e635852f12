//! JPEG baseline, extended and lossless through `jpeg-decoder`.
//!
//! The frame header is read here first: its size and component count must match the
//! DICOM header (so the decoder never allocates for another size), 12-bit DCT frames are
//! refused by name (`jpeg-decoder` has no 12-bit DCT path), and lossless precisions below
//! 2 are refused before `jpeg-decoder` would panic on them. The colour transform follows
//! pydicom: RGB frames are left as stored unless an Adobe APP14 marker says YCbCr; YBR
//! frames are converted to RGB, as `pixel_array` returns them.

use jpeg_decoder::{ColorTransform, Decoder};

use super::le_bytes::push_le;
use super::{CodecFailure, PixelFormat};

const NAME: &str = "JPEG";

/// What the markers before the first scan say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FrameHeader {
    lossless: bool,
    precision: u8,
    rows: usize,
    columns: usize,
    components: usize,
    /// The Adobe APP14 transform flag: 1 means YCbCr.
    adobe_transform: Option<u8>,
}

pub fn decode(data: &[u8], format: &PixelFormat) -> Result<Vec<u8>, CodecFailure> {
    let fail = |detail: String| CodecFailure::new(NAME, detail);
    let header = frame_header(data).map_err(fail)?;
    if (header.rows, header.columns, header.components)
        != (format.rows, format.columns, format.samples_per_pixel)
    {
        return Err(fail(format!(
            "the stream is {}x{} with {} components; the header says {}x{} with {}",
            header.columns,
            header.rows,
            header.components,
            format.columns,
            format.rows,
            format.samples_per_pixel
        )));
    }
    if !header.lossless && header.precision == 12 {
        return Err(fail(
            "12-bit JPEG extended (process 4) is not supported by jpeg-decoder".into(),
        ));
    }
    if header.lossless && header.precision < 2 {
        return Err(fail(format!(
            "lossless precision {} is below 2",
            header.precision
        )));
    }
    if usize::from(header.precision) > usize::from(format.bits_allocated) {
        return Err(fail(format!(
            "{}-bit samples do not fit BitsAllocated {}",
            header.precision, format.bits_allocated
        )));
    }
    let mut decoder = Decoder::new(data);
    decoder.set_max_decoding_buffer_size(format.frame_bytes().max(1) * 2);
    if header.components == 3 {
        let stored_rgb = format.photometric == "RGB" && header.adobe_transform != Some(1);
        decoder.set_color_transform(if stored_rgb {
            ColorTransform::RGB
        } else {
            ColorTransform::YCbCr
        });
    }
    let pixels = decoder.decode().map_err(|e| fail(e.to_string()))?;
    let count = format.frame_samples();
    let width = format.sample_bytes();
    let mut out = Vec::with_capacity(count * width);
    if pixels.len() == count {
        for value in &pixels {
            push_le(&mut out, i64::from(*value), width);
        }
    } else if pixels.len() == 2 * count {
        // jpeg-decoder gives samples above 8 bits in native byte order.
        for pair in pixels.chunks_exact(2) {
            push_le(
                &mut out,
                i64::from(u16::from_ne_bytes([pair[0], pair[1]])),
                width,
            );
        }
    } else {
        return Err(fail(format!(
            "decoded {} bytes for {count} samples",
            pixels.len()
        )));
    }
    Ok(out)
}

/// Reads markers from SOI up to the first SOF, noting an Adobe APP14 transform.
fn frame_header(data: &[u8]) -> Result<FrameHeader, String> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err("the frame does not start with a JPEG SOI marker".into());
    }
    let mut position = 2;
    let mut adobe_transform = None;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while data.get(position) == Some(&0xFF) && data.get(position + 1) == Some(&0xFF) {
            position += 1;
        }
        let (Some(0xFF), Some(&marker)) = (data.get(position), data.get(position + 1)) else {
            return Err(format!(
                "no marker at byte {position} before the frame header"
            ));
        };
        let length = match data.get(position + 2..position + 4) {
            Some(bytes) => usize::from(u16::from_be_bytes([bytes[0], bytes[1]])),
            None => return Err("the stream ends before the frame header".into()),
        };
        let segment = data
            .get(position + 4..position + 2 + length)
            .ok_or_else(|| format!("marker 0xFF{marker:02X} runs past the end of the stream"))?;
        match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if segment.len() < 6 {
                    return Err("the frame header is too short".into());
                }
                return Ok(FrameHeader {
                    lossless: matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF),
                    precision: segment[0],
                    rows: usize::from(u16::from_be_bytes([segment[1], segment[2]])),
                    columns: usize::from(u16::from_be_bytes([segment[3], segment[4]])),
                    components: usize::from(segment[5]),
                    adobe_transform,
                });
            }
            0xEE if segment.starts_with(b"Adobe") && segment.len() >= 12 => {
                adobe_transform = Some(segment[11]);
            }
            0xDA | 0xD9 => return Err("the stream has no frame header before its scan".into()),
            _ => {}
        }
        if length < 2 {
            return Err(format!("marker 0xFF{marker:02X} has length {length}"));
        }
        position += 2 + length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_header_is_found_after_other_segments() {
        let mut stream = vec![0xFF, 0xD8];
        stream.extend([0xFF, 0xEE, 0x00, 0x0E]);
        stream.extend(b"Adobe\x00\x64\x00\x00\x00\x00\x01");
        stream.extend([
            0xFF, 0xC3, 0x00, 0x0B, 16, 0x00, 0x02, 0x00, 0x03, 1, 1, 0x11, 0,
        ]);
        let header = frame_header(&stream).expect("header");
        assert_eq!(
            header,
            FrameHeader {
                lossless: true,
                precision: 16,
                rows: 2,
                columns: 3,
                components: 1,
                adobe_transform: Some(1)
            }
        );
    }

    #[test]
    fn streams_without_a_frame_header_are_refused() {
        for stream in [
            &[0u8, 1][..],
            &[0xFF, 0xD8, 0xFF, 0xDA, 0, 2][..],
            &[0xFF, 0xD8, 0xFF, 0xC0, 0x40, 0][..],
        ] {
            assert!(frame_header(stream).is_err(), "{stream:?}");
        }
    }
}
