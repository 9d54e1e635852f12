//! The built-in stage kinds, one file each, and [`KINDS`], the registry a pipeline's
//! `kind:` names are looked up in.
//!
//! Every kind implements [`crate::stage_api::Stage`] and sees only its
//! [`crate::stage_api::StageContext`]; nothing here knows the engine that runs it.

mod dropped;
mod study_fields;

pub mod command;
pub mod evaluate;
pub mod feature_family;
mod feature_matrix;
mod fitted_head;
mod head_fit;
pub mod lesion_filter;
pub mod logistic_regression;
pub mod onnx_features;
mod patient_images;
pub mod radiomics;
pub mod random_forest;
pub mod report;
pub mod resize;
pub mod sample_filter;
pub mod slice_extract;
pub mod svm;
pub mod train_head;

pub use study_fields::{CLASS_FIELD, PATIENT_FIELD, study_roles};

use crate::stage_api::KindInfo;

/// Every built-in kind.
pub static KINDS: &[KindInfo] = &[
    KindInfo::of::<command::Command>(),
    KindInfo::of::<sample_filter::SampleFilter>(),
    KindInfo::of::<slice_extract::SliceExtract>(),
    KindInfo::of::<lesion_filter::LesionFilter>(),
    KindInfo::of::<resize::Resize>(),
    KindInfo::of::<onnx_features::OnnxFeatures>(),
    KindInfo::of::<train_head::TrainHead>(),
    KindInfo::of::<logistic_regression::LogisticRegression>(),
    KindInfo::of::<svm::Svm>(),
    KindInfo::of::<random_forest::RandomForest>(),
    KindInfo::of::<evaluate::Evaluate>(),
    KindInfo::of::<report::Report>(),
    KindInfo::of::<radiomics::Radiomics>(),
];
