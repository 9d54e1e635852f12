//! Imported definition files: where each one comes from (a file of the workspace, or a file at a
//! commit of a git repository), the blake3 of its bytes, and the pin it was written with.
//!
//! Invariants: every import is read exactly once per load (a file reached twice through other
//! imports is loaded once; a file reached again while it is being loaded is a cycle); a pinned
//! import whose bytes have another blake3 is an error unless the caller asked to see the
//! differences (`radflow update-imports`); git is only asked for commits and blobs (`rev-parse`,
//! `show`) and, when a local pin drifted, whether the file has uncommitted changes (`status`),
//! never to change a working tree.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::document::{DefinitionsDoc, ImportDoc, PinnedImportDoc};
use super::error::{SpecError, SpecErrorKind};
use super::locate::locate;
use super::yaml::parse_yaml;
use crate::digest::Digest;
use crate::workspace::Workspace;

/// One imported definition file, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedImport {
    /// Its name in the lock file: the path as written, or `<repo>@<rev>:<path>` for git.
    pub id: String,
    pub source: ImportSource,
    /// The blake3 of its bytes.
    pub blake3: Digest,
    /// The `blake3:` it was written with.
    pub pinned: Option<Digest>,
    /// The local file whose `import:` names it (where `update-imports` rewrites the pin);
    /// `None` when that file itself came from git.
    pub written_in: Option<PathBuf>,
    /// The name errors about its content use.
    pub file: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    /// A file of the workspace (absolute path).
    Local(PathBuf),
    /// `path` at `commit` (what `rev` named when loaded) of the repository `repo`.
    Git {
        repo: String,
        rev: String,
        commit: String,
        path: String,
    },
}

impl ResolvedImport {
    /// True when it was pinned to other bytes than it has.
    pub fn drifted(&self) -> bool {
        self.pinned.is_some_and(|pin| pin != self.blake3)
    }
}

/// Where the paths of one `import:` list start.
#[derive(Clone)]
enum Base {
    Workspace,
    /// Inside a file imported from git: the same repository and commit.
    Git(GitAt),
}

/// A repository (as written, and the folder git reads) at a commit.
#[derive(Clone)]
struct GitAt {
    dir: PathBuf,
    repo: String,
    rev: String,
    commit: String,
}

/// One import's bytes and where they came from.
struct Fetched {
    id: String,
    source: ImportSource,
    /// The name errors about its content use.
    file: PathBuf,
    bytes: Vec<u8>,
}

/// Resolves imports, following the `import:` of imported files.
pub(crate) struct Resolver<'a> {
    workspace: &'a Workspace,
    /// With `false`, drifted pins are returned instead of refused.
    check_pins: bool,
    /// Ids being loaded, outermost first (for cycles).
    stack: Vec<String>,
    pub resolved: Vec<(ResolvedImport, DefinitionsDoc)>,
}

impl<'a> Resolver<'a> {
    pub fn new(workspace: &'a Workspace, check_pins: bool) -> Self {
        Self {
            workspace,
            check_pins,
            stack: Vec::new(),
            resolved: Vec::new(),
        }
    }

    /// Resolves the `import:` list written in `file` (whose text is `text`).
    pub fn resolve_list(
        &mut self,
        imports: &[ImportDoc],
        file: &Path,
        text: &str,
        local: bool,
    ) -> Result<(), SpecError> {
        self.list(imports, &Base::Workspace, file, text, local)
    }

