//! How pixels become a model's input tensor, and which output is the feature vector.
//!
//! Preprocessing formula. Pixels arrive as f32 in the range the resize stage gives
//! (by default [-1, 1]), RGB or grey. For model channel `c` (in the model's channel
//! order) and the image value `p` feeding it:
//!
//! ```text
//! x = (p * scale + offset - mean[c]) / std[c]
//! ```
//!
//! `mean` and `std` default to 0 and 1 and are listed in the model's channel order
//! (for `channel_order: bgr`, `mean[0]` is blue's). A grey image feeds every channel
//! of a 3-channel model. Common settings, for pixels in [-1, 1]:
//!
//! | model expects | scale | offset | mean | std | channel_order |
//! |---|---|---|---|---|---|
//! | [-1, 1] (Inception-v3 as `models/export_inception_v3.py` exports it) | 1 | 0 | - | - | rgb |
//! | torchvision ImageNet normalisation | 0.5 | 0.5 | [0.485, 0.456, 0.406] | [0.229, 0.224, 0.225] | rgb |
//! | caffe 0..255 minus mean (`models/squeezenet1_1.onnx`) | 127.5 | 127.5 | [103.939, 116.779, 123.68] | - | bgr |

use serde::{Deserialize, Serialize};

use super::error::OnnxError;
use super::model_spec::{DimSpec, ModelSpec, ShapeSpec, ValueSpec};

/// Largest input tensor one batch may need, in f32 values (1 GiB). Guards against a
/// configuration that would allocate without bound (`batch_size: 100000`).
pub const MAX_BATCH_VALUES: usize = 1 << 28;

/// Where channels sit in the input tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `[N, C, H, W]`, as PyTorch and most ONNX exports use.
    #[default]
    Nchw,
    /// `[N, H, W, C]`, as TensorFlow and Keras use.
    Nhwc,
}

/// The order of a 3-channel model's colour channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelOrder {
    #[default]
    Rgb,
    /// Caffe-era models.
    Bgr,
}

/// What a pipeline says about a network: which input takes the images, which output holds
/// the features, and how image values become input values. `onnx_features` takes exactly
/// these parameters (plus the model file and execution settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// The model input that receives the images.
    pub input: String,
    /// The model output holding one feature vector per image (`[N,C]` or `[N,C,1,1]`).
    pub output: String,
    #[serde(default)]
    pub layout: Layout,
    #[serde(default)]
    pub channel_order: ChannelOrder,
    #[serde(default = "default_scale")]
    pub scale: f32,
    #[serde(default)]
    pub offset: f32,
    /// Per model channel; absent means 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Vec<f32>>,
    /// Per model channel; absent means 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std: Option<Vec<f32>>,
    /// Expected feature length, checked against the model and every result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<usize>,
}

impl Network {
    /// A network description with every optional field at its default.
    pub fn new(input: impl Into<String>, output: impl Into<String>) -> Self {
        Network {
            input: input.into(),
            output: output.into(),
            layout: Layout::default(),
            channel_order: ChannelOrder::default(),
            scale: default_scale(),
            offset: 0.0,
            mean: None,
            std: None,
            features: None,
        }
    }
}

/// A network description plus what the images and the run decide: their size and
/// channels, images per call, threads. Built in code; pipelines write only [`Network`]'s
/// part (through `onnx_features`).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureConfig {
    pub network: Network,
    /// Input width and height in pixels; images must already have this size.
    pub size: [u32; 2],
    /// Channels the model takes: 1 or 3.
    pub channels: u32,
    /// Images per inference call. A model with a fixed batch dimension needs exactly
    /// its own; the last batch may be partial (padded for fixed-batch models).
    pub batch_size: usize,
    /// Intra-op threads of the session.
    pub threads: usize,
}

fn default_channels() -> u32 {
    3
}

fn default_scale() -> f32 {
    1.0
}

fn default_batch_size() -> usize {
    16
}

fn default_threads() -> usize {
    1
}

