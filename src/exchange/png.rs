//! A look at image fields: each 2-D array (`[H, W]`, `[H, W, 1]` or `[H, W, 3]`) as an 8-bit
//! PNG, windowed to the image's own minimum..maximum (a constant image is black). For the
//! eye only: the `.npy` files hold the values.

use std::path::Path;

use image::{ColorType, ImageFormat};

use crate::dataset::Tensor;

/// Whether arrays of this shape are written as PNG.
pub fn is_image(shape: &[usize]) -> bool {
    matches!(shape, [h, w] | [h, w, 1 | 3] if *h > 0 && *w > 0)
}

/// Writes `tensor` as a PNG at `path`; `Ok(false)` when it is not an image.
pub fn write_png(tensor: &Tensor, path: &Path) -> Result<bool, String> {
    if !is_image(&tensor.shape) {
        return Ok(false);
    }
    let (height, width) = (tensor.shape[0], tensor.shape[1]);
    let color = match tensor.shape.get(2) {
        Some(3) => ColorType::Rgb8,
        _ => ColorType::L8,
    };
    let samples = tensor.to_f32();
    let (low, high) = samples
        .iter()
        .filter(|x| x.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    let span = high - low;
    let bytes: Vec<u8> = samples
        .iter()
        .map(|&x| {
            if span > 0.0 && x.is_finite() {
                ((x - low) / span * 255.0).round().clamp(0.0, 255.0) as u8
            } else {
                0
            }
        })
        .collect();
    let (width, height) = (
        u32::try_from(width).map_err(|_| "the image is too wide")?,
        u32::try_from(height).map_err(|_| "the image is too tall")?,
    );
    image::save_buffer_with_format(path, &bytes, width, height, color, ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_windowed_to_their_range() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        let tensor = Tensor::from_i16(vec![2, 2], &[-100, 0, 100, 100]);
        assert!(write_png(&tensor, &path).unwrap());
        let png = image::open(&path).unwrap().to_luma8();
        assert_eq!(png.into_raw(), vec![0, 128, 255, 255]);
        assert!(!write_png(&Tensor::from_f32(vec![4], &[0.0; 4]), &path).unwrap());
    }
}
