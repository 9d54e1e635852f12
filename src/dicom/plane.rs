//! One image plane in patient space: a single-frame file, or one frame of a multi-frame
//! file, with the attributes that place it (PS3.3 C.7.6.2) and its rescale.
//!
//! Conventions, from the standard: ImageOrientationPatient's first three values are the
//! direction of increasing column index (along a row), the last three the direction of
//! increasing row index; ImagePositionPatient is the centre of the first pixel;
//! PixelSpacing is [between rows, between columns], so its first value is the spacing
//! along the row index j and its second along the column index i.

use std::path::Path;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::dicom_file::{DicomFile, first_item, float_array, items};
use super::error::DicomError;
use crate::scan_volume::Rescale;

/// Where one plane lies and how its samples rescale.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    /// Index of the file in the series' file list.
    pub file: usize,
    /// Frame within that file.
    pub frame: usize,
    pub position: [f64; 3],
    /// Unit vector of increasing column index (voxel axis i).
    pub row_direction: [f64; 3],
    /// Unit vector of increasing row index (voxel axis j).
    pub column_direction: [f64; 3],
    /// [between rows, between columns] in mm.
    pub pixel_spacing: [f64; 2],
    /// SliceThickness, used only as the slice step of a single plane.
    pub thickness: Option<f64>,
    pub rescale: Rescale,
}

pub const IDENTITY: Rescale = Rescale {
    slope: 1.0,
    intercept: 0.0,
};

impl Plane {
    pub fn normal(&self) -> [f64; 3] {
        cross(self.row_direction, self.column_direction)
    }
}

/// The planes of one file: one for a single-frame image, one per frame for an enhanced
/// multi-frame image (functional groups).
pub fn planes_of(file: &DicomFile, index: usize, frames: usize) -> Result<Vec<Plane>, DicomError> {
    let dataset = file.dataset();
    let per_frame = items(dataset, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let shared = first_item(dataset, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    if per_frame.is_empty() && shared.is_none() {
        if frames > 1 {
            return Err(file.bad_field(
                "NumberOfFrames",
                frames,
                "1, or per-frame positions in PerFrameFunctionalGroupsSequence",
            ));
        }
        return Ok(vec![plane_from(&[dataset], &file.path, index, 0)?]);
    }
    if per_frame.len() != frames {
        return Err(file.bad_field(
            "PerFrameFunctionalGroupsSequence",
            format!("{} items", per_frame.len()),
            "one item per frame (NumberOfFrames)",
        ));
    }
    (0..frames)
        .map(|frame| {
            let groups = FrameGroups {
                frame: per_frame.get(frame),
                shared,
            };
            let position = groups.item(tags::PLANE_POSITION_SEQUENCE);
            let orientation = groups.item(tags::PLANE_ORIENTATION_SEQUENCE);
            let measures = groups.item(tags::PIXEL_MEASURES_SEQUENCE);
            let transform = groups.item(tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE);
            // Attributes may also sit at the top level (legacy converted images).
            let sources: Vec<&InMemDicomObject> = [position, orientation, measures, transform]
                .into_iter()
                .flatten()
                .chain([dataset])
                .collect();
            plane_from(&sources, &file.path, index, frame)
        })
        .collect()
}

/// A frame's functional groups: its own item, then the shared one.
pub struct FrameGroups<'a> {
    pub frame: Option<&'a InMemDicomObject>,
    pub shared: Option<&'a InMemDicomObject>,
}

impl<'a> FrameGroups<'a> {
    /// The first item of functional group `sequence`, per-frame before shared.
    pub fn item(&self, sequence: Tag) -> Option<&'a InMemDicomObject> {
        [self.frame, self.shared]
            .into_iter()
            .flatten()
            .find_map(|groups| first_item(groups, sequence))
    }
}

/// Reads a plane's attributes from the first of `sources` that has each one.
fn plane_from(
    sources: &[&InMemDicomObject],
    path: &Path,
    file: usize,
    frame: usize,
) -> Result<Plane, DicomError> {
    fn find<const N: usize>(
        sources: &[&InMemDicomObject],
        tag: Tag,
        name: &'static str,
        expected: &'static str,
        path: &Path,
    ) -> Result<Option<[f64; N]>, DicomError> {
        for source in sources {
            if let Some(values) = float_array::<N>(source, tag, name, expected, path)? {
                return Ok(Some(values));
            }
        }
        Ok(None)
    }
    let missing = |field, expected| DicomError::MissingField {
        path: path.to_path_buf(),
        field,
        expected,
    };
    let position = find::<3>(
        sources,
        tags::IMAGE_POSITION_PATIENT,
        "ImagePositionPatient",
        "3 numbers (mm)",
        path,
    )?
    .ok_or_else(|| {
        missing(
            "ImagePositionPatient",
            "the position of the first pixel (3 numbers, mm)",
        )
    })?;
    let orientation = find::<6>(
        sources,
        tags::IMAGE_ORIENTATION_PATIENT,
        "ImageOrientationPatient",
        "6 direction cosines",
        path,
    )?
    .ok_or_else(|| missing("ImageOrientationPatient", "6 direction cosines"))?;
    let pixel_spacing = find::<2>(
        sources,
        tags::PIXEL_SPACING,
        "PixelSpacing",
        "2 positive numbers (mm)",
        path,
    )?
    .ok_or_else(|| missing("PixelSpacing", "[between rows, between columns] in mm"))?;
    let thickness = find::<1>(
        sources,
        tags::SLICE_THICKNESS,
        "SliceThickness",
        "a number (mm)",
        path,
    )?
    .map(|[t]| t)
    .filter(|t| *t > 0.0);
    let slope = find::<1>(
        sources,
        tags::RESCALE_SLOPE,
        "RescaleSlope",
        "a number",
        path,
    )?;
    let intercept = find::<1>(
        sources,
        tags::RESCALE_INTERCEPT,
        "RescaleIntercept",
        "a number",
        path,
    )?;
    let bad = |field, found: String, expected| DicomError::BadField {
        path: path.to_path_buf(),
        field,
        found,
        expected,
    };
    if pixel_spacing.iter().any(|s| *s <= 0.0) {
        return Err(bad(
            "PixelSpacing",
            format!("{pixel_spacing:?}"),
            "2 positive numbers (mm)",
        ));
    }
    let row = unit([orientation[0], orientation[1], orientation[2]]);
    let column = unit([orientation[3], orientation[4], orientation[5]]);
    let (Some(row_direction), Some(column_direction)) = (row, column) else {
        return Err(bad(
            "ImageOrientationPatient",
            format!("{orientation:?}"),
            "two non-zero direction vectors",
        ));
    };
    if dot(row_direction, column_direction).abs() > 1e-3 {
        return Err(bad(
            "ImageOrientationPatient",
            format!("{orientation:?}"),
            "two perpendicular direction vectors",
        ));
    }
    Ok(Plane {
        file,
        frame,
        position,
        row_direction,
        column_direction,
        pixel_spacing,
        thickness,
        rescale: Rescale {
            slope: slope.map_or(1.0, |[s]| s),
            intercept: intercept.map_or(0.0, |[i]| i),
        },
    })
}

pub fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub fn scale(a: [f64; 3], s: f64) -> [f64; 3] {
    a.map(|v| v * s)
}

pub fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

fn unit(a: [f64; 3]) -> Option<[f64; 3]> {
    let length = norm(a);
    (length > 1e-6 && length.is_finite()).then(|| scale(a, 1.0 / length))
}