impl FeatureConfig {
    /// A configuration with every optional field at its default.
    pub fn new(
        input: impl Into<String>,
        output: impl Into<String>,
        width: u32,
        height: u32,
    ) -> Self {
        FeatureConfig {
            network: Network::new(input, output),
            size: [width, height],
            channels: default_channels(),
            batch_size: default_batch_size(),
            threads: default_threads(),
        }
    }

    pub fn width(&self) -> usize {
        self.size[0] as usize
    }

    pub fn height(&self) -> usize {
        self.size[1] as usize
    }

    pub fn channels(&self) -> usize {
        self.channels as usize
    }

    /// Checks every field on its own, before a model is opened.
    pub fn validate(&self) -> Result<(), OnnxError> {
        let bad = |field: &'static str, problem: String| Err(OnnxError::Config { field, problem });
        if self.network.input.is_empty() {
            return bad(
                "input",
                "is empty; name the model input that takes the images".into(),
            );
        }
        if self.network.output.is_empty() {
            return bad(
                "output",
                "is empty; name the model output that holds the features".into(),
            );
        }
        if self.size.contains(&0) {
            return bad(
                "size",
                format!("is {:?}; width and height must be at least 1", self.size),
            );
        }
        if self.channels != 1 && self.channels != 3 {
            return bad("channels", format!("is {}; expected 1 or 3", self.channels));
        }
        for (field, value) in [
            ("scale", self.network.scale),
            ("offset", self.network.offset),
        ] {
            if !value.is_finite() {
                return bad(field, format!("is {value}; expected a finite number"));
            }
        }
        for (field, values) in [("mean", &self.network.mean), ("std", &self.network.std)] {
            let Some(values) = values else { continue };
            if values.len() != self.channels() {
                return bad(
                    field,
                    format!(
                        "has {} values; expected one per channel ({})",
                        values.len(),
                        self.channels
                    ),
                );
            }
            if let Some(value) = values
                .iter()
                .find(|v| !v.is_finite() || (field == "std" && **v == 0.0))
            {
                return bad(
                    field,
                    format!("holds {value}; expected finite numbers, and no 0 in `std`"),
                );
            }
        }
        if self.batch_size == 0 {
            return bad("batch_size", "is 0; expected at least 1".into());
        }
        if self.threads == 0 {
            return bad("threads", "is 0; expected at least 1".into());
        }
        if self.network.features == Some(0) {
            return bad(
                "features",
                "is 0; expected the feature length or no entry".into(),
            );
        }
        let values = self
            .width()
            .checked_mul(self.height())
            .and_then(|area| area.checked_mul(self.channels()))
            .and_then(|image| image.checked_mul(self.batch_size));
        if values.is_none_or(|values| values > MAX_BATCH_VALUES) {
            return bad(
                "batch_size",
                format!(
                    "is {} for {}x{}x{} images, more than {MAX_BATCH_VALUES} input values per batch; lower it",
                    self.batch_size, self.size[0], self.size[1], self.channels
                ),
            );
        }
        Ok(())
    }

