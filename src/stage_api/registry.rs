//! Stage kinds by name: how the planner builds a checked instance from YAML without knowing
//! any kind's parameter type.
//!
//! Each kind implementing [`Stage`] is listed once as a [`KindInfo`]; the list itself lives
//! with the kinds (`crate::stages::KINDS`) and is handed to the planner, so the engine never
//! depends on the kinds it runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::context::StageContext;
use super::error::StageError;
use super::file_input::FileInput;
use super::outside_program::OutsideProgram;
use super::param_error::ParamError;
use super::port::Port;
use super::stage::Stage;
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
    /// [`Stage::program`].
    fn program(&self) -> Option<OutsideProgram>;
    fn missing_file_hint(&self, path: &str) -> Option<String>;
    fn env(&self) -> Vec<String>;
    fn runtime(&self) -> Result<BTreeMap<String, String>, StageError>;
    fn publish_by_default(&self) -> bool;
    fn is_map(&self) -> bool;
    /// [`Stage::runs_ahead`].
    fn runs_ahead(&self) -> bool;
    /// [`Stage::filters_by_group`].
    fn filters_by_group(&self) -> bool;
    /// [`Stage::LIGHT`].
    fn light(&self) -> bool;
    /// [`Stage::feature_family`].
    fn feature_family(&self) -> Option<String>;
    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError>;
}

struct Checked<S: Stage> {
    stage: S,
    params: serde_json::Value,
    fingerprint: serde_json::Value,
}

impl<S: Stage> DynStage for Checked<S> {
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
    fn program(&self) -> Option<OutsideProgram> {
        self.stage.program()
    }
    fn missing_file_hint(&self, path: &str) -> Option<String> {
        self.stage.missing_file_hint(path)
    }
    fn env(&self) -> Vec<String> {
        self.stage.env()
    }
    fn runtime(&self) -> Result<BTreeMap<String, String>, StageError> {
        self.stage.runtime()
    }
    fn publish_by_default(&self) -> bool {
        S::PUBLISH
    }
    fn is_map(&self) -> bool {
        self.stage.is_map()
    }
    fn runs_ahead(&self) -> bool {
        self.stage.runs_ahead()
    }
    fn filters_by_group(&self) -> bool {
        self.stage.filters_by_group()
    }
    fn light(&self) -> bool {
        S::LIGHT
    }
    fn feature_family(&self) -> Option<String> {
        self.stage.feature_family()
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

/// The kinds a pipeline may name.
pub type Registry = &'static [KindInfo];

impl KindInfo {
    pub const fn of<S: Stage>() -> Self {
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

/// The kind named `name`.
pub fn lookup(registry: Registry, name: &str) -> Option<&'static KindInfo> {
    registry.iter().find(|k| k.name == name)
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
    Ok(Box::new(Checked {
        stage,
        params: params_json,
        fingerprint,
    }))
}
