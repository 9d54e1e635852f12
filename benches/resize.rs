//! The study's `resize` step per slice: lesion crop (+10% margin, squared), intensity
//! window 0..1024 -> -1..1, bicubic resize to 299 x 299, from a 256 x 256 int16 slice.
//!
//! `cargo bench --bench resize` reports the time per slice for a typical lesion
//! (a 60 x 45 box, crop 72 x 72) and for the worst case (crop = whole slice), and the
//! resize alone. A plain Python pipeline takes about 1.1 ms per slice (1,070 in 1.2 s).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use radflow::imaging::{Bicubic, BoundingBox, Image, LesionCrop, Resampler, resize};
use radflow::learn::Rng;

/// A scan-like slice: noise around 300 with a brighter disc around (128, 120).
fn slice() -> Image<i16> {
    let mut rng = Rng::new(7);
    let pixels = (0..256 * 256)
        .map(|i| {
            let (x, y) = ((i % 256) as f64, (i / 256) as f64);
            let lesion = if (x - 128.0).powi(2) + (y - 120.0).powi(2) < 900.0 {
                400.0
            } else {
                0.0
            };
            (300.0 + lesion + 50.0 * rng.normal()) as i16
        })
        .collect();
    Image::new(256, 256, pixels).expect("256 x 256 pixels")
}

fn bench(c: &mut Criterion) {
    let slice = slice();
    let params = LesionCrop::default();
    let mut group = c.benchmark_group("resize");
    let typical = BoundingBox {
        x_min: 98,
        x_max: 157,
        y_min: 98,
        y_max: 142,
    };
    group.bench_function("crop_window_resize_typical_lesion", |b| {
        b.iter(|| {
            params
                .apply(black_box(&slice), typical)
                .expect("valid crop")
        })
    });
    let whole = BoundingBox {
        x_min: 0,
        x_max: 255,
        y_min: 0,
        y_max: 255,
    };
    group.bench_function("crop_window_resize_whole_slice", |b| {
        b.iter(|| params.apply(black_box(&slice), whole).expect("valid crop"))
    });
    let windowed = params.window.apply(&slice).expect("valid window");
    group.bench_function("resize_only_256_to_299", |b| {
        b.iter(|| resize(black_box(&windowed), 299, 299, &Bicubic::default()).expect("valid size"))
    });
    let resampler = Resampler::new(256, 256, 299, 299, &Bicubic::default()).expect("valid sizes");
    group.bench_function("resize_only_256_to_299_reused_weights", |b| {
        b.iter(|| {
            resampler
                .resize(black_box(&windowed))
                .expect("matching size")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
