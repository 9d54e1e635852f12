//! Trust: a study from another lab runs its outside programs only after the user said yes.
//!
//! A study unpacked from a pack (an unpack record, `pack::UNPACK_RECORD_NAME`, in a folder at
//! or above its pipeline file) runs its command stages only when every outside program
//! (`stage_api::OutsideProgram`: a command template and the blake3 of each script it names)
//! equals what `radflow trust` recorded for that pipeline file in the user's folder of
//! acceptances ([`TrustStore`]), as direnv's `allow` and editors' workspace trust do. A
//! changed template or script asks again, naming the old and new hash. Built-in stages run
//! radflow's own code and need no trust; a study the user wrote (no unpack record) needs
//! none either.
//!
//! Invariants: nothing in a pack can grant trust (acceptances live outside the project, keyed
//! by the pipeline's canonical path, and no member may take the unpack record's name); a
//! damaged unpack record or acceptance never reads as trusted.

mod change;
mod program_pin;
mod trust_check;
mod trust_store;

pub use change::Change;
pub use program_pin::ProgramPin;
pub use trust_check::TrustCheck;
pub use trust_store::{TRUST_DIR_VAR, TrustRecord, TrustStore};

use std::path::PathBuf;

/// Why trust cannot be checked or recorded.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("`{}`: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot record trust in `{}`: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the trust record `{}` cannot be read ({message}); run `radflow trust` again", .path.display())]
    Record { path: PathBuf, message: String },
    #[error(
        "no folder for trust records: set {} (or XDG_DATA_HOME or HOME)",
        trust_store::TRUST_DIR_VAR
    )]
    NoFolder,
}
