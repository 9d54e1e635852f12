//! Whole-header checks: the invariants of [`Header`] that involve more than one field.
//! The parser reports single-field problems with their line; these checks run after it,
//! and again before writing a header built in code ([`Header::validate`], defined here so
//! that the header type does not depend on its checks).

use std::path::Path;

use super::detached;
use super::error::NrrdError;
use super::header::{DataFile, Header};
use super::types::{Encoding, ScalarType};

/// The most axes a volume may have (teem's `NRRD_DIM_MAX`).
pub const MAX_DIMENSION: usize = 16;

impl Header {
    /// Checks what a header needs before data can be read or written with it: the
    /// invariants listed in `header.rs`. `file` names the header in errors.
    pub fn validate(&self, file: &Path) -> Result<(), NrrdError> {
        validate(self, file)
    }
}

pub(crate) fn validate(header: &Header, file: &Path) -> Result<(), NrrdError> {
    let fail = |message: String| {
        Err(NrrdError::Header {
            file: file.to_path_buf(),
            message,
        })
    };
    let dimension = header.dimension;
    if !(1..=MAX_DIMENSION).contains(&dimension) {
        return fail(format!(
            "`dimension` is {dimension}, expected 1 to {MAX_DIMENSION}"
        ));
    }
    if header.sizes.len() != dimension {
        return fail(format!(
            "`sizes` has {} entries, expected {dimension} (`dimension: {dimension}`)",
            header.sizes.len()
        ));
    }
    if let Some(axis) = header.sizes.iter().position(|&size| size == 0) {
        return fail(format!("`sizes` entry {axis} is 0, expected at least 1"));
    }
    let per_axis = [
        ("spacings", header.spacings.as_ref().map(Vec::len)),
        ("thicknesses", header.thicknesses.as_ref().map(Vec::len)),
        ("axis mins", header.axis_mins.as_ref().map(Vec::len)),
        ("axis maxs", header.axis_maxs.as_ref().map(Vec::len)),
        ("centerings", header.centerings.as_ref().map(Vec::len)),
        ("labels", header.labels.as_ref().map(Vec::len)),
        ("units", header.units.as_ref().map(Vec::len)),
        ("kinds", header.kinds.as_ref().map(Vec::len)),
        (
            "space directions",
            header.space_directions.as_ref().map(Vec::len),
        ),
    ];
    for (field, len) in per_axis {
        if let Some(len) = len.filter(|&len| len != dimension) {
            return fail(format!(
                "`{field}` has {len} entries, expected {dimension} (`dimension: {dimension}`)"
            ));
        }
    }
    if let ScalarType::Block(0) = header.scalar_type {
        return fail("`type: block` needs a `block size` of at least 1".to_string());
    }
    if let (ScalarType::Block(_), Encoding::Ascii) = (header.scalar_type, header.encoding) {
        return fail("`block` samples cannot be stored as ascii".to_string());
    }
    if header.endian.is_none() && header.scalar_type.needs_endian() && header.encoding.is_binary() {
        return fail(format!(
            "`endian` is required for `{}` with `{}` encoding",
            header.scalar_type, header.encoding
        ));
    }
    if header.byte_skip < -1 {
        return fail(format!(
            "`byte skip` is {}, expected -1 or more",
            header.byte_skip
        ));
    }
    if header.byte_skip == -1 && matches!(header.encoding, Encoding::Ascii | Encoding::Hex) {
        return fail(format!(
            "`byte skip: -1` needs raw, gzip or bzip2 data, not `{}`",
            header.encoding
        ));
    }
    validate_space(header, &fail)?;
    validate_data_file(header, &fail)
}

fn validate_space(
    header: &Header,
    fail: &dyn Fn(String) -> Result<(), NrrdError>,
) -> Result<(), NrrdError> {
    if let (Some(space), Some(dim)) = (header.space, header.space_dimension)
        && space.dimension() != dim
    {
        return fail(format!(
            "`space: {space}` has dimension {}, but the space dimension is {dim}",
            space.dimension()
        ));
    }
    // Code that builds a header may set only `space`; its dimension is implied.
    let Some(space_dim) = header
        .space_dimension
        .or(header.space.map(|space| space.dimension()))
    else {
        let needs_space = [
            ("space directions", header.space_directions.is_some()),
            ("space origin", header.space_origin.is_some()),
            ("space units", header.space_units.is_some()),
            ("measurement frame", header.measurement_frame.is_some()),
        ];
        if let Some((field, _)) = needs_space.iter().find(|(_, present)| *present) {
            return fail(format!(
                "`{field}` needs a `space` or `space dimension` field"
            ));
        }
        return Ok(());
    };
    if space_dim == 0 || space_dim > MAX_DIMENSION {
        return fail(format!(
            "the space dimension is {space_dim}, expected 1 to {MAX_DIMENSION}"
        ));
    }
    for (axis, direction) in header.space_directions.iter().flatten().enumerate() {
        if let Some(vector) = direction
            && vector.len() != space_dim
        {
            return fail(format!(
                "`space directions` vector {axis} has {} components, expected {space_dim}",
                vector.len()
            ));
        }
    }
    if let Some(origin) = &header.space_origin
        && origin.len() != space_dim
    {
        return fail(format!(
            "`space origin` has {} components, expected {space_dim}",
            origin.len()
        ));
    }
    if let Some(units) = &header.space_units
        && units.len() != space_dim
    {
        return fail(format!(
            "`space units` has {} entries, expected {space_dim}",
            units.len()
        ));
    }
    if let Some(frame) = &header.measurement_frame
        && (frame.len() != space_dim || frame.iter().any(|v| v.len() != space_dim))
    {
        return fail(format!(
            "`measurement frame` must be {space_dim} vectors of {space_dim} components"
        ));
    }
    Ok(())
}

