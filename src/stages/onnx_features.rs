//! `onnx_features`: one feature vector per image from an ONNX network (METHOD.md stage 5, the
//! "bottleneck" features), through ONNX Runtime.
//!
//! Item-level cached on the image alone (with the model's content hash and the preprocessing
//! parameters as shared key material): a slice whose image did not change never goes through
//! the network again, whatever else changed. The model is opened and checked against the
//! configuration (input and output names, shapes, size, channels) before any image runs.
//! Batch size and threads only steer execution and stay out of the keys.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::feature_family;
use crate::dataset::{Dataset, Record, Tensor, Value};
use crate::onnx::{FeatureConfig, FeatureExtractor, ImageRef, Network};
use crate::report_page::CNN_FAMILY;
use crate::stage_api::StageError;
use crate::stage_api::{Emit, MapRequest, OnError, StageContext};
use crate::stage_api::{FileInput, FileParam, ParamError, ParamFile, Port, Stage};

/// The model file, the network's description (input, output, preprocessing: see
/// [`Network`]), and execution settings, as one flat YAML mapping.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Params {
    /// The ONNX file: relative to the workspace root, or `{from: STAGE, file: NAME}` (a file
    /// another stage wrote, e.g. a quantized network).
    pub model: FileParam,
    #[serde(flatten)]
    pub network: Network,
    /// Images per inference call.
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// ONNX Runtime threads (default: the run's `-j`, at most the number of cores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Keys neither this struct nor [`Network`] takes: refused in `new`. (serde cannot deny
    /// unknown keys through a flattened struct, so they are caught here.)
    #[serde(flatten, skip_serializing)]
    unknown: BTreeMap<String, serde_yaml::Value>,
}

/// Every key `onnx_features` takes, for the unknown-key message.
const KEYS: &[&str] = &[
    "model",
    "input",
    "output",
    "layout",
    "channel_order",
    "scale",
    "offset",
    "mean",
    "std",
    "features",
    "batch_size",
    "threads",
];

fn default_batch() -> usize {
    16
}

pub struct OnnxFeatures {
    params: Params,
}

impl Stage for OnnxFeatures {
    const KIND: &'static str = "onnx_features";
    /// 2: the output's meta names its feature family (`CNN`). 3: and the model that made the
    /// features, with its precision (`feature_model`).
    const VERSION: u32 = 3;
    const ABOUT: &'static str =
        "one feature vector per image from an ONNX network (batched, through ONNX Runtime)";
    const PORTS: &'static [Port] = &[Port::one("images")];
    const EXEC_ONLY: &'static [&'static str] = &["batch_size", "threads"];
    type Params = Params;

    fn is_map(&self) -> bool {
        true
    }

    /// Yes: a slice's features come from that slice alone.
    fn runs_ahead(&self) -> bool {
        true
    }

    fn new(params: Params) -> Result<Self, ParamError> {
        if let Some(key) = params.unknown.keys().next() {
            let expected: Vec<String> = KEYS.iter().map(|k| format!("`{k}`")).collect();
            let serde_words = format!(
                "unknown field `{key}`, expected one of {}",
                expected.join(", ")
            );
            let (_, message) = crate::spec::describe_serde_error(&serde_words);
            return Err(ParamError::new(key, message));
        }
        if params.batch_size == 0 {
            return Err(ParamError::new("batch_size", "must be at least 1"));
        }
        if params.threads == Some(0) {
            return Err(ParamError::new("threads", "must be at least 1"));
        }
        Ok(Self { params })
    }

    fn feature_family(&self) -> Option<String> {
        Some(CNN_FAMILY.to_string())
    }

    fn files(&self) -> Vec<FileInput> {
        let path = self.params.model.path();
        path.map(|p| FileInput::Path(p.to_string()))
            .into_iter()
            .collect()
    }

    /// The features are ONNX Runtime's arithmetic: another runtime release may change their
    /// last bits, so its version is part of every key.
    fn runtime(&self) -> Result<BTreeMap<String, String>, StageError> {
        let version =
            crate::onnx::runtime::version().map_err(|e| StageError::invalid(e.to_string()))?;
        Ok(BTreeMap::from([(
            "onnx runtime".to_string(),
            version.to_string(),
        )]))
    }

    fn missing_file_hint(&self, path: &str) -> Option<String> {
        Some(if path.contains("inception") {
            "export it on a machine with internet: `python3 models/export_inception_v3.py` (models/README.md)".to_string()
        } else if path.contains("squeezenet") {
            "build it with `make models/squeezenet1_1.onnx` (models/README.md)".to_string()
        } else {
            "models/README.md says how the shipped models are made".to_string()
        })
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let images = ctx.input("images")?;
        let records = images.records();
        let Some(first) = records.first() else {
            return Err(StageError::invalid("the input has no images"));
        };
        let sample = ctx.read_tensor(first.blob("image")?)?;
        let [height, width] = <[usize; 2]>::try_from(sample.shape.clone()).map_err(|s| {
            StageError::invalid(format!(
                "`{}`: image has shape {s:?}, expected [height, width]",
                first.id
            ))
        })?;
        let channels = first.int("channels").unwrap_or(1) as u32;
        let model = ctx.file_param("model", &self.params.model)?;
        let feature_model = self.describe_model(&model)?;
        let config = self.config(width as u32, height as u32, channels, ctx.threads());
        let extractor =
            FeatureExtractor::new(model.path.clone(), config).map_err(|e| {
                match &self.params.model {
                    FileParam::Path(_) => StageError::invalid(e.to_string()),
                    other => StageError::invalid(format!("{other}: {e}")),
                }
            })?;
        let extractor = Mutex::new(extractor);
        let compute = |batch: &[&Record],
                       ctx: &StageContext<'_>|
         -> Result<Vec<Vec<Emit>>, StageError> {
            let pixels: Vec<Vec<f32>> = batch
                .iter()
                .map(|r| {
                    let t = ctx.read_tensor(r.blob("image")?)?;
                    if t.shape != [height, width] {
                        return Err(StageError::invalid(format!(
                            "`{}`: image is {:?}, the others {height}x{width}",
                            r.id, t.shape
                        )));
                    }
                    Ok(t.to_f32())
                })
                .collect::<Result<_, StageError>>()?;
            let refs: Vec<ImageRef<'_>> = pixels
                .iter()
                .map(|p| {
                    ImageRef::grey(width, height, p).map_err(|e| StageError::invalid(e.to_string()))
                })
                .collect::<Result<_, _>>()?;
            let features = extractor
                .lock()
                .expect("extractor")
                .extract(&refs)
                .map_err(|e| StageError::invalid(e.to_string()))?;
            features
                .into_iter()
                .map(|f| {
                    if let Some(bad) = f.iter().find(|x| !x.is_finite()) {
                        return Err(StageError::invalid(format!(
                            "the network produced a non-finite feature ({bad})"
                        )));
                    }
                    let blob = ctx.put_tensor(&Tensor::from_f32(vec![f.len()], &f))?;
                    Ok(vec![Emit::same(BTreeMap::from([(
                        "features".to_string(),
                        Value::from(blob),
                    )]))])
                })
                .collect()
        };
        let output = ctx.map(MapRequest {
            records,
            key_fields: &["image", "channels?"],
            shared_key: serde_json::json!({ "model": model.digest }),
            batch: self.params.batch_size,
            parallel: false,
            on_error: OnError::Stop,
            compute: &compute,
        })?;
        let family = self
            .feature_family()
            .expect("onnx_features names its family");
        let meta = BTreeMap::from([
            feature_family::meta_entry(&family),
            (
                feature_family::MODEL_META.to_string(),
                Value::from(feature_model),
            ),
        ]);
        Ok(Dataset::new(output.records, meta)?.with_roles(&images.roles()))
    }
}

