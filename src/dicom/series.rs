//! A folder of DICOM files to one scan: every image of one SeriesInstanceUID, found
//! recursively under any file names, with or without a DICOMDIR.
//!
//! The way through: list files -> parse each (files without the `DICM` prefix, DICOMDIRs,
//! objects without pixel data and segmentations are skipped) -> group by series -> check
//! that the chosen series has one pixel layout and one rescale -> stack its planes
//! (`stack`) -> decode and place every plane's samples in slice order.
//!
//! Memory: every file of the folder is parsed (not decoded) before grouping, so a folder
//! costs about its own size; only the chosen series is decoded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use rayon::prelude::*;

use super::dicom_file::{DicomFile, MEDIA_STORAGE_DIRECTORY, SEGMENTATION_STORAGE, string};
use super::error::DicomError;
use super::image::DicomImage;
use super::limits::Limits;
use super::pixel_data;
use super::pixel_format::PixelFormat;
use super::plane::{IDENTITY, planes_of};
use super::stack::{Stack, stack};
use crate::nrrd::Samples;
use crate::scan_volume::{Format, Rescale, ScanVolume};

/// A series as read, with what a DICOM-SEG or a writer needs to refer to it.
#[derive(Debug, Clone, PartialEq)]
pub struct DicomSeries {
    pub volume: ScanVolume,
    pub series_uid: String,
    pub study_uid: Option<String>,
    pub frame_of_reference_uid: Option<String>,
    /// SOPInstanceUID of the file holding each slice, in slice order.
    pub sop_instance_uids: Vec<String>,
    /// The file of each slice, in slice order.
    pub files: Vec<PathBuf>,
    /// The transfer syntax of the first file (name).
    pub transfer_syntax: String,
}

/// One series found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesEntry {
    pub uid: String,
    pub description: Option<String>,
    pub files: Vec<PathBuf>,
}

/// Reads the only image series under `dir`.
pub fn read_series(dir: &Path) -> Result<ScanVolume, DicomError> {
    Ok(read_dicom_series(dir, None, &Limits::default())?.volume)
}

/// Reads series `uid` under `dir`, which may hold others.
pub fn read_series_uid(dir: &Path, uid: &str) -> Result<ScanVolume, DicomError> {
    Ok(read_dicom_series(dir, Some(uid), &Limits::default())?.volume)
}

/// The image series under `dir`, in UID order.
pub fn list_series(dir: &Path) -> Result<Vec<SeriesEntry>, DicomError> {
    let (groups, _) = scan_folder(dir, &Limits::default())?;
    Ok(groups
        .into_iter()
        .map(|(uid, files)| SeriesEntry {
            description: files
                .first()
                .and_then(|f| string(f.dataset(), tags::SERIES_DESCRIPTION)),
            files: files.into_iter().map(|f| f.path).collect(),
            uid,
        })
        .collect())
}

/// Reads one series under `dir`: `uid`, or the only one when `None`.
pub fn read_dicom_series(
    dir: &Path,
    uid: Option<&str>,
    limits: &Limits,
) -> Result<DicomSeries, DicomError> {
    let (mut groups, skipped) = scan_folder(dir, limits)?;
    let files = match uid {
        Some(uid) => groups
            .remove(uid)
            .ok_or_else(|| DicomError::SeriesNotFound {
                dir: dir.to_path_buf(),
                uid: uid.to_string(),
                available: groups.keys().cloned().collect(),
            })?,
        None if groups.len() == 1 => groups.into_values().next().unwrap_or_default(),
        None if groups.is_empty() => {
            return Err(DicomError::NoImages {
                dir: dir.to_path_buf(),
                skipped,
            });
        }
        None => {
            return Err(DicomError::SeveralSeries {
                dir: dir.to_path_buf(),
                series: groups
                    .iter()
                    .map(|(uid, files)| {
                        let example = files
                            .first()
                            .map(|f| f.path.display().to_string())
                            .unwrap_or_default();
                        format!("{uid}: {} files, e.g. `{example}`", files.len())
                    })
                    .collect(),
            });
        }
    };
    assemble(files, limits)
}

