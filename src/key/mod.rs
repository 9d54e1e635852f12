//! Fingerprints: stage keys, item keys, file hashes, and why a key changed.
//!
//! A key is blake3 over canonical bytes (see [`canonical`]); the stage key's fields are listed
//! in one struct, [`StageKey`], so everything that can invalidate a stage is in one place.

pub mod canonical;
mod files;
mod glob;
mod instance_key;
mod item_key;
mod stage_key;
mod stat_cache;
mod why;

pub use files::{FileError, hash_inputs};
pub use glob::matches as glob_matches;
pub use instance_key::{InputKeys, instance_key};
pub use item_key::{ItemKeyer, ItemStage};
pub use stage_key::{InputKey, KEY_FORMAT, StageKey};
pub use stat_cache::{Hashed, StatCache, hash_file};
pub use why::{Change, FileChange, first_change};
