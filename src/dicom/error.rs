//! Errors of the DICOM layer. Every variant names the file (or folder) it is about; series
//! errors also name the SeriesInstanceUID, so a user with a folder of several hundred files
//! knows which series and which file to look at.

use std::path::PathBuf;

use thiserror::Error;

use crate::seg::{GeometryError, SegError};

#[derive(Debug, Error)]
pub enum DicomError {
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a DICOM file: {detail}", path.display())]
    NotDicom { path: PathBuf, detail: String },
    #[error("`{}` is not valid DICOM: {detail}", path.display())]
    Parse { path: PathBuf, detail: String },
    #[error("`{}`: {what} is {found}, more than the limit of {limit}", path.display())]
    TooLarge {
        path: PathBuf,
        what: &'static str,
        found: u64,
        limit: u64,
    },
    #[error("`{}` has no `{field}`; expected {expected}", path.display())]
    MissingField {
        path: PathBuf,
        field: &'static str,
        expected: &'static str,
    },
    #[error("`{}`: `{field}` is {found}; expected {expected}", path.display())]
    BadField {
        path: PathBuf,
        field: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error("`{}` has no pixel data (SOP class {sop_class})", path.display())]
    NoPixelData { path: PathBuf, sop_class: String },
    #[error(
        "`{}` (series {series}) uses transfer syntax {name} ({uid}), which radflow cannot \
         decode{}",
        path.display(),
        reason.map(|r| format!(": {r}")).unwrap_or_default()
    )]
    UnsupportedTransferSyntax {
        path: PathBuf,
        series: String,
        uid: String,
        name: String,
        reason: Option<&'static str>,
    },
    #[error("`{}`: frame {frame} cannot be decoded as {codec}: {detail}", path.display())]
    Decode {
        path: PathBuf,
        frame: usize,
        codec: &'static str,
        detail: String,
    },
    #[error("`{}`: the pixel data is truncated: {found} bytes, expected {expected}", path.display())]
    Truncated {
        path: PathBuf,
        found: usize,
        expected: usize,
    },
    #[error("`{}` holds no DICOM image files ({skipped} other files skipped)", dir.display())]
    NoImages { dir: PathBuf, skipped: usize },
    #[error(
        "`{}` holds {} series ({}); name the one to read",
        dir.display(),
        series.len(),
        series.join("; ")
    )]
    SeveralSeries { dir: PathBuf, series: Vec<String> },
    #[error("`{}` has no series `{uid}`; it holds {}", dir.display(), available.join(", "))]
    SeriesNotFound {
        dir: PathBuf,
        uid: String,
        available: Vec<String>,
    },
    #[error("series {series}: `{}` has {field} {found}, but {expected}", path.display())]
    Inconsistent {
        series: String,
        path: PathBuf,
        field: &'static str,
        found: String,
        expected: String,
    },
    #[error(
        "series {series}: `{}` and `{}` are at the same position {position:?} (a duplicated slice)",
        first.display(),
        second.display()
    )]
    DuplicateSlice {
        series: String,
        first: PathBuf,
        second: PathBuf,
        position: [f64; 3],
    },
    #[error(
        "series {series}: {gap:.4} mm between `{}` and `{}` where the other slices are \
         {spacing:.4} mm apart ({})",
        before.display(),
        after.display(),
        if (gap / spacing).round() >= 2.0 && (gap / spacing - (gap / spacing).round()).abs() < 0.1 {
            "a missing slice"
        } else {
            "non-uniform spacing"
        }
    )]
    SliceGap {
        series: String,
        before: PathBuf,
        after: PathBuf,
        gap: f64,
        spacing: f64,
    },
    #[error(
        "series {series}: `{}` is {offset:.4} mm off the line through the other slices' \
         positions; expected the slices to form one grid",
        path.display()
    )]
    OffGrid {
        series: String,
        path: PathBuf,
        offset: f64,
    },
    #[error("series {series}: `{}`: {source}", path.display())]
    Geometry {
        series: String,
        path: PathBuf,
        #[source]
        source: GeometryError,
    },
    #[error(
        "the segmentation `{}` references series {referenced}, but the scan `{}` is series {scan}",
        seg.display(),
        scan_path.display()
    )]
    OtherSeries {
        seg: PathBuf,
        referenced: String,
        scan_path: PathBuf,
        scan: String,
    },
    #[error(transparent)]
    Segmentation {
        #[from]
        source: SegError,
    },
    #[error("cannot write `{}`: {detail}", path.display())]
    Write { path: PathBuf, detail: String },
}
