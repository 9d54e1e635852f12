//! Why an instance runs, or cannot: the reasons [`super::decide`] gives, worded once for
//! `run`, `status`, `verify` and the cluster.

use std::fmt;

use crate::key::{Change, FileError};

/// Why an instance has to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// `--force` (or `verify`, which forces everything).
    Forced,
    /// No earlier run of this instance is known.
    NeverRun,
    /// Its key is unchanged but its entry is gone (removed by `gc`, or a fresh cache).
    NotInCache,
    /// The entry exists, but this many objects it references do not.
    ObjectsMissing(usize),
    /// The first key component that changed since the last run, other than an input.
    Changed(Change),
    /// An input's output changed since the last run: the upstream stages, and how many of the
    /// new input's records differ from the old one's when both are known (`status`).
    InputChanged {
        stages: String,
        items: Option<(usize, usize)>,
    },
    /// An upstream instance runs first, so this key is not known yet; unless the upstream's
    /// output comes out the same (early cutoff), this instance runs too.
    InputRecomputed { upstream: String },
}

impl Why {
    /// Whether the key is known (everything but [`Why::InputRecomputed`]).
    pub fn is_certain(&self) -> bool {
        !matches!(self, Why::InputRecomputed { .. })
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Forced => f.write_str("forced"),
            Why::NeverRun => f.write_str("never run"),
            Why::NotInCache => f.write_str("not in the cache"),
            Why::ObjectsMissing(n) => write!(f, "{n} cached objects missing"),
            Why::Changed(change) => write!(f, "{change}"),
            Why::InputChanged { stages, items } => {
                write!(f, "input {stages} changed")?;
                if let Some((changed, total)) = items {
                    write!(f, " ({changed} of {total} items)")?;
                }
                Ok(())
            }
            Why::InputRecomputed { upstream } => {
                write!(f, "input {upstream} will be recomputed")
            }
        }
    }
}

/// Why an instance cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// An upstream instance failed (or was skipped) in this run.
    InputFailed { upstream: String },
    /// An upstream instance cannot run either (`status`).
    InputBlocked { upstream: String },
    /// A declared file cannot be hashed, with a hint on how to make it where the kind has one.
    File {
        error: FileError,
        hint: Option<String>,
    },
    /// A run-time library the kind needs cannot be loaded.
    Runtime(String),
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocked::InputFailed { upstream } => write!(f, "input {upstream} failed"),
            Blocked::InputBlocked { upstream } => write!(f, "input {upstream} cannot run"),
            Blocked::File { error, hint } => {
                write!(f, "{error}")?;
                if let Some(hint) = hint {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            Blocked::Runtime(message) => f.write_str(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_as_one_phrase() {
        let cases: Vec<(Why, &str)> = vec![
            (Why::Forced, "forced"),
            (Why::NeverRun, "never run"),
            (Why::NotInCache, "not in the cache"),
            (Why::ObjectsMissing(2), "2 cached objects missing"),
            (
                Why::Changed(Change::Env {
                    name: "LANG".into(),
                }),
                "environment variable LANG changed",
            ),
            (
                Why::InputChanged {
                    stages: "resized".into(),
                    items: Some((3, 1208)),
                },
                "input resized changed (3 of 1208 items)",
            ),
            (
                Why::InputChanged {
                    stages: "resized".into(),
                    items: None,
                },
                "input resized changed",
            ),
            (
                Why::InputRecomputed {
                    upstream: "lesions".into(),
                },
                "input lesions will be recomputed",
            ),
        ];
        for (why, text) in cases {
            assert_eq!(why.to_string(), text);
        }
        let blocked = Blocked::File {
            error: FileError {
                path: "models/x.onnx".into(),
                message: "no such file or folder".into(),
            },
            hint: Some("export it".into()),
        };
        assert_eq!(
            blocked.to_string(),
            "`models/x.onnx`: no such file or folder; export it"
        );
    }
}
