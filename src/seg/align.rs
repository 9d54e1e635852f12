//! The selected lesion of a segmentation, moved onto its scan's grid.
//!
//! Voxels are matched through geometry (see `grid_offset`), never by array index:
//! label voxel `v` lands on scan voxel `v + offset`. Label voxels that land outside
//! the scan are dropped and counted in [`Alignment::dropped_voxels`], so a caller
//! can report them instead of losing them silently.

use std::path::Path;

use serde::Serialize;

use super::error::SegError;
use super::geometry::Geometry;
use super::grid_offset::{AlignTolerance, grid_offset};
use super::lesion_mask::LesionMask;
use super::segmentation::Segmentation;
use super::selection::LesionSelector;

/// What aligning one segmentation to one scan did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alignment {
    /// Label voxel `v` is scan voxel `v + offset`.
    pub offset: [i64; 3],
    /// Selected voxels in the label file.
    pub selected_voxels: u64,
    /// Selected voxels that fell outside the scan and were dropped.
    pub dropped_voxels: u64,
    /// `Segmentation_ReferenceImageExtentOffset`, when the file has one. It agrees
    /// with `offset` when the scan is the image Slicer segmented.
    pub declared_offset: Option<[i64; 3]>,
}

impl Alignment {
    /// A line for the run log when something deserves attention: dropped voxels,
    /// or a declared offset that disagrees with the geometry.
    pub fn note(&self, label: &Path, scan: &Path) -> Option<String> {
        let mut notes = Vec::new();
        if self.dropped_voxels > 0 {
            notes.push(format!(
                "{} of {} selected voxels lie outside the scan and were dropped",
                self.dropped_voxels, self.selected_voxels
            ));
        }
        if let Some(declared) = self.declared_offset.filter(|d| *d != self.offset) {
            notes.push(format!(
                "the file declares reference offset {declared:?} but its origin puts it \
                 at {:?}; the origin was used",
                self.offset
            ));
        }
        (!notes.is_empty()).then(|| {
            format!(
                "`{}` on `{}`: {}",
                label.display(),
                scan.display(),
                notes.join("; ")
            )
        })
    }
}

/// Reads a segmentation and a scan's header and places the selected lesion on the
/// scan's grid: the whole of this module for one patient.
pub fn load_lesion(
    segmentation: &Path,
    scan: &Path,
    selector: &LesionSelector,
    tolerance: &AlignTolerance,
) -> Result<(LesionMask, Alignment), SegError> {
    let labels = Segmentation::read(segmentation)?;
    let geometry = Geometry::read(scan)?;
    align_lesion(&labels, selector, &geometry, scan, tolerance)
}

/// Selects the lesion in `segmentation` and places it on the scan's grid.
/// `scan_path` names the scan in errors.
pub fn align_lesion(
    segmentation: &Segmentation,
    selector: &LesionSelector,
    scan: &Geometry,
    scan_path: &Path,
    tolerance: &AlignTolerance,
) -> Result<(LesionMask, Alignment), SegError> {
    let label = segmentation.geometry();
    let offset = grid_offset(label, scan, tolerance).map_err(|mismatch| SegError::Misaligned {
        label: segmentation.path().to_path_buf(),
        scan: scan_path.to_path_buf(),
        mismatch,
    })?;
    let selected = segmentation.select(selector)?;
    let (voxels, selected_voxels, dropped_voxels) = place(&selected, label, scan, offset);
    let mask = LesionMask::new(scan.clone(), voxels).ok_or_else(|| SegError::Layout {
        path: segmentation.path().to_path_buf(),
        found: "a mask that does not fit the scan".to_string(),
        expected: "a 0/1 mask of the scan's size",
    })?;
    let alignment = Alignment {
        offset,
        selected_voxels,
        dropped_voxels,
        declared_offset: segmentation.reference_extent_offset(),
    };
    Ok((mask, alignment))
}

