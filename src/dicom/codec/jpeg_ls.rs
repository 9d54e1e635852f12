//! JPEG-LS (lossless and near-lossless) through `pure_jpegls`, a pure-Rust decoder.
//!
//! Chosen over dicom-rs's `charls` feature so building radflow needs no CMake or C++
//! toolchain. Its scope is single-component streams (colour JPEG-LS is refused by
//! name). The checks here run before it: the frame size and component count must match
//! the DICOM header, and NEAR, the interleave mode and the precision must be in the
//! ranges T.87 allows, since the decoder's arithmetic trusts them.

use super::le_bytes::push_le;
use super::{CodecFailure, PixelFormat};

const NAME: &str = "JPEG-LS";

pub fn decode(data: &[u8], format: &PixelFormat) -> Result<Vec<u8>, CodecFailure> {
    let fail = |detail: String| CodecFailure::new(NAME, detail);
    let header = check_header(data).map_err(fail)?;
    if header.components != format.samples_per_pixel {
        return Err(fail(format!(
            "{}-component JPEG-LS is not supported (pure_jpegls decodes greyscale only)",
            header.components
        )));
    }
    if (header.rows, header.columns) != (format.rows, format.columns) {
        return Err(fail(format!(
            "the stream is {}x{}; the header says {}x{}",
            header.columns, header.rows, format.columns, format.rows
        )));
    }
    if header.components != 1 {
        return Err(fail(
            "colour JPEG-LS is not supported (pure_jpegls decodes greyscale only)".into(),
        ));
    }
    let (pixels, _, _) = jpegls::decode(data, format.columns as u32, format.rows as u32)
        .map_err(|e| fail(e.to_string()))?;
    if pixels.len() != format.frame_samples() {
        return Err(fail(format!(
            "decoded {} samples for {}",
            pixels.len(),
            format.frame_samples()
        )));
    }
    let width = format.sample_bytes();
    let mut out = Vec::with_capacity(pixels.len() * width);
    for value in pixels {
        push_le(&mut out, i64::from(value), width);
    }
    Ok(out)
}

struct Header {
    rows: usize,
    columns: usize,
    components: usize,
}

/// Walks the markers up to the first scan header, checking SOF55 (precision 2..=16),
/// SOS (NEAR within T.87's bound, interleave 0..=2, no point transform) and LSE presets.
fn check_header(data: &[u8]) -> Result<Header, String> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err("the frame does not start with an SOI marker".into());
    }
    let mut position = 2;
    let mut frame: Option<(Header, u32)> = None;
    loop {
        let (Some(0xFF), Some(&marker)) = (data.get(position), data.get(position + 1)) else {
            return Err(format!("no marker at byte {position} before the scan"));
        };
        let length = match data.get(position + 2..position + 4) {
            Some(bytes) => usize::from(u16::from_be_bytes([bytes[0], bytes[1]])),
            None => return Err("the stream ends before the scan".into()),
        };
        if length < 2 {
            return Err(format!("marker 0xFF{marker:02X} has length {length}"));
        }
        let segment = data
            .get(position + 4..position + 2 + length)
            .ok_or_else(|| format!("marker 0xFF{marker:02X} runs past the end of the stream"))?;
        match marker {
            0xF7 => {
                if segment.len() < 6 {
                    return Err("the SOF55 header is too short".into());
                }
                let precision = u32::from(segment[0]);
                if !(2..=16).contains(&precision) {
                    return Err(format!("sample precision {precision} is outside 2..=16"));
                }
                let header = Header {
                    rows: usize::from(u16::from_be_bytes([segment[1], segment[2]])),
                    columns: usize::from(u16::from_be_bytes([segment[3], segment[4]])),
                    components: usize::from(segment[5]),
                };
                frame = Some((header, precision));
            }
            // LSE id 1: MAXVAL, T1, T2, T3, RESET (each 16 bits).
            0xF8 if segment.first() == Some(&1) && segment.len() >= 11 => {
                let word = |i: usize| u32::from(u16::from_be_bytes([segment[i], segment[i + 1]]));
                let (maxval, reset) = (word(1), word(9));
                if reset != 0 && !(3..=maxval.max(3).max(255)).contains(&reset) {
                    return Err(format!("LSE RESET {reset} is out of range"));
                }
                if let Some((_, precision)) = &frame
                    && maxval >= (1 << precision)
                {
                    return Err(format!("LSE MAXVAL {maxval} exceeds the precision"));
                }
            }
            0xDA => {
                let Some((header, precision)) = frame else {
                    return Err("the scan comes before the SOF55 frame header".into());
                };
                let count = usize::from(*segment.first().unwrap_or(&0));
                let tail = segment
                    .get(1 + 2 * count..1 + 2 * count + 3)
                    .ok_or("the scan header is too short")?;
                let (near, interleave, transform) = (u32::from(tail[0]), tail[1], tail[2] & 0x0F);
                let maxval = (1u32 << precision) - 1;
                if near > (maxval / 2).min(255) {
                    return Err(format!(
                        "NEAR {near} is above T.87's bound for {precision}-bit samples"
                    ));
                }
                if interleave > 2 || transform != 0 {
                    return Err(format!(
                        "interleave mode {interleave} / point transform {transform} is not allowed"
                    ));
                }
                return Ok(header);
            }
            _ => {}
        }
        position += 2 + length;
    }
}
