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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::nrrd::{Nrrd, Space as NrrdSpace, WriteOptions as NrrdOptions};
    use crate::seg::{AlignTolerance, LesionSelector, Space, align_lesion};

    /// A non-square, anisotropic, oblique grid with one flipped axis: a swapped spacing,
    /// a transposed slice or a missing RAS flip would all show.
    fn oblique(sizes: [usize; 3], start: [f64; 3]) -> Geometry {
        let (c, s) = (0.35f64.cos(), 0.35f64.sin());
        let steps = [
            [0.7 * c, 0.7 * s, 0.0],
            [-1.3 * s, 1.3 * c, 0.0],
            [0.0, 0.0, -2.9],
        ];
        let mut origin = [-40.25, 17.5, 60.0];
        for (axis, step) in steps.iter().enumerate() {
            for (o, d) in origin.iter_mut().zip(step) {
                *o += start[axis] * d;
            }
        }
        Geometry::new(sizes, origin, steps, Space::Lps).expect("grid")
    }

    fn write_nrrd(path: &Path, geometry: &Geometry, samples: Samples) {
        let mut volume = Nrrd::from_samples(geometry.sizes().to_vec(), samples).expect("volume");
        volume.header.space = Some(NrrdSpace::LeftPosteriorSuperior);
        volume.header.space_directions = Some(
            geometry
                .directions()
                .iter()
                .map(|d| Some(d.to_vec()))
                .collect(),
        );
        volume.header.space_origin = Some(geometry.origin().to_vec());
        nrrd::write(path, &volume, &NrrdOptions::default()).expect("write nrrd");
    }

    fn write_nifti(path: &Path, geometry: &Geometry, samples: Samples) {
        let options = nifti::WriteOptions::default();
        nifti::write(path, geometry, &samples, None, options).expect("write nifti");
    }

    /// A `.mhd` + `.raw` pair as ITK writes it: unit directions as rows, spacing apart.
    fn write_mhd(path: &Path, geometry: &Geometry, samples: Samples, element_type: &str) {
        let spacing = geometry.spacing();
        let matrix: Vec<String> = (0..3)
            .flat_map(|a| (0..3).map(move |i| (a, i)))
            .map(|(a, i)| (geometry.directions()[a][i] / spacing[a]).to_string())
            .collect();
        let join = |v: [f64; 3]| v.map(|x| x.to_string()).join(" ");
        let sizes = geometry.sizes().map(|n| n.to_string()).join(" ");
        let raw = path.with_extension("raw");
        std::fs::write(
            path,
            format!(
                "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n\
                 TransformMatrix = {}\nOffset = {}\nElementSpacing = {}\nDimSize = {sizes}\n\
                 ElementType = {element_type}\nElementDataFile = {}\n",
                matrix.join(" "),
                join(geometry.origin()),
                join(spacing),
                raw.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
        )
        .expect("write mhd");
        std::fs::write(raw, samples.as_bytes()).expect("write raw");
    }

    fn assert_same_grid(a: &Geometry, b: &Geometry, what: &str) {
        assert_eq!(a.sizes(), b.sizes(), "{what}");
        let close = |x: [f64; 3], y: [f64; 3]| (0..3).all(|i| (x[i] - y[i]).abs() < 1e-5);
        assert!(
            close(a.origin(), b.origin()),
            "{what}: {:?} vs {:?}",
            a.origin(),
            b.origin()
        );
        for axis in 0..3 {
            assert!(
                close(a.directions()[axis], b.directions()[axis]),
                "{what} axis {axis}: {:?} vs {:?}",
                a.directions(),
                b.directions()
            );
        }
    }

    #[test]
    fn one_oblique_grid_reads_alike_from_nrrd_nifti_and_metaimage() {
        let dir = tempfile::tempdir().expect("temp dir");
        let geometry = oblique([5, 3, 4], [0.0; 3]);
        let samples = Samples::from((0..60).map(|v| (v as i16 - 30) * 111).collect::<Vec<_>>());
        let files = [
            (dir.path().join("scan.nrrd"), Format::Nrrd),
            (dir.path().join("scan.nii.gz"), Format::Nifti1),
            (dir.path().join("scan.mhd"), Format::MetaImage),
        ];
        write_nrrd(&files[0].0, &geometry, samples.clone());
        write_nifti(&files[1].0, &geometry, samples.clone());
        write_mhd(&files[2].0, &geometry, samples.clone(), "MET_SHORT");
        for (path, format) in &files {
            let scan = read_scan(path).expect("reads");
            assert_eq!(scan.format, *format);
            assert_eq!(scan.samples, samples, "{format:?}");
            assert_eq!(scan.rescale, None);
            assert_same_grid(&scan.geometry, &geometry, &format!("{format:?}"));
        }
        assert_eq!(
            image_files(&files[2].0).expect("files"),
            vec![files[2].0.clone(), dir.path().join("scan.raw")]
        );
    }

    #[test]
    fn a_cropped_multi_label_map_lands_on_the_same_scan_voxels_in_every_format() {
        let dir = tempfile::tempdir().expect("temp dir");
        let scan = oblique([6, 5, 4], [0.0; 3]);
        // A 3 x 2 x 2 crop starting at scan voxel (2, 1, 1): BraTS-like labels 1, 2 and 4.
        let crop = oblique([3, 2, 2], [2.0, 1.0, 1.0]);
        let labels: Vec<u8> = vec![0, 1, 2, 4, 4, 0, 1, 0, 0, 0, 2, 4];
        let expected: Vec<[usize; 3]> = labels
            .iter()
            .enumerate()
            .filter(|(_, v)| [1, 4].contains(*v))
            .map(|(i, _)| [2 + i % 3, 1 + (i / 3) % 2, 1 + i / 6])
            .collect();
        let files = [
            dir.path().join("seg.nrrd"),
            dir.path().join("seg.nii.gz"),
            dir.path().join("seg.mhd"),
        ];
        write_nrrd(&files[0], &crop, Samples::U8(labels.clone()));
        write_nifti(&files[1], &crop, Samples::U8(labels.clone()));
        write_mhd(&files[2], &crop, Samples::U8(labels.clone()), "MET_UCHAR");
        for path in &files {
            let segmentation = read_segmentation(path).expect("reads");
            assert!(segmentation.segments().is_empty());
            let (mask, alignment) = align_lesion(
                &segmentation,
                &LesionSelector::LabelValues(vec![1, 4]),
                &scan,
                Path::new("scan"),
                &AlignTolerance::default(),
            )
            .expect("aligns");
            assert_eq!(alignment.offset, [2, 1, 1], "{}", path.display());
            let found: Vec<[usize; 3]> = (0..scan.voxel_count())
                .filter(|i| mask.voxels()[*i] == 1)
                .map(|i| [i % 6, (i / 6) % 5, i / 30])
                .collect();
            assert_eq!(found, expected, "{}", path.display());
            let names = LesionSelector::SegmentNames(vec!["tumor".into()]);
            let error = align_lesion(
                &segmentation,
                &names,
                &scan,
                Path::new("scan"),
                &AlignTolerance::default(),
            )
            .expect_err("a labelmap has no names");
            assert!(error.to_string().contains("label_values"), "{error}");
        }
    }

    #[test]
    fn four_d_scans_and_missing_data_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mhd = dir.path().join("four.mhd");
        std::fs::write(
            &mhd,
            "NDims = 4\nDimSize = 2 2 2 3\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n",
        )
        .expect("write");
        let mut bytes = std::fs::read(&mhd).expect("read");
        bytes.extend([0u8; 24]);
        std::fs::write(&mhd, bytes).expect("write");
        let message = read_scan(&mhd).expect_err("4-D").to_string();
        assert!(
            message.contains("has sizes [2, 2, 2, 3]; expected a 3-D scan"),
            "{message}"
        );
        let pair = dir.path().join("lonely.hdr");
        let geometry = oblique([2, 2, 2], [0.0; 3]);
        let raw = nifti::WriteOptions {
            gzip: false,
            compression_level: 0,
        };
        nifti::write(
            &dir.path().join("x.nii"),
            &geometry,
            &Samples::U8(vec![1; 8]),
            None,
            raw,
        )
        .expect("write");
        let mut header = std::fs::read(dir.path().join("x.nii")).expect("read");
        header.truncate(348);
        header[344..348].copy_from_slice(b"ni1\0");
        header[108..112].copy_from_slice(&0f32.to_le_bytes());
        std::fs::write(&pair, header).expect("write");
        let message = read_scan(&pair).expect_err("no .img").to_string();
        assert!(message.contains("lonely.img"), "{message}");
        std::fs::write(dir.path().join("lonely.img"), [3u8; 8]).expect("write img");
        assert_eq!(
            read_scan(&pair).expect("pair").samples,
            Samples::U8(vec![3; 8])
        );
    }
}