impl OnnxFeatures {
    /// `models/squeezenet1_1.onnx (blake3 1a2b3c4d5e6f): fp32`: which network made the
    /// features and in which arithmetic, for the report (an int8 model from a quantizing
    /// stage reads `` `model.onnx` of stage `quantize` (...): int8, ... ``).
    fn describe_model(&self, model: &ParamFile) -> Result<String, StageError> {
        let bytes = std::fs::read(&model.path).map_err(|e| {
            StageError::file(
                model.path.display().to_string(),
                format!("cannot read: {e}"),
            )
        })?;
        let precision = crate::onnx::model_precision(&bytes).map_err(|e| {
            StageError::invalid(format!(
                "{}: not an ONNX model's protobuf: {e}",
                self.params.model
            ))
        })?;
        let hex = model.digest.to_hex();
        Ok(format!(
            "{} (blake3 {}): {precision}",
            self.params.model,
            &hex[..12]
        ))
    }

    fn config(&self, width: u32, height: u32, channels: u32, jobs: usize) -> FeatureConfig {
        let p = &self.params;
        FeatureConfig {
            network: p.network.clone(),
            size: [width, height],
            channels,
            batch_size: p.batch_size,
            // ONNX Runtime's threads spin while they wait for work: more of them than cores
            // (`-j 3` on two, to let features start during slice extraction) slows it down.
            threads: p.threads.unwrap_or_else(|| {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                jobs.min(cores)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onnx_runtime_gets_no_more_threads_than_cores_unless_told() {
        let yaml = "model: m.onnx\ninput: images\noutput: features\n";
        let stage = OnnxFeatures::new(serde_yaml::from_str(yaml).unwrap()).unwrap();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(stage.config(8, 8, 1, cores + 1).threads, cores);
        assert_eq!(stage.config(8, 8, 1, 1).threads, 1);
        let told = format!("{yaml}threads: {}\n", cores + 1);
        let stage = OnnxFeatures::new(serde_yaml::from_str(&told).unwrap()).unwrap();
        assert_eq!(stage.config(8, 8, 1, 1).threads, cores + 1);
    }

    #[test]
    fn parameters_read_flat_refuse_unknown_keys_and_key_as_before() {
        let yaml = "model: m.onnx\ninput: images\noutput: features\nscale: 0.5\nbatch_size: 4\n";
        let params: Params = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(params.network.scale, 0.5);
        assert_eq!(params.batch_size, 4);
        // The parameters' JSON (what keys hash) is one flat object, as before the network
        // description was its own struct.
        let json = serde_json::to_value(&params).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "batch_size",
                "channel_order",
                "input",
                "layout",
                "model",
                "offset",
                "output",
                "scale"
            ]
        );
        let params: Params = serde_yaml::from_str(&format!("{yaml}scael: 1\n")).unwrap();
        let error = OnnxFeatures::new(params).err().unwrap();
        assert_eq!(error.path, "scael");
        assert!(
            error
                .message
                .contains("unknown key `scael`; did you mean `scale`?"),
            "{}",
            error.message
        );
    }
}
