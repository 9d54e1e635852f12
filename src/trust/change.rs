//! What differs between the programs a study runs now and the ones the user trusted.

use std::collections::BTreeMap;
use std::fmt;

use super::program_pin::ProgramPin;
use crate::digest::Digest;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Never trusted: no acceptance for this pipeline, or a stage added since.
    NotTrusted {
        stage: String,
        command: String,
        scripts: BTreeMap<String, Digest>,
    },
    /// The command template changed.
    Command {
        stage: String,
        trusted: String,
        now: String,
    },
    /// A script changed, or is new (`trusted: None`).
    Script {
        stage: String,
        path: String,
        trusted: Option<Digest>,
        now: Digest,
    },
}

impl Change {
    pub fn stage(&self) -> &str {
        match self {
            Change::NotTrusted { stage, .. }
            | Change::Command { stage, .. }
            | Change::Script { stage, .. } => stage,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::NotTrusted {
                stage,
                command,
                scripts,
            } => {
                write!(f, "stage `{stage}` runs `{command}`, not trusted yet")?;
                for (path, hash) in scripts {
                    write!(f, "; script `{path}` blake3 {hash}")?;
                }
                Ok(())
            }
            Change::Command {
                stage,
                trusted,
                now,
            } => write!(
                f,
                "stage `{stage}`: its command changed since it was trusted: `{trusted}` then, `{now}` now"
            ),
            Change::Script {
                stage,
                path,
                trusted: Some(trusted),
                now,
            } => write!(
                f,
                "stage `{stage}`: script `{path}` changed since it was trusted: blake3 {trusted} then, {now} now"
            ),
            Change::Script {
                stage,
                path,
                trusted: None,
                now,
            } => write!(
                f,
                "stage `{stage}`: script `{path}` (blake3 {now}) is new since the stage was trusted"
            ),
        }
    }
}

/// The changes of `now` against `trusted` (`None`: nothing of this pipeline was trusted), in
/// `now`'s order. A stage or script that went away changes nothing: it no longer runs.
pub fn changes(now: &[ProgramPin], trusted: Option<&[ProgramPin]>) -> Vec<Change> {
    let mut out = Vec::new();
    for pin in now {
        let Some(old) = trusted.and_then(|t| t.iter().find(|p| p.stage == pin.stage)) else {
            out.push(Change::NotTrusted {
                stage: pin.stage.clone(),
                command: pin.command.clone(),
                scripts: pin.scripts.clone(),
            });
            continue;
        };
        if old.command != pin.command {
            out.push(Change::Command {
                stage: pin.stage.clone(),
                trusted: old.command.clone(),
                now: pin.command.clone(),
            });
        }
        for (path, hash) in &pin.scripts {
            let before = old.scripts.get(path).copied();
            if before != Some(*hash) {
                out.push(Change::Script {
                    stage: pin.stage.clone(),
                    path: path.clone(),
                    trusted: before,
                    now: *hash,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(stage: &str, command: &str, scripts: &[(&str, &[u8])]) -> ProgramPin {
        ProgramPin {
            stage: stage.into(),
            command: command.into(),
            scripts: scripts
                .iter()
                .map(|(p, bytes)| (p.to_string(), Digest::of(bytes)))
                .collect(),
        }
    }

    #[test]
    fn each_difference_from_the_trusted_programs_is_one_change() {
        let trusted = vec![
            pin("a", "sh a.sh", &[("a.sh", b"echo a")]),
            pin("b", "sh b.sh", &[("b.sh", b"echo b")]),
            pin("gone", "true", &[]),
        ];
        let now = vec![
            pin("a", "sh a.sh", &[("a.sh", b"echo a")]),
            pin(
                "b",
                "sh b.sh --fast",
                &[("b.sh", b"echo B"), ("lib.py", b"x")],
            ),
            pin("c", "sh c.sh", &[]),
        ];
        let found = changes(&now, Some(&trusted));
        let expected = vec![
            Change::Command {
                stage: "b".into(),
                trusted: "sh b.sh".into(),
                now: "sh b.sh --fast".into(),
            },
            Change::Script {
                stage: "b".into(),
                path: "b.sh".into(),
                trusted: Some(Digest::of(b"echo b")),
                now: Digest::of(b"echo B"),
            },
            Change::Script {
                stage: "b".into(),
                path: "lib.py".into(),
                trusted: None,
                now: Digest::of(b"x"),
            },
            Change::NotTrusted {
                stage: "c".into(),
                command: "sh c.sh".into(),
                scripts: BTreeMap::new(),
            },
        ];
        assert_eq!(found, expected);
        assert!(changes(&trusted[..2], Some(&trusted)).is_empty());
        assert_eq!(changes(&now, None).len(), now.len());
    }

    #[test]
    fn a_changed_script_names_both_hashes() {
        let change = Change::Script {
            stage: "notes".into(),
            path: "scripts/notes.sh".into(),
            trusted: Some(Digest::of(b"old")),
            now: Digest::of(b"new"),
        };
        let text = change.to_string();
        for needle in [
            "`notes`",
            "scripts/notes.sh",
            &Digest::of(b"old").to_hex(),
            &Digest::of(b"new").to_hex(),
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
    }
}
