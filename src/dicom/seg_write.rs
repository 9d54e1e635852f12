//! Writing a binary DICOM-SEG that references a written series: one frame per slice and
//! segment with any voxel set (empty frames are left out, as most writers do), each
//! placed by PlanePositionSequence and derived from its source image; frames are
//! bit-packed back to back without per-frame byte alignment (PS3.5 8.1.1).

use std::path::Path;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;

use super::elements::{decimal, decimals, object, sequence, text, us};
use super::error::DicomError;
use super::plane::norm;
use super::uid::Identity;
use super::write::{WrittenSeries, patient_study_elements, plane_frame, save};
use crate::seg::Geometry;

pub const SEGMENTATION_STORAGE: &str = super::dicom_file::SEGMENTATION_STORAGE;

/// One segment to write: a 0/1 mask on the series' grid.
#[derive(Debug, Clone, Copy)]
pub struct SegmentMask<'a> {
    /// SegmentNumber, from 1.
    pub number: u16,
    /// SegmentLabel.
    pub label: &'a str,
    /// One byte per voxel of the grid (non-zero = in the segment), axis 0 fastest.
    pub mask: &'a [u8],
}

/// Writes a binary SEG of `segments` on `geometry` (the grid of `series`) to `path`.
/// Returns the SEG's SeriesInstanceUID.
pub fn write_seg(
    path: &Path,
    geometry: &Geometry,
    segments: &[SegmentMask<'_>],
    series: &WrittenSeries,
    identity: &Identity,
) -> Result<String, DicomError> {
    let fail = |detail: String| DicomError::Write {
        path: path.to_path_buf(),
        detail,
    };
    let frame = plane_frame(geometry, path)?;
    let [columns, rows, slices] = geometry.sizes();
    if series.sop_instance_uids.len() != slices {
        return Err(fail(format!(
            "the series has {} images for a grid of {slices} slices",
            series.sop_instance_uids.len()
        )));
    }
    let plane = rows * columns;
    if let Some(bad) = segments
        .iter()
        .find(|s| s.mask.len() != geometry.voxel_count() || s.number == 0)
    {
        return Err(fail(format!(
            "segment {} has {} voxels for a grid of {}",
            bad.number,
            bad.mask.len(),
            geometry.voxel_count()
        )));
    }
    let seg_series = identity.uid("seg/series");
    let seg_instance = identity.uid("seg/instance");
    let mut bits: Vec<u8> = Vec::new();
    let mut bit = 0usize;
    let mut per_frame = Vec::new();
    for segment in segments {
        for k in 0..slices {
            let slice = &segment.mask[k * plane..(k + 1) * plane];
            if slice.iter().all(|v| *v == 0) {
                continue;
            }
            bits.resize((bit + plane).div_ceil(8), 0);
            for value in slice {
                if *value != 0 {
                    bits[bit / 8] |= 1 << (bit % 8);
                }
                bit += 1;
            }
            let position = geometry.index_to_space([0.0, 0.0, k as f64]);
            per_frame.push(object(vec![
                sequence(
                    tags::DERIVATION_IMAGE_SEQUENCE,
                    vec![object(vec![sequence(
                        tags::SOURCE_IMAGE_SEQUENCE,
                        vec![object(vec![
                            text(
                                tags::REFERENCED_SOP_CLASS_UID,
                                VR::UI,
                                series.sop_class_uid.clone(),
                            ),
                            text(
                                tags::REFERENCED_SOP_INSTANCE_UID,
                                VR::UI,
                                series.sop_instance_uids[k].clone(),
                            ),
                        ])],
                    )])],
                ),
                sequence(
                    tags::FRAME_CONTENT_SEQUENCE,
                    vec![object(vec![DataElement::new(
                        tags::DIMENSION_INDEX_VALUES,
                        VR::UL,
                        PrimitiveValue::U32(vec![u32::from(segment.number), k as u32 + 1].into()),
                    )])],
                ),
                sequence(
                    tags::PLANE_POSITION_SEQUENCE,
                    vec![object(vec![text(
                        tags::IMAGE_POSITION_PATIENT,
                        VR::DS,
                        decimals(&position),
                    )])],
                ),
                sequence(
                    tags::SEGMENT_IDENTIFICATION_SEQUENCE,
                    vec![object(vec![us(
                        tags::REFERENCED_SEGMENT_NUMBER,
                        segment.number,
                    )])],
                ),
            ]));
        }
    }
    if per_frame.is_empty() {
        return Err(fail(
            "every segment is empty; a SEG needs at least one frame".into(),
        ));
    }
    if bits.len() % 2 == 1 {
        bits.push(0);
    }
    let code = |value: &str, meaning: &str| {
        object(vec![
            text(tags::CODE_VALUE, VR::SH, value),
            text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "SCT"),
            text(tags::CODE_MEANING, VR::LO, meaning),
        ])
    };
    let segment_items = segments
        .iter()
        .map(|s| {
            object(vec![
                us(tags::SEGMENT_NUMBER, s.number),
                text(tags::SEGMENT_LABEL, VR::LO, s.label),
                text(tags::SEGMENT_ALGORITHM_TYPE, VR::CS, "AUTOMATIC"),
                text(tags::SEGMENT_ALGORITHM_NAME, VR::LO, "radflow synth"),
                sequence(
                    tags::SEGMENTED_PROPERTY_CATEGORY_CODE_SEQUENCE,
                    vec![code("49755003", "Morphologically Altered Structure")],
                ),
                sequence(
                    tags::SEGMENTED_PROPERTY_TYPE_CODE_SEQUENCE,
                    vec![code("108369006", "Neoplasm")],
                ),
            ])
        })
        .collect();
    let referenced_instances = series
        .sop_instance_uids
        .iter()
        .map(|uid| {
            object(vec![
                text(
                    tags::REFERENCED_SOP_CLASS_UID,
                    VR::UI,
                    series.sop_class_uid.clone(),
                ),
                text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, uid.clone()),
            ])
        })
        .collect();
    let frames = per_frame.len();
    let mut elements = patient_study_elements(identity, series);
    elements.extend([
        text(tags::IMAGE_TYPE, VR::CS, "DERIVED\\PRIMARY"),
        text(tags::SOP_CLASS_UID, VR::UI, SEGMENTATION_STORAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, seg_instance.clone()),
        text(tags::MODALITY, VR::CS, "SEG"),
        text(tags::SERIES_INSTANCE_UID, VR::UI, seg_series.clone()),
        text(tags::SERIES_NUMBER, VR::IS, "100"),
        text(tags::SERIES_DESCRIPTION, VR::LO, "lesion segmentation"),
        text(tags::INSTANCE_NUMBER, VR::IS, "1"),
        text(tags::CONTENT_LABEL, VR::CS, "LESION"),
        text(tags::CONTENT_DESCRIPTION, VR::LO, "synthetic lesion"),
        text(tags::CONTENT_CREATOR_NAME, VR::PN, "radflow"),
        text(tags::CONTENT_DATE, VR::DA, ""),
        text(tags::CONTENT_TIME, VR::TM, ""),
        text(tags::SEGMENTATION_TYPE, VR::CS, "BINARY"),
        text(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00"),
        us(tags::SAMPLES_PER_PIXEL, 1),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        text(tags::NUMBER_OF_FRAMES, VR::IS, frames.to_string()),
        us(tags::ROWS, rows as u16),
        us(tags::COLUMNS, columns as u16),
        us(tags::BITS_ALLOCATED, 1),
        us(tags::BITS_STORED, 1),
        us(tags::HIGH_BIT, 0),
        us(tags::PIXEL_REPRESENTATION, 0),
        sequence(tags::SEGMENT_SEQUENCE, segment_items),
        sequence(
            tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
            vec![object(vec![
                sequence(
                    tags::PLANE_ORIENTATION_SEQUENCE,
                    vec![object(vec![text(
                        tags::IMAGE_ORIENTATION_PATIENT,
                        VR::DS,
                        decimals(&[frame.row_direction, frame.column_direction].concat()),
                    )])],
                ),
                sequence(
                    tags::PIXEL_MEASURES_SEQUENCE,
                    vec![object(vec![
                        text(tags::PIXEL_SPACING, VR::DS, decimals(&frame.pixel_spacing)),
                        text(tags::SLICE_THICKNESS, VR::DS, decimal(norm(frame.step))),
                        text(
                            tags::SPACING_BETWEEN_SLICES,
                            VR::DS,
                            decimal(norm(frame.step)),
                        ),
                    ])],
                ),
            ])],
        ),
        sequence(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, per_frame),
        sequence(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![object(vec![
                text(tags::SERIES_INSTANCE_UID, VR::UI, series.series_uid.clone()),
                sequence(tags::REFERENCED_INSTANCE_SEQUENCE, referenced_instances),
            ])],
        ),
        DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(bits)),
    ]);
    save(path, elements, SEGMENTATION_STORAGE, &seg_instance)?;
    Ok(seg_series)
}
