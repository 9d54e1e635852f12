//! The selected lesion on the scan's grid, and what each slice holds of it.
//!
//! Invariants: the mask has exactly the scan's voxel count, every value is 0 or 1,
//! and `voxel_count` is the number of ones. The lesion's slice range is computed from
//! these voxels, never from `SegmentN_Extent` (which Slicer writes loosely).

use serde::{Deserialize, Serialize};

use super::geometry::Geometry;
use super::volume_slice::{SlicePixels, extract_slice};

/// A 0/1 lesion mask on a scan's grid.
#[derive(Debug, Clone, PartialEq)]
pub struct LesionMask {
    geometry: Geometry,
    voxels: Vec<u8>,
    voxel_count: u64,
}

/// An inclusive pixel box within one slice, in the slice's in-plane axes order
/// (`[column, row]`, see [`Geometry::in_plane_axes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelBox {
    pub min: [usize; 2],
    pub max: [usize; 2],
}

impl PixelBox {
    pub fn width(&self) -> usize {
        self.max[0] - self.min[0] + 1
    }

    pub fn height(&self) -> usize {
        self.max[1] - self.min[1] + 1
    }
}

/// The lesion in one slice across the axial axis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SliceLesion {
    /// Slice index along the axial axis.
    pub index: usize,
    pub area_pixels: u64,
    /// `area_pixels` times the pixel area from the in-plane steps.
    pub area_mm2: f64,
    /// `None` when the slice holds no lesion voxel.
    pub bounding_box: Option<PixelBox>,
}

impl LesionMask {
    /// Wraps a mask; `None` when its length is not the grid's voxel count or a
    /// value is not 0 or 1.
    pub fn new(geometry: Geometry, voxels: Vec<u8>) -> Option<Self> {
        if voxels.len() != geometry.voxel_count() || voxels.iter().any(|v| *v > 1) {
            return None;
        }
        let voxel_count = voxels.iter().map(|v| u64::from(*v)).sum();
        Some(LesionMask {
            geometry,
            voxels,
            voxel_count,
        })
    }

    /// The scan's grid.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// One byte per voxel, 0 or 1, axis 0 fastest.
    pub fn voxels(&self) -> &[u8] {
        &self.voxels
    }

    /// Number of lesion voxels.
    pub fn voxel_count(&self) -> u64 {
        self.voxel_count
    }

    /// One entry per slice across `axial` (all of them, empty ones included), in
    /// slice order. `axial` must be 0, 1 or 2; a larger value is read as 2.
    pub fn slices(&self, axial: usize) -> Vec<SliceLesion> {
        let axial = axial.min(2);
        let [nx, ny, nz] = self.geometry.sizes();
        let [u, v] = Geometry::in_plane_axes(axial);
        let pixel_area = self.geometry.pixel_area(axial);
        let mut slices: Vec<SliceLesion> = (0..self.geometry.sizes()[axial])
            .map(|index| SliceLesion {
                index,
                area_pixels: 0,
                area_mm2: 0.0,
                bounding_box: None,
            })
            .collect();
        let mut offset = 0;
        for k in 0..nz {
            for j in 0..ny {
                let row = &self.voxels[offset..offset + nx];
                offset += nx;
                // Most rows are empty: skip them without touching the per-voxel path.
                if !row.contains(&1) {
                    continue;
                }
                for (i, value) in row.iter().enumerate() {
                    if *value == 0 {
                        continue;
                    }
                    let index = [i, j, k];
                    let slice = &mut slices[index[axial]];
                    slice.area_pixels += 1;
                    let pixel = [index[u], index[v]];
                    slice.bounding_box = Some(match slice.bounding_box {
                        None => PixelBox {
                            min: pixel,
                            max: pixel,
                        },
                        Some(b) => PixelBox {
                            min: [b.min[0].min(pixel[0]), b.min[1].min(pixel[1])],
                            max: [b.max[0].max(pixel[0]), b.max[1].max(pixel[1])],
                        },
                    });
                }
            }
        }
        for slice in &mut slices {
            slice.area_mm2 = slice.area_pixels as f64 * pixel_area;
        }
        slices
    }

