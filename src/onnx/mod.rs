//! ONNX inference: loading ONNX Runtime, opening and checking models, extracting
//! pooled CNN features from images.
//!
//! The way through it: [`runtime`] finds and loads the shared library once per
//! process; [`Model::open`] opens a graph in it and reads its declared inputs and
//! outputs ([`TensorInfo`]); a [`FeatureConfig`] (from YAML) says how pixels become
//! the input tensor and which output holds the features; [`FeatureExtractor`] checks
//! the model against the configuration ([`ModelSpec`]) before any data runs, then
//! turns [`ImageRef`]s into one feature vector each.
//!
//! Every `ort` call in radflow goes through this module, after [`runtime::environment`]
//! has loaded the library: see the invariants in [`runtime`].

mod error;
mod feature_config;
mod features;
mod image_ref;
mod model;
mod model_precision;
mod model_spec;
mod packer;
pub mod runtime;
mod runtime_version;
mod tensor_info;

pub use error::{OnnxError, Role};
pub use feature_config::{ChannelOrder, FeatureConfig, Layout, MAX_BATCH_VALUES, Network};
pub use features::FeatureExtractor;
pub use image_ref::{ImageRef, ImageRefError};
pub use model::Model;
pub use model_precision::{Precision, precision as model_precision};
pub use model_spec::{DimSpec, ModelSpec, ShapeSpec, ValueSpec};
pub use runtime::RuntimeError;
pub use tensor_info::{Dim, TensorInfo, ValueKind};
