//! Feature extraction: images in, one pooled feature vector per image out.
//!
//! Invariants:
//! - The model is checked against the configuration when the extractor is built,
//!   before any image runs ([`super::model_spec`]).
//! - `extract` returns exactly one vector per image, in order, all of the same length
//!   (the output's channel count, equal to `features` when configured). Every output
//!   the model returns is shape-checked; a surprise is an error, never a truncation.
//! - Images run in batches of `batch_size`; the last may be partial. A model with a
//!   fixed batch dimension gets full batches only: a partial one is padded with zeros
//!   and the padding's outputs are dropped. Results do not depend on the batch size
//!   beyond floating-point noise (tested).

use std::path::Path;

use ort::value::TensorRef;

use super::error::OnnxError;
use super::feature_config::{FeatureConfig, Layout};
use super::image_ref::ImageRef;
use super::model::Model;
use super::packer::Packer;
use super::tensor_info::Dim;

#[derive(Debug)]
pub struct FeatureExtractor {
    model: Model,
    config: FeatureConfig,
    packer: Packer,
    /// Set when the model fixes its batch dimension to `config.batch_size`.
    fixed_batch: bool,
    /// The feature length: configured, declared by the model, or learned on the first run.
    features: Option<usize>,
    /// The input tensor's values, reused across batches.
    buffer: Vec<f32>,
}

impl FeatureExtractor {
    /// Opens the model at `model_path` and checks it against `config`.
    pub fn new(model_path: impl AsRef<Path>, config: FeatureConfig) -> Result<Self, OnnxError> {
        config.validate()?;
        let model = Model::open(model_path, config.threads)?;
        Self::with_model(model, config)
    }

    /// Uses an open model (opened with `config.threads` threads, or as the caller likes).
    pub fn with_model(model: Model, config: FeatureConfig) -> Result<Self, OnnxError> {
        config.validate()?;
        model.validate(&config.model_spec())?;
        let batch_dim = model
            .input(&config.network.input)
            .and_then(|info| info.dims())
            .and_then(|dims| dims.first())
            .and_then(Dim::fixed);
        if let Some(fixed) = batch_dim
            && fixed != config.batch_size as u64
        {
            return Err(OnnxError::Config {
                field: "batch_size",
                problem: format!(
                    "is {}; `{}` takes batches of exactly {fixed} (set `batch_size: {fixed}`)",
                    config.batch_size,
                    model.path().display()
                ),
            });
        }
        let declared_features = model
            .output(&config.network.output)
            .and_then(|info| info.dims())
            .and_then(|dims| dims.get(1))
            .and_then(Dim::fixed)
            .and_then(|c| usize::try_from(c).ok());
        let packer = Packer::new(&config);
        Ok(FeatureExtractor {
            fixed_batch: batch_dim.is_some(),
            features: config.network.features.or(declared_features),
            buffer: Vec::with_capacity(config.batch_size * packer.image_len()),
            packer,
            model,
            config,
        })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// The length of every feature vector, once known (from the configuration, the
    /// model's declared output shape, or the first batch).
    pub fn feature_len(&self) -> Option<usize> {
        self.features
    }

    /// One feature vector per image, in order. Every image must have the configured
    /// size; all are checked before any runs.
    pub fn extract(&mut self, images: &[ImageRef<'_>]) -> Result<Vec<Vec<f32>>, OnnxError> {
        for (index, image) in images.iter().enumerate() {
            if let Some(problem) = self.packer.refusal(image) {
                return Err(OnnxError::Image { index, problem });
            }
        }
        let mut features = Vec::with_capacity(images.len());
        for batch in images.chunks(self.config.batch_size) {
            self.run_batch(batch, &mut features)?;
        }
        Ok(features)
    }

    fn run_batch(
        &mut self,
        images: &[ImageRef<'_>],
        features: &mut Vec<Vec<f32>>,
    ) -> Result<(), OnnxError> {
        let rows = if self.fixed_batch {
            self.config.batch_size
        } else {
            images.len()
        };
        let image_len = self.packer.image_len();
        // Every value of the real rows is overwritten, so the buffer is not cleared
        // between batches: zeroing it costs as much memory traffic as packing.
        self.buffer.resize(rows * image_len, 0.0);
        for (image, out) in images.iter().zip(self.buffer.chunks_exact_mut(image_len)) {
            self.packer.pack(image, out);
        }
        // Padding rows of a fixed-size batch: their outputs are dropped, but zeros keep
        // every run's input defined.
        self.buffer[images.len() * image_len..].fill(0.0);

        let (w, h, c) = (
            self.config.width(),
            self.config.height(),
            self.config.channels(),
        );
        let shape = match self.config.network.layout {
            Layout::Nchw => [rows, c, h, w],
            Layout::Nhwc => [rows, h, w, c],
        };
        let path = self.model.path().to_path_buf();
        let inference = |error: ort::Error| OnnxError::Inference {
            path: path.clone(),
            reason: error.to_string(),
        };
        let input =
            TensorRef::from_array_view((shape, self.buffer.as_slice())).map_err(inference)?;
        let outputs = self
            .model
            .session_mut()
            .run(ort::inputs![self.config.network.input.as_str() => input])
            .map_err(inference)?;
        let output =
            outputs
                .get(&self.config.network.output)
                .ok_or_else(|| OnnxError::Inference {
                    path: path.clone(),
                    reason: format!(
                        "output `{}` missing from the results",
                        self.config.network.output
                    ),
                })?;
        let (out_shape, values) = output.try_extract_tensor::<f32>().map_err(inference)?;

        let wrong_shape = |expected: String| OnnxError::OutputShape {
            path: path.clone(),
            name: self.config.network.output.clone(),
            actual: out_shape.to_string(),
            expected,
        };
        let length = pooled_length(out_shape, rows).ok_or_else(|| {
            wrong_shape(format!("[{rows},C] or [{rows},C,1,1] (pooled features)"))
        })?;
        if let Some(known) = self.features
            && known != length
        {
            return Err(wrong_shape(format!(
                "[{rows},{known}] or [{rows},{known},1,1]"
            )));
        }
        self.features = Some(length);
        features.extend(
            values
                .chunks_exact(length)
                .take(images.len())
                .map(<[f32]>::to_vec),
        );
        Ok(())
    }
}

/// The feature length of a `[rows,C]` or `[rows,C,1,...,1]` output, or `None` for any
/// other shape.
fn pooled_length(shape: &[i64], rows: usize) -> Option<usize> {
    let [batch, channels, rest @ ..] = shape else {
        return None;
    };
    let fits = usize::try_from(*batch).ok() == Some(rows) && rest.iter().all(|&d| d == 1);
    usize::try_from(*channels).ok().filter(|&c| fits && c > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_output_shapes_give_the_feature_length() {
        let cases: &[(&[i64], usize, Option<usize>)] = &[
            (&[4, 16], 4, Some(16)),
            (&[4, 16, 1, 1], 4, Some(16)),
            (&[4, 2048, 1, 1, 1], 4, Some(2048)),
            (&[4, 16, 2, 1], 4, None),
            (&[3, 16], 4, None),
            (&[4], 4, None),
            (&[4, 0], 4, None),
        ];
        for &(shape, rows, expected) in cases {
            assert_eq!(pooled_length(shape, rows), expected, "{shape:?}");
        }
    }
}
