//! Reading a [`Geometry`] out of an NRRD header: the thin edge between the `nrrd`
//! module's typed header and this module's geometry.
//!
//! Geometry comes from `space directions` and `space origin` when present, converted
//! to LPS. A header with only the legacy `spacings` field gets axis-aligned steps of
//! those lengths, an origin at zero and an [`Space::Unspecified`] frame: such a file
//! can be aligned with another unspecified file, never with an LPS scan. A header
//! with neither is refused rather than guessed.

use crate::nrrd::{Header, Kind};

use super::geometry::Geometry;
use super::geometry_error::GeometryError;
use super::space::Space;

/// How a label file's axes are used: three spatial axes, and optionally one axis
/// that enumerates layers (Slicer's 4-D layered segmentations put it first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AxisLayout {
    pub spatial: [usize; 3],
    pub layer_axis: Option<usize>,
}

/// Finds the spatial and layer axes. A 3-D header is all spatial; a 4-D header must
/// have exactly one non-spatial axis (by `kinds`, else by a `none` direction), and it
/// must come first, as Slicer writes it.
pub(crate) fn axis_layout(header: &Header) -> Result<AxisLayout, String> {
    match header.dimension {
        3 => Ok(AxisLayout {
            spatial: [0, 1, 2],
            layer_axis: None,
        }),
        4 => {
            let non_spatial: Vec<usize> = (0..4)
                .filter(|axis| !is_spatial(header, *axis).unwrap_or(false))
                .collect();
            let decided = (0..4).all(|axis| is_spatial(header, axis).is_some());
            match (decided, non_spatial.as_slice()) {
                (true, [0]) => Ok(AxisLayout {
                    spatial: [1, 2, 3],
                    layer_axis: Some(0),
                }),
                (false, _) => Err(
                    "4 axes without `kinds` or `space directions` to tell which one holds \
                     the layers"
                        .to_string(),
                ),
                (true, axes) => Err(format!(
                    "4 axes with non-spatial axes {axes:?}; a layered segmentation has \
                     exactly one, first (`kinds: list domain domain domain`)"
                )),
            }
        }
        found => Err(format!("{found} axes")),
    }
}

/// Whether `axis` is spatial, by its kind or else by its direction; `None` when the
/// header says neither.
fn is_spatial(header: &Header, axis: usize) -> Option<bool> {
    if let Some(kind) = header.kinds.as_ref().and_then(|kinds| kinds.get(axis))
        && *kind != Kind::Unknown
    {
        return Some(kind.is_domain());
    }
    header
        .space_directions
        .as_ref()
        .and_then(|directions| directions.get(axis))
        .map(Option::is_some)
}

