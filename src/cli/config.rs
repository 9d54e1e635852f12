//! From what the user typed to what the program uses: the pipeline file, overrides, the cache
//! folder, the job count. `ensure_*` checks turn likely mistakes into errors with the fix.

use std::path::{Path, PathBuf};

use super::args::PipelineArgs;
use crate::cache::Store;
use crate::durable::Durability;
use crate::error::Error;
use crate::plan::{self, Plan};
use crate::spec::{self, Override};

pub struct Loaded {
    pub plan: Plan,
    pub cache_dir: PathBuf,
    pub overrides: Vec<String>,
}

impl Loaded {
    /// The pipeline's cache, flushed as its `durability:` says (`RADFLOW_DURABILITY`
    /// overrides it for a machine whose cache is scratch space).
    pub fn open_store(&self) -> Result<Store, Error> {
        let durability = match std::env::var("RADFLOW_DURABILITY").ok().as_deref() {
            None | Some("") => self.plan.pipeline.durability,
            Some("safe") => Durability::Safe,
            Some("fast") => Durability::Fast,
            Some(other) => {
                return Err(Error::Usage(format!(
                    "RADFLOW_DURABILITY=`{other}`: expected `safe` or `fast`"
                )));
            }
        };
        Ok(Store::open_with(&self.cache_dir, durability)?)
    }
}

pub fn load(args: &PipelineArgs) -> Result<Loaded, Error> {
    let path = pipeline_path(args.pipeline.as_deref())?;
    let overrides = args
        .set
        .iter()
        .map(|text| Override::parse(text).map_err(|e| Error::Usage(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let pipeline = spec::load(&path, &overrides)?;
    let cache_dir = cache_dir(args.cache.as_deref(), Some(&pipeline.cache_dir));
    let plan = plan::build(pipeline, crate::stages::KINDS)?;
    Ok(Loaded {
        plan,
        cache_dir,
        overrides: args.set.clone(),
    })
}

/// `--cache`, else `$RADFLOW_CACHE`, else the pipeline's, else `./cache`.
pub fn cache_dir(flag: Option<&Path>, pipeline: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("RADFLOW_CACHE").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    pipeline
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("cache"))
}

/// The pipeline given, else the default one.
pub fn pipeline_path(given: Option<&Path>) -> Result<PathBuf, Error> {
    match given {
        Some(path) => Ok(path.to_path_buf()),
        None => default_pipeline(),
    }
}

fn default_pipeline() -> Result<PathBuf, Error> {
    let default = PathBuf::from("radflow.yaml");
    if default.exists() {
        return Ok(default);
    }
    let mut found: Vec<String> = std::fs::read_dir("pipelines")
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .map(|p| p.display().to_string())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    let hint = if found.is_empty() {
        String::new()
    } else {
        format!("; pipelines here: {}", found.join(", "))
    };
    Err(Error::Usage(format!(
        "no pipeline given and no `radflow.yaml` in this folder{hint}"
    )))
}

/// `-j N`: at least one; the number of cores by default.
pub fn ensure_jobs(jobs: Option<usize>) -> Result<usize, Error> {
    match jobs {
        Some(0) => Err(Error::Usage("`--jobs 0`: expected at least 1".into())),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
    }
}
