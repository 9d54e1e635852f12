//! The exit codes of the `radflow` binary.

/// Everything asked for was done.
pub const SUCCESS: i32 = 0;
/// A stage failed (the cache keeps everything that finished).
pub const FAILURE: i32 = 1;
/// Bad input: a pipeline, parameter, flag or file radflow cannot use.
pub const USAGE: i32 = 2;
/// A check found a difference: `verify` (outputs differ from the lock file), `run --frozen`
/// (the lock file would change), `cache verify` (damaged objects).
pub const MISMATCH: i32 = 3;
/// A study from a pack runs programs the user has not trusted (`radflow trust`); nothing ran.
pub const UNTRUSTED: i32 = 4;
/// Stopped by Ctrl-C.
pub const INTERRUPTED: i32 = 130;
