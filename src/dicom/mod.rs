//! DICOM: image series, enhanced multi-frame images and DICOM-SEG in; a TCIA-like series
//! and a binary SEG out.
//!
//! The way through, reading a series folder (`series.rs`): list and parse files
//! (`dicom_file.rs`, after `length_guard.rs` checked every element length) -> group by
//! SeriesInstanceUID -> pixel layout (`pixel_format.rs`) and planes (`plane.rs`, from
//! the top level or the functional groups) -> stack the planes along their normal
//! (`stack.rs`) -> decode pixel data (`pixel_data.rs`: native, or encapsulated frames
//! from `frames.rs` through one of `codec/`) into stored samples (`stored_samples.rs`)
//! -> a [`ScanVolume`](crate::scan_volume::ScanVolume). A SEG (`seg_read.rs`) goes through the
//! same parsing and decoding, then places frames by position on its own grid. Writing:
//! `write.rs` (series), `seg_write.rs` (SEG), `uid.rs` (deterministic UIDs),
//! `elements.rs` (DS strings). `inspect.rs` is what `radflow inspect` prints.
//!
//! Invariants:
//! - Geometry is in LPS; voxel `(i, j, k)` is column `i`, row `j` of slice `k`, slices
//!   ordered by position along the normal (never file name, InstanceNumber or
//!   SliceLocation), spacing from positions.
//! - Samples are stored values as pydicom's `pixel_array` gives them (no rescale, no
//!   palette, no MONOCHROME1 inversion); the rescale is kept beside them.
//! - No input makes the reader panic or allocate more than the file implies: element
//!   lengths are checked before dicom-rs sees them, codecs check their stream headers
//!   against Rows/Columns, and compressed frames may expand at most
//!   [`Limits::max_compression_ratio`] times.
//!
//! dicom-rs (`dicom-object`) parses files and writes them; pixel data is decoded here
//! through codec crates (`jpeg-decoder`, `jpeg2k` with `openjp2`, `pure_jpegls`) and an
//! RLE decoder of our own, so stored samples match pydicom's bit for bit.

mod codec;
mod dicom_file;
mod elements;
mod error;
mod frames;
mod image;
mod inspect;
mod length_guard;
mod limits;
mod pixel_data;
mod pixel_format;
mod plane;
mod seg_read;
mod seg_write;
mod series;
mod stack;
mod stored_samples;
mod transfer_syntax;
mod uid;
mod write;

pub use dicom_file::DicomFile;
pub use error::DicomError;
pub use image::{
    DicomImage, decode_file, read_image, read_image_from_bytes, read_image_with_limits,
};
pub use inspect::{DicomFacts, inspect};
pub use limits::Limits;
pub use pixel_format::PixelFormat;
pub use seg_read::{
    DicomSeg, SegmentationType, check_reference, read_dicom_seg, read_dicom_seg_from_bytes,
    read_seg,
};
pub use seg_write::{SegmentMask, write_seg};
pub use series::{
    DicomSeries, SeriesEntry, list_series, read_dicom_series, read_file_series, read_series,
    read_series_uid,
};
pub use transfer_syntax::{ByteOrder, Compression, TransferSyntax};
pub use uid::Identity;
pub use write::{SeriesLabels, WrittenSeries, write_series};