/// Reads one file as a (possibly one-slice) series: a multi-frame image or one slice.
pub fn read_file_series(path: &Path, limits: &Limits) -> Result<DicomSeries, DicomError> {
    assemble(vec![DicomFile::open(path, limits)?], limits)
}

/// Parses every file under `dir` and groups the image files by SeriesInstanceUID.
/// Returns the groups and how many files were skipped.
fn scan_folder(
    dir: &Path,
    limits: &Limits,
) -> Result<(BTreeMap<String, Vec<DicomFile>>, usize), DicomError> {
    let mut paths = Vec::new();
    list_files(dir, &mut paths)?;
    paths.sort();
    let parsed: Vec<Option<DicomFile>> = paths
        .par_iter()
        .map(|path| match DicomFile::open(path, limits) {
            Ok(file) => Ok(Some(file)),
            Err(DicomError::NotDicom { .. }) => Ok(None),
            Err(other) => Err(other),
        })
        .collect::<Result<_, _>>()?;
    let mut groups: BTreeMap<String, Vec<DicomFile>> = BTreeMap::new();
    let mut skipped = 0;
    for file in parsed {
        let Some(file) = file else {
            skipped += 1;
            continue;
        };
        let sop_class = file.sop_class_uid();
        let is_image = file.dataset().get(tags::PIXEL_DATA).is_some()
            && sop_class != MEDIA_STORAGE_DIRECTORY
            && sop_class != SEGMENTATION_STORAGE;
        if !is_image {
            skipped += 1;
            continue;
        }
        let uid = string(file.dataset(), tags::SERIES_INSTANCE_UID).ok_or_else(|| {
            DicomError::MissingField {
                path: file.path.clone(),
                field: "SeriesInstanceUID",
                expected: "the UID of the series the image belongs to",
            }
        })?;
        groups.entry(uid).or_default().push(file);
    }
    Ok((groups, skipped))
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DicomError> {
    let io = |source| DicomError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let kind = entry.file_type().map_err(io)?;
        let path = entry.path();
        if kind.is_dir() {
            list_files(&path, out)?;
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            out.push(path);
        }
    }
    Ok(())
}

/// Checks one series' files agree, stacks their planes and decodes their samples.
fn assemble(files: Vec<DicomFile>, limits: &Limits) -> Result<DicomSeries, DicomError> {
    let first = files.first().ok_or_else(|| DicomError::NoImages {
        dir: PathBuf::new(),
        skipped: 0,
    })?;
    let series_uid = first.series_uid();
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let formats: Vec<PixelFormat> = files
        .iter()
        .map(|f| PixelFormat::read(f, limits))
        .collect::<Result<_, _>>()?;
    let reference = &formats[0];
    for (file, format) in files.iter().zip(&formats) {
        let inconsistent = |field, found: String, expected: String| DicomError::Inconsistent {
            series: series_uid.clone(),
            path: file.path.clone(),
            field,
            found,
            expected,
        };
        if format.samples_per_pixel != 1 {
            return Err(inconsistent(
                "SamplesPerPixel",
                format.samples_per_pixel.to_string(),
                "a scan must be greyscale (1)".to_string(),
            ));
        }
        if (format.rows, format.columns) != (reference.rows, reference.columns) {
            return Err(inconsistent(
                "size",
                format!("{}x{} (columns x rows)", format.columns, format.rows),
                format!(
                    "`{}` is {}x{}",
                    paths[0].display(),
                    reference.columns,
                    reference.rows
                ),
            ));
        }
        if (format.bits_allocated, format.signed) != (reference.bits_allocated, reference.signed) {
            return Err(inconsistent(
                "sample type",
                describe(format),
                format!("`{}` has {}", paths[0].display(), describe(reference)),
            ));
        }
    }
    let mut planes = Vec::new();
    for (index, (file, format)) in files.iter().zip(&formats).enumerate() {
        planes.extend(planes_of(file, index, format.frames)?);
    }
    let rescale = common_rescale(&series_uid, &planes, &paths)?;
    let Stack { geometry, order } = stack(
        &series_uid,
        planes,
        &paths,
        reference.rows,
        reference.columns,
    )?;
    let images: Vec<DicomImage> = files
        .par_iter()
        .zip(formats.par_iter())
        .map(|(file, format)| {
            let samples = pixel_data::decode(file, format, limits)?;
            Ok(DicomImage {
                format: format.clone(),
                samples,
            })
        })
        .collect::<Result<_, DicomError>>()?;
    let plane_samples = reference.rows * reference.columns;
    let picks: Vec<(usize, usize)> = order
        .iter()
        .map(|p| (p.file, p.frame * plane_samples))
        .collect();
    let samples = gather(&images, &picks, plane_samples);
    let sop_instance_uids = order
        .iter()
        .map(|p| string(files[p.file].dataset(), tags::SOP_INSTANCE_UID).unwrap_or_default())
        .collect();
    let dataset = first.dataset();
    Ok(DicomSeries {
        volume: ScanVolume {
            format: Format::DicomSeries,
            samples,
            geometry,
            rescale: (rescale != IDENTITY).then_some(rescale),
        },
        study_uid: string(dataset, tags::STUDY_INSTANCE_UID),
        frame_of_reference_uid: string(dataset, tags::FRAME_OF_REFERENCE_UID),
        sop_instance_uids,
        files: order.iter().map(|p| paths[p.file].clone()).collect(),
        transfer_syntax: first.transfer_syntax.name.to_string(),
        series_uid,
    })
}

