//! One patient: draw the grid, head and tumor, render the scan slice by slice, and
//! write the patient's files.

use std::path::Path;

use crate::nifti;
use crate::nrrd::{self, Encoding, Nrrd, Samples, WriteOptions};
use crate::seg::{Geometry, Segmentation, Space};

use super::anatomy::{GridMm, Head, Region};
use super::cohort::PatientPlan;
use super::config::{ImageFormat, SynthConfig};
use super::dicom_files::write_dicom_patient;
use super::error::SynthError;
use super::labelmap::labelmap;
use super::lesion::Lesion;
use super::rng::Rng;
use super::scan_grid::ScanGrid;
use super::slicer_seg::{Mask, VoxelBox, slicer_segmentation};
use super::summary::PatientRecord;

/// File names inside a patient folder of an NRRD cohort.
pub const SCAN_FILE: &str = "image.nrrd";
pub const SEGMENTATION_FILE: &str = "segmentation.seg.nrrd";

/// The scan and segmentation of patient `id`, relative to its folder, in `format`: the
/// layout a pipeline's `scan:` and `segmentation:` patterns name (`{id}` for the id).
pub fn patient_files(format: ImageFormat, id: &str) -> (String, String) {
    match format {
        ImageFormat::Nrrd => (SCAN_FILE.to_string(), SEGMENTATION_FILE.to_string()),
        ImageFormat::Nifti => (format!("{id}_t1ce.nii.gz"), format!("{id}_seg.nii.gz")),
        ImageFormat::Dicom => ("scan".to_string(), "seg.dcm".to_string()),
    }
}

/// gzip level of the written files. Level 1 keeps the default cohort's ~1 GB of
/// noisy samples to a few seconds of compression; the files are scratch data.
const COMPRESSION_LEVEL: u32 = 1;

/// A rendered patient: the scan and the two masks, all on the scan's grid, with the
/// boxes of the masks' voxels (tracked while drawing, to spare two full scans).
struct Rendered {
    scan: Vec<i16>,
    tumor: Vec<u8>,
    edema: Vec<u8>,
    tumor_box: Option<VoxelBox>,
    edema_box: Option<VoxelBox>,
}

pub(crate) fn generate_patient(
    config: &SynthConfig,
    plan: &PatientPlan,
) -> Result<PatientRecord, SynthError> {
    let mut rng = Rng::stream(config.seed, plan.stream);
    let grid = ScanGrid::random(&mut rng, config.in_plane, config.slices);
    let mm = GridMm::new(grid.sizes[0], grid.sizes[2], grid.spacing, grid.thickness);
    let head = Head::random(&mut rng, &mm);
    let lesion = Lesion::random(&mut rng, plan.lesion_grade, &head, &mm);
    let rendered = render(&mut rng, &mm, &head, &lesion);

    let folder = config.out.join(&plan.id);
    std::fs::create_dir_all(&folder).map_err(|e| SynthError::io("create", &folder, e))?;
    let options = WriteOptions {
        compression_level: COMPRESSION_LEVEL,
        ..WriteOptions::new(Encoding::Gzip)
    };
    let (scan_name, segmentation_name) = patient_files(config.format, &plan.id);
    let scan_path = folder.join(scan_name);
    let segmentation_path = folder.join(segmentation_name);
    let scan_geometry = Geometry::new(grid.sizes, grid.origin, grid.directions, Space::Lps)?;
    let scan_samples = Samples::I16(rendered.scan.clone());
    // The Slicer file is drawn for every format, so the random stream (and the patient)
    // is the same whatever the files are written in.
    let segmentation = if plan.has_segmentation {
        let mask = |voxels, bounds| Mask { voxels, bounds };
        let volume = slicer_segmentation(
            &mut rng,
            &grid,
            plan.layout,
            mask(&rendered.tumor, rendered.tumor_box),
            mask(&rendered.edema, rendered.edema_box),
        )?;
        Some(volume)
    } else {
        None
    };
    match config.format {
        ImageFormat::Nrrd => {
            if plan.has_scan {
                let mut volume = Nrrd::from_samples(grid.sizes.to_vec(), scan_samples)?;
                volume.header.comments = vec![
                    "Complete NRRD file format specification at:".to_string(),
                    "http://teem.sourceforge.net/nrrd/format.html".to_string(),
                ];
                grid.describe(&mut volume.header, grid.origin, 0);
                nrrd::write(&scan_path, &volume, &options)?;
            }
            if let Some(volume) = &segmentation {
                nrrd::write(&segmentation_path, volume, &options)?;
            }
        }
        ImageFormat::Nifti => {
            let nifti_options = nifti::WriteOptions {
                gzip: true,
                compression_level: COMPRESSION_LEVEL,
            };
            if plan.has_scan {
                nifti::write(
                    &scan_path,
                    &scan_geometry,
                    &scan_samples,
                    None,
                    nifti_options,
                )?;
            }
            if let Some(volume) = segmentation {
                let labels = Segmentation::from_nrrd(&segmentation_path, volume)?;
                nifti::write(
                    &segmentation_path,
                    labels.geometry(),
                    &Samples::U8(labelmap(&labels)),
                    None,
                    nifti_options,
                )?;
            }
        }
        ImageFormat::Dicom => {
            let labels = segmentation
                .map(|volume| Segmentation::from_nrrd(&segmentation_path, volume))
                .transpose()?;
            write_dicom_patient(
                &plan.id,
                plan.has_scan,
                &scan_geometry,
                &scan_samples,
                labels.as_ref(),
                &scan_path,
                &segmentation_path,
            )?;
        }
    }

    let tumor_box = rendered.tumor_box;
    Ok(PatientRecord {
        id: plan.id.clone(),
        csv_grade: plan.in_csv.then(|| plan.csv_grade.clone()),
        grade: plan.grade,
        lesion_grade: plan.lesion_grade,
        scan: plan.has_scan.then(|| relative(config, &scan_path)),
        segmentation: plan
            .has_segmentation
            .then(|| relative(config, &segmentation_path)),
        seg_layout: plan.has_segmentation.then_some(plan.layout),
        slices: grid.sizes[2],
        in_plane_spacing_mm: grid.spacing,
        slice_thickness_mm: grid.thickness,
        lesion_voxels: rendered.tumor.iter().map(|v| u64::from(*v)).sum(),
        lesion_slices: tumor_box.map_or((0, 0), |b| (b.min[2], b.max[2])),
        drop: plan.drop.clone(),
    })
}

