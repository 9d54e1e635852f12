//! Writing a segmentation the way 3D Slicer saves one (`.seg.nrrd`).
//!
//! The header carries Slicer's `Segment{N}_*` and `Segmentation_*` key/values in
//! Slicer's order. Layouts (see [`SegLayout`]):
//! - full grid, 3-D: `Extent` is the tumor box grown by a few voxels, as Slicer's
//!   labelmap extent grows under a paint brush and does not shrink back;
//! - cropped, 3-D: the buffer is the tumor's box (CropToMinimumExtent), the origin
//!   moves to its first voxel and `Segmentation_ReferenceImageExtentOffset` says
//!   where it starts in the scan;
//! - layered, 4-D: `kinds: list domain domain domain`, tumor on layer 0 and an
//!   overlapping edema on layer 1, both with label value 1 (as Slicer reuses values
//!   across layers); optionally cropped to the box of both.
//!
//! Extents are written in the index space of the stored buffer, as Slicer does.

use crate::nrrd::{Nrrd, Samples};

use super::error::SynthError;
use super::rng::Rng;
use super::scan_grid::ScanGrid;
use super::summary::SegLayout;

const TUMOR_TAGS: &str = "Segmentation.Status:completed|TerminologyEntry:Segmentation category \
and type - 3D Slicer General Anatomy list~SCT^49755003^Morphologically Altered \
Structure~SCT^108369006^Neoplasm~^^~Anatomic codes - DICOM master list~SCT^12738006^Brain~^^|";
const EDEMA_TAGS: &str = "Segmentation.Status:completed|TerminologyEntry:Segmentation category \
and type - 3D Slicer General Anatomy list~SCT^49755003^Morphologically Altered \
Structure~SCT^79654002^Edema~^^~Anatomic codes - DICOM master list~SCT^12738006^Brain~^^|";

/// The name pipelines select the lesion by.
pub const TUMOR_SEGMENT: &str = "tumor";
/// The overlapping peritumoral segment of layered files.
pub const EDEMA_SEGMENT: &str = "edema";

/// An inclusive voxel box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VoxelBox {
    pub min: [usize; 3],
    pub max: [usize; 3],
}

impl VoxelBox {
    /// Grows `found` to hold `voxel`.
    pub fn include(found: &mut Option<VoxelBox>, voxel: [usize; 3]) {
        *found = Some(match *found {
            None => VoxelBox {
                min: voxel,
                max: voxel,
            },
            Some(b) => VoxelBox {
                min: [0, 1, 2].map(|a| b.min[a].min(voxel[a])),
                max: [0, 1, 2].map(|a| b.max[a].max(voxel[a])),
            },
        });
    }

    /// The box of the nonzero voxels of a mask on a grid of `sizes`.
    #[cfg(test)]
    pub fn of_mask(mask: &[u8], sizes: [usize; 3]) -> Option<VoxelBox> {
        let mut found: Option<VoxelBox> = None;
        let [nx, ny, _] = sizes;
        for (row_index, row) in mask.chunks_exact(nx).enumerate() {
            let Some(first) = row.iter().position(|v| *v != 0) else {
                continue;
            };
            let last = row.iter().rposition(|v| *v != 0).unwrap_or(first);
            let (j, k) = (row_index % ny, row_index / ny);
            let (low, high) = ([first, j, k], [last, j, k]);
            found = Some(match found {
                None => VoxelBox {
                    min: low,
                    max: high,
                },
                Some(b) => VoxelBox {
                    min: [0, 1, 2].map(|a| b.min[a].min(low[a])),
                    max: [0, 1, 2].map(|a| b.max[a].max(high[a])),
                },
            });
        }
        found
    }

    fn union(self, other: VoxelBox) -> VoxelBox {
        VoxelBox {
            min: [0, 1, 2].map(|a| self.min[a].min(other.min[a])),
            max: [0, 1, 2].map(|a| self.max[a].max(other.max[a])),
        }
    }

    fn sizes(&self) -> [usize; 3] {
        [0, 1, 2].map(|a| self.max[a] - self.min[a] + 1)
    }

    /// Slicer's `i0 i1 j0 j1 k0 k1`, relative to a buffer starting at `start`.
    fn extent_text(&self, start: [usize; 3]) -> String {
        let parts: Vec<String> = (0..3)
            .flat_map(|a| [self.min[a] - start[a], self.max[a] - start[a]])
            .map(|v| v.to_string())
            .collect();
        parts.join(" ")
    }
}

/// Slicer's extent of a segment that has no voxels.
const EMPTY_EXTENT: &str = "0 -1 0 -1 0 -1";

/// A mask on the scan's grid and the box of its nonzero voxels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mask<'a> {
    pub voxels: &'a [u8],
    pub bounds: Option<VoxelBox>,
}

