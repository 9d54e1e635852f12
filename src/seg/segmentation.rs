//! A label volume as read from a file: a plain 3-D labelmap, a 3-D Slicer
//! `.seg.nrrd`, or a 4-D layered Slicer file (one layer per entry of the first,
//! `list`, axis).
//!
//! Invariants, checked by [`Segmentation::new`]: every layer has the grid's voxel
//! count, there is at least one layer, and every segment's layer exists.
//! The grid is the grid of the *stored* array: for a cropped Slicer file it starts
//! where the crop starts (its origin says where), which is why alignment to a scan
//! goes through geometry (see `align`).

use std::path::{Path, PathBuf};

use super::error::SegError;
use super::geometry::Geometry;
use super::labels::LabelVoxels;
use super::segment::Segment;
use super::selection::{LabelQuery, LesionSelector};

/// A segmentation and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    path: PathBuf,
    geometry: Geometry,
    layers: Vec<LabelVoxels>,
    segments: Vec<Segment>,
    reference_extent_offset: Option<[i64; 3]>,
}

impl Segmentation {
    /// Assembles a segmentation, checking the invariants in the module docs. `path`
    /// is only used to name the file in errors.
    pub fn new(
        path: &Path,
        geometry: Geometry,
        layers: Vec<LabelVoxels>,
        segments: Vec<Segment>,
        reference_extent_offset: Option<[i64; 3]>,
    ) -> Result<Self, SegError> {
        let expected = geometry.voxel_count();
        if layers.is_empty() {
            return Err(SegError::Layout {
                path: path.to_path_buf(),
                found: "no layers".to_string(),
                expected: "at least one label layer",
            });
        }
        if let Some(layer) = layers.iter().find(|layer| layer.len() != expected) {
            return Err(SegError::Layout {
                path: path.to_path_buf(),
                found: format!("a layer of {} voxels", layer.len()),
                expected: "one label per voxel of the grid",
            });
        }
        if let Some(segment) = segments.iter().find(|s| s.layer >= layers.len()) {
            return Err(SegError::LayerOutOfRange {
                path: path.to_path_buf(),
                segment: segment.name.clone(),
                layer: segment.layer,
                layers: layers.len(),
            });
        }
        Ok(Segmentation {
            path: path.to_path_buf(),
            geometry,
            layers,
            segments,
            reference_extent_offset,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The grid of the stored array (cropped files included).
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    pub fn layers(&self) -> &[LabelVoxels] {
        &self.layers
    }

    /// Slicer segments in file order; empty for a plain labelmap.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// `Segmentation_ReferenceImageExtentOffset`: where Slicer says the stored array
    /// starts in its reference image. Informational: alignment uses the origin.
    pub fn reference_extent_offset(&self) -> Option<[i64; 3]> {
        self.reference_extent_offset
    }

    /// The 0/1 mask of the selected voxels on this file's own grid.
    pub fn select(&self, selector: &LesionSelector) -> Result<Vec<u8>, SegError> {
        let query = selector
            .resolve(&self.segments, self.layers.len())
            .map_err(|source| SegError::Selection {
                path: self.path.clone(),
                source,
            })?;
        let mut mask = vec![0u8; self.geometry.voxel_count()];
        match query {
            LabelQuery::AnyNonzero => {
                for layer in &self.layers {
                    layer.mark(None, &mut mask);
                }
            }
            LabelQuery::Values(pairs) => {
                for (index, layer) in self.layers.iter().enumerate() {
                    let wanted: Vec<i64> = pairs
                        .iter()
                        .filter(|(l, _)| *l == index)
                        .map(|(_, value)| *value)
                        .collect();
                    if !wanted.is_empty() {
                        layer.mark(Some(&wanted), &mut mask);
                    }
                }
            }
        }
        Ok(mask)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SelectionError, Space};
    use super::*;

    fn grid() -> Geometry {
        Geometry::new(
            [2, 2, 1],
            [0.0; 3],
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            Space::Lps,
        )
        .expect("grid")
    }

    fn segment(name: &str, layer: usize, label_value: i64) -> Segment {
        Segment {
            index: 0,
            id: name.to_string(),
            name: name.to_string(),
            label_value,
            layer,
            extent: None,
            color: None,
            name_auto_generated: None,
            color_auto_generated: None,
            tags: Vec::new(),
        }
    }

    fn layered() -> Segmentation {
        Segmentation::new(
            Path::new("p/seg.nrrd"),
            grid(),
            vec![
                LabelVoxels::from_u8(vec![1, 1, 0, 2]),
                LabelVoxels::from_u8(vec![0, 1, 1, 1]),
            ],
            vec![
                segment("tumor", 0, 1),
                segment("ring", 0, 2),
                segment("edema", 1, 1),
            ],
            Some([0, 0, 0]),
        )
        .expect("valid")
    }

    #[test]
    fn overlapping_segments_on_different_layers_are_selected_independently() {
        let seg = layered();
        let cases: &[(LesionSelector, [u8; 4])] = &[
            (
                LesionSelector::SegmentNames(vec!["tumor".into()]),
                [1, 1, 0, 0],
            ),
            (
                LesionSelector::SegmentNames(vec!["edema".into()]),
                [0, 1, 1, 1],
            ),
            (
                LesionSelector::SegmentNames(vec!["ring".into()]),
                [0, 0, 0, 1],
            ),
            (LesionSelector::LabelValues(vec![1]), [1, 1, 1, 1]),
            (LesionSelector::LabelValues(vec![2]), [0, 0, 0, 1]),
            (LesionSelector::AllSegments, [1, 1, 1, 1]),
            (LesionSelector::AnyNonzero, [1, 1, 1, 1]),
        ];
        for (selector, expected) in cases {
            assert_eq!(
                seg.select(selector).expect("selects"),
                expected,
                "{selector:?}"
            );
        }
    }

    #[test]
    fn a_selection_error_names_the_file() {
        let error = layered()
            .select(&LesionSelector::SegmentNames(vec!["necrosis".into()]))
            .expect_err("unknown name");
        assert!(matches!(
            &error,
            SegError::Selection {
                source: SelectionError::UnknownName { .. },
                ..
            }
        ));
        let message = error.to_string();
        assert!(
            message.starts_with("`p/seg.nrrd`: no segment is named `necrosis`"),
            "{message}"
        );
        assert!(message.contains("`tumor`, `ring`, `edema`"), "{message}");
    }

    #[test]
    fn inconsistent_parts_are_refused() {
        let wrong_length = Segmentation::new(
            Path::new("s.nrrd"),
            grid(),
            vec![LabelVoxels::from_u8(vec![0; 3])],
            vec![],
            None,
        );
        assert!(matches!(wrong_length, Err(SegError::Layout { .. })));
        let missing_layer = Segmentation::new(
            Path::new("s.nrrd"),
            grid(),
            vec![LabelVoxels::from_u8(vec![0; 4])],
            vec![segment("edema", 1, 1)],
            None,
        );
        let message = missing_layer.expect_err("layer 1 is missing").to_string();
        assert!(
            message.contains("segment `edema` is on layer 1"),
            "{message}"
        );
    }
}