    fn list(
        &mut self,
        imports: &[ImportDoc],
        base: &Base,
        file: &Path,
        text: &str,
        local: bool,
    ) -> Result<(), SpecError> {
        for (i, entry) in imports.iter().enumerate() {
            let at = |kind, message: String| {
                SpecError::new(kind, file, format!("import #{}: {message}", i + 1))
                    .at("import")
                    .position(locate(text, &["import"]))
            };
            let Fetched {
                id,
                source,
                file: import_file,
                bytes,
            } = self.fetch(entry, base).map_err(|(kind, m)| at(kind, m))?;
            if let Some(pos) = self.stack.iter().position(|s| *s == id) {
                let mut chain: Vec<&str> = self.stack[pos..].iter().map(String::as_str).collect();
                chain.push(&id);
                return Err(at(
                    SpecErrorKind::Cycle,
                    format!("import cycle: {}", chain.join(" -> ")),
                ));
            }
            if self.resolved.iter().any(|(r, _)| r.id == id) {
                continue;
            }
            let pinned = pin_of(entry).map_err(|m| at(SpecErrorKind::Invalid, m))?;
            let blake3 = Digest::of(&bytes);
            if self.check_pins
                && let Some(pin) = pinned
                && pin != blake3
            {
                let dirty = match &source {
                    ImportSource::Local(path) => uncommitted(path)
                        .map(|root| {
                            format!(
                                " (`{id}` has uncommitted changes in the git tree at `{}`)",
                                root.display()
                            )
                        })
                        .unwrap_or_default(),
                    ImportSource::Git { .. } => String::new(),
                };
                return Err(at(
                    SpecErrorKind::Pin,
                    format!(
                        "`{id}` is pinned to blake3 {pin} but its content has blake3 {blake3}{dirty}; if the change is wanted, run `radflow update-imports`"
                    ),
                ));
            }
            let import_text = String::from_utf8(bytes)
                .map_err(|_| at(SpecErrorKind::Io, format!("`{id}` is not UTF-8 text")))?;
            let defs: DefinitionsDoc = parse_yaml(&import_file, &import_text)?;
            let nested_base = match &source {
                ImportSource::Local(_) => Base::Workspace,
                ImportSource::Git { .. } => {
                    Base::Git(self.git_at(entry, base).map_err(|(k, m)| at(k, m))?)
                }
            };
            let nested = defs.import.clone();
            self.stack.push(id.clone());
            let nested_local = matches!(source, ImportSource::Local(_));
            self.list(
                &nested,
                &nested_base,
                &import_file,
                &import_text,
                nested_local,
            )?;
            self.stack.pop();
            self.resolved.push((
                ResolvedImport {
                    id,
                    source,
                    blake3,
                    pinned,
                    written_in: local.then(|| file.to_path_buf()),
                    file: import_file,
                    text: import_text,
                },
                defs,
            ));
        }
        Ok(())
    }

    /// The import's id, source, display name and bytes.
    fn fetch(&self, entry: &ImportDoc, base: &Base) -> Result<Fetched, (SpecErrorKind, String)> {
        let git_entry = match entry {
            ImportDoc::Pinned(p) => p.git.is_some() || p.rev.is_some(),
            ImportDoc::Plain(_) => false,
        };
        if !git_entry && matches!(base, Base::Workspace) {
            let path = self.workspace.resolve(entry.path());
            let bytes = std::fs::read(&path).map_err(|e| {
                let what = match e.kind() {
                    std::io::ErrorKind::NotFound => "file not found".to_string(),
                    _ => format!("cannot read `{}`: {e}", entry.path()),
                };
                (SpecErrorKind::Io, what)
            })?;
            let id = crate::workspace::normalize(Path::new(entry.path()));
            return Ok(Fetched {
                id,
                source: ImportSource::Local(path.clone()),
                file: path,
                bytes,
            });
        }
        let GitAt {
            dir,
            repo,
            rev,
            commit,
        } = self.git_at(entry, base)?;
        let path = entry.path().trim_start_matches("./").to_string();
        let bytes = git(&dir, &["show", &format!("{commit}:{path}")]).map_err(|_| {
            (
                SpecErrorKind::Io,
                format!(
                    "`{path}` does not exist at `{rev}` (commit {}) of `{repo}`",
                    &commit[..12.min(commit.len())]
                ),
            )
        })?;
        let id = format!("{repo}@{rev}:{path}");
        let shown = PathBuf::from(&id);
        Ok(Fetched {
            id,
            source: ImportSource::Git {
                repo,
                rev,
                commit,
                path,
            },
            file: shown,
            bytes,
        })
    }

