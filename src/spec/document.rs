//! The YAML documents as written: a pipeline file and a stage-definition file.
//!
//! These mirror the files one to one (unknown keys are errors); [`super::pipeline`] turns them
//! into a validated [`super::Pipeline`].

use std::collections::BTreeMap;

use serde::Deserialize;

/// `pipelines/*.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineDoc {
    /// Defaults to the file stem.
    pub pipeline: Option<String>,
    pub description: Option<String>,
    /// The workspace root, relative to this file's folder (default: that folder). Paths in the
    /// pipeline are relative to the root.
    pub root: Option<String>,
    /// The cache folder, relative to the root (default `cache`).
    pub cache: Option<String>,
    /// Where published outputs go, relative to the root (default `out/<pipeline>`).
    pub output: Option<String>,
    /// Stage-definition files: a path relative to the root, or a pinned entry
    /// (`{path, blake3}`, `{git, rev, path}`).
    #[serde(default)]
    pub import: Vec<ImportDoc>,
    pub executor: Option<ExecutorDoc>,
    /// `safe` (default): cache writes survive a power loss; `fast`: they survive a crash of
    /// radflow only (see `durable.rs`).
    pub durability: Option<crate::durable::Durability>,
    pub stages: UniqueMap<StageDoc>,
}

/// One stage of a pipeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDoc {
    pub kind: Option<String>,
    /// The name of an imported definition to start from.
    pub uses: Option<String>,
    pub description: Option<String>,
    /// Upstream stages for the kind's main input.
    pub input: Option<OneOrMany>,
    /// Upstream stages per named input port.
    pub inputs: Option<BTreeMap<String, OneOrMany>>,
    /// Upstream stages whose sweep this stage follows even through an input that gathers
    /// many (one instance per upstream instance, reading that instance only).
    pub per: Option<OneOrMany>,
    /// Parameters swept over: each combination is one instance of the stage.
    pub matrix: Option<BTreeMap<String, serde_yaml::Value>>,
    /// The kind's parameters.
    #[serde(default)]
    pub with: Option<serde_yaml::Mapping>,
    /// Copy the stage's named blobs into the output folder (default: the kind decides).
    pub publish: Option<bool>,
    /// Scheduler resources for cluster execution.
    pub resources: Option<ResourcesDoc>,
}

/// `stages/*.yaml`: reusable definitions a pipeline imports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionsDoc {
    pub description: Option<String>,
    /// Further definition files, resolved where this file lives (the workspace root, or the
    /// same repository and commit for a file imported from git).
    #[serde(default)]
    pub import: Vec<ImportDoc>,
    pub definitions: UniqueMap<DefinitionDoc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionDoc {
    pub kind: String,
    pub description: Option<String>,
    pub matrix: Option<BTreeMap<String, serde_yaml::Value>>,
    #[serde(default)]
    pub with: Option<serde_yaml::Mapping>,
    pub publish: Option<bool>,
    pub resources: Option<ResourcesDoc>,
}

/// One entry of `import:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportDoc {
    /// `stages/glioma.yaml`: unpinned.
    Plain(String),
    /// `{path: .., blake3: ..}` or `{git: .., rev: .., path: .., blake3: ..}`.
    Pinned(PinnedImportDoc),
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PinnedImportDoc {
    /// The file, relative to the root (or to the repository's top for `git`).
    pub path: String,
    /// The blake3 hash (hex) the file's bytes must have.
    pub blake3: Option<String>,
    /// A repository: a local folder (relative to the root) or a URL `git` can clone.
    pub git: Option<String>,
    /// A commit or tag of `git`.
    pub rev: Option<String>,
}

impl ImportDoc {
    /// The file as written.
    pub fn path(&self) -> &str {
        match self {
            ImportDoc::Plain(path) => path,
            ImportDoc::Pinned(pinned) => &pinned.path,
        }
    }
}

// A string or a map: deserialized by hand so that a mistake inside the map keeps serde's own
// message (an untagged enum would only say "did not match any variant").
impl<'de> Deserialize<'de> for ImportDoc {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_yaml::Value::deserialize(deserializer)? {
            serde_yaml::Value::String(path) => Ok(ImportDoc::Plain(path)),
            other => serde_yaml::from_value(other)
                .map(ImportDoc::Pinned)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// `executor:` in a pipeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutorDoc {
    /// `local` (default) or `slurm`.
    pub kind: String,
    #[serde(flatten)]
    pub resources: ResourcesDoc,
    /// Target wall time of one array task, in seconds (Slurm).
    pub shard_seconds: Option<f64>,
    /// Most array tasks of one stage at once (Slurm `%N`).
    pub max_parallel: Option<u32>,
    /// Stages whose recorded compute time is under this many seconds run in the coordinator
    /// instead of as jobs (Slurm; default 2, 0 submits every stage).
    pub local_below_seconds: Option<f64>,
}

/// Scheduler resources, per stage or as the executor's defaults.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResourcesDoc {
    pub partition: Option<String>,
    /// Slurm time limit, e.g. `00:30:00`.
    pub time: Option<String>,
    pub cpus: Option<u32>,
    /// Memory per task, e.g. `4G` or `500M`.
    pub mem: Option<String>,
}

/// A map whose keys must be unique: YAML allows a repeated key (the last one wins), which in a
/// pipeline is always a mistake.
#[derive(Debug, Clone)]
pub struct UniqueMap<T>(pub BTreeMap<String, T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for UniqueMap<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = UniqueMap<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of names")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!(
                            "duplicate name `{key}`: each must be given once"
                        )));
                    }
                    let value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueMap(map))
            }
        }
        deserializer.deserialize_map(Visit(std::marker::PhantomData))
    }
}
