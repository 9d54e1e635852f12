//! Training time of the comparison heads (issue 13) at 1,000 x 256, 3 classes:
//! logistic regression (L2, L-BFGS), linear and RBF SVM (SMO), random forest (100
//! trees). Goal: each within 2x of scikit-learn on one thread.
//!
//! `cargo bench --bench heads` first prints a one-run comparison: scikit-learn's fit
//! times (`benches/heads_sklearn.py`, `OMP_NUM_THREADS=1`, `n_jobs=1`, best of 3) and
//! radflow's (best of 3, on a one-thread pool, and the forest also on every core), as
//! ratios; then criterion's figures (one thread). It needs python3 with scikit-learn
//! for the comparison (`RADFLOW_PYTHON` names the interpreter); without it the
//! comparison is skipped with a note, and criterion still runs.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group};
use ndarray::Array2;
use radflow::learn::{
    ForestConfig, LogisticConfig, LogisticRegression, RandomForest, Rng, Samples,
    SupportVectorMachine, SvmConfig, SvmKernel,
};
use rayon::ThreadPool;

const ROWS: usize = 1_000;
const FEATURES: usize = 256;
const REPEATS: usize = 3;

/// Three overlapping Gaussian classes (400, 350, 250 rows); means differ by 0.25 on 48
/// of the 256 features, so no head is perfect and the SVMs keep many support vectors.
fn data() -> (Array2<f32>, Vec<usize>) {
    let mut rng = Rng::new(13);
    let labels: Vec<usize> = [(0, 400), (1, 350), (2, 250)]
        .iter()
        .flat_map(|&(c, n)| std::iter::repeat_n(c, n))
        .collect();
    let features = Array2::from_shape_fn((ROWS, FEATURES), |(i, j)| {
        let shift = if j < 48 && j % 3 == labels[i] {
            0.25
        } else {
            0.0
        };
        (rng.normal() + shift) as f32
    });
    (features, labels)
}

type Fit = fn(&Samples<'_>, &[usize]);

fn heads() -> [(&'static str, Fit); 4] {
    [
        ("logistic", |s, r| {
            black_box(LogisticRegression::fit(s, r, &LogisticConfig::default()).unwrap());
        }),
        ("svm_linear", |s, r| {
            let config = SvmConfig {
                kernel: SvmKernel::Linear,
                ..SvmConfig::default()
            };
            black_box(SupportVectorMachine::fit(s, r, &config).unwrap());
        }),
        ("svm_rbf", |s, r| {
            black_box(SupportVectorMachine::fit(s, r, &SvmConfig::default()).unwrap());
        }),
        ("forest", |s, r| {
            black_box(RandomForest::fit(s, r, &ForestConfig::default()).unwrap());
        }),
    ]
}

fn pool(threads: usize) -> ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn best_of(repeats: usize, mut run: impl FnMut()) -> f64 {
    (0..repeats)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// scikit-learn's best-of-3 fit time per head, or why there is none.
fn sklearn_seconds(features: &Array2<f32>, labels: &[usize]) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("features.json");
    let rows: Vec<Vec<f64>> = features
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect();
    let data = serde_json::json!({"features": rows, "labels": labels});
    std::fs::write(&path, data.to_string()).map_err(|e| e.to_string())?;
    let python = std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/heads_sklearn.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(&path)
        .arg(REPEATS.to_string())
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("MKL_NUM_THREADS", "1")
        .output()
        .map_err(|e| format!("cannot run `{python}`: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}

fn one_run_comparison() {
    let (features, labels) = data();
    let samples = Samples::new(features.view(), &labels, 3).expect("valid samples");
    let rows: Vec<usize> = (0..ROWS).collect();
    let reference = match sklearn_seconds(&features, &labels) {
        Ok(reference) => reference,
        Err(why) => {
            println!("comparison skipped: scikit-learn unavailable ({why})");
            return;
        }
    };
    let single = pool(1);
    let all = pool(rayon::current_num_threads());
    println!(
        "one run, {ROWS} x {FEATURES}, 3 classes, best of {REPEATS}; scikit-learn {} on one thread",
        reference["sklearn"].as_str().unwrap_or("?")
    );
    println!(
        "{:<11} {:>10} {:>12} {:>7}  goal <= 2x",
        "head", "sklearn s", "radflow s", "ratio"
    );
    for (name, fit) in heads() {
        let theirs = reference["seconds"][name].as_f64().unwrap_or(f64::NAN);
        let ours = single.install(|| best_of(REPEATS, || fit(&samples, &rows)));
        let ratio = ours / theirs;
        let verdict = if ratio <= 2.0 { "met" } else { "not met" };
        println!("{name:<11} {theirs:>10.4} {ours:>12.4} {ratio:>7.2}  {verdict}");
        if name == "forest" {
            let parallel = all.install(|| best_of(REPEATS, || fit(&samples, &rows)));
            println!(
                "{:<11} {theirs:>10.4} {parallel:>12.4} {:>7.2}  ({} threads)",
                "forest",
                parallel / theirs,
                all.current_num_threads()
            );
        }
    }
}

fn bench_heads(c: &mut Criterion) {
    one_run_comparison();
    let (features, labels) = data();
    let samples = Samples::new(features.view(), &labels, 3).expect("valid samples");
    let rows: Vec<usize> = (0..ROWS).collect();
    let single = pool(1);
    let mut group = c.benchmark_group("heads_1000x256_one_thread");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (name, fit) in heads() {
        group.bench_function(name, |b| {
            b.iter(|| single.install(|| fit(&samples, &rows)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_heads);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
