//! The contract of a stage kind.
//!
//! A kind has a stable name, an implementation version (bump it whenever the output for the same
//! inputs would change: it is part of every key), typed parameters (unknown keys are errors),
//! declared input ports, external files and runtime facts, and a `run` that reads and writes
//! only through its [`StageContext`](super::StageContext).

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::context::StageContext;
use super::error::StageError;
use super::file_input::FileInput;
use super::outside_program::OutsideProgram;
use super::param_error::ParamError;
use super::port::Port;
use crate::dataset::Dataset;

/// A stage kind, implemented by each file under `src/stages/`.
pub trait Stage: Send + Sync + Sized + 'static {
    /// The name used in YAML: `kind: resize`.
    const KIND: &'static str;
    /// Bumped whenever the output for the same inputs would change.
    const VERSION: u32;
    /// One-line description for `radflow kinds`.
    const ABOUT: &'static str;
    /// The input ports; the first is the one `input:` binds.
    const PORTS: &'static [Port];
    /// Top-level parameters that steer execution only (batch size, threads) and never change
    /// the output; they are left out of keys.
    const EXEC_ONLY: &'static [&'static str] = &[];
    /// Whether the stage's named blobs are copied to the output folder unless the pipeline says.
    const PUBLISH: bool = false;
    /// Whether its work is bookkeeping over its inputs (a filter, an evaluation, a report)
    /// that takes far less than a cluster job's scheduling latency: a Slurm run keeps such an
    /// instance in the coordinator until a recorded time says otherwise. Only a hint for
    /// where to run; it never changes a key or an output.
    const LIGHT: bool = false;

    type Params: DeserializeOwned + Serialize;

    /// Checks the parameters beyond their types.
    fn new(params: Self::Params) -> Result<Self, ParamError>;

    /// External files read, with paths as written in the parameters.
    fn files(&self) -> Vec<FileInput> {
        Vec::new()
    }

    /// The family of features its output holds ("CNN", "radiomics"), decided by its kind and
    /// parameters alone; the stage writes it into its output's meta (`feature_family`), and
    /// the compute times of a run group by it without opening any output.
    fn feature_family(&self) -> Option<String> {
        None
    }

    /// The program from outside radflow the stage runs, if any (a `command` stage's `run`).
    /// Built-in kinds run only radflow's code: a study from another lab needs no trust for
    /// them (`radflow trust`).
    fn program(&self) -> Option<OutsideProgram> {
        None
    }

    /// A line telling how to make a declared file that does not exist (a model to export).
    fn missing_file_hint(&self, _path: &str) -> Option<String> {
        None
    }

    /// Environment variables whose values change the output (part of the key).
    fn env(&self) -> Vec<String> {
        Vec::new()
    }

    /// Facts about the software the output depends on beyond this kind's own code, by name:
    /// the version of a library loaded at run time (`onnx runtime` -> `1.31.1`), or radflow's
    /// own version where the output embeds it. Part of the stage key and of every item key,
    /// so a new runtime recomputes what it could change, and `status` names it as the reason.
    /// An error (the library cannot be loaded) blocks the stage with that message.
    fn runtime(&self) -> Result<BTreeMap<String, String>, StageError> {
        Ok(BTreeMap::new())
    }

    /// Whether its work is an item-level map ([`StageContext::map`]) that a cluster can split
    /// into shards; other stages run as one job.
    fn is_map(&self) -> bool {
        false
    }

    /// Whether its map's items depend on their own input record alone (with the parameters,
    /// files and runtime), never on which other records the input holds: then a cold run may
    /// start it on the records its first port's map has committed so far, while that map still
    /// runs (`exec::stream`). Only a hint for when items are computed; it never changes a key
    /// or an output.
    fn runs_ahead(&self) -> bool {
        false
    }

    /// Whether it is a filter that keeps or drops each record of its first port by the records
    /// of that record's group alone (the input's group role: the patient), its other inputs
    /// and its parameters, and passes the records it keeps on unchanged. Then a map behind it
    /// that [runs ahead](Self::runs_ahead) may start on the whole groups the map before the
    /// filter has committed, each filtered here as the filter would (`exec::stream`). An error
    /// on part of the groups only means that part is left to the run proper. Only a hint for
    /// when items are computed; it never changes a key or an output.
    fn filters_by_group(&self) -> bool {
        false
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError>;
}
