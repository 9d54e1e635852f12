//! DICOM Segmentation objects (PS3.3 A.51) to a [`Segmentation`] on the SEG's own grid.
//!
//! Frames are placed by their own PlanePositionSequence, never by frame index: writers
//! leave empty frames out and may list segments in any order. The grid runs from the
//! lowest to the highest frame position along the normal, with the step from
//! SpacingBetweenSlices (else the smallest gap between frame positions); every frame
//! must land on it. Binary frames are bit-packed back to back, without per-frame byte
//! alignment (the 1-bit decoder in `pixel_data` reads one continuous bit stream).
//!
//! Layers: one per segment, so overlapping segments survive; when no voxel belongs to two
//! segments they are merged into one layer (the common case, a fraction of the memory).
//! Label values are SegmentNumbers, names are SegmentLabels. A FRACTIONAL voxel belongs
//! to its segment when its value is at least half of MaximumFractionalValue.

use std::path::Path;

use dicom_dictionary_std::tags;

use super::dicom_file::{DicomFile, SEGMENTATION_STORAGE, first_item, items, optional_u32, string};
use super::error::DicomError;
use super::limits::Limits;
use super::pixel_data;
use super::pixel_format::PixelFormat;
use super::plane::{FrameGroups, Plane, dot, norm, scale, sub};
use super::stack::ORIENTATION_TOLERANCE;
use crate::nrrd::Samples;
use crate::seg::{Geometry, LabelVoxels, Segment, Segmentation, Space};

/// How a SEG stores membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentationType {
    Binary,
    /// Values 0..=MaximumFractionalValue; a voxel is in when value * 2 >= maximum.
    Fractional {
        maximum: u32,
    },
    /// One frame per position whose values are segment numbers.
    Labelmap,
}

/// A DICOM-SEG as read, with the series it says it segments.
#[derive(Debug, Clone, PartialEq)]
pub struct DicomSeg {
    pub segmentation: Segmentation,
    pub series_uid: String,
    /// ReferencedSeriesSequence's SeriesInstanceUID, when the file has one.
    pub referenced_series_uid: Option<String>,
    pub segmentation_type: SegmentationType,
}

/// Reads a DICOM-SEG into a segmentation on its own grid (see the module docs).
pub fn read_seg(path: &Path) -> Result<Segmentation, DicomError> {
    Ok(read_dicom_seg(path, &Limits::default())?.segmentation)
}

/// Refuses a SEG that references another series than the scan's; the error names both.
pub fn check_reference(
    seg: &DicomSeg,
    scan_path: &Path,
    scan_series_uid: &str,
) -> Result<(), DicomError> {
    match &seg.referenced_series_uid {
        Some(referenced) if referenced != scan_series_uid => Err(DicomError::OtherSeries {
            seg: seg.segmentation.path().to_path_buf(),
            referenced: referenced.clone(),
            scan_path: scan_path.to_path_buf(),
            scan: scan_series_uid.to_string(),
        }),
        _ => Ok(()),
    }
}

pub fn read_dicom_seg(path: &Path, limits: &Limits) -> Result<DicomSeg, DicomError> {
    let file = DicomFile::open(path, limits)?;
    read_from_file(&file, limits)
}

pub fn read_dicom_seg_from_bytes(
    bytes: &[u8],
    path: &Path,
    limits: &Limits,
) -> Result<DicomSeg, DicomError> {
    let file = DicomFile::from_bytes(bytes, path, limits)?;
    read_from_file(&file, limits)
}

