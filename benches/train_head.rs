//! Head training at the study's size: 1,200 slices x 2,048 features, 3 classes,
//! batch 100, 10,000 steps. Target: ten trainings (one per seed, run in parallel,
//! one per core) in under 10 s on 2 cores.
//!
//! `cargo bench --bench train_head` prints a plain wall-clock timing of the ten-run
//! case first, then criterion's figures for one run and for ten.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group};
use ndarray::Array2;
use radflow::learn::{Rng, Samples, Split, SplitConfig, TrainConfig, split, train};
use rayon::prelude::*;

const SLICES: usize = 1_200;
const FEATURES: usize = 2_048;
const SEEDS: u64 = 10;

/// Non-negative features like pooled ReLU outputs, with a small class-dependent shift
/// on a few hundred of them so the head has something, not everything, to learn.
fn features() -> (Array2<f32>, Vec<usize>) {
    let mut rng = Rng::new(2024);
    let labels: Vec<usize> = (0..SLICES).map(|i| i % 3).collect();
    let features = Array2::from_shape_fn((SLICES, FEATURES), |(i, j)| {
        let shift = if j % 7 == labels[i] { 0.02 } else { 0.0 };
        (rng.normal().abs() * 0.4 + shift) as f32
    });
    (features, labels)
}

fn splits(labels: &[usize]) -> Vec<Split> {
    (0..SEEDS)
        .map(|seed| {
            let config = SplitConfig {
                seed,
                ..SplitConfig::default()
            };
            split(labels, &(0..labels.len()).collect::<Vec<_>>(), &config).expect("valid split")
        })
        .collect()
}

fn ten_runs(samples: &Samples<'_>, splits: &[Split]) -> Vec<f64> {
    splits
        .par_iter()
        .enumerate()
        .map(|(seed, split)| {
            let config = TrainConfig {
                seed: seed as u64,
                ..TrainConfig::default()
            };
            let head = train(samples, split, &config).expect("training succeeds");
            head.curve()
                .last()
                .and_then(|p| p.validation_accuracy)
                .unwrap_or(0.0)
        })
        .collect()
}

fn plain_timing() {
    let (features, labels) = features();
    let samples = Samples::new(features.view(), &labels, 3).expect("valid samples");
    let splits = splits(&labels);
    let start = Instant::now();
    let accuracies = ten_runs(&samples, &splits);
    let elapsed = start.elapsed();
    println!(
        "plain timing: {SEEDS} trainings of 10,000 steps (batch 100, {SLICES} x {FEATURES}, 3 classes) \
         on {} threads: {:.2} s; validation accuracies {:?}",
        rayon::current_num_threads(),
        elapsed.as_secs_f64(),
        accuracies
            .iter()
            .map(|a| format!("{a:.3}"))
            .collect::<Vec<_>>()
    );
}

fn bench(c: &mut Criterion) {
    let (features, labels) = features();
    let samples = Samples::new(features.view(), &labels, 3).expect("valid samples");
    let splits = splits(&labels);
    // Ten samples is criterion's minimum; the time budgets fit ten runs of each.
    let mut group = c.benchmark_group("train_head");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(12));
    group.bench_function("one_run_10000_steps", |b| {
        b.iter(|| train(&samples, &splits[0], &TrainConfig::default()).expect("training succeeds"))
    });
    group.finish();
    let mut group = c.benchmark_group("train_head");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(90));
    group.bench_function("ten_runs_parallel", |b| {
        b.iter(|| black_box(ten_runs(&samples, &splits)))
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    plain_timing();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