    /// What this configuration expects of a model.
    pub fn model_spec(&self) -> ModelSpec {
        let (c, h, w) = (
            DimSpec::Exactly(u64::from(self.channels)),
            DimSpec::Exactly(u64::from(self.size[1])),
            DimSpec::Exactly(u64::from(self.size[0])),
        );
        let dims = match self.network.layout {
            Layout::Nchw => vec![DimSpec::Batch, c, h, w],
            Layout::Nhwc => vec![DimSpec::Batch, h, w, c],
        };
        ModelSpec {
            inputs: vec![ValueSpec {
                name: self.network.input.clone(),
                shape: ShapeSpec::Dims(dims),
            }],
            outputs: vec![ValueSpec {
                name: self.network.output.clone(),
                shape: ShapeSpec::Pooled {
                    features: self.network.features.map(|c| c as u64),
                },
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_yaml_network_takes_the_documented_defaults() {
        let network: Network = serde_yaml::from_str("input: images\noutput: features\n").unwrap();
        assert_eq!(network, Network::new("images", "features"));
        let config = FeatureConfig::new("images", "features", 299, 299);
        assert_eq!(config.network, network);
        assert_eq!(config.network.layout, Layout::Nchw);
        assert_eq!(
            (config.channels, config.network.scale, config.network.offset),
            (3, 1.0, 0.0)
        );
        assert_eq!((config.batch_size, config.threads), (16, 1));
        config.validate().unwrap();
    }

    #[test]
    fn a_full_yaml_network_reads_every_field() {
        let yaml = "input: data\noutput: features\nlayout: nhwc\n\
                    channel_order: bgr\nscale: 127.5\noffset: 127.5\nmean: [103.939, 116.779, 123.68]\n\
                    std: [1, 1, 1]\nfeatures: 512\n";
        let network: Network = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(network.layout, Layout::Nhwc);
        assert_eq!(network.channel_order, ChannelOrder::Bgr);
        assert_eq!(
            network.mean.as_deref(),
            Some(&[103.939, 116.779, 123.68][..])
        );
        assert_eq!(network.features, Some(512));
        let config = FeatureConfig {
            network,
            ..FeatureConfig::new("data", "features", 227, 227)
        };
        config.validate().unwrap();
    }

    #[test]
    fn unknown_keys_are_errors() {
        let error = serde_yaml::from_str::<Network>("input: a\noutput: b\nbatch: 4\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `batch`"), "{error}");
    }

    #[test]
    fn invalid_fields_are_refused_with_the_field_and_the_fix() {
        let base = FeatureConfig::new("images", "features", 32, 32);
        let cases: Vec<(FeatureConfig, &str)> = vec![
            (
                FeatureConfig {
                    channels: 2,
                    ..base.clone()
                },
                "feature config: `channels` is 2; expected 1 or 3",
            ),
            (
                FeatureConfig {
                    size: [0, 32],
                    ..base.clone()
                },
                "feature config: `size` is [0, 32]; width and height must be at least 1",
            ),
            (
                FeatureConfig {
                    network: Network {
                        mean: Some(vec![0.5]),
                        ..base.network.clone()
                    },
                    ..base.clone()
                },
                "feature config: `mean` has 1 values; expected one per channel (3)",
            ),
            (
                FeatureConfig {
                    network: Network {
                        std: Some(vec![1.0, 0.0, 1.0]),
                        ..base.network.clone()
                    },
                    ..base.clone()
                },
                "feature config: `std` holds 0; expected finite numbers, and no 0 in `std`",
            ),
            (
                FeatureConfig {
                    network: Network {
                        scale: f32::NAN,
                        ..base.network.clone()
                    },
                    ..base.clone()
                },
                "feature config: `scale` is NaN; expected a finite number",
            ),
            (
                FeatureConfig {
                    batch_size: 0,
                    ..base.clone()
                },
                "feature config: `batch_size` is 0; expected at least 1",
            ),
            (
                FeatureConfig {
                    threads: 0,
                    ..base.clone()
                },
                "feature config: `threads` is 0; expected at least 1",
            ),
            (
                FeatureConfig {
                    network: Network {
                        input: String::new(),
                        ..base.network.clone()
                    },
                    ..base.clone()
                },
                "feature config: `input` is empty; name the model input that takes the images",
            ),
            (
                FeatureConfig {
                    size: [4096, 4096],
                    batch_size: 1000,
                    ..base.clone()
                },
                "feature config: `batch_size` is 1000 for 4096x4096x3 images, more than 268435456 input values per batch; lower it",
            ),
        ];
        for (config, expected) in cases {
            assert_eq!(config.validate().unwrap_err().to_string(), expected);
        }
    }

    #[test]
    fn the_model_spec_follows_the_layout() {
        let mut config = FeatureConfig::new("x", "y", 40, 30);
        let dims = |config: &FeatureConfig| match &config.model_spec().inputs[0].shape {
            ShapeSpec::Dims(dims) => dims
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            other => panic!("unexpected {other}"),
        };
        assert_eq!(dims(&config), "N,3,30,40");
        config.network.layout = Layout::Nhwc;
        assert_eq!(dims(&config), "N,30,40,3");
    }
}
