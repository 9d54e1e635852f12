//! A patient as TCIA hands it out: a DICOM series (`{id}/scan/`, one file per slice) and
//! a binary DICOM-SEG (`{id}/seg.dcm`, segments `tumor` and, for layered patients,
//! `edema`) that references it, written by `crate::dicom`.

use std::path::Path;

use super::error::SynthError;
use crate::dicom::{Identity, SegmentMask, SeriesLabels, write_seg, write_series};
use crate::nrrd::Samples;
use crate::scan_volume::{Format, ScanVolume};
use crate::seg::{AlignTolerance, Geometry, LesionSelector, Segmentation, align_lesion};

/// Writes the scan as a series under `scan_folder` and the segmentation (when given) as a
/// DICOM-SEG at `seg_file`, referencing that series. A patient whose scan is missing on
/// purpose still gets a SEG that references the series it would have had (the series is
/// written beside and removed, so its UIDs are the ones the writer gives).
pub(crate) fn write_dicom_patient(
    id: &str,
    has_scan: bool,
    scan_geometry: &Geometry,
    scan_samples: &Samples,
    segmentation: Option<&Segmentation>,
    scan_folder: &Path,
    seg_file: &Path,
) -> Result<(), SynthError> {
    let identity = Identity {
        patient_id: id.to_string(),
        seed: 0,
    };
    let volume = ScanVolume {
        format: Format::DicomSeries,
        samples: along_normal_samples(scan_geometry, scan_samples)?,
        geometry: along_normal(scan_geometry)?,
        rescale: None,
    };
    let series_folder = match has_scan {
        true => scan_folder.to_path_buf(),
        false => scan_folder.with_extension("unreferenced"),
    };
    let series = write_series(&series_folder, &volume, &identity, &SeriesLabels::default())?;
    if !has_scan {
        std::fs::remove_dir_all(&series_folder)
            .map_err(|e| SynthError::io("remove", &series_folder, e))?;
    }
    if let Some(labels) = segmentation {
        let masks: Vec<(String, Vec<u8>)> = labels
            .segments()
            .iter()
            .map(|segment| {
                let selector = LesionSelector::SegmentNames(vec![segment.name.clone()]);
                // A SEG's frames reference the series' images: its grid is the scan's.
                let (mask, _) = align_lesion(
                    labels,
                    &selector,
                    scan_geometry,
                    scan_folder,
                    &AlignTolerance::default(),
                )?;
                let voxels = mask.voxels().to_vec();
                Ok((
                    segment.name.clone(),
                    along_normal_order(scan_geometry, voxels),
                ))
            })
            .collect::<Result<_, SynthError>>()?;
        let segments: Vec<SegmentMask<'_>> = masks
            .iter()
            .enumerate()
            .map(|(i, (name, mask))| SegmentMask {
                number: (i + 1) as u16,
                label: name,
                mask,
            })
            .collect();
        write_seg(seg_file, &volume.geometry, &segments, &series, &identity)?;
    }
    Ok(())
}

/// Whether slice axis 2 points against the plane normal (a left-handed grid, as a
/// quarter of the synthetic scans have): DICOM orders slices along the normal, so such a
/// grid is written with its slices reversed, the same voxels in the same places.
fn is_left_handed(geometry: &Geometry) -> bool {
    let [d0, d1, d2] = geometry.directions();
    let normal = [
        d0[1] * d1[2] - d0[2] * d1[1],
        d0[2] * d1[0] - d0[0] * d1[2],
        d0[0] * d1[1] - d0[1] * d1[0],
    ];
    normal.iter().zip(d2).map(|(a, b)| a * b).sum::<f64>() < 0.0
}

/// The grid with its slices in DICOM order (along the normal).
fn along_normal(geometry: &Geometry) -> Result<Geometry, SynthError> {
    if !is_left_handed(geometry) {
        return Ok(geometry.clone());
    }
    let sizes = geometry.sizes();
    let [d0, d1, d2] = geometry.directions();
    let last = geometry.index_to_space([0.0, 0.0, sizes[2].saturating_sub(1) as f64]);
    Ok(Geometry::new(
        sizes,
        last,
        [d0, d1, d2.map(|v| -v)],
        geometry.space(),
    )?)
}

/// Voxels of `geometry` (axis 0 fastest) in the slice order of [`along_normal`].
fn along_normal_order<T: Clone>(geometry: &Geometry, voxels: Vec<T>) -> Vec<T> {
    if !is_left_handed(geometry) {
        return voxels;
    }
    let [n0, n1, _] = geometry.sizes();
    let plane = (n0 * n1).max(1);
    voxels.chunks(plane).rev().flatten().cloned().collect()
}

fn along_normal_samples(geometry: &Geometry, samples: &Samples) -> Result<Samples, SynthError> {
    Ok(match samples {
        Samples::U8(v) => Samples::U8(along_normal_order(geometry, v.clone())),
        Samples::I16(v) => Samples::I16(along_normal_order(geometry, v.clone())),
        Samples::U16(v) => Samples::U16(along_normal_order(geometry, v.clone())),
        // The writer refuses other types with a message naming them.
        other => other.clone(),
    })
}