fn describe(format: &PixelFormat) -> String {
    format!(
        "{}-bit {} samples",
        format.bits_allocated,
        if format.signed { "signed" } else { "unsigned" }
    )
}

/// The one rescale every plane shares. Different rescales per slice are refused: the
/// volume keeps stored samples, and one slope and intercept must turn all of them into
/// physical values.
fn common_rescale(
    series: &str,
    planes: &[super::plane::Plane],
    files: &[PathBuf],
) -> Result<Rescale, DicomError> {
    let Some(first) = planes.first() else {
        return Ok(IDENTITY);
    };
    for plane in planes {
        let same = (plane.rescale.slope - first.rescale.slope).abs()
            <= 1e-9 * first.rescale.slope.abs().max(1.0)
            && (plane.rescale.intercept - first.rescale.intercept).abs()
                <= 1e-9 * first.rescale.intercept.abs().max(1.0);
        if !same {
            return Err(DicomError::Inconsistent {
                series: series.to_string(),
                path: files[plane.file].clone(),
                field: "rescale (slope, intercept)",
                found: format!("({}, {})", plane.rescale.slope, plane.rescale.intercept),
                expected: format!(
                    "`{}` has ({}, {}); per-slice rescales are not supported",
                    files[first.file].display(),
                    first.rescale.slope,
                    first.rescale.intercept
                ),
            });
        }
    }
    Ok(first.rescale)
}

/// Copies `len` samples starting at each `(image, offset)` pick into one volume. All
/// images share one sample type (checked by the caller).
fn gather(images: &[DicomImage], picks: &[(usize, usize)], len: usize) -> Samples {
    macro_rules! gather_as {
        ($variant:ident) => {{
            let mut out = Vec::with_capacity(picks.len() * len);
            for (image, offset) in picks {
                if let Samples::$variant(values) = &images[*image].samples {
                    out.extend_from_slice(&values[*offset..*offset + len]);
                }
            }
            Samples::$variant(out)
        }};
    }
    match images.first().map(|i| &i.samples) {
        Some(Samples::I8(_)) => gather_as!(I8),
        Some(Samples::I16(_)) => gather_as!(I16),
        Some(Samples::U16(_)) => gather_as!(U16),
        Some(Samples::I32(_)) => gather_as!(I32),
        Some(Samples::U32(_)) => gather_as!(U32),
        _ => gather_as!(U8),
    }
}
