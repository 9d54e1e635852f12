//! What can be wrong with a grid's geometry, apart from the file it came from: shared by
//! [`Geometry`](super::Geometry) and [`Space`](super::Space), which both refuse headers.

use thiserror::Error;

/// Geometry problems, without a file path (callers add it).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GeometryError {
    #[error("space `{space}` has a time axis; radflow reads 3-D volumes only")]
    TimeSpace { space: String },
    #[error("expected 3 spatial axes, found {found}")]
    SpatialAxes { found: usize },
    #[error("space dimension is {found}; expected 3")]
    SpaceDimension { found: usize },
    #[error(
        "no geometry: the header has neither `space directions` nor `spacings`, so voxels \
         cannot be placed in space"
    )]
    NoGeometry,
    #[error("axis {axis} has no usable step: {detail}")]
    BadStep { axis: usize, detail: String },
    #[error("the grid has {sizes:?} voxels, more than the limit of {limit}")]
    TooLarge { sizes: [usize; 3], limit: usize },
    #[error("space origin {origin:?} is not finite")]
    BadOrigin { origin: [f64; 3] },
    #[error("the space directions are linearly dependent, so the grid cannot be inverted")]
    Singular,
    #[error(
        "axes {first} and {second} are equally close to superior; set the axial axis \
         explicitly (`axial_axis: 0`, `1` or `2`)"
    )]
    AmbiguousAxialAxis { first: usize, second: usize },
    #[error("axial axis {axis} is out of range; expected 0, 1 or 2")]
    AxialAxisOutOfRange { axis: usize },
}
