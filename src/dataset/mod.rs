//! The data model of a run: datasets of records whose fields are values, blobs and files.

#[allow(clippy::module_inception)]
mod dataset;
mod named_file;
mod record;
mod roles;
mod tensor;
mod value;

pub use dataset::{Dataset, DatasetError, MANIFEST_FORMAT};
pub use record::{FieldError, Record};
pub use roles::{ROLES_META, Roles};
pub use tensor::{DType, Tensor, TensorError};
pub use value::{BlobRef, FileRef, Value};
