//! Mini-batch SGD on the softmax head: the study's training loop.
//!
//! Each step `i` (0-based) draws a batch (see `batches`), and for each sample computes
//! the logits `W x + b`, the softmax probabilities `p`, and adds `(p - onehot(y)) x` to
//! the gradient; then `W <- W * (1 - LR_i * weight_decay) - (LR_i / B) * G` and
//! `b <- b - (LR_i / B) * g_b`, which is plain SGD on the mean cross-entropy plus the L2
//! penalty. The gradient is taken at the weights of the start of the step for every
//! sample in the batch, as in any mini-batch SGD.
//!
//! Invariants: the result is a pure function of the samples, the split and the config
//! (bit for bit, on any machine with the same `exp`; the vector and portable kernels
//! agree exactly); the standardization, when enabled, is fitted on the training set
//! only; a non-finite logit stops training with an error instead of spreading NaN.

use super::batches::BatchStream;
use super::curve::CurvePoint;
use super::error::LearnError;
use super::head::{TrainedHead, score};
use super::kernel::{BLOCK, Kernel, SWEEP};
use super::rng::Rng;
use super::samples::Samples;
use super::softmax::{argmax, softmax};
use super::split::Split;
use super::standardize::Standardization;
use super::train_config::{TrainConfig, WeightInit};

/// The [`Rng`] stream of random initial weights.
const INIT_STREAM: u64 = 0x494E_4954; // "INIT"

/// Trains a head on `split.train`, recording validation scores on `split.validation`
/// (which may be empty); `split.test` is not read.
pub fn train(
    samples: &Samples<'_>,
    split: &Split,
    config: &TrainConfig,
) -> Result<TrainedHead, LearnError> {
    train_with(Kernel::detect(), samples, split, config)
}

pub(crate) fn train_with(
    kernel: Kernel,
    samples: &Samples<'_>,
    split: &Split,
    config: &TrainConfig,
) -> Result<TrainedHead, LearnError> {
    config.validate()?;
    if split.train.is_empty() {
        return Err(LearnError::Empty {
            what: "split.train",
            unit: "sample",
        });
    }
    let standardization = if config.standardize {
        check_indices(&split.train, "train", samples.n_samples())?;
        let rows = split.train.iter().map(|&i| samples.row(i));
        Some(Standardization::fit(rows, samples.n_features()))
    } else {
        None
    };
    let train_set = Matrix::gather(samples, &split.train, "train", standardization.as_ref())?;
    let validation_set = Matrix::gather(
        samples,
        &split.validation,
        "validation",
        standardization.as_ref(),
    )?;

    let (d, n_classes) = (samples.n_features(), samples.n_classes());
    let mut weights = initial_weights(config, n_classes * d);
    let mut bias = vec![0.0f32; n_classes];
    let mut grads = vec![0.0f32; n_classes * d];
    let mut grad_bias = vec![0.0f64; n_classes];
    let mut logits = vec![0.0f32; SWEEP * n_classes];
    let mut probabilities = vec![0.0f64; n_classes];
    let mut residuals = vec![0.0f32; SWEEP * n_classes];
    let mut batch = vec![0usize; config.batch_size];
    let mut batches = BatchStream::new(train_set.rows, config.seed);
    let mut curve = Vec::with_capacity(config.steps.div_ceil(config.eval_every).min(1 << 16));
    let (mut loss_since_point, mut steps_since_point) = (0.0f64, 0usize);

    for step in 0..config.steps {
        let learning_rate = config.learning_rate(step);
        batches.fill(&mut batch);
        grads.fill(0.0);
        grad_bias.fill(0.0);
        let mut batch_loss = 0.0;
        let groups: Vec<&[usize]> = batch.chunks(SWEEP).collect();
        for (g, block) in groups.iter().enumerate() {
            let (xs, ys) = train_set.block(block);
            let (xs, ys) = (&xs[..block.len()], &ys[..block.len()]);
            // The first vectors of the next group, to prefetch while this one is scored.
            let next_positions = groups
                .get(g + 1)
                .map_or(&[][..], |n| &n[..n.len().min(BLOCK)]);
            let (next, _) = train_set.block(next_positions);
            let next = &next[..next_positions.len()];
            let logits = &mut logits[..block.len() * n_classes];
            let residuals = &mut residuals[..block.len() * n_classes];
            score(kernel, &weights, &bias, xs, next, logits);
            if !logits.iter().all(|l| l.is_finite()) {
                return Err(LearnError::Diverged { step });
            }
            for ((row, r_row), &y) in logits
                .chunks(n_classes)
                .zip(residuals.chunks_mut(n_classes))
                .zip(ys)
            {
                batch_loss += softmax(row, &mut probabilities) - f64::from(row[y]);
                for (k, (r, &p)) in r_row.iter_mut().zip(&probabilities).enumerate() {
                    let target = if k == y { 1.0 } else { 0.0 };
                    *r = (p - target) as f32;
                    grad_bias[k] += f64::from(*r);
                }
            }
            kernel.accumulate(&mut grads, residuals, xs);
        }
        let step_size = (learning_rate / config.batch_size as f64) as f32;
        let decay = (1.0 - learning_rate * config.weight_decay) as f32;
        for (w, &g) in weights.iter_mut().zip(&grads) {
            *w = *w * decay - step_size * g;
        }
        for (b, &g) in bias.iter_mut().zip(&grad_bias) {
            *b -= step_size * g as f32;
        }

        loss_since_point += batch_loss / config.batch_size as f64;
        steps_since_point += 1;
        let done = step + 1;
        if done % config.eval_every == 0 || done == config.steps {
            let (validation_accuracy, validation_loss) =
                match validation_set.score(kernel, &weights, &bias, n_classes) {
                    Ok(Some((accuracy, loss))) => (Some(accuracy), Some(loss)),
                    Ok(None) => (None, None),
                    Err(NonFinite) => return Err(LearnError::Diverged { step }),
                };
            curve.push(CurvePoint {
                step: done,
                learning_rate,
                train_loss: loss_since_point / steps_since_point as f64,
                validation_accuracy,
                validation_loss,
            });
            (loss_since_point, steps_since_point) = (0.0, 0);
        }
    }
    Ok(TrainedHead::from_parts(
        d,
        weights,
        bias,
        standardization,
        config.clone(),
        curve,
    ))
}

