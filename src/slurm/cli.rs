//! Running one Slurm client program (`sbatch`, `scontrol`, `scancel`) and
//! capturing what it printed.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::error::SlurmError;

/// Stderr longer than this is cut in error messages: Slurm explains itself
/// in its first lines.
const STDERR_LIMIT: usize = 2000;

/// How one run ended and what it printed.
pub(crate) struct Finished {
    pub program: &'static str,
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn succeeded(&self) -> bool {
        self.code == Some(0)
    }

    /// The stdout of a successful run, or the failure as an error.
    pub fn into_stdout(self) -> Result<String, SlurmError> {
        if self.succeeded() {
            Ok(self.stdout)
        } else {
            Err(self.into_error())
        }
    }

    pub fn into_error(self) -> SlurmError {
        SlurmError::Failed {
            program: self.program,
            args: self.args,
            code: self.code,
            stderr: summarize_stderr(&self.stderr),
        }
    }
}

/// Where the client programs are: `None` searches `PATH`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Programs {
    pub bin_dir: Option<PathBuf>,
}

impl Programs {
    /// Runs `program args...`, writing `stdin` to it when given (else it
    /// reads nothing), with `env` added to the inherited environment.
    pub fn run(
        &self,
        program: &'static str,
        args: Vec<String>,
        stdin: Option<&str>,
        env: &[(String, String)],
    ) -> Result<Finished, SlurmError> {
        let path = match &self.bin_dir {
            Some(dir) => dir.join(program),
            None => PathBuf::from(program),
        };
        let mut command = Command::new(path);
        command
            .args(&args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|source| SlurmError::Spawn { program, source })?;
        // Feed stdin from another thread while this one collects the output,
        // so that neither side can block the other on a full pipe.
        let (waited, written) = std::thread::scope(|scope| {
            let writer = child.stdin.take().zip(stdin).map(|(mut pipe, text)| {
                scope.spawn(move || {
                    let written = pipe.write_all(text.as_bytes());
                    drop(pipe); // EOF: sbatch reads the script to the end
                    written
                })
            });
            let waited = child.wait_with_output();
            let written = writer.map_or(Ok(Ok(())), |w| w.join());
            (waited, written)
        });
        let output = waited.map_err(|source| SlurmError::Spawn { program, source })?;
        let finished = Finished {
            program,
            args,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        match written {
            Ok(Ok(())) => Ok(finished),
            // A program that exits without reading its stdin breaks the pipe;
            // its own complaint on stderr says more than the broken pipe.
            Ok(Err(_)) if !finished.succeeded() => Ok(finished),
            Ok(Err(source)) => Err(SlurmError::Stdin { program, source }),
            Err(_) => Err(SlurmError::Stdin {
                program,
                source: std::io::Error::other("the thread writing stdin panicked"),
            }),
        }
    }
}

/// Stderr as one line: non-empty lines trimmed and joined with `; `, cut at
/// [`STDERR_LIMIT`] bytes, or `(nothing on stderr)`.
pub(crate) fn summarize_stderr(stderr: &str) -> String {
    let joined = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    if joined.is_empty() {
        return "(nothing on stderr)".to_owned();
    }
    if joined.len() <= STDERR_LIMIT {
        return joined;
    }
    let mut cut = STDERR_LIMIT;
    while !joined.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &joined[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_becomes_one_line_of_its_nonempty_lines() {
        let cases = [
            ("", "(nothing on stderr)"),
            ("\n  \n", "(nothing on stderr)"),
            ("sbatch: error: a\n", "sbatch: error: a"),
            (
                "sbatch: error: a\n\n  sbatch: error: b  \n",
                "sbatch: error: a; sbatch: error: b",
            ),
        ];
        for (stderr, expected) in cases {
            assert_eq!(summarize_stderr(stderr), expected);
        }
    }

    #[test]
    fn very_long_stderr_is_cut_on_a_character_boundary() {
        let long = "é".repeat(STDERR_LIMIT);
        let summary = summarize_stderr(&long);
        assert!(summary.ends_with("..."));
        assert!(summary.len() <= STDERR_LIMIT + 3);
    }
}
