//! The binary's error: every layer's error, turned into one line and an exit code at the edge.

use crate::cache::CacheError;
use crate::exit_code;
use crate::lockfile::LockError;
use crate::spec::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A flag or argument that cannot be used.
    #[error("{0}")]
    Usage(String),
    /// An input file (NRRD, CSV) that cannot be read.
    #[error("{0}")]
    Input(String),
    /// Stages failed; the details were printed.
    #[error("{0}")]
    Failed(String),
    /// A check found differences; the details were printed.
    #[error("{0}")]
    Mismatch(String),
    /// A study from a pack runs programs the user has not trusted; the message names them.
    #[error("{0}")]
    Untrusted(String),
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    #[error("interrupted")]
    Interrupted,
    #[error(transparent)]
    Cluster(#[from] crate::exec::cluster::ClusterError),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Spec(_) | Error::Usage(_) | Error::Input(_) | Error::Lock(_) => exit_code::USAGE,
            Error::Cache(CacheError::Version { .. }) => exit_code::USAGE,
            Error::Cache(_) | Error::Failed(_) => exit_code::FAILURE,
            Error::Mismatch(_) => exit_code::MISMATCH,
            Error::Untrusted(_) => exit_code::UNTRUSTED,
            Error::Trust(_) => exit_code::USAGE,
            Error::Interrupted => exit_code::INTERRUPTED,
            Error::Cluster(
                crate::exec::cluster::ClusterError::Resources { .. }
                | crate::exec::cluster::ClusterError::LocalBelow(_),
            ) => exit_code::USAGE,
            Error::Cluster(_) => exit_code::FAILURE,
        }
    }
}
