//! Built-in stage kinds, one file each, and the registry that names them.
//!
//! Every kind implements [`Stage`]; the registry erases its parameter type so the planner can
//! build instances from YAML by name.

mod context;
pub mod counts;
mod dropped;
mod error;
mod kind;

pub mod command;
pub mod evaluate;
mod feature_matrix;
pub mod lesion_filter;
pub mod onnx_features;
pub mod radiomics;
pub mod report;
pub mod resize;
pub mod sample_filter;
pub mod slice_extract;
pub mod train_head;

use std::sync::Arc;

pub use context::{Emit, Host, ItemFn, MapOutput, MapRequest, OnError, StageContext, Upstream};
pub use error::StageError;
pub use kind::{Arity, FileInput, ParamError, Port, Stage};

use crate::dataset::Dataset;

/// A stage instance with its parameters checked, ready to key and run.
pub trait DynStage: Send + Sync {
    fn kind(&self) -> &'static str;
    fn version(&self) -> u32;
    fn ports(&self) -> &'static [Port];
    /// Every parameter, defaults filled in, as canonical JSON.
    fn params(&self) -> &serde_json::Value;
    /// The parameters that decide the output (execution-only ones removed): the key's part.
    fn fingerprint(&self) -> &serde_json::Value;
    fn files(&self) -> Vec<FileInput>;
    fn missing_file_hint(&self, path: &str) -> Option<String>;
    fn env(&self) -> Vec<String>;
    fn publish_by_default(&self) -> bool;
    fn is_map(&self) -> bool;
    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError>;
}

struct Instance<S: Stage> {
    stage: S,
    params: serde_json::Value,
    fingerprint: serde_json::Value,
}

impl<S: Stage> DynStage for Instance<S> {
    fn kind(&self) -> &'static str {
        S::KIND
    }
    fn version(&self) -> u32 {
        S::VERSION
    }
    fn ports(&self) -> &'static [Port] {
        S::PORTS
    }
    fn params(&self) -> &serde_json::Value {
        &self.params
    }
    fn fingerprint(&self) -> &serde_json::Value {
        &self.fingerprint
    }
    fn files(&self) -> Vec<FileInput> {
        self.stage.files()
    }
    fn missing_file_hint(&self, path: &str) -> Option<String> {
        self.stage.missing_file_hint(path)
    }
    fn env(&self) -> Vec<String> {
        self.stage.env()
    }
    fn publish_by_default(&self) -> bool {
        S::PUBLISH
    }
    fn is_map(&self) -> bool {
        self.stage.is_map()
    }
    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        self.stage.run(ctx)
    }
}

/// A kind in the registry.
pub struct KindInfo {
    pub name: &'static str,
    pub version: u32,
    pub about: &'static str,
    pub ports: &'static [Port],
    build: fn(serde_yaml::Value) -> Result<Box<dyn DynStage>, ParamError>,
}

impl KindInfo {
    const fn of<S: Stage>() -> Self {
        Self {
            name: S::KIND,
            version: S::VERSION,
            about: S::ABOUT,
            ports: S::PORTS,
            build: build::<S>,
        }
    }

    /// Checks `with` (a YAML mapping) against the kind's parameters.
    pub fn build(&self, with: serde_yaml::Value) -> Result<Arc<dyn DynStage>, ParamError> {
        (self.build)(with).map(Arc::from)
    }
}

fn build<S: Stage>(with: serde_yaml::Value) -> Result<Box<dyn DynStage>, ParamError> {
    let params: S::Params = serde_path_to_error::deserialize(with).map_err(|error| {
        let path = error.path().to_string();
        let (_, message) = crate::spec::describe_serde_error(&error.into_inner().to_string());
        ParamError {
            path: if path == "." { String::new() } else { path },
            message,
        }
    })?;
    let params_json = serde_json::to_value(&params).map_err(|e| {
        ParamError::new("", format!("parameters cannot be written canonically: {e}"))
    })?;
    let mut fingerprint = params_json.clone();
    if let serde_json::Value::Object(map) = &mut fingerprint {
        for key in S::EXEC_ONLY {
            map.remove(*key);
        }
    }
    let stage = S::new(params)?;
    Ok(Box::new(Instance {
        stage,
        params: params_json,
        fingerprint,
    }))
}

/// Every built-in kind.
pub static KINDS: &[KindInfo] = &[
    KindInfo::of::<command::Command>(),
    KindInfo::of::<sample_filter::SampleFilter>(),
    KindInfo::of::<slice_extract::SliceExtract>(),
    KindInfo::of::<lesion_filter::LesionFilter>(),
    KindInfo::of::<resize::Resize>(),
    KindInfo::of::<onnx_features::OnnxFeatures>(),
    KindInfo::of::<train_head::TrainHead>(),
    KindInfo::of::<evaluate::Evaluate>(),
    KindInfo::of::<report::Report>(),
    KindInfo::of::<radiomics::Radiomics>(),
];

/// The kind named `name`.
pub fn lookup(name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.name == name)
}
