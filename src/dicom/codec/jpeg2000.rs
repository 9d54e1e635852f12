//! JPEG 2000 through `jpeg2k` with its `openjp2` backend (a Rust port of OpenJPEG, no C
//! toolchain needed). Lossless results equal pydicom's (pylibjpeg-openjpeg).
//!
//! The SIZ marker is read here first: image size, component count and subsampling must
//! match the DICOM header, and the tile count is bounded, so the decoder only allocates
//! for what the header declared. Multi-component transforms (YBR_RCT, YBR_ICT) are undone
//! by the decoder, giving RGB as pydicom does.

use super::le_bytes::push_le;
use super::{CodecFailure, PixelFormat};

const NAME: &str = "JPEG 2000";
/// Real DICOM frames use one or a few tiles; a hostile 1x1 tiling would make the
/// decoder allocate per tile.
const MAX_TILES: u64 = 4096;

pub fn decode(data: &[u8], format: &PixelFormat) -> Result<Vec<u8>, CodecFailure> {
    let fail = |detail: String| CodecFailure::new(NAME, detail);
    check_siz(data, format).map_err(fail)?;
    let image = jpeg2k::Image::from_bytes(data).map_err(|e| fail(e.to_string()))?;
    let components = image.components();
    if components.len() != format.samples_per_pixel {
        return Err(fail(format!(
            "{} components decoded; SamplesPerPixel is {}",
            components.len(),
            format.samples_per_pixel
        )));
    }
    let pixels = format.rows * format.columns;
    if let Some(short) = components.iter().find(|c| c.data().len() != pixels) {
        return Err(fail(format!(
            "a component decoded to {} samples for {pixels} pixels",
            short.data().len()
        )));
    }
    let width = format.sample_bytes();
    let mut out = Vec::with_capacity(pixels * components.len() * width);
    for pixel in 0..pixels {
        for component in components {
            push_le(&mut out, i64::from(component.data()[pixel]), width);
        }
    }
    Ok(out)
}

/// Finds the codestream (raw, or inside a JP2 `jp2c` box) and checks its SIZ segment.
fn check_siz(data: &[u8], format: &PixelFormat) -> Result<(), String> {
    const SOC_SIZ: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];
    let start = if data.starts_with(&SOC_SIZ) {
        0
    } else {
        data.windows(4)
            .take(4096)
            .position(|w| w == SOC_SIZ)
            .ok_or("no JPEG 2000 codestream (SOC, SIZ) in the frame")?
    };
    let siz = data.get(start + 4..).unwrap_or_default();
    let word = |i: usize| -> Result<u64, String> {
        siz.get(i..i + 4)
            .map(|b| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            .ok_or_else(|| "the SIZ segment is truncated".to_string())
    };
    let (width, height) = (
        word(4)?.saturating_sub(word(12)?),
        word(8)?.saturating_sub(word(16)?),
    );
    let (tile_width, tile_height) = (word(20)?, word(24)?);
    let (tile_x, tile_y) = (word(28)?, word(32)?);
    let components = siz
        .get(36..38)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        .ok_or("the SIZ segment is truncated")?;
    if (width, height) != (format.columns as u64, format.rows as u64) {
        return Err(format!(
            "the codestream is {width}x{height}; the header says {}x{}",
            format.columns, format.rows
        ));
    }
    if components != format.samples_per_pixel {
        return Err(format!(
            "{components} components; SamplesPerPixel is {}",
            format.samples_per_pixel
        ));
    }
    if tile_width == 0 || tile_height == 0 {
        return Err("a tile size is zero".into());
    }
    let tiles = word(4)?.saturating_sub(tile_x).div_ceil(tile_width)
        * word(8)?.saturating_sub(tile_y).div_ceil(tile_height);
    if tiles > MAX_TILES {
        return Err(format!("{tiles} tiles, more than {MAX_TILES}"));
    }
    for component in 0..components {
        let bytes = siz
            .get(38 + 3 * component..41 + 3 * component)
            .ok_or("the SIZ segment is truncated")?;
        let precision = u16::from(bytes[0] & 0x7F) + 1;
        if precision > format.bits_allocated.max(8) || precision > 16 {
            return Err(format!(
                "{precision}-bit samples do not fit BitsAllocated {}",
                format.bits_allocated
            ));
        }
        if bytes[1] != 1 || bytes[2] != 1 {
            return Err("subsampled components are not supported".into());
        }
    }
    Ok(())
}
