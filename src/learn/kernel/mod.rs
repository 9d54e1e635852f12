//! The two inner loops of head training, vectorized and arranged for the cache: the
//! class logits of a block of samples, then the gradient contributions of a group of
//! samples.
//!
//! Why: at the study's size (2,048 features, 3 classes) the weights and the gradient
//! are 24 KiB each, so with one feature vector they overflow the 32 KiB L1 cache, and a
//! per-sample loop spent its time moving them to and from L2 (1.65 s of CPU per
//! 10,000-step training). Now the logits of [`BLOCK`] samples come from one pass over
//! the weights, prefetching the next block's vectors meanwhile (samples come in random
//! order, which the hardware prefetcher cannot follow); and the gradient is swept once
//! per [`SWEEP`] samples, 16 columns at a time held in registers while those samples'
//! vectors (still in L2 from the logit pass) flow through. About 0.8 s per training.
//!
//! Builds target plain x86-64, so AVX2+FMA code is chosen at run time
//! ([`Kernel::detect`]); elsewhere a portable version runs. Both perform the same
//! floating-point operations in the same order, whatever the block size:
//!
//! - a logit is one 8-lane accumulator of fused multiply-adds (`f32::mul_add`, one
//!   rounding) over the columns in steps of 8, reduced pairwise (`reduce8`), plus the
//!   leftover columns summed in order with fused multiply-adds;
//! - a gradient entry receives `coeff * x` with one fused multiply-add per sample, in
//!   sample order.
//!
//! So the two paths give bit-identical results (tested), and a training is
//! reproducible on any machine whose math library gives the same `exp`. The portable
//! path is fast where `mul_add` is a hardware instruction (aarch64, x86 with FMA) and
//! slow, but still exact, where it is emulated.

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

/// Samples per pass of the vector logit kernel. With 3 classes that is 9 accumulators,
/// 3 inputs and a weight: 13 of the 16 vector registers. Four samples needed 17, and
/// the spilled accumulator went through the stack in every step (3-10% slower).
pub(crate) const BLOCK: usize = 3;

/// Samples per gradient sweep, a multiple of [`BLOCK`]: the sweep holds a slice of the
/// gradient in registers while it runs through these samples' vectors, which (33 x 8
/// KiB at the study's size) still sit in L2 from the logit pass that just read them.
pub(crate) const SWEEP: usize = 33;

/// Classes per pass (see [`BLOCK`] for the register count).
const GROUP: usize = 3;

/// Which implementation runs the loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

