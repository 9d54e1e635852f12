//! What the user can type.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::plan::Format;

/// radflow: declarative, cached pipelines for imaging studies.
///
/// A YAML pipeline names stages and their parameters; the stages form a DAG; every result is
/// stored in a content-addressed cache, so a rerun computes only what a change touched, down to
/// single items.
#[derive(Debug, Parser)]
#[command(name = "radflow", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// No progress output (results and errors are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline: compute what is not cached, print a summary.
    Run(RunArgs),
    /// Say which stages a run would compute and why, without running anything.
    Status(StatusArgs),
    /// Print the stage graph.
    Dag(DagArgs),
    /// Show a stage's cached output: fields, dtypes, shapes, counts, the first records.
    Show(ShowArgs),
    /// Write a stage's cached output as a dataset directory for numpy and pandas.
    Export(ExportArgs),
    /// Recompute every stage and compare its output with the lock file.
    Verify(VerifyArgs),
    /// Compare the last run with the lock file, or two runs item by item (`diff A B`).
    Diff(DiffArgs),
    /// Rewrite the `blake3:` pins of imports whose content changed (deliberately).
    UpdateImports(UpdateImportsArgs),
    /// Write a study (pipeline, definitions, scripts, lock, metrics, environment; never input
    /// data) into one tar for another lab.
    Pack(PackArgs),
    /// Check a pack and lay it out in a new folder; lists the programs the study would run.
    Unpack(UnpackArgs),
    /// Accept the programs of a study from a pack (command templates and script hashes), so
    /// its command stages may run; a changed one asks again.
    Trust(TrustArgs),
    /// Remove cached results that no lock file and none of the last runs reach.
    Gc(GcArgs),
    /// Cache maintenance.
    Cache(CacheArgs),
    /// List the built-in stage kinds.
    Kinds,
    /// Print an image's format, sample facts and LPS geometry (NRRD, NIfTI, MetaImage, DICOM).
    #[command(alias = "nrrd")]
    Inspect(InspectArgs),
    /// Write a deterministic synthetic glioma cohort (clinical CSV, scans, Slicer segmentations).
    Synth(SynthArgs),
    #[command(hide = true)]
    Worker(WorkerArgs),
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// An image file (`.nrrd`, `.nhdr`, `.nii`, `.nii.gz`, `.hdr`, `.mha`, `.mhd`, DICOM) or a
    /// folder holding one DICOM series. The format is read from the content.
    #[arg(value_name = "FILE|FOLDER")]
    pub file: PathBuf,
    /// JSON with `format`, `type`, `sizes`, `count`, `min`, `max`, `sum`, `samples_sha256_le`,
    /// `geometry` (LPS) and the format's own header fields.
    #[arg(long)]
    pub json: bool,
}

/// The file format `radflow synth` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SynthFormat {
    /// `{id}/image.nrrd` and a 3D Slicer `{id}/segmentation.seg.nrrd`.
    Nrrd,
    /// BraTS-like: `{id}/{id}_t1ce.nii.gz` and a labelmap `{id}/{id}_seg.nii.gz`.
    Nifti,
    /// TCIA-like: a DICOM series `{id}/scan/` and a DICOM-SEG `{id}/seg.dcm`.
    Dicom,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// The folder to write (created; an earlier cohort there is replaced, anything else is refused).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Patients in the clinical CSV (the study had 122, 80 of them graded).
    #[arg(long, value_name = "N", default_value_t = 122)]
    pub patients: usize,
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// In-plane size of each scan, in pixels.
    #[arg(long, value_name = "PIXELS", default_value_t = 256)]
    pub size: usize,
    /// Fewest and most slices per scan.
    #[arg(long, value_name = "MIN,MAX", value_delimiter = ',', default_values_t = [40, 120])]
    pub slices: Vec<usize>,
    /// The file format of scans and segmentations.
    #[arg(long, value_enum, default_value = "nrrd")]
    pub format: SynthFormat,
    #[arg(long)]
    pub json: bool,
}

