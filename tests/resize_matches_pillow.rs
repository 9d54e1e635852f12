//! radflow's bicubic resize against Pillow's `Image.resize(size, BICUBIC)` on mode 'F'
//! images: reference arrays made by tests/fixtures/resize/make_reference.py.

use std::collections::BTreeMap;
use std::path::PathBuf;

use radflow::imaging::{Bicubic, EdgeMode, Image, resize};
use serde::Deserialize;

#[derive(Deserialize)]
struct Raster {
    width: usize,
    height: usize,
    pixels: Vec<f32>,
}

#[derive(Deserialize)]
struct Case {
    input: String,
    width: usize,
    height: usize,
    pixels: Vec<f32>,
}

#[derive(Deserialize)]
struct Reference {
    pillow_version: String,
    inputs: BTreeMap<String, Raster>,
    cases: Vec<Case>,
}

fn reference() -> Reference {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/resize/pillow_bicubic.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the Pillow reference {} is missing ({error}); make it with \
             `pip install Pillow numpy && python3 tests/fixtures/resize/make_reference.py`",
            path.display()
        )
    });
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not valid: {error}", path.display()))
}

/// Whether output `o` of `n_out` reads only input pixels inside `0..n_in` (Pillow's tap
/// range with bicubic support 2, widened when shrinking).
fn taps_inside(o: usize, n_in: usize, n_out: usize) -> bool {
    let scale = n_in as f64 / n_out as f64;
    let support = 2.0 * scale.max(1.0);
    let centre = (o as f64 + 0.5) * scale;
    (centre - support + 0.5).floor() >= 0.0 && (centre + support + 0.5).floor() <= n_in as f64
}

#[test]
fn renormalized_edges_reproduce_pillow_everywhere() {
    let reference = reference();
    let kernel = Bicubic {
        edge: EdgeMode::Renormalize,
        ..Bicubic::default()
    };
    for case in &reference.cases {
        let input = &reference.inputs[&case.input];
        let image = Image::new(input.width, input.height, input.pixels.clone()).unwrap();
        let out = resize(&image, case.width, case.height, &kernel).unwrap();
        let worst = out
            .pixels()
            .iter()
            .zip(&case.pixels)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= 1e-6,
            "{} -> {} x {}: differs from Pillow {} by up to {worst}",
            case.input,
            case.width,
            case.height,
            reference.pillow_version
        );
    }
}

#[test]
fn clamped_edges_reproduce_pillow_wherever_no_tap_leaves_the_image() {
    let reference = reference();
    let mut compared = 0;
    for case in &reference.cases {
        let input = &reference.inputs[&case.input];
        let image = Image::new(input.width, input.height, input.pixels.clone()).unwrap();
        let out = resize(&image, case.width, case.height, &Bicubic::default()).unwrap();
        for y in 0..case.height {
            for x in 0..case.width {
                let x_inside = case.width == input.width || taps_inside(x, input.width, case.width);
                let y_inside =
                    case.height == input.height || taps_inside(y, input.height, case.height);
                if x_inside && y_inside {
                    let (ours, pillow) = (out.row(y)[x], case.pixels[y * case.width + x]);
                    assert!(
                        (ours - pillow).abs() <= 1e-6,
                        "{} -> {} x {} at ({x}, {y}): {ours} vs Pillow {pillow}",
                        case.input,
                        case.width,
                        case.height
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 5_000, "only {compared} interior pixels compared");
}