fn initial_weights(config: &TrainConfig, len: usize) -> Vec<f32> {
    match config.init {
        WeightInit::Zeros => vec![0.0; len],
        WeightInit::Normal { std } => {
            let mut rng = Rng::with_stream(config.seed, INIT_STREAM);
            (0..len).map(|_| (std * rng.normal()) as f32).collect()
        }
    }
}

fn check_indices(indices: &[usize], set: &'static str, n_samples: usize) -> Result<(), LearnError> {
    match indices.iter().find(|&&i| i >= n_samples) {
        Some(&index) => Err(LearnError::IndexOutOfRange {
            set,
            index,
            n_samples,
        }),
        None => Ok(()),
    }
}

/// Selected samples copied (and standardized) into one row-major buffer, so the
/// kernels read each feature vector as one slice.
///
/// Rows start `stride` floats apart, a multiple of 16 (one 64-byte cache line) with
/// an odd number of lines: with a stride of a whole number of 4 KiB pages (2,048
/// features exactly), the same column of every row would fall into one L1 cache set,
/// and a gradient sweep over 32 rows would evict its own data at every step.
struct Matrix {
    values: Vec<f32>,
    labels: Vec<usize>,
    rows: usize,
    columns: usize,
    stride: usize,
}

impl Matrix {
    fn gather(
        samples: &Samples<'_>,
        indices: &[usize],
        set: &'static str,
        standardization: Option<&Standardization>,
    ) -> Result<Self, LearnError> {
        check_indices(indices, set, samples.n_samples())?;
        let columns = samples.n_features();
        let lines = columns.div_ceil(16);
        let stride = 16 * (lines + 1 - lines % 2);
        let mut values = vec![0.0f32; indices.len() * stride];
        for (&i, out) in indices.iter().zip(values.chunks_exact_mut(stride)) {
            let (out, row) = (&mut out[..columns], samples.row(i));
            match standardization {
                Some(s) => s.apply(row, out),
                None => out.iter_mut().zip(row.iter()).for_each(|(o, &v)| *o = v),
            }
        }
        Ok(Self {
            values,
            labels: indices.iter().map(|&i| samples.labels()[i]).collect(),
            rows: indices.len(),
            columns,
            stride,
        })
    }

    /// The feature vectors and classes at up to [`SWEEP`] positions; entries past
    /// `positions.len()` are empty.
    fn block(&self, positions: &[usize]) -> ([&[f32]; SWEEP], [usize; SWEEP]) {
        let mut xs: [&[f32]; SWEEP] = [&[]; SWEEP];
        let mut ys = [0usize; SWEEP];
        for ((x, y), &position) in xs.iter_mut().zip(&mut ys).zip(positions) {
            (*x, *y) = self.sample(position);
        }
        (xs, ys)
    }

    fn sample(&self, position: usize) -> (&[f32], usize) {
        let start = position * self.stride;
        (
            &self.values[start..start + self.columns],
            self.labels[position],
        )
    }

    /// (accuracy, mean cross-entropy) under the given weights; `None` when empty.
    fn score(
        &self,
        kernel: Kernel,
        weights: &[f32],
        bias: &[f32],
        n_classes: usize,
    ) -> Result<Option<(f64, f64)>, NonFinite> {
        if self.rows == 0 {
            return Ok(None);
        }
        let mut logits = vec![0.0f32; SWEEP * n_classes];
        let mut probabilities = vec![0.0f64; n_classes];
        let (mut correct, mut loss) = (0usize, 0.0f64);
        let positions: Vec<usize> = (0..self.rows).collect();
        for group in positions.chunks(SWEEP) {
            let (xs, ys) = self.block(group);
            let logits = &mut logits[..group.len() * n_classes];
            score(kernel, weights, bias, &xs[..group.len()], &[], logits);
            if !logits.iter().all(|l| l.is_finite()) {
                return Err(NonFinite);
            }
            for (row, &y) in logits.chunks(n_classes).zip(&ys) {
                loss += softmax(row, &mut probabilities) - f64::from(row[y]);
                correct += usize::from(argmax(&probabilities) == y);
            }
        }
        Ok(Some((
            correct as f64 / self.rows as f64,
            loss / self.rows as f64,
        )))
    }
}

/// A validation logit overflowed: reported by the caller as divergence at its step.
struct NonFinite;

#[cfg(test)]
mod tests;