    /// First and last slice across `axial` that hold a lesion voxel.
    pub fn slice_range(&self, axial: usize) -> Option<(usize, usize)> {
        let slices = self.slices(axial);
        let first = slices.iter().find(|s| s.area_pixels > 0)?.index;
        let last = slices.iter().rfind(|s| s.area_pixels > 0)?.index;
        Some((first, last))
    }

    /// The mask pixels of one slice, laid out as [`extract_slice`] lays out the
    /// scan's, so the two line up pixel for pixel.
    pub fn slice_pixels(&self, axial: usize, index: usize) -> Option<SlicePixels<u8>> {
        extract_slice(&self.voxels, self.geometry.sizes(), axial, index)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Space;
    use super::*;

    fn grid(sizes: [usize; 3]) -> Geometry {
        Geometry::new(
            sizes,
            [0.0; 3],
            [[0.5, 0.0, 0.0], [0.0, -0.5, 0.0], [0.0, 0.0, 5.0]],
            Space::Lps,
        )
        .expect("grid")
    }

    fn mask_with(sizes: [usize; 3], ones: &[[usize; 3]]) -> LesionMask {
        let g = grid(sizes);
        let mut voxels = vec![0u8; g.voxel_count()];
        for index in ones {
            voxels[g.linear_index(*index)] = 1;
        }
        LesionMask::new(g, voxels).expect("valid mask")
    }

    #[test]
    fn per_slice_areas_and_boxes_come_from_the_voxels() {
        let mask = mask_with([5, 4, 3], &[[1, 1, 1], [3, 2, 1], [2, 0, 2]]);
        let slices = mask.slices(2);
        assert_eq!(slices.len(), 3);
        assert_eq!((slices[0].area_pixels, slices[0].bounding_box), (0, None));
        assert_eq!(slices[1].area_pixels, 2);
        assert!(
            (slices[1].area_mm2 - 0.5).abs() < 1e-12,
            "2 pixels of 0.25 mm2"
        );
        assert_eq!(
            slices[1].bounding_box,
            Some(PixelBox {
                min: [1, 1],
                max: [3, 2]
            })
        );
        assert_eq!(
            slices[1].bounding_box.map(|b| (b.width(), b.height())),
            Some((3, 2))
        );
        assert_eq!(
            slices[2].bounding_box.map(|b| (b.min, b.max)),
            Some(([2, 0], [2, 0]))
        );
        assert_eq!(mask.slice_range(2), Some((1, 2)));
        assert_eq!(mask.voxel_count(), 3);
    }

    #[test]
    fn slicing_across_another_axis_uses_that_axis_pixel_area() {
        let mask = mask_with([5, 4, 3], &[[1, 1, 1], [3, 1, 2]]);
        let slices = mask.slices(1);
        assert_eq!(slices.len(), 4);
        assert_eq!(slices[1].area_pixels, 2);
        assert!((slices[1].area_mm2 - 2.0 * 0.5 * 5.0).abs() < 1e-12);
        assert_eq!(
            slices[1].bounding_box,
            Some(PixelBox {
                min: [1, 1],
                max: [3, 2]
            })
        );
        assert_eq!(mask.slice_range(0), Some((1, 3)));
    }

    #[test]
    fn an_empty_mask_has_no_slice_range() {
        let mask = mask_with([2, 2, 2], &[]);
        assert_eq!(mask.slice_range(2), None);
        assert!(mask.slices(2).iter().all(|s| s.bounding_box.is_none()));
    }

    #[test]
    fn masks_of_the_wrong_length_or_with_other_values_are_refused() {
        let g = grid([2, 2, 2]);
        assert!(LesionMask::new(g.clone(), vec![0; 7]).is_none());
        assert!(LesionMask::new(g.clone(), vec![2; 8]).is_none());
        assert!(LesionMask::new(g, vec![1; 8]).is_some());
    }

    #[test]
    fn slice_pixels_cut_the_mask_like_the_scan() {
        let mask = mask_with([3, 2, 2], &[[2, 1, 1]]);
        let slice = mask.slice_pixels(2, 1).expect("in range");
        assert_eq!((slice.width, slice.height), (3, 2));
        assert_eq!(slice.pixels, [0, 0, 0, 0, 0, 1]);
    }
}
