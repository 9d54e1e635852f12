//! Grey to C channels: the engine stores one channel per slice and expands it when a
//! network that wants colour (Inception-v3: 3) reads the slice.

use serde::{Deserialize, Serialize};

use super::error::ImagingError;
use super::image::Image;

/// The most channels a copy may have: more would be a pipeline mistake.
pub const MAX_CHANNELS: usize = 64;

/// How channels are laid out in the expanded buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelLayout {
    /// Channel-major, `C x H x W` (ONNX / PyTorch NCHW inputs).
    #[default]
    Planar,
    /// Pixel-major, `H x W x C` (TensorFlow NHWC inputs, image files).
    Interleaved,
}

/// `channels` copies of the grey image's pixels in the given layout.
pub fn expand_channels(
    image: &Image<f32>,
    channels: usize,
    layout: ChannelLayout,
) -> Result<Vec<f32>, ImagingError> {
    if !(1..=MAX_CHANNELS).contains(&channels) {
        return Err(ImagingError::InvalidParameter {
            name: "channels",
            found: channels.to_string(),
            expected: "an integer from 1 to 64",
        });
    }
    let grey = image.pixels();
    Ok(match layout {
        ChannelLayout::Planar => grey.repeat(channels),
        ChannelLayout::Interleaved => grey
            .iter()
            .flat_map(|&p| std::iter::repeat_n(p, channels))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_is_copied_into_each_channel_in_either_layout() {
        let image = Image::new(2, 1, vec![0.25f32, -1.0]).unwrap();
        assert_eq!(
            expand_channels(&image, 3, ChannelLayout::Planar).unwrap(),
            [0.25, -1.0, 0.25, -1.0, 0.25, -1.0]
        );
        assert_eq!(
            expand_channels(&image, 3, ChannelLayout::Interleaved).unwrap(),
            [0.25, 0.25, 0.25, -1.0, -1.0, -1.0]
        );
        assert_eq!(
            expand_channels(&image, 1, ChannelLayout::Planar).unwrap(),
            [0.25, -1.0]
        );
        assert!(expand_channels(&image, 0, ChannelLayout::Planar).is_err());
    }
}
