//! Code from outside radflow that a stage runs (a `command` stage's program).
//!
//! Built-in kinds run only radflow's own code and declare none; a kind that runs a program the
//! pipeline names declares it here, so `radflow trust` can show it and pin it before a study
//! that came from another lab runs it, without the engine naming any kind.

/// The program a stage runs, as the pipeline wrote it (placeholders unexpanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideProgram {
    /// The command template as one line: a shell string as written, an argument list as JSON.
    pub command: String,
    /// Its words (the arguments, or the shell string split at blanks and operators): the ones
    /// naming a file are scripts the program runs or reads.
    pub words: Vec<String>,
}