impl Kernel {
    /// The fastest implementation this CPU supports.
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Kernel::Avx2Fma;
        }
        Kernel::Portable
    }

    /// `logits[s * K + k] = weights[k] . xs[s]`, where `weights` holds `K` rows of
    /// `d` values, row-major, and every `xs[s]` is `d` long.
    ///
    /// While one block of samples is scored, the next block's vectors are prefetched
    /// (after the last block, those in `next`): samples are drawn in random order,
    /// which the hardware prefetcher cannot follow. Prefetching changes no result.
    pub(crate) fn logits(
        self,
        weights: &[f32],
        xs: &[&[f32]],
        next: &[&[f32]],
        logits: &mut [f32],
    ) {
        let d = xs.first().map_or(0, |x| x.len());
        assert!(
            xs.iter().chain(next).all(|x| x.len() == d),
            "feature vectors of one length"
        );
        let n_classes = logits.len() / xs.len().max(1);
        assert_eq!(logits.len(), xs.len() * n_classes);
        assert_eq!(
            weights.len(),
            n_classes * d,
            "weights must be classes x features"
        );
        let blocks = xs.chunks(BLOCK).zip(logits.chunks_mut(BLOCK * n_classes));
        for (b, (block, out)) in blocks.enumerate() {
            let ahead = match xs.get((b + 1) * BLOCK..) {
                Some(rest) if !rest.is_empty() => &rest[..rest.len().min(BLOCK)],
                _ => &next[..next.len().min(BLOCK)],
            };
            match <&[&[f32]; BLOCK]>::try_from(block) {
                Ok(full) => self.block_logits::<BLOCK>(weights, full, ahead, out, n_classes),
                Err(_) => {
                    for (x, out) in block.iter().zip(out.chunks_mut(n_classes)) {
                        self.block_logits::<1>(weights, &[x], ahead, out, n_classes);
                    }
                }
            }
        }
    }

    /// `grads[k] += coeffs[s * K + k] * xs[s]` for every sample `s` in order and every
    /// class `k`; `grads` holds `K` rows of `d` values.
    pub(crate) fn accumulate(self, grads: &mut [f32], coeffs: &[f32], xs: &[&[f32]]) {
        let d = xs.first().map_or(0, |x| x.len());
        assert!(
            xs.iter().all(|x| x.len() == d),
            "feature vectors of one length"
        );
        let n_classes = coeffs.len() / xs.len().max(1);
        assert_eq!(coeffs.len(), xs.len() * n_classes);
        assert_eq!(
            grads.len(),
            n_classes * d,
            "grads must be classes x features"
        );
        for (xs, coeffs) in xs.chunks(SWEEP).zip(coeffs.chunks(SWEEP * n_classes)) {
            for (g, rows) in grads.chunks_mut(GROUP * d.max(1)).enumerate() {
                let first = g * GROUP;
                match n_classes - first {
                    1 => self.sweep::<1>(rows, coeffs, first, n_classes, xs),
                    2 => self.sweep::<2>(rows, coeffs, first, n_classes, xs),
                    _ => self.sweep::<3>(rows, coeffs, first, n_classes, xs),
                }
            }
        }
    }

    fn block_logits<const S: usize>(
        self,
        weights: &[f32],
        xs: &[&[f32]; S],
        ahead: &[&[f32]],
        out: &mut [f32],
        n_classes: usize,
    ) {
        let d = xs[0].len();
        for (g, rows) in weights.chunks(GROUP * d.max(1)).enumerate() {
            let first = g * GROUP;
            // One pass over the columns is enough to bring the next vectors in.
            let ahead = if g == 0 { ahead } else { &[][..] };
            let mut put = |values: &[&[f32]]| {
                for (s, v) in values.iter().enumerate() {
                    out[s * n_classes + first..][..v.len()].copy_from_slice(v);
                }
            };
            match n_classes - first {
                1 => put(&self
                    .dots::<1, S>(rows, xs, ahead)
                    .each_ref()
                    .map(|v| &v[..])),
                2 => put(&self
                    .dots::<2, S>(rows, xs, ahead)
                    .each_ref()
                    .map(|v| &v[..])),
                _ => put(&self
                    .dots::<3, S>(rows, xs, ahead)
                    .each_ref()
                    .map(|v| &v[..])),
            }
        }
    }

    fn dots<const N: usize, const S: usize>(
        self,
        rows: &[f32],
        xs: &[&[f32]; S],
        ahead: &[&[f32]],
    ) -> [[f32; N]; S] {
        match self {
            // Nothing to prefetch with in portable code; the hint changes no result.
            Kernel::Portable => xs.map(|x| portable::dots::<N>(rows, x)),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx2Fma` is only built by `detect` after checking both features.
            Kernel::Avx2Fma => unsafe { x86::dots::<N, S>(rows, xs, ahead) },
        }
    }

    /// Adds the contributions of up to [`SWEEP`] samples to the `N` gradient rows of
    /// classes `first..first + N`.
    fn sweep<const N: usize>(
        self,
        rows: &mut [f32],
        coeffs: &[f32],
        first: usize,
        n_classes: usize,
        xs: &[&[f32]],
    ) {
        let mut picked = [[0.0f32; N]; SWEEP];
        for (c, all) in picked.iter_mut().zip(coeffs.chunks(n_classes)) {
            c.copy_from_slice(&all[first..first + N]);
        }
        let picked = &picked[..xs.len()];
        match self {
            Kernel::Portable => {
                for (c, x) in picked.iter().zip(xs) {
                    portable::axpys::<N>(rows, *c, x);
                }
            }
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as in `dots`.
            Kernel::Avx2Fma => unsafe { x86::sweep::<N>(rows, picked, xs) },
        }
    }
}

#[cfg(test)]
mod tests;
