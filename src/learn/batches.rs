//! The order in which training samples are drawn into batches.
//!
//! The training set is shuffled (Fisher-Yates, seeded), and batches are cut from it in
//! order; when it runs out, it is reshuffled and the batch continues from the new
//! order. So every batch holds exactly `batch_size` samples, each epoch visits every
//! sample exactly once, and a batch may straddle two epochs (it then cannot hold one
//! sample twice unless the training set is smaller than a batch).

use super::rng::Rng;

/// The [`Rng`] stream of batch orders.
const BATCH_STREAM: u64 = 0x0042_4154_4348; // "BATCH"

/// An endless, reshuffled-per-epoch sequence of positions in `0..n`.
pub(crate) struct BatchStream {
    order: Vec<usize>,
    next: usize,
    rng: Rng,
}

impl BatchStream {
    /// `n` must be at least 1.
    pub(crate) fn new(n: usize, seed: u64) -> Self {
        let mut rng = Rng::with_stream(seed, BATCH_STREAM);
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        Self {
            order,
            next: 0,
            rng,
        }
    }

    /// Fills `batch` with the next positions.
    pub(crate) fn fill(&mut self, batch: &mut [usize]) {
        for slot in batch {
            if self.next == self.order.len() {
                self.rng.shuffle(&mut self.order);
                self.next = 0;
            }
            *slot = self.order[self.next];
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_epoch_visits_every_sample_once_even_across_batch_boundaries() {
        let n = 23;
        let mut stream = BatchStream::new(n, 4);
        let mut drawn = Vec::new();
        let mut batch = [0; 10];
        for _ in 0..23 {
            stream.fill(&mut batch);
            drawn.extend_from_slice(&batch);
        }
        // 230 draws: ten full epochs of 23.
        let mut epochs = Vec::new();
        for epoch in drawn.chunks(n) {
            let mut sorted = epoch.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            epochs.push(epoch.to_vec());
        }
        assert_ne!(epochs[0], epochs[1], "each epoch is reshuffled");
    }

    #[test]
    fn the_order_depends_only_on_the_seed() {
        let draw = |seed| {
            let mut stream = BatchStream::new(50, seed);
            let mut batch = [0; 100];
            stream.fill(&mut batch);
            batch
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
    }
}
