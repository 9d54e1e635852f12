//! Reading segmentations and scan geometry from NRRD files.
//!
//! Accepts a plain 3-D labelmap of any integer type (or floats holding whole
//! numbers), a 3-D Slicer `.seg.nrrd`, and Slicer's 4-D layered form whose first
//! axis (`kinds: list`) enumerates layers. A file saved on a cropped grid needs no
//! special case here: its origin already says where the crop starts.

use std::path::Path;

use crate::nrrd::{self, Header, Nrrd, Samples};

use super::error::SegError;
use super::geometry::Geometry;
use super::header_geometry::{axis_layout, spatial_geometry};
use super::labels::LabelVoxels;
use super::segment::{MissingLayerRule, parse_segments};
use super::segmentation::Segmentation;

const REFERENCE_OFFSET_KEY: &str = "Segmentation_ReferenceImageExtentOffset";

impl Segmentation {
    /// Reads a labelmap or Slicer segmentation file.
    pub fn read(path: &Path) -> Result<Segmentation, SegError> {
        let volume = nrrd::read(path).map_err(|source| SegError::Read { source })?;
        Segmentation::from_nrrd(path, volume)
    }

    /// Builds a segmentation from a volume already read from `path`.
    pub fn from_nrrd(path: &Path, volume: Nrrd) -> Result<Segmentation, SegError> {
        let Nrrd { header, samples } = volume;
        let layout = axis_layout(&header).map_err(|found| SegError::Layout {
            path: path.to_path_buf(),
            found,
            expected: "a 3-D labelmap or a 4-D layered segmentation (first axis of kind `list`)",
        })?;
        let geometry =
            spatial_geometry(&header, layout.spatial).map_err(|source| SegError::Geometry {
                path: path.to_path_buf(),
                source,
            })?;
        let layer_count = layout.layer_axis.map_or(1, |axis| header.sizes[axis]);
        let layers = split_layers(path, samples, layer_count)?;
        let rule = if header.key_value("Segment0_Layer").is_none()
            && header.key_value("Segment0_LabelValue").is_none()
        {
            MissingLayerRule::OnePerSegment
        } else {
            MissingLayerRule::Required
        };
        let segments =
            parse_segments(&header.key_values, rule).map_err(|e| SegError::SegmentField {
                path: path.to_path_buf(),
                key: e.key,
                value: e.value,
                expected: e.expected,
            })?;
        let offset = reference_offset(path, &header)?;
        Segmentation::new(path, geometry, layers, segments, offset)
    }
}

impl Segmentation {
    /// A plain labelmap read by another format's reader (NIfTI, MetaImage): one layer of
    /// integer labels (or floats holding whole numbers) on `geometry`, no named segments.
    pub fn from_labelmap(
        path: &Path,
        geometry: Geometry,
        samples: Samples,
    ) -> Result<Segmentation, SegError> {
        let layers = split_layers(path, samples, 1)?;
        Segmentation::new(path, geometry, layers, Vec::new(), None)
    }
}

impl Geometry {
    /// Reads a scan's geometry from its header alone (the samples are not decoded).
    pub fn read(path: &Path) -> Result<Geometry, SegError> {
        let header = nrrd::read_header(path).map_err(|source| SegError::Read { source })?;
        Geometry::from_header(path, &header)
    }

    /// A scan's geometry from a header already read from `path`.
    pub fn from_header(path: &Path, header: &Header) -> Result<Geometry, SegError> {
        if header.dimension != 3 {
            return Err(SegError::Layout {
                path: path.to_path_buf(),
                found: format!("{} axes", header.dimension),
                expected: "a 3-D scan",
            });
        }
        spatial_geometry(header, [0, 1, 2]).map_err(|source| SegError::Geometry {
            path: path.to_path_buf(),
            source,
        })
    }
}

fn reference_offset(path: &Path, header: &Header) -> Result<Option<[i64; 3]>, SegError> {
    let Some(text) = header.key_value(REFERENCE_OFFSET_KEY) else {
        return Ok(None);
    };
    let numbers: Option<Vec<i64>> = text.split_whitespace().map(|w| w.parse().ok()).collect();
    numbers
        .and_then(|numbers| <[i64; 3]>::try_from(numbers).ok())
        .map(Some)
        .ok_or_else(|| SegError::SegmentField {
            path: path.to_path_buf(),
            key: REFERENCE_OFFSET_KEY.to_string(),
            value: text.to_string(),
            expected: "three integers",
        })
}

