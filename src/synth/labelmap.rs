//! The Slicer segmentation of a patient as a BraTS-style labelmap: one layer of label
//! values on the same grid (cropped or full), for the NIfTI cohort.
//!
//! Tumor voxels get [`TUMOR_LABEL`]; edema voxels that are not tumor (layered layouts
//! only) get [`EDEMA_LABEL`]. So `lesion: {label_values: [1]}` on the labelmap selects
//! exactly what `lesion: {segment_names: [tumor]}` selects on the Slicer file.

use crate::seg::Segmentation;

use super::slicer_seg::{EDEMA_SEGMENT, TUMOR_SEGMENT};

/// The label value of tumor voxels (BraTS' necrotic/non-enhancing core value).
pub const TUMOR_LABEL: u8 = 1;
/// The label value of edema voxels outside the tumor (BraTS' edema value).
pub const EDEMA_LABEL: u8 = 2;

/// One label per voxel of the segmentation's grid.
pub(crate) fn labelmap(segmentation: &Segmentation) -> Vec<u8> {
    let mut labels = vec![0u8; segmentation.geometry().voxel_count()];
    let mut paint = |name: &str, value: u8, over: bool| {
        for segment in segmentation.segments().iter().filter(|s| s.name == name) {
            let layer = &segmentation.layers()[segment.layer];
            for (index, label) in labels.iter_mut().enumerate() {
                if layer.get(index) == Some(segment.label_value) && (over || *label == 0) {
                    *label = value;
                }
            }
        }
    };
    paint(TUMOR_SEGMENT, TUMOR_LABEL, true);
    paint(EDEMA_SEGMENT, EDEMA_LABEL, false);
    labels
}