/// Which pipeline, which cache.
#[derive(Debug, Args, Clone)]
pub struct PipelineArgs {
    /// The pipeline file [default: ./radflow.yaml].
    pub pipeline: Option<PathBuf>,
    /// The cache folder [default: $RADFLOW_CACHE, else the pipeline's `cache:`, else <root>/cache].
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Override a parameter for this run: STAGE.PARAM=VALUE (VALUE is YAML). Repeatable.
    #[arg(long = "set", value_name = "STAGE.PARAM=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Stages (and instances) at once, and threads per stage [default: the number of cores].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Run only this stage (or instance, `head[seed=3]`) and what it needs. Repeatable.
    #[arg(long, value_name = "STAGE")]
    pub only: Vec<String>,
    /// Recompute this stage regardless of the cache. Repeatable.
    #[arg(long, value_name = "STAGE")]
    pub force: Vec<String>,
    /// After a failure, go on with the stages that do not depend on it.
    #[arg(short, long)]
    pub keep_going: bool,
    /// Fail instead of changing the lock file.
    #[arg(long)]
    pub frozen: bool,
    /// Print the run record as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Start a map stage only once its input has ended, never ahead on the items a running
    /// map has committed (what is stored is the same either way).
    #[arg(long)]
    pub no_overlap: bool,
    /// Where the work runs [default: the pipeline's `executor:`, else local].
    #[arg(long, value_enum)]
    pub executor: Option<ExecutorKind>,
    /// Slurm: stages recorded to compute in less run here, not as jobs; 0 submits every
    /// stage [default: the pipeline's `executor: {local_below_seconds}`, else 2].
    #[arg(long, value_name = "SECONDS")]
    pub local_below_seconds: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecutorKind {
    /// This machine.
    Local,
    /// A Slurm cluster: map stages as job arrays, the rest as jobs, through a shared cache.
    Slurm,
}

/// A cluster worker (started by `run --executor slurm`, not by people).
#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// The instance to compute.
    #[arg(long)]
    pub instance: String,
    /// Compute only this array task's share of the items (the task index comes from
    /// `SLURM_ARRAY_TASK_ID` or `--shard-index`).
    #[arg(long)]
    pub shards: Option<usize>,
    #[arg(long)]
    pub shard_index: Option<usize>,
    /// Where to write what the worker did (JSON), for the coordinator.
    #[arg(long, value_name = "FILE")]
    pub report: Option<std::path::PathBuf>,
    #[arg(short, long)]
    pub jobs: Option<usize>,
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    #[arg(long, value_name = "STAGE")]
    pub only: Vec<String>,
    #[arg(long, value_name = "STAGE")]
    pub force: Vec<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The pipeline file (default ./radflow.yaml) and the stage, or one instance of a swept
    /// stage (`head[seed=3]`); a swept stage's name shows every instance.
    #[arg(value_name = "[PIPELINE] STAGE", num_args = 1..=2, required = true)]
    pub targets: Vec<String>,
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    #[arg(long = "set", value_name = "STAGE.PARAM=VALUE")]
    pub set: Vec<String>,
    /// Records shown.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub rows: usize,
    /// Machine-readable output (an object; a list for several instances).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The pipeline file (default ./radflow.yaml) and the stage, or one instance of a swept
    /// stage (`head[seed=3]`); a swept stage's name exports every instance, one subfolder each.
    /// With --all, only the pipeline file (if not ./radflow.yaml).
    #[arg(value_name = "[PIPELINE] STAGE", num_args = 1..=2, required_unless_present = "all")]
    pub targets: Vec<String>,
    /// Every stage: one subfolder per instance (`DIR/<instance>/`), what `radflow verify
    /// --reference DIR` compares another lab's run with.
    #[arg(long)]
    pub all: bool,
    /// The folder to write (refused if it exists and is not empty, unless --force).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Only these fields (comma-separated); the id is always written.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Also write each 2-D image field as PNG files (windowed to each image's range).
    #[arg(long)]
    pub png: bool,
    /// Replace an existing folder (once the new one is complete).
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    #[arg(long = "set", value_name = "STAGE.PARAM=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DagArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Compare with another lab's pack (record counts exactly, summaries and metrics within
    /// tolerance) or exports (`radflow export`: every value; ids and discrete values exactly,
    /// floats within tolerance) instead of recomputing against our lock file (cached results
    /// are reused).
    #[arg(long, value_name = "PACK_OR_EXPORT")]
    pub reference: Option<PathBuf>,
    /// Relative tolerance for floats (with --reference): |a - b| <= atol + rtol * |reference|.
    #[arg(long, value_name = "R", default_value_t = 1e-5)]
    pub rtol: f64,
    /// Absolute tolerance for floats (with --reference).
    #[arg(long, value_name = "A", default_value_t = 1e-8)]
    pub atol: f64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Two runs to compare item by item: `last`, `last~N` (N runs before the last), `lock`, or
    /// a run id (the start of its record's name in the cache). Without them: the last run's
    /// parameters and results against the lock file.
    #[arg(value_name = "RUN", num_args = 0..=2)]
    pub runs: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UpdateImportsArgs {
    /// The pipeline file [default: ./radflow.yaml].
    pub pipeline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// The pack to write: a plain tar, or zstd-compressed when the name ends in `.zst`
    /// (`study.tar.zst`).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// Replace the cohort's patient ids by keyed hashes in every packed file (the key is
    /// random and not kept).
    #[arg(long)]
    pub pseudonymize: bool,
    /// Pack the model files themselves, not only their hashes.
    #[arg(long)]
    pub with_models: bool,
}

#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// The pack.
    pub file: PathBuf,
    /// A new (or empty) folder to lay it out in.
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Withdraw the acceptance instead: the command stages will not run until trusted again.
    #[arg(long)]
    pub revoke: bool,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Pipelines whose lock files to keep (besides those of every pipeline run against the
    /// cache); the first also names the cache when `--cache` is not given.
    pub pipelines: Vec<PathBuf>,
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Keep what each pipeline's last N runs reached.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub keep_runs: usize,
    /// Never remove anything younger than this many minutes (a concurrent run may still be
    /// writing it).
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub grace_minutes: u64,
    /// Say what would be removed, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Re-hash every stored object and parse every entry; report damage.
    Verify {
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
        /// Move damaged objects aside and drop broken entries, so the next run recomputes them.
        #[arg(long)]
        repair: bool,
        /// The pipeline whose cache to check.
        pipeline: Option<PathBuf>,
    },
}