fn read_from_file(file: &DicomFile, limits: &Limits) -> Result<DicomSeg, DicomError> {
    let sop_class = file.sop_class_uid();
    if sop_class != SEGMENTATION_STORAGE {
        return Err(file.bad_field(
            "SOPClassUID",
            sop_class,
            "Segmentation Storage (1.2.840.10008.5.1.4.1.1.66.4)",
        ));
    }
    let dataset = file.dataset();
    let format = PixelFormat::read(file, limits)?;
    let segmentation_type = match string(dataset, tags::SEGMENTATION_TYPE).as_deref() {
        Some("BINARY") => SegmentationType::Binary,
        Some("FRACTIONAL") => {
            let maximum = optional_u32(
                dataset,
                tags::MAXIMUM_FRACTIONAL_VALUE,
                "MaximumFractionalValue",
                "a positive integer",
                &file.path,
            )?
            .filter(|m| *m > 0)
            .ok_or_else(|| {
                file.bad_field(
                    "MaximumFractionalValue",
                    "missing or 0",
                    "a positive integer",
                )
            })?;
            SegmentationType::Fractional { maximum }
        }
        Some("LABELMAP") => SegmentationType::Labelmap,
        other => {
            return Err(file.bad_field(
                "SegmentationType",
                other.unwrap_or("nothing"),
                "BINARY, FRACTIONAL or LABELMAP",
            ));
        }
    };
    if format.samples_per_pixel != 1 {
        return Err(file.bad_field("SamplesPerPixel", format.samples_per_pixel, "1"));
    }
    let segments = read_segments(file)?;
    let planes = super::plane::planes_of(file, 0, format.frames)?;
    let frame_segments = frame_segment_numbers(file, &format, segmentation_type, &segments)?;
    let grid = grid_of(file, &planes, &format, limits)?;
    let samples = pixel_data::decode(file, &format, limits)?;
    let plane_len = format.rows * format.columns;
    let layer_len = grid.geometry.voxel_count();
    let mut layers: Vec<Vec<u8>> = vec![vec![0u8; layer_len]; segments.len()];
    for (frame, k) in grid.slice_of_frame.iter().enumerate() {
        let start = frame * plane_len;
        let base = k * plane_len;
        for pixel in 0..plane_len {
            let value = sample_at(&samples, start + pixel);
            let member = match (segmentation_type, frame_segments[frame]) {
                (SegmentationType::Binary, Some(segment)) => (value != 0).then_some(segment),
                (SegmentationType::Fractional { maximum }, Some(segment)) => {
                    (value > 0 && value.saturating_mul(2) >= u64::from(maximum)).then_some(segment)
                }
                (SegmentationType::Labelmap, _) if value > 0 => Some(
                    segments
                        .iter()
                        .position(|s| s.number == value)
                        .ok_or_else(|| unknown_segment(file, frame, value))?,
                ),
                _ => None,
            };
            if let Some(segment) = member {
                layers[segment][base + pixel] = 1;
            }
        }
    }
    let (layers, shared) = merge_layers(layers, &segments);
    let segment_list = segments
        .iter()
        .enumerate()
        .map(|(index, s)| Segment {
            index,
            id: s.number.to_string(),
            name: s.label.clone(),
            label_value: s.number as i64,
            layer: if shared { 0 } else { index },
            extent: None,
            color: None,
            name_auto_generated: None,
            color_auto_generated: None,
            tags: Vec::new(),
        })
        .collect();
    let segmentation = Segmentation::new(&file.path, grid.geometry, layers, segment_list, None)?;
    let referenced_series_uid = first_item(dataset, tags::REFERENCED_SERIES_SEQUENCE)
        .and_then(|item| string(item, tags::SERIES_INSTANCE_UID));
    Ok(DicomSeg {
        segmentation,
        series_uid: file.series_uid(),
        referenced_series_uid,
        segmentation_type,
    })
}

#[derive(Debug, Clone)]
struct SegmentInfo {
    number: u64,
    label: String,
}

