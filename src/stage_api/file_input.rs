//! The external files a stage declares.

/// A file or folder outside the cache that a stage reads. The engine hashes it by content
/// before the stage runs (that hash is part of the stage key) and hands the stage the hashed
/// list, so what was hashed is what is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileInput {
    /// A file, or every file below a folder; it must exist.
    Path(String),
    /// Every file below a folder whose root-relative name matches one of the patterns (`*` and
    /// `?` within a path segment, `**` across segments); all files when `include` is empty.
    Tree { dir: String, include: Vec<String> },
}
