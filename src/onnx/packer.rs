//! Writing images into a batch tensor: channel selection, layout, and the
//! preprocessing formula of [`super::feature_config`].
//!
//! The formula `(p * scale + offset - mean[c]) / std[c]` is evaluated as one
//! multiply-add per value, `p * a[c] + b[c]` with `a = scale / std` and
//! `b = (offset - mean) / std`: equal up to f32 rounding, and cheap enough that
//! packing stays a small part of an inference call.

use super::feature_config::{ChannelOrder, FeatureConfig, Layout};
use super::image_ref::ImageRef;

#[derive(Debug, Clone)]
pub(crate) struct Packer {
    layout: Layout,
    width: usize,
    height: usize,
    channels: usize,
    /// Per model channel: the RGB channel of a colour image that feeds it.
    rgb_source: Vec<usize>,
    gain: Vec<f32>,
    bias: Vec<f32>,
}

impl Packer {
    /// Assumes `config` passed [`FeatureConfig::validate`].
    pub(crate) fn new(config: &FeatureConfig) -> Self {
        let channels = config.channels();
        let rgb_source = (0..channels)
            .map(|c| match (channels, config.network.channel_order) {
                (3, ChannelOrder::Bgr) => 2 - c,
                _ => c,
            })
            .collect();
        let mean = |c: usize| config.network.mean.as_ref().map_or(0.0, |m| m[c]);
        let std = |c: usize| config.network.std.as_ref().map_or(1.0, |s| s[c]);
        Packer {
            layout: config.network.layout,
            width: config.width(),
            height: config.height(),
            channels,
            rgb_source,
            gain: (0..channels)
                .map(|c| config.network.scale / std(c))
                .collect(),
            bias: (0..channels)
                .map(|c| (config.network.offset - mean(c)) / std(c))
                .collect(),
        }
    }

    /// Values one image takes in the tensor.
    pub(crate) fn image_len(&self) -> usize {
        self.width * self.height * self.channels
    }

    /// Why `image` cannot be packed, if it cannot.
    pub(crate) fn refusal(&self, image: &ImageRef<'_>) -> Option<String> {
        if (image.width(), image.height()) != (self.width, self.height) {
            return Some(format!(
                "is {}x{}; the model takes {}x{} (resize it first)",
                image.width(),
                image.height(),
                self.width,
                self.height
            ));
        }
        if image.channels() == 3 && self.channels == 1 {
            return Some("has 3 channels; the model takes 1 (grey)".to_string());
        }
        None
    }

    /// Writes `image` into `out` (exactly [`Self::image_len`] values). The caller has
    /// checked [`Self::refusal`].
    pub(crate) fn pack(&self, image: &ImageRef<'_>, out: &mut [f32]) {
        debug_assert!(self.refusal(image).is_none());
        debug_assert_eq!(out.len(), self.image_len());
        let pixels = image.pixels();
        // One loop per case, with the channel counts known at compile time, so each
        // compiles to straight vector code: packing runs once per value of every batch.
        match (self.layout, image.channels(), self.channels) {
            (Layout::Nchw, 1, _) => {
                for (c, plane) in out.chunks_exact_mut(pixels.len()).enumerate() {
                    affine(plane, pixels, self.gain[c], self.bias[c]);
                }
            }
            (Layout::Nchw, _, _) => {
                let (rgb, _) = pixels.as_chunks::<3>();
                for (c, plane) in out.chunks_exact_mut(rgb.len()).enumerate() {
                    let (gain, bias, src) = (self.gain[c], self.bias[c], self.rgb_source[c]);
                    for (value, pixel) in plane.iter_mut().zip(rgb) {
                        *value = pixel[src] * gain + bias;
                    }
                }
            }
            (Layout::Nhwc, 1, 1) => affine(out, pixels, self.gain[0], self.bias[0]),
            (Layout::Nhwc, 1, _) => {
                let (values, _) = out.as_chunks_mut::<3>();
                let (g, b) = (self.gain3(), self.bias3());
                for (value, &p) in values.iter_mut().zip(pixels) {
                    *value = [p * g[0] + b[0], p * g[1] + b[1], p * g[2] + b[2]];
                }
            }
            (Layout::Nhwc, _, _) => {
                let (values, _) = out.as_chunks_mut::<3>();
                let (rgb, _) = pixels.as_chunks::<3>();
                let (g, b, s) = (self.gain3(), self.bias3(), &self.rgb_source);
                for (value, pixel) in values.iter_mut().zip(rgb) {
                    *value = [
                        pixel[s[0]] * g[0] + b[0],
                        pixel[s[1]] * g[1] + b[1],
                        pixel[s[2]] * g[2] + b[2],
                    ];
                }
            }
        }
    }

    fn gain3(&self) -> [f32; 3] {
        [self.gain[0], self.gain[1], self.gain[2]]
    }

    fn bias3(&self) -> [f32; 3] {
        [self.bias[0], self.bias[1], self.bias[2]]
    }
}