/// Copies a 0/1 mask on the label grid onto a new mask on the scan grid, shifted by
/// `offset`. Returns the scan mask, the selected voxel count, and how many selected
/// voxels fell outside the scan.
fn place(
    selected: &[u8],
    label: &Geometry,
    scan: &Geometry,
    offset: [i64; 3],
) -> (Vec<u8>, u64, u64) {
    let [lx, ly, lz] = label.sizes();
    let scan_sizes = scan.sizes();
    let mut out = vec![0u8; scan.voxel_count()];
    let (mut total, mut dropped) = (0u64, 0u64);
    // Where label index `l` lands along `axis`, if inside the scan.
    let land = |axis: usize, l: usize| -> Option<usize> {
        let s = l as i64 + offset[axis];
        (0..scan_sizes[axis] as i64)
            .contains(&s)
            .then_some(s as usize)
    };
    for k in 0..lz {
        for j in 0..ly {
            let start = lx * (j + ly * k);
            let row = &selected[start..start + lx];
            let count = row.iter().filter(|v| **v != 0).count() as u64;
            if count == 0 {
                continue;
            }
            total += count;
            let (Some(sk), Some(sj)) = (land(2, k), land(1, j)) else {
                dropped += count;
                continue;
            };
            let scan_row = scan_sizes[0] * (sj + scan_sizes[1] * sk);
            for (i, value) in row.iter().enumerate() {
                if *value == 0 {
                    continue;
                }
                match land(0, i) {
                    Some(si) => out[scan_row + si] = 1,
                    None => dropped += 1,
                }
            }
        }
    }
    (out, total, dropped)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::{LabelVoxels, Space};
    use super::*;

    const STEPS: [[f64; 3]; 3] = [[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 2.0]];

    fn geometry(sizes: [usize; 3], start: [f64; 3]) -> Geometry {
        let origin = [start[0] * 0.5, start[1] * 0.5, start[2] * 2.0];
        Geometry::new(sizes, origin, STEPS, Space::Lps).expect("grid")
    }

    /// A 2x2x2 label of all ones, starting at scan voxel `start`.
    fn cube_label(start: [f64; 3]) -> Segmentation {
        Segmentation::new(
            Path::new("P001/seg.nrrd"),
            geometry([2, 2, 2], start),
            vec![LabelVoxels::from_u8(vec![1; 8])],
            vec![],
            Some([9, 9, 9]),
        )
        .expect("label")
    }

    fn scan() -> Geometry {
        geometry([4, 4, 3], [0.0; 3])
    }

    fn align(label: &Segmentation) -> Result<(LesionMask, Alignment), SegError> {
        align_lesion(
            label,
            &LesionSelector::AnyNonzero,
            &scan(),
            Path::new("P001/image.nrrd"),
            &AlignTolerance::default(),
        )
    }

    #[test]
    fn a_cropped_label_lands_at_its_offset_and_outside_voxels_are_counted() {
        let cases: &[([f64; 3], [i64; 3], u64, u64)] = &[
            ([1.0, 1.0, 1.0], [1, 1, 1], 8, 0),
            ([3.0, 1.0, 0.0], [3, 1, 0], 4, 4),
            ([-1.0, -1.0, 2.0], [-1, -1, 2], 1, 7),
            ([0.0, 0.0, 5.0], [0, 0, 5], 0, 8),
        ];
        for (start, offset, kept, dropped) in cases {
            let (mask, alignment) = align(&cube_label(*start)).expect("aligns");
            assert_eq!(alignment.offset, *offset);
            assert_eq!(mask.voxel_count(), *kept, "start {start:?}");
            assert_eq!(
                (alignment.selected_voxels, alignment.dropped_voxels),
                (8, *dropped)
            );
        }
        let (mask, _) = align(&cube_label([1.0, 2.0, 1.0])).expect("aligns");
        let g = mask.geometry();
        for index in [[1, 2, 1], [2, 3, 2], [2, 2, 1]] {
            assert_eq!(mask.voxels()[g.linear_index(index)], 1, "{index:?}");
        }
        assert_eq!(mask.voxels()[g.linear_index([0, 2, 1])], 0);
    }

    #[test]
    fn the_note_reports_dropped_voxels_and_a_disagreeing_declared_offset() {
        let (_, alignment) = align(&cube_label([3.0, 1.0, 0.0])).expect("aligns");
        let note = alignment
            .note(&PathBuf::from("a.seg.nrrd"), &PathBuf::from("a.nrrd"))
            .expect("something to say");
        assert!(
            note.contains("4 of 8 selected voxels lie outside the scan"),
            "{note}"
        );
        assert!(
            note.contains("declares reference offset [9, 9, 9]"),
            "{note}"
        );
        let clean = Alignment {
            offset: [1, 2, 3],
            selected_voxels: 5,
            dropped_voxels: 0,
            declared_offset: Some([1, 2, 3]),
        };
        assert_eq!(clean.note(Path::new("a"), Path::new("b")), None);
    }

    #[test]
    fn a_misaligned_label_names_both_files_and_the_mismatch() {
        let cases: Vec<(Geometry, &str)> = vec![
            (
                Geometry::new(
                    [2, 2, 2],
                    [0.0; 3],
                    STEPS.map(|s| s.map(|c| c * 1.1)),
                    Space::Lps,
                )
                .expect("grid"),
                "`P001/seg.nrrd` cannot be aligned to `P001/image.nrrd`: spacing (0.55, 0.55, 2.2) vs (0.5, 0.5, 2.0) mm",
            ),
            (
                geometry([2, 2, 2], [0.5, 0.0, 0.0]),
                "`P001/seg.nrrd` cannot be aligned to `P001/image.nrrd`: the label grid starts at scan voxel (0.5, 0.0, 0.0)",
            ),
        ];
        for (label_grid, expected) in cases {
            let label = Segmentation::new(
                Path::new("P001/seg.nrrd"),
                label_grid,
                vec![LabelVoxels::from_u8(vec![1; 8])],
                vec![],
                None,
            )
            .expect("label");
            let message = align(&label).expect_err(expected).to_string();
            assert!(message.starts_with(expected), "{message}");
        }
    }
}