/// The geometry of the three `spatial` axes of `header`.
pub(crate) fn spatial_geometry(
    header: &Header,
    spatial: [usize; 3],
) -> Result<Geometry, GeometryError> {
    let (space, flips) = match (header.space, header.space_dimension) {
        (Some(space), _) => Space::from_nrrd(space)?,
        (None, Some(3) | None) => (Space::Unspecified, [1.0; 3]),
        (None, Some(found)) => return Err(GeometryError::SpaceDimension { found }),
    };
    let flip = |vector: &[f64]| -> Result<[f64; 3], GeometryError> {
        let vector = <[f64; 3]>::try_from(vector).map_err(|_| GeometryError::SpaceDimension {
            found: vector.len(),
        })?;
        Ok([
            vector[0] * flips[0],
            vector[1] * flips[1],
            vector[2] * flips[2],
        ])
    };
    let sizes = spatial.map(|axis| header.sizes.get(axis).copied().unwrap_or(0));
    let mut directions = [[0.0; 3]; 3];
    match (&header.space_directions, &header.spacings) {
        (Some(entries), _) => {
            for (slot, axis) in spatial.iter().enumerate() {
                let entry = entries
                    .get(*axis)
                    .and_then(Option::as_deref)
                    .ok_or_else(|| GeometryError::BadStep {
                        axis: slot,
                        detail: "its `space directions` entry is `none`".to_string(),
                    })?;
                directions[slot] = flip(entry)?;
            }
        }
        (None, Some(spacings)) => {
            for (slot, axis) in spatial.iter().enumerate() {
                let spacing = spacings.get(*axis).copied().unwrap_or(f64::NAN);
                if !spacing.is_finite() || spacing == 0.0 {
                    return Err(GeometryError::BadStep {
                        axis: slot,
                        detail: format!("its spacing is {spacing}"),
                    });
                }
                directions[slot][slot] = spacing;
            }
        }
        (None, None) => return Err(GeometryError::NoGeometry),
    }
    let origin = match &header.space_origin {
        Some(origin) => flip(origin)?,
        None => [0.0; 3],
    };
    Geometry::new(sizes, origin, directions, space)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nrrd::{ScalarType, Space as NrrdSpace};

    fn header(sizes: Vec<usize>) -> Header {
        Header::new(ScalarType::U8, sizes)
    }

    fn lps(sizes: Vec<usize>, directions: Vec<Option<Vec<f64>>>) -> Header {
        let mut h = header(sizes);
        h.space = Some(NrrdSpace::LeftPosteriorSuperior);
        h.space_dimension = Some(3);
        h.space_directions = Some(directions);
        h.space_origin = Some(vec![1.0, 2.0, 3.0]);
        h
    }

    #[test]
    fn ras_headers_are_converted_to_lps() {
        let mut h = lps(
            vec![4, 4, 4],
            vec![
                Some(vec![-1.0, 0.0, 0.0]),
                Some(vec![0.0, -1.0, 0.0]),
                Some(vec![0.0, 0.0, 2.0]),
            ],
        );
        h.space = Some(NrrdSpace::RightAnteriorSuperior);
        let g = spatial_geometry(&h, [0, 1, 2]).expect("valid");
        assert_eq!(g.space(), Space::Lps);
        assert_eq!(g.origin(), [-1.0, -2.0, 3.0]);
        assert_eq!(
            g.directions(),
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]
        );
    }

    #[test]
    fn legacy_spacings_give_an_axis_aligned_grid_in_an_unspecified_frame() {
        let mut h = header(vec![3, 3, 3]);
        h.spacings = Some(vec![0.5, 0.5, 4.0]);
        let g = spatial_geometry(&h, [0, 1, 2]).expect("valid");
        assert_eq!(g.space(), Space::Unspecified);
        assert_eq!(g.origin(), [0.0; 3]);
        assert_eq!(g.spacing(), [0.5, 0.5, 4.0]);
    }

    #[test]
    fn headers_without_usable_geometry_are_refused_with_the_reason() {
        let mut nan_spacing = header(vec![3, 3, 3]);
        nan_spacing.spacings = Some(vec![1.0, f64::NAN, 1.0]);
        let mut two_d_space = header(vec![3, 3, 3]);
        two_d_space.space_dimension = Some(2);
        two_d_space.spacings = Some(vec![1.0; 3]);
        let none_direction = lps(
            vec![3, 3, 3],
            vec![None, Some(vec![0.0, 1.0, 0.0]), Some(vec![0.0, 0.0, 1.0])],
        );
        let cases: Vec<(Header, &str)> = vec![
            (
                header(vec![3, 3, 3]),
                "neither `space directions` nor `spacings`",
            ),
            (nan_spacing, "axis 1 has no usable step: its spacing is NaN"),
            (two_d_space, "space dimension is 2"),
            (
                none_direction,
                "axis 0 has no usable step: its `space directions` entry is `none`",
            ),
        ];
        for (h, expected) in cases {
            let message = spatial_geometry(&h, [0, 1, 2])
                .expect_err(expected)
                .to_string();
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn the_layer_axis_of_a_4d_file_is_found_by_kind_or_by_direction() {
        let step = |a: usize| {
            let mut v = vec![0.0; 3];
            v[a] = 1.0;
            Some(v)
        };
        let slicer = {
            let mut h = lps(vec![2, 4, 4, 4], vec![None, step(0), step(1), step(2)]);
            h.kinds = Some(vec![Kind::List, Kind::Domain, Kind::Domain, Kind::Domain]);
            h
        };
        let by_direction = lps(vec![2, 4, 4, 4], vec![None, step(0), step(1), step(2)]);
        let layer_last = {
            let mut h = lps(vec![4, 4, 4, 2], vec![step(0), step(1), step(2), None]);
            h.kinds = Some(vec![Kind::Domain, Kind::Domain, Kind::Domain, Kind::List]);
            h
        };
        let mut no_hints = header(vec![2, 4, 4, 4]);
        no_hints.spacings = Some(vec![1.0; 4]);
        let expected = Ok(AxisLayout {
            spatial: [1, 2, 3],
            layer_axis: Some(0),
        });
        assert_eq!(axis_layout(&slicer), expected);
        assert_eq!(axis_layout(&by_direction), expected);
        let last = axis_layout(&layer_last).expect_err("layer axis last");
        assert!(last.contains("non-spatial axes [3]"), "{last}");
        let unknown = axis_layout(&no_hints).expect_err("no hints");
        assert!(
            unknown.contains("to tell which one holds the layers"),
            "{unknown}"
        );
        assert_eq!(axis_layout(&header(vec![5, 5])), Err("2 axes".to_string()));
    }

    #[test]
    fn the_spatial_axes_of_a_layered_file_skip_the_layer_axis() {
        let h = lps(
            vec![2, 5, 6, 7],
            vec![
                None,
                Some(vec![-3.0, 0.0, 0.0]),
                Some(vec![0.0, -3.0, 0.0]),
                Some(vec![0.0, 0.0, 10.0]),
            ],
        );
        let g = spatial_geometry(&h, [1, 2, 3]).expect("valid");
        assert_eq!(g.sizes(), [5, 6, 7]);
        assert_eq!(g.spacing(), [3.0, 3.0, 10.0]);
    }
}