fn read_segments(file: &DicomFile) -> Result<Vec<SegmentInfo>, DicomError> {
    let list = items(file.dataset(), tags::SEGMENT_SEQUENCE);
    if list.is_empty() {
        return Err(file.bad_field(
            "SegmentSequence",
            "empty or missing",
            "one item per segment",
        ));
    }
    let mut segments = Vec::with_capacity(list.len());
    for item in list {
        let number = optional_u32(
            item,
            tags::SEGMENT_NUMBER,
            "SegmentNumber",
            "a positive integer",
            &file.path,
        )?
        .filter(|n| *n > 0)
        .ok_or_else(|| file.bad_field("SegmentNumber", "missing or 0", "a positive integer"))?;
        if segments
            .iter()
            .any(|s: &SegmentInfo| s.number == u64::from(number))
        {
            return Err(file.bad_field(
                "SegmentNumber",
                number,
                "a number used by one segment only",
            ));
        }
        let label =
            string(item, tags::SEGMENT_LABEL).unwrap_or_else(|| format!("Segment {number}"));
        segments.push(SegmentInfo {
            number: u64::from(number),
            label,
        });
    }
    Ok(segments)
}

/// Each frame's segment (index into `segments`), from its SegmentIdentificationSequence;
/// `None` for a LABELMAP, whose values name segments.
fn frame_segment_numbers(
    file: &DicomFile,
    format: &PixelFormat,
    kind: SegmentationType,
    segments: &[SegmentInfo],
) -> Result<Vec<Option<usize>>, DicomError> {
    if kind == SegmentationType::Labelmap {
        return Ok(vec![None; format.frames]);
    }
    let per_frame = items(file.dataset(), tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let shared = first_item(file.dataset(), tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    (0..format.frames)
        .map(|frame| {
            let groups = FrameGroups {
                frame: per_frame.get(frame),
                shared,
            };
            let item = groups
                .item(tags::SEGMENT_IDENTIFICATION_SEQUENCE)
                .ok_or_else(|| {
                    file.bad_field(
                        "SegmentIdentificationSequence",
                        format!("missing for frame {frame}"),
                        "a referenced segment per frame",
                    )
                })?;
            let number = optional_u32(
                item,
                tags::REFERENCED_SEGMENT_NUMBER,
                "ReferencedSegmentNumber",
                "a segment number",
                &file.path,
            )?
            .unwrap_or(0);
            segments
                .iter()
                .position(|s| s.number == u64::from(number))
                .map(Some)
                .ok_or_else(|| unknown_segment(file, frame, u64::from(number)))
        })
        .collect()
}

fn unknown_segment(file: &DicomFile, frame: usize, number: u64) -> DicomError {
    file.bad_field(
        "ReferencedSegmentNumber",
        format!("{number} in frame {frame}"),
        "a SegmentNumber listed in SegmentSequence",
    )
}

struct Grid {
    geometry: Geometry,
    /// The slice each frame lands on.
    slice_of_frame: Vec<usize>,
}

/// The grid spanned by the frames' positions (see the module docs).
fn grid_of(
    file: &DicomFile,
    planes: &[Plane],
    format: &PixelFormat,
    limits: &Limits,
) -> Result<Grid, DicomError> {
    let first = &planes[0];
    for (frame, plane) in planes.iter().enumerate() {
        let same = plane
            .row_direction
            .iter()
            .chain(&plane.column_direction)
            .zip(first.row_direction.iter().chain(&first.column_direction))
            .all(|(a, b)| (a - b).abs() <= ORIENTATION_TOLERANCE)
            && plane.pixel_spacing == first.pixel_spacing;
        if !same {
            return Err(file.bad_field(
                "PlaneOrientationSequence / PixelMeasuresSequence",
                format!("frame {frame} differs from frame 0"),
                "one orientation and pixel spacing for all frames",
            ));
        }
    }
    let normal = first.normal();
    let distances: Vec<f64> = planes.iter().map(|p| dot(p.position, normal)).collect();
    let lowest = distances.iter().copied().fold(f64::INFINITY, f64::min);
    let mut sorted = distances.clone();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup_by(|a, b| (*a - *b).abs() < 1e-3);
    let declared =
        super::dicom_file::first_item(file.dataset(), tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)
            .and_then(|shared| first_item(shared, tags::PIXEL_MEASURES_SEQUENCE))
            .and_then(|measures| super::dicom_file::floats(measures, tags::SPACING_BETWEEN_SLICES))
            .and_then(|v| v.ok())
            .and_then(|v| v.first().copied())
            .filter(|s| *s > 0.0);
    let smallest_gap = sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let step = declared
        .or(smallest_gap.is_finite().then_some(smallest_gap))
        .or(first.thickness)
        .unwrap_or(1.0);
    let anchor = planes
        .iter()
        .zip(&distances)
        .find(|(_, d)| (**d - lowest).abs() < 1e-3)
        .map(|(p, _)| p.position)
        .unwrap_or(first.position);
    let mut slice_of_frame = Vec::with_capacity(planes.len());
    for (frame, (plane, distance)) in planes.iter().zip(&distances).enumerate() {
        let exact = (distance - lowest) / step;
        let k = exact.round();
        let expected = [0, 1, 2].map(|a| anchor[a] + k * step * normal[a]);
        if (exact - k).abs() > 0.01
            || norm(sub(plane.position, expected)) > 0.01 * step.max(1e-3) + 1e-3
        {
            return Err(file.bad_field(
                "PlanePositionSequence",
                format!("frame {frame} at {:?}", plane.position),
                "frame positions on one grid of slices along the normal",
            ));
        }
        slice_of_frame.push(k as usize);
    }
    let slices = slice_of_frame.iter().max().map_or(1, |k| k + 1);
    let bytes = (slices as u64).saturating_mul((format.rows * format.columns) as u64);
    if bytes > limits.max_decoded_bytes {
        return Err(DicomError::TooLarge {
            path: file.path.clone(),
            what: "the segmentation grid (voxels)",
            found: bytes,
            limit: limits.max_decoded_bytes,
        });
    }
    let [between_rows, between_columns] = first.pixel_spacing;
    let directions = [
        scale(first.row_direction, between_columns),
        scale(first.column_direction, between_rows),
        scale(normal, step),
    ];
    let geometry = Geometry::new(
        [format.columns, format.rows, slices],
        anchor,
        directions,
        Space::Lps,
    )
    .map_err(|source| crate::seg::SegError::Geometry {
        path: file.path.clone(),
        source,
    })?;
    Ok(Grid {
        geometry,
        slice_of_frame,
    })
}

fn sample_at(samples: &Samples, index: usize) -> u64 {
    match samples {
        Samples::U8(v) => u64::from(v[index]),
        Samples::U16(v) => u64::from(v[index]),
        Samples::U32(v) => u64::from(v[index]),
        Samples::I8(v) => v[index].max(0) as u64,
        Samples::I16(v) => v[index].max(0) as u64,
        Samples::I32(v) => v[index].max(0) as u64,
        _ => 0,
    }
}

/// One shared layer (values = segment numbers) when no voxel is in two segments; else
/// one 0/number layer per segment. Returns the layers and whether they are shared.
fn merge_layers(layers: Vec<Vec<u8>>, segments: &[SegmentInfo]) -> (Vec<LabelVoxels>, bool) {
    let len = layers.first().map_or(0, Vec::len);
    let mut shared = vec![0u64; len];
    let mut overlap = false;
    'merge: for (layer, segment) in layers.iter().zip(segments) {
        for (out, value) in shared.iter_mut().zip(layer) {
            if *value != 0 {
                if *out != 0 {
                    overlap = true;
                    break 'merge;
                }
                *out = segment.number;
            }
        }
    }
    if !overlap {
        let values: Vec<i64> = shared.into_iter().map(|v| v as i64).collect();
        return (vec![LabelVoxels::from_i64(values)], true);
    }
    let separate = layers
        .into_iter()
        .zip(segments)
        .map(|(layer, segment)| {
            LabelVoxels::from_i64(
                layer
                    .into_iter()
                    .map(|v| if v != 0 { segment.number as i64 } else { 0 })
                    .collect(),
            )
        })
        .collect();
    (separate, false)
}