fn validate_data_file(
    header: &Header,
    fail: &dyn Fn(String) -> Result<(), NrrdError>,
) -> Result<(), NrrdError> {
    let subdim = match &header.data_file {
        DataFile::Attached | DataFile::Single(_) => return Ok(()),
        DataFile::Pattern { step, subdim, .. } => {
            if *step == 0 {
                return fail("`data file` pattern step is 0".to_string());
            }
            subdim
        }
        DataFile::List { subdim, .. } => subdim,
    };
    if let Some(sub) = subdim
        && (*sub == 0 || *sub > header.dimension)
    {
        return fail(format!(
            "`data file` subdim is {sub}, expected 1 to {}",
            header.dimension
        ));
    }
    let files = detached::file_count(header);
    let pieces = detached::piece_count(header);
    match (files, pieces) {
        (Some(files), Some(pieces)) if files == pieces => Ok(()),
        (Some(files), Some(pieces)) => fail(format!(
            "`data file` names {files} files, but the data splits into {pieces} pieces \
             (sizes {:?}, subdim {})",
            header.sizes,
            subdim.unwrap_or(header.dimension - 1)
        )),
        _ => fail(format!(
            "`data file` names more than {} files",
            detached::MAX_DATA_FILES
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nrrd::types::Space;

    fn check(header: &Header) -> Result<(), String> {
        validate(header, Path::new("x.nrrd")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_new_header_is_valid() {
        assert_eq!(check(&Header::new(ScalarType::F32, vec![2, 3])), Ok(()));
    }

    #[test]
    fn missing_endian_for_a_wide_binary_type_is_rejected() {
        let mut header = Header::new(ScalarType::U32, vec![3]);
        header.endian = None;
        assert_eq!(
            check(&header),
            Err("`x.nrrd`: `endian` is required for `uint32` with `raw` encoding".into())
        );
        header.encoding = Encoding::Ascii;
        assert_eq!(check(&header), Ok(()));
    }

    #[test]
    fn per_axis_fields_must_match_the_dimension() {
        let mut header = Header::new(ScalarType::U8, vec![3, 3, 3]);
        header.spacings = Some(vec![1.0, 1.0]);
        assert_eq!(
            check(&header),
            Err("`x.nrrd`: `spacings` has 2 entries, expected 3 (`dimension: 3`)".into())
        );
    }

    #[test]
    fn space_vectors_must_have_the_space_dimension() {
        let mut header = Header::new(ScalarType::U8, vec![3, 3]);
        header.space = Some(Space::LeftPosteriorSuperior);
        header.space_dimension = Some(3);
        header.space_directions = Some(vec![Some(vec![1.0, 0.0]), None]);
        assert!(check(&header).is_err_and(|e| e.contains("vector 0 has 2 components")));
        header.space_directions = Some(vec![Some(vec![1.0, 0.0, 0.0]), None]);
        assert_eq!(check(&header), Ok(()));
        header.space_dimension = Some(2);
        assert!(check(&header).is_err());
    }

    #[test]
    fn a_named_space_implies_its_dimension() {
        let mut header = Header::new(ScalarType::U8, vec![3]);
        header.space = Some(Space::RightAnteriorSuperiorTime);
        header.space_origin = Some(vec![0.0; 4]);
        assert_eq!(check(&header), Ok(()));
        header.space_origin = Some(vec![0.0; 3]);
        assert!(check(&header).is_err_and(|e| e.contains("has 3 components, expected 4")));
    }

    #[test]
    fn geometry_without_a_space_is_rejected() {
        let mut header = Header::new(ScalarType::U8, vec![3]);
        header.space_origin = Some(vec![0.0]);
        assert!(check(&header).is_err_and(|e| e.contains("`space origin` needs a `space`")));
    }

    #[test]
    fn byte_skip_below_minus_one_and_minus_one_with_text_are_rejected() {
        let mut header = Header::new(ScalarType::U8, vec![3]);
        header.byte_skip = -2;
        assert!(check(&header).is_err());
        header.byte_skip = -1;
        assert_eq!(check(&header), Ok(()));
        header.encoding = Encoding::Ascii;
        assert!(check(&header).is_err());
        header.encoding = Encoding::Hex;
        assert!(check(&header).is_err());
    }
}
