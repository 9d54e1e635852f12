//! `read_scan` and `read_segmentation`: one entry point per role, whatever the format.
//!
//! The format comes from the content ([`detect`]); each arm turns its reader's output
//! into the common types: a [`ScanVolume`] (3-D, stored samples, LPS geometry, rescale)
//! or a [`Segmentation`] (label layers on their own grid). A NIfTI or MetaImage
//! segmentation is a plain labelmap: one layer, no named segments, so the lesion is
//! selected by `label_values` (or `any_nonzero`).

use std::path::{Path, PathBuf};

use super::detect::detect;
use super::dicom::{read_dicom_scan, read_dicom_segmentation};
use super::error::VolumeError;
use super::{Format, Rescale, ScanVolume};
use crate::nrrd::Samples;
use crate::seg::{Geometry, Segmentation};
use crate::{metaimage, nifti, nrrd};

/// Reads a scan in any format.
pub fn read_scan(path: &Path) -> Result<ScanVolume, VolumeError> {
    match detect(path)? {
        Format::Nrrd => {
            let volume = nrrd::read(path)?;
            let geometry = Geometry::from_header(path, &volume.header)?;
            Ok(ScanVolume {
                format: Format::Nrrd,
                samples: volume.samples,
                geometry,
                rescale: None,
            })
        }
        format @ (Format::Nifti1 | Format::Nifti2) => {
            let image = nifti::read(path)?;
            three_d(path, &image.sizes)?;
            let (geometry, _) = image.geometry(path)?;
            Ok(ScanVolume {
                format,
                rescale: image
                    .header
                    .scaling()
                    .map(|(slope, intercept)| Rescale { slope, intercept }),
                samples: image.samples,
                geometry,
            })
        }
        Format::MetaImage => {
            let image = metaimage::read(path)?;
            three_d(path, &image.header.sizes)?;
            let geometry = image.header.geometry(path)?;
            Ok(ScanVolume {
                format: Format::MetaImage,
                samples: image.samples,
                geometry,
                rescale: None,
            })
        }
        Format::DicomSeries | Format::DicomSeg => read_dicom_scan(path),
    }
}

/// Reads a segmentation in any format: a Slicer `.seg.nrrd` or NRRD labelmap, a NIfTI or
/// MetaImage labelmap, or a DICOM-SEG.
pub fn read_segmentation(path: &Path) -> Result<Segmentation, VolumeError> {
    match detect(path)? {
        Format::Nrrd => Ok(Segmentation::read(path)?),
        Format::Nifti1 | Format::Nifti2 => {
            let image = nifti::read(path)?;
            three_d(path, &image.sizes)?;
            let (geometry, _) = image.geometry(path)?;
            let samples = match image.header.scaling() {
                None => image.samples,
                // Labels are the scaled values; whole numbers are checked downstream.
                Some((slope, inter)) => Samples::F64(
                    image
                        .samples
                        .to_f64()?
                        .into_iter()
                        .map(|v| v * slope + inter)
                        .collect(),
                ),
            };
            Ok(Segmentation::from_labelmap(path, geometry, samples)?)
        }
        Format::MetaImage => {
            let image = metaimage::read(path)?;
            three_d(path, &image.header.sizes)?;
            let geometry = image.header.geometry(path)?;
            Ok(Segmentation::from_labelmap(path, geometry, image.samples)?)
        }
        Format::DicomSeries | Format::DicomSeg => read_dicom_segmentation(path),
    }
}

/// Every file an image is read from, the named one first: a detached NRRD's data files,
/// a NIfTI pair's `.img`, a MetaImage's data files. A folder (DICOM series) gives its
/// path only; its files are listed by whoever walks it.
pub fn image_files(path: &Path) -> Result<Vec<PathBuf>, VolumeError> {
    let mut files = vec![path.to_path_buf()];
    match detect(path)? {
        Format::Nrrd => {
            let header = nrrd::read_header(path)?;
            if header.data_file != nrrd::DataFile::Attached {
                files.extend(nrrd::data_files(&header, path));
            }
        }
        Format::Nifti1 | Format::Nifti2 => {
            let header = nifti::read_header(path)?;
            files = nifti::data_files(path, &header);
        }
        Format::MetaImage => {
            let header = metaimage::read_header(path)?;
            if header.data_file != metaimage::DataFile::Local {
                files.extend(metaimage::data_files(path, &header));
            }
        }
        Format::DicomSeries | Format::DicomSeg => {}
    }
    Ok(files)
}

/// Axes past the third must have size 1.
fn three_d(path: &Path, sizes: &[usize]) -> Result<(), VolumeError> {
    if sizes.len() > 3 && sizes[3..].iter().any(|n| *n != 1) {
        return Err(VolumeError::NotThreeD {
            path: path.to_path_buf(),
            sizes: sizes.to_vec(),
        });
    }
    Ok(())
}
