//! The content-addressed cache: objects, stage and item entries, run records, and the
//! maintenance commands (`gc`, `cache verify`). See [`store`] for the layout and invariants.

mod entry;
mod error;
mod gc;
mod presence;
mod present_lists;
mod runs;
mod shard_listing;
mod store;
mod verify;

pub use entry::{ENTRY_FORMAT, ItemEntry, StageEntry, decode_digests, encode_digests};
pub use error::CacheError;
pub use gc::{GcOptions, GcReport, GcRoots, collect, lock_files_of_runs};
pub use presence::ObjectPresence;
pub use runs::{
    InstanceRecord, ItemCounts, LastKey, LastKeys, RUN_FORMAT, RunLog, RunOutcome, RunRecord,
    Status, runs_in,
};
pub use store::{ObjectError, Store};
pub use verify::{VerifyReport, verify};
