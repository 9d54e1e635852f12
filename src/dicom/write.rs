//! Writing a scan as a TCIA-like DICOM series: one single-frame MR image per slice,
//! explicit VR little endian, with the geometry tags every reader uses
//! (ImagePositionPatient per slice, ImageOrientationPatient, PixelSpacing as [between
//! rows, between columns]) and UIDs derived from the patient and seed ([`Identity`]).
//!
//! Slice `k` of the volume is written to `{dir}/{prefix}{k+1:04}.dcm` with InstanceNumber
//! `k + 1`; voxel `(i, j, k)` is column `i`, row `j` of that file.

use std::path::{Path, PathBuf};

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;

use super::elements::{decimal, decimals, text, us};
use super::error::DicomError;
use super::plane::{cross, dot, norm, scale};
use super::uid::Identity;
use crate::nrrd::Samples;
use crate::scan_volume::ScanVolume;
use crate::seg::Geometry;

/// The implementation class UID radflow writes in the file meta group.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.229736401339383066939786066464727009183";
pub const MR_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4";

/// What a written series is, for the SEG that references it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenSeries {
    pub files: Vec<PathBuf>,
    pub study_uid: String,
    pub series_uid: String,
    pub frame_of_reference_uid: String,
    pub sop_class_uid: String,
    /// SOPInstanceUID of slice `k`.
    pub sop_instance_uids: Vec<String>,
}

/// Descriptive fields of a written series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesLabels {
    pub series_description: String,
    pub series_number: u32,
    /// File name prefix, before the slice number.
    pub prefix: String,
}

impl Default for SeriesLabels {
    fn default() -> Self {
        SeriesLabels {
            series_description: "T1 post-contrast".to_string(),
            series_number: 1,
            prefix: "IM".to_string(),
        }
    }
}

/// The in-plane unit vectors and spacings of a grid, when DICOM can express it: the
/// first two step vectors must be perpendicular (ImageOrientationPatient).
pub(crate) struct PlaneFrame {
    pub row_direction: [f64; 3],
    pub column_direction: [f64; 3],
    /// [between rows, between columns].
    pub pixel_spacing: [f64; 2],
    pub step: [f64; 3],
}

pub(crate) fn plane_frame(geometry: &Geometry, path: &Path) -> Result<PlaneFrame, DicomError> {
    let [d0, d1, d2] = geometry.directions();
    let (s0, s1) = (norm(d0), norm(d1));
    let row_direction = scale(d0, 1.0 / s0);
    let column_direction = scale(d1, 1.0 / s1);
    if dot(row_direction, column_direction).abs() > 1e-6 {
        return Err(DicomError::Write {
            path: path.to_path_buf(),
            detail: "the first two voxel axes are not perpendicular, which ImageOrientationPatient cannot express".into(),
        });
    }
    if dot(cross(row_direction, column_direction), d2) <= 0.0 {
        return Err(DicomError::Write {
            path: path.to_path_buf(),
            detail:
                "the slice axis points against the plane normal; readers would reverse the slices"
                    .into(),
        });
    }
    Ok(PlaneFrame {
        row_direction,
        column_direction,
        pixel_spacing: [s1, s0],
        step: d2,
    })
}