fn affine(out: &mut [f32], pixels: &[f32], gain: f32, bias: f32) {
    for (value, &p) in out.iter_mut().zip(pixels) {
        *value = p * gain + bias;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x1 RGB image: pixel 0 is (r0, g0, b0), pixel 1 is (r1, g1, b1).
    const RGB: [f32; 6] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];

    fn packed(config: &FeatureConfig, image: &ImageRef<'_>) -> Vec<f32> {
        let packer = Packer::new(config);
        let mut out = vec![f32::NAN; packer.image_len()];
        packer.pack(image, &mut out);
        out
    }

    fn close(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-4)
    }

    #[test]
    fn images_are_packed_by_layout_channel_order_and_formula() {
        let rgb = ImageRef::new(2, 1, 3, &RGB).unwrap();
        let grey = ImageRef::grey(2, 1, &[-1.0, 1.0]).unwrap();
        let base = FeatureConfig::new("x", "y", 2, 1);
        let caffe = {
            let mut c = base.clone();
            c.network.channel_order = ChannelOrder::Bgr;
            c.network.scale = 127.5;
            c.network.offset = 127.5;
            c.network.mean = Some(vec![100.0, 110.0, 120.0]);
            c
        };
        let cases: Vec<(&str, FeatureConfig, ImageRef<'_>, Vec<f32>)> = vec![
            (
                "nchw planes",
                base.clone(),
                rgb,
                vec![0.1, 0.4, 0.2, 0.5, 0.3, 0.6],
            ),
            (
                "nhwc interleaved",
                {
                    let mut c = base.clone();
                    c.network.layout = Layout::Nhwc;
                    c
                },
                rgb,
                RGB.to_vec(),
            ),
            (
                "bgr reverses the planes",
                {
                    let mut c = base.clone();
                    c.network.channel_order = ChannelOrder::Bgr;
                    c
                },
                rgb,
                vec![0.3, 0.6, 0.2, 0.5, 0.1, 0.4],
            ),
            (
                "grey is copied to three channels",
                base.clone(),
                grey,
                vec![-1.0, 1.0, -1.0, 1.0, -1.0, 1.0],
            ),
            (
                "scale, offset and per-channel mean, in model channel order",
                caffe,
                grey,
                vec![-100.0, 155.0, -110.0, 145.0, -120.0, 135.0],
            ),
            (
                "std divides after the mean",
                {
                    let mut c = base.clone();
                    c.network.scale = 0.5;
                    c.network.offset = 0.5;
                    c.network.mean = Some(vec![0.5, 0.5, 0.5]);
                    c.network.std = Some(vec![0.5, 0.25, 2.0]);
                    c
                },
                grey,
                vec![-1.0, 1.0, -2.0, 2.0, -0.25, 0.25],
            ),
            (
                "nhwc grey copied to three channels",
                {
                    let mut c = base.clone();
                    c.network.layout = Layout::Nhwc;
                    c.network.offset = 1.0;
                    c
                },
                grey,
                vec![0.0, 0.0, 0.0, 2.0, 2.0, 2.0],
            ),
            (
                "nhwc bgr reverses each pixel",
                {
                    let mut c = base.clone();
                    c.network.layout = Layout::Nhwc;
                    c.network.channel_order = ChannelOrder::Bgr;
                    c
                },
                rgb,
                vec![0.3, 0.2, 0.1, 0.6, 0.5, 0.4],
            ),
            (
                "nhwc one-channel model",
                {
                    let mut c = base.clone();
                    c.network.layout = Layout::Nhwc;
                    c.channels = 1;
                    c.network.scale = -1.0;
                    c
                },
                grey,
                vec![1.0, -1.0],
            ),
            (
                "a one-channel model takes grey as it is",
                {
                    let mut c = base.clone();
                    c.channels = 1;
                    c.network.scale = 2.0;
                    c
                },
                grey,
                vec![-2.0, 2.0],
            ),
        ];
        for (what, config, image, expected) in cases {
            let got = packed(&config, &image);
            assert!(close(&got, &expected), "{what}: {got:?} != {expected:?}");
        }
    }

    #[test]
    fn wrong_sizes_and_colour_for_a_grey_model_are_refused() {
        let packer = Packer::new(&FeatureConfig::new("x", "y", 2, 1));
        let small = ImageRef::grey(1, 1, &[0.0]).unwrap();
        assert_eq!(
            packer.refusal(&small).unwrap(),
            "is 1x1; the model takes 2x1 (resize it first)"
        );
        let grey_model = Packer::new(&{
            let mut c = FeatureConfig::new("x", "y", 2, 1);
            c.channels = 1;
            c
        });
        let rgb = ImageRef::new(2, 1, 3, &RGB).unwrap();
        assert_eq!(
            grey_model.refusal(&rgb).unwrap(),
            "has 3 channels; the model takes 1 (grey)"
        );
    }
}