/// The `.seg.nrrd` volume for a tumor mask (and, for layered layouts, an edema mask
/// that contains it), both on the scan's grid.
pub(crate) fn slicer_segmentation(
    rng: &mut Rng,
    grid: &ScanGrid,
    layout: SegLayout,
    tumor_mask: Mask<'_>,
    edema_mask: Mask<'_>,
) -> Result<Nrrd, SynthError> {
    let sizes = grid.sizes;
    let whole = VoxelBox {
        min: [0; 3],
        max: sizes.map(|n| n - 1),
    };
    let (tumor, tumor_box) = (tumor_mask.voxels, tumor_mask.bounds);
    let edema = edema_mask.voxels;
    let layered = matches!(layout, SegLayout::Layered | SegLayout::LayeredCropped);
    let edema_box = if layered { edema_mask.bounds } else { None };
    let union = match (tumor_box, edema_box) {
        (Some(t), Some(e)) => Some(t.union(e)),
        (one, other) => one.or(other),
    };
    let buffer = match layout {
        SegLayout::Cropped | SegLayout::LayeredCropped => union.unwrap_or(VoxelBox {
            min: [0; 3],
            max: [0; 3],
        }),
        SegLayout::FullGrid | SegLayout::Layered => whole,
    };
    let tumor_extent = match (layout, tumor_box) {
        (_, None) => EMPTY_EXTENT.to_string(),
        // Grown by a brush margin, clipped to the grid.
        (SegLayout::FullGrid | SegLayout::Layered, Some(b)) => {
            let margin = [0, 1, 2].map(|_| rng.int(0, 4));
            VoxelBox {
                min: [0, 1, 2].map(|a| b.min[a].saturating_sub(margin[a])),
                max: [0, 1, 2].map(|a| (b.max[a] + margin[a]).min(sizes[a] - 1)),
            }
            .extent_text(buffer.min)
        }
        (SegLayout::Cropped, Some(_)) => buffer.extent_text(buffer.min),
        (SegLayout::LayeredCropped, Some(b)) => b.extent_text(buffer.min),
    };

    let layer_count = if layered { 2 } else { 1 };
    let buffer_sizes = buffer.sizes();
    let row_length = buffer_sizes[0] * layer_count;
    let mut samples = vec![0u8; row_length * buffer_sizes[1] * buffer_sizes[2]];
    let starts = (buffer.min[2]..=buffer.max[2]).flat_map(|k| {
        (buffer.min[1]..=buffer.max[1]).map(move |j| sizes[0] * (j + sizes[1] * k) + buffer.min[0])
    });
    for (out, start) in samples.chunks_exact_mut(row_length).zip(starts) {
        let span = start..start + buffer_sizes[0];
        if layered {
            // Slicer's layer axis is the fastest: tumor, edema, tumor, edema...
            let pairs = out
                .chunks_exact_mut(2)
                .zip(&tumor[span.clone()])
                .zip(&edema[span]);
            for ((pair, t), e) in pairs {
                pair[0] = *t;
                pair[1] = *e;
            }
        } else {
            out.copy_from_slice(&tumor[span]);
        }
    }
    let mut nrrd_sizes = Vec::with_capacity(4);
    if layered {
        nrrd_sizes.push(layer_count);
    }
    nrrd_sizes.extend(buffer_sizes);
    let mut volume = Nrrd::from_samples(nrrd_sizes, Samples::U8(samples))?;
    let header = &mut volume.header;
    header.comments = vec![
        "Complete NRRD file format specification at:".to_string(),
        "http://teem.sourceforge.net/nrrd/format.html".to_string(),
    ];
    grid.describe(
        header,
        grid.shifted_origin(buffer.min),
        usize::from(layered),
    );

    let mut segments = vec![(
        "Segment_1",
        TUMOR_SEGMENT,
        "0.85 0.2 0.2",
        0,
        tumor_extent,
        TUMOR_TAGS,
    )];
    if layered {
        let edema_extent =
            edema_box.map_or(EMPTY_EXTENT.to_string(), |b| b.extent_text(buffer.min));
        segments.push((
            "Segment_2",
            EDEMA_SEGMENT,
            "0.2 0.6 0.9",
            1,
            edema_extent,
            EDEMA_TAGS,
        ));
    }
    for (n, (id, name, color, layer, extent, tags)) in segments.into_iter().enumerate() {
        let key = |field: &str| format!("Segment{n}_{field}");
        header.set_key_value(key("Color"), color);
        header.set_key_value(key("ColorAutoGenerated"), "0");
        header.set_key_value(key("Extent"), extent);
        header.set_key_value(key("ID"), id);
        header.set_key_value(key("LabelValue"), "1");
        header.set_key_value(key("Layer"), layer.to_string());
        header.set_key_value(key("Name"), name);
        header.set_key_value(key("NameAutoGenerated"), "0");
        header.set_key_value(key("Tags"), tags);
    }
    header.set_key_value(
        "Segmentation_ContainedRepresentationNames",
        "Binary labelmap|",
    );
    header.set_key_value("Segmentation_MasterRepresentation", "Binary labelmap");
    header.set_key_value(
        "Segmentation_ReferenceImageExtentOffset",
        format!("{} {} {}", buffer.min[0], buffer.min[1], buffer.min[2]),
    );
    Ok(volume)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> ScanGrid {
        ScanGrid {
            sizes: [6, 5, 4],
            spacing: 1.0,
            thickness: 3.0,
            origin: [10.0, 20.0, 30.0],
            directions: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]],
        }
    }

    fn mask(voxels: &[u8]) -> Mask<'_> {
        Mask {
            voxels,
            bounds: VoxelBox::of_mask(voxels, grid().sizes),
        }
    }

    /// A tumor at voxels (2..=3, 1..=2, 1) and an edema that adds (4, 2, 2).
    fn masks() -> (Vec<u8>, Vec<u8>) {
        let g = grid();
        let index = |i: usize, j: usize, k: usize| i + g.sizes[0] * (j + g.sizes[1] * k);
        let mut tumor = vec![0u8; 120];
        for (i, j) in [(2, 1), (3, 1), (2, 2), (3, 2)] {
            tumor[index(i, j, 1)] = 1;
        }
        let mut edema = tumor.clone();
        edema[index(4, 2, 2)] = 1;
        (tumor, edema)
    }

    #[test]
    fn voxel_boxes_cover_exactly_the_nonzero_voxels() {
        let (tumor, edema) = masks();
        assert_eq!(
            VoxelBox::of_mask(&tumor, grid().sizes),
            Some(VoxelBox {
                min: [2, 1, 1],
                max: [3, 2, 1]
            })
        );
        assert_eq!(
            VoxelBox::of_mask(&edema, grid().sizes).map(|b| (b.min, b.max)),
            Some(([2, 1, 1], [4, 2, 2]))
        );
        assert_eq!(VoxelBox::of_mask(&[0; 120], grid().sizes), None);
    }

    #[test]
    fn a_cropped_file_starts_at_the_tumor_box_and_says_so() {
        let (tumor, edema) = masks();
        let volume = slicer_segmentation(
            &mut Rng::new(1),
            &grid(),
            SegLayout::Cropped,
            mask(&tumor),
            mask(&edema),
        )
        .expect("builds");
        let h = &volume.header;
        assert_eq!(h.sizes, [2, 2, 1]);
        assert_eq!(h.space_origin, Some(vec![12.0, 21.0, 33.0]));
        assert_eq!(
            h.key_value("Segmentation_ReferenceImageExtentOffset"),
            Some("2 1 1")
        );
        assert_eq!(h.key_value("Segment0_Extent"), Some("0 1 0 1 0 0"));
        assert_eq!(h.key_value("Segment0_Name"), Some("tumor"));
        assert_eq!(h.key_value("Segment1_ID"), None);
        assert_eq!(volume.samples, Samples::U8(vec![1; 4]));
    }

    #[test]
    fn a_layered_cropped_file_interleaves_tumor_and_edema_layers() {
        let (tumor, edema) = masks();
        let volume = slicer_segmentation(
            &mut Rng::new(1),
            &grid(),
            SegLayout::LayeredCropped,
            mask(&tumor),
            mask(&edema),
        )
        .expect("builds");
        let h = &volume.header;
        assert_eq!(h.sizes, [2, 3, 2, 2]);
        assert_eq!(
            h.space_directions.as_ref().map(|d| d[0].is_none()),
            Some(true)
        );
        assert_eq!(h.key_value("Segment0_Extent"), Some("0 1 0 1 0 0"));
        assert_eq!(h.key_value("Segment1_Extent"), Some("0 2 0 1 0 1"));
        assert_eq!(h.key_value("Segment1_Layer"), Some("1"));
        assert_eq!(h.key_value("Segment1_LabelValue"), Some("1"));
        let Samples::U8(samples) = &volume.samples else {
            panic!("uint8 samples");
        };
        let layer = |l: usize| {
            samples
                .iter()
                .skip(l)
                .step_by(2)
                .map(|v| u32::from(*v))
                .sum::<u32>()
        };
        assert_eq!(
            (layer(0), layer(1)),
            (4, 5),
            "the edema layer contains the tumor"
        );
    }

    #[test]
    fn a_full_grid_extent_is_loose_but_holds_the_tumor() {
        let (tumor, edema) = masks();
        for seed in 0..20 {
            let volume = slicer_segmentation(
                &mut Rng::new(seed),
                &grid(),
                SegLayout::FullGrid,
                mask(&tumor),
                mask(&edema),
            )
            .expect("builds");
            assert_eq!(volume.header.sizes, [6, 5, 4]);
            let extent: Vec<usize> = volume
                .header
                .key_value("Segment0_Extent")
                .expect("extent")
                .split(' ')
                .map(|v| v.parse().expect("number"))
                .collect();
            assert!(
                extent[0] <= 2 && extent[1] >= 3 && extent[1] <= 5,
                "{extent:?}"
            );
            assert!(
                extent[4] <= 1 && extent[5] >= 1 && extent[5] <= 3,
                "{extent:?}"
            );
        }
    }
}