/// Writes `volume` as one file per slice under `dir` (created if missing).
pub fn write_series(
    dir: &Path,
    volume: &ScanVolume,
    identity: &Identity,
    labels: &SeriesLabels,
) -> Result<WrittenSeries, DicomError> {
    let fail = |path: &Path, detail: String| DicomError::Write {
        path: path.to_path_buf(),
        detail,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e.to_string()))?;
    let geometry = &volume.geometry;
    let frame = plane_frame(geometry, dir)?;
    let [columns, rows, slices] = geometry.sizes();
    let (bits, signed) = match &volume.samples {
        Samples::U8(_) => (8u16, false),
        Samples::I16(_) => (16, true),
        Samples::U16(_) => (16, false),
        other => {
            return Err(fail(
                dir,
                format!(
                    "{} samples; radflow writes DICOM from u8, i16 or u16",
                    other.scalar_type()
                ),
            ));
        }
    };
    if u16::try_from(rows).is_err() || u16::try_from(columns).is_err() {
        return Err(fail(
            dir,
            format!("{columns}x{rows} pixels; DICOM allows at most 65535 per side"),
        ));
    }
    let written = WrittenSeries {
        files: (0..slices)
            .map(|k| dir.join(format!("{}{:04}.dcm", labels.prefix, k + 1)))
            .collect(),
        study_uid: identity.uid("study"),
        series_uid: identity.uid(&format!("series/{}", labels.series_number)),
        frame_of_reference_uid: identity.uid("frame-of-reference"),
        sop_class_uid: MR_IMAGE_STORAGE.to_string(),
        sop_instance_uids: (0..slices)
            .map(|k| identity.uid(&format!("series/{}/image/{k}", labels.series_number)))
            .collect(),
    };
    let plane = rows * columns;
    let normal = cross(frame.row_direction, frame.column_direction);
    for k in 0..slices {
        let position = geometry.index_to_space([0.0, 0.0, k as f64]);
        let pixel_bytes: Vec<u8> = match &volume.samples {
            Samples::U8(v) => v[k * plane..(k + 1) * plane].to_vec(),
            Samples::I16(v) => v[k * plane..(k + 1) * plane]
                .iter()
                .flat_map(|s| s.to_le_bytes())
                .collect(),
            Samples::U16(v) => v[k * plane..(k + 1) * plane]
                .iter()
                .flat_map(|s| s.to_le_bytes())
                .collect(),
            _ => unreachable!("checked above"),
        };
        let mut elements = patient_study_elements(identity, &written);
        elements.extend([
            text(tags::IMAGE_TYPE, VR::CS, "DERIVED\\SECONDARY"),
            text(tags::SOP_CLASS_UID, VR::UI, MR_IMAGE_STORAGE),
            text(
                tags::SOP_INSTANCE_UID,
                VR::UI,
                written.sop_instance_uids[k].clone(),
            ),
            text(tags::MODALITY, VR::CS, "MR"),
            text(
                tags::SERIES_INSTANCE_UID,
                VR::UI,
                written.series_uid.clone(),
            ),
            text(
                tags::SERIES_NUMBER,
                VR::IS,
                labels.series_number.to_string(),
            ),
            text(
                tags::SERIES_DESCRIPTION,
                VR::LO,
                labels.series_description.clone(),
            ),
            text(tags::INSTANCE_NUMBER, VR::IS, (k + 1).to_string()),
            text(tags::SCANNING_SEQUENCE, VR::CS, "RM"),
            text(tags::SEQUENCE_VARIANT, VR::CS, "NONE"),
            text(tags::MR_ACQUISITION_TYPE, VR::CS, "3D"),
            text(tags::SLICE_THICKNESS, VR::DS, decimal(norm(frame.step))),
            text(
                tags::SPACING_BETWEEN_SLICES,
                VR::DS,
                decimal(norm(frame.step)),
            ),
            text(tags::IMAGE_POSITION_PATIENT, VR::DS, decimals(&position)),
            text(
                tags::IMAGE_ORIENTATION_PATIENT,
                VR::DS,
                decimals(&[frame.row_direction, frame.column_direction].concat()),
            ),
            text(tags::SLICE_LOCATION, VR::DS, decimal(dot(position, normal))),
            us(tags::SAMPLES_PER_PIXEL, 1),
            text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
            us(tags::ROWS, rows as u16),
            us(tags::COLUMNS, columns as u16),
            text(tags::PIXEL_SPACING, VR::DS, decimals(&frame.pixel_spacing)),
            us(tags::BITS_ALLOCATED, bits),
            us(tags::BITS_STORED, bits),
            us(tags::HIGH_BIT, bits - 1),
            us(tags::PIXEL_REPRESENTATION, u16::from(signed)),
            DataElement::new(
                tags::PIXEL_DATA,
                if bits == 8 { VR::OB } else { VR::OW },
                PrimitiveValue::from(pixel_bytes),
            ),
        ]);
        if let Some(rescale) = volume.rescale {
            elements.extend([
                text(tags::RESCALE_INTERCEPT, VR::DS, decimal(rescale.intercept)),
                text(tags::RESCALE_SLOPE, VR::DS, decimal(rescale.slope)),
                text(tags::RESCALE_TYPE, VR::LO, "US"),
            ]);
        }
        save(
            &written.files[k],
            elements,
            MR_IMAGE_STORAGE,
            &written.sop_instance_uids[k],
        )?;
    }
    Ok(written)
}

/// Patient and study elements shared by the images and the SEG.
pub(crate) fn patient_study_elements(
    identity: &Identity,
    series: &WrittenSeries,
) -> Vec<DataElement<InMemDicomObject>> {
    vec![
        text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192"),
        text(tags::PATIENT_NAME, VR::PN, identity.patient_id.clone()),
        text(tags::PATIENT_ID, VR::LO, identity.patient_id.clone()),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, ""),
        text(tags::PATIENT_SEX, VR::CS, ""),
        text(tags::STUDY_INSTANCE_UID, VR::UI, series.study_uid.clone()),
        text(tags::STUDY_DATE, VR::DA, ""),
        text(tags::STUDY_TIME, VR::TM, ""),
        text(tags::STUDY_ID, VR::SH, ""),
        text(tags::ACCESSION_NUMBER, VR::SH, ""),
        text(tags::REFERRING_PHYSICIAN_NAME, VR::PN, ""),
        text(tags::MANUFACTURER, VR::LO, "radflow"),
        text(
            tags::FRAME_OF_REFERENCE_UID,
            VR::UI,
            series.frame_of_reference_uid.clone(),
        ),
        text(tags::POSITION_REFERENCE_INDICATOR, VR::LO, ""),
    ]
}

/// Writes a dataset with its file meta group (explicit VR little endian).
pub(crate) fn save(
    path: &Path,
    elements: Vec<DataElement<InMemDicomObject>>,
    sop_class: &str,
    sop_instance: &str,
) -> Result<(), DicomError> {
    let fail = |detail: String| DicomError::Write {
        path: path.to_path_buf(),
        detail,
    };
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid(sop_instance)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name("RADFLOW");
    let object = InMemDicomObject::from_element_iter(elements)
        .with_meta(meta)
        .map_err(|e| fail(e.to_string()))?;
    object
        .write_to_file(path)
        .map_err(|e| fail(super::dicom_file::error_chain(&e)))
}
