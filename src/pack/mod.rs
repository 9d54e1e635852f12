//! A pack: one plain tar that hands a study to another lab (`radflow pack`, `radflow unpack`).
//!
//! Layout: the manifest `radflow-pack.json` first, then every member at its workspace-relative
//! path (the pipeline, its imported definitions, scripts, the lock, results, the environment
//! record). Invariants: the manifest names every member with its size and blake3; `unpack`
//! writes nothing until every member has been read and checked (no path escapes, no links, no
//! member missing, extra, truncated or with another hash, no newer format), so a refused pack
//! leaves the target folder as it was. An unpacked folder holds [`UNPACK_RECORD_NAME`],
//! written before any member (no member may take its name): the study came from a pack, so
//! its command stages need trust. Input data never enters a pack: the caller decides the
//! members, this module only guards the format.

mod manifest;
mod pseudonym;
mod read;
mod script_file;
mod unpack_record;
mod write;

pub use manifest::{MANIFEST_NAME, Manifest, Member, PACK_FORMAT, Program};
pub use pseudonym::Pseudonymizer;
pub use read::{read_pack, unpack};
pub use script_file::is_script;
pub use unpack_record::{UNPACK_RECORD_NAME, UnpackRecord};
pub use write::write_pack;

use std::path::PathBuf;

/// Why a pack cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("`{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a radflow pack: {message}", .path.display())]
    Malformed { path: PathBuf, message: String },
    #[error("`{}`: member `{member}` would be written outside the target folder ({why}); nothing was unpacked", .path.display())]
    Escape {
        path: PathBuf,
        member: String,
        why: &'static str,
    },
    #[error("`{}`: member `{member}` was changed after packing: the manifest says blake3 {expected}, the member has {found}; nothing was unpacked", .path.display())]
    Tampered {
        path: PathBuf,
        member: String,
        expected: String,
        found: String,
    },
    #[error("`{}` is truncated or incomplete: {message}; nothing was unpacked", .path.display())]
    Truncated { path: PathBuf, message: String },
    #[error("`{}` was made by a newer radflow (pack format {found}; this radflow reads format {PACK_FORMAT} and older)", .path.display())]
    Newer { path: PathBuf, found: u32 },
}