/// Paths in the summary are relative to the output folder, so two cohorts written
/// to different folders have equal summaries.
fn relative(config: &SynthConfig, path: &Path) -> std::path::PathBuf {
    path.strip_prefix(&config.out).unwrap_or(path).to_path_buf()
}

fn render(rng: &mut Rng, mm: &GridMm, head: &Head, lesion: &Lesion) -> Rendered {
    let (nx, ny, nz) = (mm.xs.len(), mm.ys.len(), mm.zs.len());
    let plane = nx * ny;
    let mut rendered = Rendered {
        scan: vec![0; plane * nz],
        tumor: vec![0; plane * nz],
        edema: vec![0; plane * nz],
        tumor_box: None,
        edema_box: None,
    };
    let (mut tissue, mut regions) = (vec![0.0f32; plane], vec![0u8; plane]);
    let mut scratch = vec![0.0f32; 3 * plane];
    let (center, reach) = (lesion.center(), lesion.reach());
    // Voxel index ranges whose centres can lie within the tumor's reach.
    let span = |coordinates: &[f32], axis: usize| {
        let (low, high) = (center[axis] - reach[axis], center[axis] + reach[axis]);
        let first = coordinates.iter().position(|c| f64::from(*c) >= low);
        let last = coordinates.iter().rposition(|c| f64::from(*c) <= high);
        first.zip(last).filter(|(a, b)| a <= b)
    };
    let (i_span, j_span, k_span) = (span(&mm.xs, 0), span(&mm.ys, 1), span(&mm.zs, 2));
    let brain_level = head.brain_level();
    let edema_reach = lesion.edema_reach as f32;
    for k in 0..nz {
        head.render_slice(mm, k, &mut tissue, &mut regions, &mut scratch);
        let in_lesion_slab = k_span.is_some_and(|(a, b)| (a..=b).contains(&k));
        if let (true, Some((i0, i1)), Some((j0, j1))) = (in_lesion_slab, i_span, j_span) {
            let z = mm.zs[k];
            for j in j0..=j1 {
                for i in i0..=i1 {
                    let (x, y) = (mm.xs[i], mm.ys[j]);
                    let rho = lesion.rho([x, y, z]);
                    if rho >= edema_reach {
                        continue;
                    }
                    let v = j * nx + i;
                    // Inside a ventricle or the CSF rim the tumor displaces the
                    // fluid: shade it against brain tissue, not CSF.
                    let brain = if regions[v] == Region::Brain as u8 {
                        tissue[v]
                    } else {
                        brain_level
                    };
                    tissue[v] = lesion.shade(rng, rho, [x, y, z], brain, head.gain);
                    regions[v] = Region::Brain as u8;
                    let voxel = k * plane + v;
                    rendered.edema[voxel] = 1;
                    VoxelBox::include(&mut rendered.edema_box, [i, j, k]);
                    if rho < 1.0 {
                        rendered.tumor[voxel] = 1;
                        VoxelBox::include(&mut rendered.tumor_box, [i, j, k]);
                    }
                }
            }
        }
        head.finish_slice(
            rng,
            &tissue,
            &regions,
            &mut rendered.scan[k * plane..(k + 1) * plane],
        );
    }
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boxes_tracked_while_drawing_are_the_boxes_of_the_masks() {
        for seed in 0..6 {
            let mut rng = Rng::new(seed);
            let grid = ScanGrid::random(&mut rng, 64, (12, 20));
            let mm = GridMm::new(64, grid.sizes[2], grid.spacing, grid.thickness);
            let head = Head::random(&mut rng, &mm);
            let grade = crate::synth::Grade::ALL[seed as usize % 3];
            let lesion = Lesion::random(&mut rng, grade, &head, &mm);
            let rendered = render(&mut rng, &mm, &head, &lesion);
            assert!(
                rendered.tumor_box.is_some(),
                "seed {seed}: a tumor was drawn"
            );
            assert_eq!(
                rendered.tumor_box,
                VoxelBox::of_mask(&rendered.tumor, grid.sizes)
            );
            assert_eq!(
                rendered.edema_box,
                VoxelBox::of_mask(&rendered.edema, grid.sizes)
            );
        }
    }
}