    /// The repository and commit an entry reads from.
    fn git_at(&self, entry: &ImportDoc, base: &Base) -> Result<GitAt, (SpecErrorKind, String)> {
        let pinned = match (entry, base) {
            (ImportDoc::Pinned(p @ PinnedImportDoc { git: Some(_), .. }), _) => p,
            (
                ImportDoc::Pinned(PinnedImportDoc {
                    rev: Some(_),
                    git: None,
                    ..
                }),
                _,
            ) => {
                return Err((
                    SpecErrorKind::Invalid,
                    "`rev` needs `git` (the repository)".into(),
                ));
            }
            (_, Base::Git(at)) => return Ok(at.clone()),
            (_, Base::Workspace) => {
                return Err((SpecErrorKind::Invalid, "`git` names no repository".into()));
            }
        };
        let repo = pinned.git.clone().unwrap_or_default();
        let Some(rev) = pinned.rev.clone() else {
            return Err((
                SpecErrorKind::Invalid,
                format!("`git: {repo}` needs `rev` (a commit or tag)"),
            ));
        };
        if rev.starts_with('-') || rev.is_empty() {
            return Err((
                SpecErrorKind::Invalid,
                format!("`rev: {rev}` is not a commit or tag"),
            ));
        }
        let dir = self.repo_dir(&repo)?;
        let commit = match resolve_rev(&dir, &repo, &rev) {
            Ok(commit) => commit,
            Err(_) if is_url(&repo) => {
                // A mirror may predate the rev: fetch once, then ask again.
                let _ = git(
                    &dir,
                    &[
                        "fetch",
                        "--quiet",
                        "--tags",
                        "origin",
                        "+refs/heads/*:refs/heads/*",
                    ],
                );
                resolve_rev(&dir, &repo, &rev)?
            }
            Err(e) => return Err(e),
        };
        Ok(GitAt {
            dir,
            repo,
            rev,
            commit,
        })
    }

    /// A local repository as written (relative to the root); a URL through a bare mirror in
    /// `<root>/.radflow/git/`, cloned on first use.
    fn repo_dir(&self, repo: &str) -> Result<PathBuf, (SpecErrorKind, String)> {
        if !is_url(repo) {
            let dir = self.workspace.resolve(repo);
            if !dir.is_dir() {
                return Err((SpecErrorKind::Io, format!("repository `{repo}` not found")));
            }
            return Ok(dir);
        }
        let mirror = self
            .workspace
            .root()
            .join(".radflow/git")
            .join(Digest::of(repo.as_bytes()).short());
        if !mirror.is_dir() {
            let status = Command::new("git")
                .args(["clone", "--bare", "--quiet", "--", repo])
                .arg(&mirror)
                .output()
                .map_err(|e| (SpecErrorKind::Io, format!("cannot run `git`: {e}")))?;
            if !status.status.success() {
                return Err((
                    SpecErrorKind::Io,
                    format!(
                        "cannot clone `{repo}`: {}",
                        String::from_utf8_lossy(&status.stderr).trim()
                    ),
                ));
            }
        }
        Ok(mirror)
    }
}

fn resolve_rev(dir: &Path, repo: &str, rev: &str) -> Result<String, (SpecErrorKind, String)> {
    git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map(|out| String::from_utf8_lossy(&out).trim().to_string())
    .map_err(|_| missing_rev(repo, rev))
}

fn missing_rev(repo: &str, rev: &str) -> (SpecErrorKind, String) {
    (
        SpecErrorKind::Io,
        format!("rev `{rev}` does not exist in repository `{repo}`"),
    )
}

fn is_url(repo: &str) -> bool {
    repo.contains("://") || repo.starts_with("git@")
}

fn pin_of(entry: &ImportDoc) -> Result<Option<Digest>, String> {
    match entry {
        ImportDoc::Pinned(PinnedImportDoc {
            blake3: Some(hex), ..
        }) => hex
            .parse()
            .map(Some)
            .map_err(|e: crate::digest::ParseDigestError| format!("`blake3`: {e}")),
        _ => Ok(None),
    }
}

/// The top of the git working tree holding `file` when `file` has uncommitted changes there;
/// `None` when it is clean, not in a git tree, or git cannot be run. Only asked when a pin has
/// drifted, to say why: the pin already refuses the bytes, a dirty tree is the likely cause.
fn uncommitted(file: &Path) -> Option<PathBuf> {
    let dir = file.parent()?;
    let name = file.file_name()?.to_str()?;
    let status = git(dir, &["status", "--porcelain", "--", name]).ok()?;
    if status.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let top = git(dir, &["rev-parse", "--show-toplevel"]).ok()?;
    Some(PathBuf::from(String::from_utf8_lossy(&top).trim()))
}

/// Runs `git -C dir args`; its stdout, or its stderr as the error.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run `git`: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}
