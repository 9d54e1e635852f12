//! Run records: what each `radflow run` did, kept in the cache per pipeline.
//!
//! `status` compares a stage's key with the key it last had (to say why it would rerun), `gc`
//! keeps what the last runs reached, `diff` compares the last run with the lock file.
//! Layout: `runs/<pipeline>-<hash>/<millis>-<pid>.json` per run, plus `last-keys.json`, each
//! instance's most recent key, updated after every run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::CacheError;
use super::store::Store;
use crate::dataset::Value;
use crate::digest::Digest;
use crate::durable::{Durability, write_atomic};
use crate::key::StageKey;

pub const RUN_FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Computed in this run (possibly taking some items from the cache).
    Ran,
    /// Taken whole from the cache.
    Cached,
    Failed,
    /// Not run because an input failed or the run stopped.
    Skipped,
    /// Outside `--only`.
    NotSelected,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Every selected instance has a result.
    Complete,
    /// An instance failed (or was skipped after a failure).
    Failed,
    /// Stopped by Ctrl-C.
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceRecord {
    pub stage: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ItemCounts>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub summary: BTreeMap<String, Value>,
    pub params: serde_json::Value,
    pub duration_ms: u64,
    pub saved_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A map instance's items: how many, and how many of them were computed in the run (the
/// rest were reused from the cache; `reused` is written out too, for readers of `--json`),
/// and how many of the computed ones were computed ahead, while its input was still running
/// (`exec::stream`; written out when not 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "ItemCountsJson", from = "ItemCountsJson")]
pub struct ItemCounts {
    pub total: usize,
    pub computed: usize,
    pub ahead: usize,
}

impl ItemCounts {
    pub fn reused(&self) -> usize {
        self.total.saturating_sub(self.computed)
    }
}

#[derive(Serialize, Deserialize)]
struct ItemCountsJson {
    total: usize,
    computed: usize,
    #[serde(default)]
    reused: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    ahead: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl From<ItemCounts> for ItemCountsJson {
    fn from(counts: ItemCounts) -> Self {
        Self {
            total: counts.total,
            computed: counts.computed,
            reused: counts.reused(),
            ahead: counts.ahead,
        }
    }
}

impl From<ItemCountsJson> for ItemCounts {
    fn from(json: ItemCountsJson) -> Self {
        Self {
            total: json.total,
            computed: json.computed,
            ahead: json.ahead,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub format: u32,
    pub pipeline: String,
    /// Absolute paths at the time of the run (used by `gc` to find lock files; never keys).
    pub pipeline_file: PathBuf,
    pub lock_file: PathBuf,
    pub started_unix_ms: u64,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forced: Vec<String>,
    pub outcome: RunOutcome,
    /// By instance id, in execution order.
    pub instances: Vec<(String, InstanceRecord)>,
}

/// The run history of one pipeline in one cache.
pub struct RunLog {
    dir: PathBuf,
    tmp: PathBuf,
    durability: Durability,
}

impl RunLog {
    /// `pipeline_name` and the pipeline file's workspace-relative name identify the history,
    /// so two checkouts sharing a cache share it too.
    pub fn open(
        store: &Store,
        pipeline_name: &str,
        pipeline_key_name: &str,
    ) -> Result<Self, CacheError> {
        let id = Digest::of(pipeline_key_name.as_bytes()).short();
        let dir = store.runs_dir().join(format!("{pipeline_name}-{id}"));
        fs::create_dir_all(&dir).map_err(|e| CacheError::io(&dir, e))?;
        Ok(Self {
            dir,
            tmp: store.tmp_dir(),
            durability: store.durability(),
        })
    }

    pub fn record(&self, run: &RunRecord) -> Result<(), CacheError> {
        let name = format!("{:015}-{}.json", run.started_unix_ms, std::process::id());
        let path = self.dir.join(name);
        let bytes = serde_json::to_vec_pretty(run)
            .map_err(|e| CacheError::io(&path, std::io::Error::other(e)))?;
        write_atomic(&self.tmp, &path, &bytes, self.durability)
            .map_err(|e| CacheError::io(&path, e))
    }

    /// Records the key each instance had and the output it produced, for "why" messages.
    /// Nothing is written when every one of them is already recorded as it is (a no-op run
    /// of a stage over thousands of files would otherwise rewrite megabytes).
    pub fn remember(&self, keys: BTreeMap<String, LastKey>) -> Result<(), CacheError> {
        let mut last = self.last_keys();
        let mut changed = false;
        for (id, key) in keys {
            let raw = serde_json::value::to_raw_value(&key)
                .map_err(|e| CacheError::io(self.last_keys_path(), std::io::Error::other(e)))?;
            if last.0.get(&id).is_none_or(|old| old.get() != raw.get()) {
                last.0.insert(id, raw);
                changed = true;
            }
        }
        if !changed {
            return Ok(());
        }
        let path = self.last_keys_path();
        let bytes = serde_json::to_vec(&last.0)
            .map_err(|e| CacheError::io(&path, std::io::Error::other(e)))?;
        write_atomic(&self.tmp, &path, &bytes, self.durability)
            .map_err(|e| CacheError::io(&path, e))
    }

    /// Each instance's most recent key components.
    pub fn last_keys(&self) -> LastKeys {
        fs::read(self.last_keys_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .map(LastKeys)
            .unwrap_or_default()
    }

    fn last_keys_path(&self) -> PathBuf {
        self.dir.join("last-keys.json")
    }

    /// Run records, newest first.
    pub fn runs(&self) -> Vec<(PathBuf, RunRecord)> {
        runs_in(&self.dir)
    }

    pub fn last_run(&self) -> Option<RunRecord> {
        self.runs().into_iter().next().map(|(_, r)| r)
    }
}

/// Each instance's most recent key, as `last-keys.json` holds them. An instance's entry is
/// parsed only when asked for: a cached stage never needs its last key, and the key of a
/// stage over thousands of declared files is megabytes of JSON.
#[derive(Debug, Default)]
pub struct LastKeys(BTreeMap<String, Box<serde_json::value::RawValue>>);

impl LastKeys {
    /// The last key of instance `id` (none when never recorded or unreadable).
    pub fn get(&self, id: &str) -> Option<LastKey> {
        serde_json::from_str(self.0.get(id)?.get()).ok()
    }

    /// Keys held in memory (what a run would remember).
    pub fn from_keys(keys: &BTreeMap<String, LastKey>) -> Self {
        Self(
            keys.iter()
                .filter_map(|(id, key)| {
                    Some((id.clone(), serde_json::value::to_raw_value(key).ok()?))
                })
                .collect(),
        )
    }
}

/// An instance's last known key and output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastKey {
    pub key: Option<StageKey>,
    pub output: Option<Digest>,
}

/// Run records in a history folder, newest first; unreadable ones are skipped.
pub fn runs_in(dir: &Path) -> Vec<(PathBuf, RunRecord)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                n.to_string_lossy()
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            })
        })
        .collect();
    paths.sort();
    paths.reverse();
    paths
        .into_iter()
        .filter_map(|p| {
            let record = serde_json::from_slice(&fs::read(&p).ok()?).ok()?;
            Some((p, record))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(version: u32) -> LastKey {
        LastKey {
            key: Some(StageKey {
                format: crate::key::KEY_FORMAT,
                kind: "resize".into(),
                version,
                runtime: BTreeMap::new(),
                params: serde_json::json!({"size": [8, 8]}),
                inputs: BTreeMap::new(),
                files: BTreeMap::from([("data/a.nrrd".to_string(), Digest::of(b"a"))]),
                env: BTreeMap::new(),
            }),
            output: Some(Digest::of(b"out")),
        }
    }

    #[test]
    fn last_keys_are_read_per_instance_and_rewritten_only_when_one_changed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let log = RunLog::open(&store, "p", "p.yaml").unwrap();
        assert_eq!(log.last_keys().get("resized"), None);
        log.remember(BTreeMap::from([("resized".to_string(), key(1))]))
            .unwrap();
        assert_eq!(log.last_keys().get("resized"), Some(key(1)));
        let path = log.last_keys_path();
        let written = fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        log.remember(BTreeMap::from([("resized".to_string(), key(1))]))
            .unwrap();
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), written);
        log.remember(BTreeMap::from([("other".to_string(), key(2))]))
            .unwrap();
        let last = log.last_keys();
        assert_eq!(
            (last.get("resized"), last.get("other")),
            (Some(key(1)), Some(key(2)))
        );
        // An unreadable file reads as no last keys (every stage "never ran"), not an error.
        fs::write(&path, b"{not json").unwrap();
        assert_eq!(log.last_keys().get("resized"), None);
    }
}
