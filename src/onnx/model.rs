//! An ONNX model opened in the process's runtime, with its declared inputs and outputs.
//!
//! Opening loads the runtime on first use (see [`super::runtime`]); a missing file is
//! reported as such before the runtime is asked, so a typo in a path never turns into
//! an ONNX Runtime parse error.

use std::path::{Path, PathBuf};

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use super::error::OnnxError;
use super::model_spec::ModelSpec;
use super::runtime;
use super::tensor_info::TensorInfo;

pub struct Model {
    path: PathBuf,
    session: Session,
    inputs: Vec<TensorInfo>,
    outputs: Vec<TensorInfo>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("path", &self.path)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// Opens `path` with `threads` intra-op threads (at least 1).
    ///
    /// One thread per session is the right default when radflow runs several items
    /// in parallel; a single big batch job may give the session more.
    pub fn open(path: impl AsRef<Path>, threads: usize) -> Result<Model, OnnxError> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(OnnxError::ModelMissing { path });
        }
        let environment = runtime::environment()?;
        let session =
            build_session(environment, &path, threads).map_err(|error| OnnxError::ModelOpen {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        let inputs = session
            .inputs()
            .iter()
            .map(TensorInfo::from_outlet)
            .collect();
        let outputs = session
            .outputs()
            .iter()
            .map(TensorInfo::from_outlet)
            .collect();
        Ok(Model {
            path,
            session,
            inputs,
            outputs,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn inputs(&self) -> &[TensorInfo] {
        &self.inputs
    }

    pub fn outputs(&self) -> &[TensorInfo] {
        &self.outputs
    }

    pub fn input(&self, name: &str) -> Option<&TensorInfo> {
        self.inputs.iter().find(|info| info.name == name)
    }

    pub fn output(&self, name: &str) -> Option<&TensorInfo> {
        self.outputs.iter().find(|info| info.name == name)
    }

    /// Refuses a model whose inputs or outputs do not match `spec`, naming expected
    /// and actual names and shapes.
    pub fn validate(&self, spec: &ModelSpec) -> Result<(), OnnxError> {
        spec.check(&self.path, &self.inputs, &self.outputs)
    }

    /// The ONNX Runtime session, for callers that run the graph themselves.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

fn build_session(environment: &Environment, path: &Path, threads: usize) -> ort::Result<Session> {
    Session::builder(environment)?
        .with_optimization_level(GraphOptimizationLevel::All)?
        .with_intra_threads(threads.max(1))?
        // Items are independent: radflow parallelises across sessions, not inside one
        // graph's operators.
        .with_inter_threads(1)?
        .commit_from_file(path)
}
