//! The lesion cropped to its bounding box: what every feature class reads.
//!
//! Mirrors PyRadiomics' `checkMask` + `cropToTumorMask`: the bounding box of the label decides
//! both the refusals (a single voxel; fewer than 2 dimensions with extent > 1) and the grid the
//! texture matrices walk. Arrays are `[z][y][x]` in C order, as numpy holds a SimpleITK image.

use super::binning::{Binned, bin};
use super::error::RadiomicsError;
use super::intensity::Intensity;

/// PyRadiomics' default `minimumROIDimensions`.
const MIN_DIMENSIONS: usize = 2;

pub struct Roi {
    /// Size of the crop, `[z, y, x]`.
    pub dims: [usize; 3],
    /// Spacing `[z, y, x]` in mm.
    pub spacing: [f64; 3],
    /// Lesion membership of each crop voxel.
    pub mask: Vec<bool>,
    /// Bin (1-based) of each crop voxel; 0 outside the lesion.
    pub bins: Vec<u32>,
    /// Highest bin present (PyRadiomics' `Ng`).
    pub max_bin: u32,
    /// The lesion's intensities in crop order.
    pub values: Vec<f64>,
}

impl Roi {
    /// Crops `image`/`mask` (both `[z][y][x]`, `dims` long) to the voxels equal to `label`.
    pub fn new<T: Intensity>(
        image: &[T],
        mask: &[u8],
        dims: [usize; 3],
        spacing: [f64; 3],
        label: u8,
        bin_width: f64,
    ) -> Result<Self, RadiomicsError> {
        let total = dims.iter().product::<usize>();
        for (what, found) in [("image", image.len()), ("mask", mask.len())] {
            if found != total {
                return Err(RadiomicsError::SizeMismatch {
                    what,
                    shape: dims.to_vec(),
                    expected: total,
                    found,
                });
            }
        }
        if spacing.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(RadiomicsError::BadSpacing {
                found: spacing.to_vec(),
            });
        }
        let (lo, hi) =
            bounding_box(mask, dims, label).ok_or(RadiomicsError::EmptyMask { label })?;
        let size = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
        let extended = size.iter().filter(|&&s| s > 1).count();
        if extended == 0 {
            return Err(RadiomicsError::SingleVoxel);
        }
        if extended < MIN_DIMENSIONS {
            return Err(RadiomicsError::TooFewDimensions {
                found: extended,
                required: MIN_DIMENSIONS,
            });
        }
        let crop_len = size.iter().product::<usize>();
        let mut crop_mask = Vec::with_capacity(crop_len);
        let mut lesion = Vec::new();
        let mut positions = Vec::new();
        for z in lo[0]..=hi[0] {
            for y in lo[1]..=hi[1] {
                let row = (z * dims[1] + y) * dims[2];
                for x in lo[2]..=hi[2] {
                    let inside = mask[row + x] == label;
                    if inside {
                        let v = image[row + x];
                        positions.push(crop_mask.len());
                        lesion.push(v);
                    }
                    crop_mask.push(inside);
                }
            }
        }
        let values: Vec<f64> = lesion.iter().map(|v| v.to_f64()).collect();
        if let Some(&bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(RadiomicsError::NonFiniteIntensity { value: bad });
        }
        let Binned {
            bins: lesion_bins,
            max_bin,
        } = bin(&lesion, &values, bin_width);
        let mut bins = vec![0u32; crop_len];
        for (&p, &b) in positions.iter().zip(&lesion_bins) {
            bins[p] = b;
        }
        Ok(Self {
            dims: size,
            spacing,
            mask: crop_mask,
            bins,
            max_bin,
            values,
        })
    }

    /// The bins present in the lesion, ascending (PyRadiomics' `grayLevels`).
    pub fn gray_levels(&self) -> Vec<u32> {
        let mut seen = vec![false; self.max_bin as usize + 1];
        for (&b, &m) in self.bins.iter().zip(&self.mask) {
            if m {
                seen[b as usize] = true;
            }
        }
        (1..=self.max_bin).filter(|&b| seen[b as usize]).collect()
    }

    /// Index of each bin in [`Roi::gray_levels`] (`u32::MAX` for absent bins).
    pub fn level_index(&self, levels: &[u32]) -> Vec<u32> {
        let mut index = vec![u32::MAX; self.max_bin as usize + 1];
        for (i, &b) in levels.iter().enumerate() {
            index[b as usize] = i as u32;
        }
        index
    }
}

/// Inclusive `[z, y, x]` bounds of the voxels equal to `label`.
fn bounding_box(mask: &[u8], dims: [usize; 3], label: u8) -> Option<([usize; 3], [usize; 3])> {
    let mut lo = [usize::MAX; 3];
    let mut hi = [0usize; 3];
    let mut any = false;
    for z in 0..dims[0] {
        for y in 0..dims[1] {
            let row = &mask[(z * dims[1] + y) * dims[2]..(z * dims[1] + y + 1) * dims[2]];
            let first = row.iter().position(|&m| m == label);
            if let Some(x0) = first {
                let x1 = row.iter().rposition(|&m| m == label).unwrap_or(x0);
                any = true;
                for (d, v) in [(0, z), (1, y)] {
                    lo[d] = lo[d].min(v);
                    hi[d] = hi[d].max(v);
                }
                lo[2] = lo[2].min(x0);
                hi[2] = hi[2].max(x1);
            }
        }
    }
    any.then_some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roi(mask: &[u8], dims: [usize; 3]) -> Result<Roi, RadiomicsError> {
        let image: Vec<i16> = (0..mask.len() as i16).collect();
        Roi::new(&image, mask, dims, [1.0; 3], 1, 25.0)
    }

    #[test]
    fn refusals_follow_pyradiomics_check_mask() {
        let cases: &[(&[u8], [usize; 3], Option<RadiomicsError>)] = &[
            (
                &[0, 0, 0, 0],
                [1, 2, 2],
                Some(RadiomicsError::EmptyMask { label: 1 }),
            ),
            (&[0, 1, 0, 0], [1, 2, 2], Some(RadiomicsError::SingleVoxel)),
            (
                &[1, 1, 0, 0],
                [1, 2, 2],
                Some(RadiomicsError::TooFewDimensions {
                    found: 1,
                    required: 2,
                }),
            ),
            (&[1, 0, 0, 1], [1, 2, 2], None),
        ];
        for (mask, dims, expected) in cases {
            assert_eq!(roi(mask, *dims).err(), expected.clone(), "{mask:?}");
        }
    }

    #[test]
    fn the_crop_is_the_bounding_box_of_the_label() {
        #[rustfmt::skip]
        let mask = [
            0, 0, 0, 0,
            0, 1, 2, 0,
            0, 0, 1, 0,
        ];
        let r = roi(&mask, [1, 3, 4]).unwrap();
        assert_eq!(r.dims, [1, 2, 2]);
        assert_eq!(r.mask, vec![true, false, false, true]);
        assert_eq!(r.values, vec![5.0, 10.0]);
    }
}