/// Converts samples (layer index fastest when `layers > 1`) into one
/// [`LabelVoxels`] per layer.
fn split_layers(
    path: &Path,
    samples: Samples,
    layers: usize,
) -> Result<Vec<LabelVoxels>, SegError> {
    if layers == 0 {
        return Err(SegError::Layout {
            path: path.to_path_buf(),
            found: "a layer axis of size 0".to_string(),
            expected: "at least one layer",
        });
    }
    let not_integer = |index: usize, value: f64| SegError::NonIntegerLabel {
        path: path.to_path_buf(),
        index,
        value,
    };
    let layers = match samples {
        Samples::U8(values) if layers == 1 => vec![LabelVoxels::from_u8(values)],
        Samples::U8(values) => deinterleave(&values, layers)
            .into_iter()
            .map(LabelVoxels::from_u8)
            .collect(),
        Samples::I8(values) => integer_layers(&values, layers),
        Samples::I16(values) => integer_layers(&values, layers),
        Samples::U16(values) => integer_layers(&values, layers),
        Samples::I32(values) => integer_layers(&values, layers),
        Samples::U32(values) => integer_layers(&values, layers),
        Samples::I64(values) => integer_layers(&values, layers),
        Samples::U64(values) => {
            let wide: Vec<i64> = values
                .iter()
                .enumerate()
                .map(|(index, v)| i64::try_from(*v).map_err(|_| not_integer(index, *v as f64)))
                .collect::<Result<_, _>>()?;
            integer_layers(&wide, layers)
        }
        Samples::F32(values) => {
            let wide = whole_numbers(values.iter().map(|v| f64::from(*v)), not_integer)?;
            integer_layers(&wide, layers)
        }
        Samples::F64(values) => {
            let wide = whole_numbers(values.iter().copied(), not_integer)?;
            integer_layers(&wide, layers)
        }
        Samples::Block { size, .. } => {
            return Err(SegError::LabelType {
                path: path.to_path_buf(),
                found: format!("block of {size} bytes"),
            });
        }
    };
    Ok(layers)
}

fn integer_layers<T: Copy + Into<i64>>(values: &[T], layers: usize) -> Vec<LabelVoxels> {
    if layers == 1 {
        return vec![LabelVoxels::from_integers(values)];
    }
    deinterleave(values, layers)
        .iter()
        .map(|layer| LabelVoxels::from_integers(layer))
        .collect()
}

/// Floats are accepted as labels only when every value is a whole number that an
/// `i64` holds exactly.
fn whole_numbers(
    values: impl Iterator<Item = f64>,
    not_integer: impl Fn(usize, f64) -> SegError,
) -> Result<Vec<i64>, SegError> {
    const LIMIT: f64 = 9.0e15; // below 2^53, where every integer is a float
    values
        .enumerate()
        .map(|(index, v)| {
            if v.fract() == 0.0 && v.abs() < LIMIT {
                Ok(v as i64)
            } else {
                Err(not_integer(index, v))
            }
        })
        .collect()
}

/// Splits samples whose fastest axis is the layer axis into one vector per layer.
/// The caller's header guarantees `values.len()` is a multiple of `layers`.
fn deinterleave<T: Copy>(values: &[T], layers: usize) -> Vec<Vec<T>> {
    let voxels = values.len() / layers;
    let mut out: Vec<Vec<T>> = (0..layers).map(|_| Vec::with_capacity(voxels)).collect();
    for chunk in values.chunks_exact(layers) {
        for (layer, value) in out.iter_mut().zip(chunk) {
            layer.push(*value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_are_split_from_the_fastest_axis() {
        assert_eq!(
            deinterleave(&[1, 10, 2, 20, 3, 30], 2),
            vec![vec![1, 2, 3], vec![10, 20, 30]]
        );
    }

    #[test]
    fn label_samples_of_every_integer_type_become_layers() {
        let p = Path::new("l.nrrd");
        let cases: Vec<(Samples, usize, Vec<LabelVoxels>)> = vec![
            (
                Samples::U8(vec![0, 1, 2, 0]),
                1,
                vec![LabelVoxels::from_u8(vec![0, 1, 2, 0])],
            ),
            (
                Samples::U8(vec![0, 1, 2, 0]),
                2,
                vec![
                    LabelVoxels::from_u8(vec![0, 2]),
                    LabelVoxels::from_u8(vec![1, 0]),
                ],
            ),
            (
                Samples::I32(vec![0, 1, 1, 0]),
                1,
                vec![LabelVoxels::from_u8(vec![0, 1, 1, 0])],
            ),
            (
                Samples::I16(vec![0, -3]),
                1,
                vec![LabelVoxels::Wide(vec![0, -3])],
            ),
            (
                Samples::U64(vec![7, 0]),
                1,
                vec![LabelVoxels::from_u8(vec![7, 0])],
            ),
            (
                Samples::F32(vec![0.0, 2.0]),
                1,
                vec![LabelVoxels::from_u8(vec![0, 2])],
            ),
        ];
        for (samples, layers, expected) in cases {
            let name = format!("{samples:?}");
            assert_eq!(
                split_layers(p, samples, layers).expect(&name),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn samples_that_are_not_whole_labels_are_refused() {
        let p = Path::new("l.nrrd");
        let cases: Vec<(Samples, &str)> = vec![
            (
                Samples::F64(vec![0.0, 0.5]),
                "sample 1 is 0.5, which is not an integer label",
            ),
            (Samples::F32(vec![f32::NAN]), "sample 0 is NaN"),
            (Samples::U64(vec![u64::MAX]), "sample 0 is"),
            (
                Samples::Block {
                    size: 4,
                    bytes: vec![0; 8],
                },
                "stores `block of 4 bytes` samples",
            ),
        ];
        for (samples, expected) in cases {
            let message = split_layers(p, samples, 1).expect_err(expected).to_string();
            assert!(message.contains(expected), "{message}");
        }
    }
}
