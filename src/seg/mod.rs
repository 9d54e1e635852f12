//! Segmentations: reading labelmaps and 3D Slicer `.seg.nrrd` files, and placing the
//! selected lesion on its scan's grid.
//!
//! The way through this module, for one patient:
//! 1. [`Geometry`] says where each file's voxels sit in patient space (LPS).
//! 2. [`Segmentation`] holds the label layers and Slicer's segment metadata.
//! 3. [`LesionSelector`] (from the pipeline's YAML) picks the lesion's segments.
//! 4. [`align_lesion`] matches the label grid to the scan grid through geometry and
//!    gives a [`LesionMask`] on the scan grid, plus what it did ([`Alignment`]).
//! 5. [`LesionMask::slices`] gives each axial slice's lesion area and box.
//!
//! Invariant across the module: lesion extents come from voxels; Slicer's
//! `SegmentN_Extent` is kept as metadata only.

mod align;
mod error;
mod geometry;
mod geometry_error;
mod grid_offset;
mod header_geometry;
mod labels;
mod lesion_mask;
mod read;
mod segment;
mod segmentation;
mod selection;
mod space;
mod volume_slice;

pub use align::{Alignment, align_lesion, load_lesion};
pub use error::SegError;
pub use geometry::{AxialAxis, Geometry, MAX_VOXELS};
pub use geometry_error::GeometryError;
pub use grid_offset::{AlignTolerance, Mismatch, grid_offset};
pub use labels::LabelVoxels;
pub use lesion_mask::{LesionMask, PixelBox, SliceLesion};
pub use segment::{Extent, Segment};
pub use segmentation::Segmentation;
pub use selection::{LabelQuery, LesionSelector, SelectionError};
pub use space::Space;
pub use volume_slice::{SlicePixels, extract_slice};
