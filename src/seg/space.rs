//! The coordinate frame a volume's geometry is expressed in.
//!
//! NRRD names the frame with `space:` (RAS, LAS, LPS, scanner-xyz, ...) or only gives
//! `space dimension: 3`. radflow keeps every anatomical frame in one convention, LPS
//! (the DICOM and ITK convention, and what Slicer writes), so two files that describe
//! the same patient position compare equal whichever convention each file used.

use std::fmt;

use super::geometry_error::GeometryError;
use crate::nrrd;

/// The frame of a [`Geometry`](super::Geometry), after anatomical frames are
/// converted to LPS.
///
/// Invariant: RAS and LAS never appear here; they are converted on reading, so equal
/// `Space` values mean directly comparable coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Space {
    /// Left-posterior-superior patient space (x grows to the patient's left).
    Lps,
    /// Scanner coordinates: comparable only with other scanner-xyz files.
    ScannerXyz,
    /// A right-handed frame with no anatomical meaning.
    RightHanded3d,
    /// A left-handed frame with no anatomical meaning.
    LeftHanded3d,
    /// No named frame: `space dimension: 3`, or legacy `spacings` without a space.
    Unspecified,
}

impl Space {
    /// Converts an NRRD `space:` value to the frame it is kept in, with the sign each
    /// coordinate must be multiplied by to reach that frame (all `1.0` except for RAS
    /// and LAS, which are flipped into LPS).
    pub fn from_nrrd(space: nrrd::Space) -> Result<(Space, [f64; 3]), GeometryError> {
        use nrrd::Space as N;
        let same = [1.0, 1.0, 1.0];
        Ok(match space {
            N::LeftPosteriorSuperior => (Space::Lps, same),
            N::RightAnteriorSuperior => (Space::Lps, [-1.0, -1.0, 1.0]),
            N::LeftAnteriorSuperior => (Space::Lps, [1.0, -1.0, 1.0]),
            N::ScannerXyz => (Space::ScannerXyz, same),
            N::RightHanded3D => (Space::RightHanded3d, same),
            N::LeftHanded3D => (Space::LeftHanded3d, same),
            N::RightAnteriorSuperiorTime
            | N::LeftAnteriorSuperiorTime
            | N::LeftPosteriorSuperiorTime
            | N::ScannerXyzTime
            | N::RightHanded3DTime
            | N::LeftHanded3DTime => {
                return Err(GeometryError::TimeSpace {
                    space: space.nrrd_name().to_string(),
                });
            }
        })
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Space::Lps => "LPS",
            Space::ScannerXyz => "scanner-xyz",
            Space::RightHanded3d => "3D-right-handed",
            Space::LeftHanded3d => "3D-left-handed",
            Space::Unspecified => "unspecified",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anatomical_spaces_map_to_lps_with_the_right_flips() {
        use nrrd::Space as N;
        let cases = [
            (N::LeftPosteriorSuperior, Space::Lps, [1.0, 1.0, 1.0]),
            (N::RightAnteriorSuperior, Space::Lps, [-1.0, -1.0, 1.0]),
            (N::LeftAnteriorSuperior, Space::Lps, [1.0, -1.0, 1.0]),
            (N::ScannerXyz, Space::ScannerXyz, [1.0, 1.0, 1.0]),
            (N::RightHanded3D, Space::RightHanded3d, [1.0, 1.0, 1.0]),
            (N::LeftHanded3D, Space::LeftHanded3d, [1.0, 1.0, 1.0]),
        ];
        for (nrrd_space, space, flips) in cases {
            assert_eq!(
                Space::from_nrrd(nrrd_space),
                Ok((space, flips)),
                "{nrrd_space}"
            );
        }
    }

    #[test]
    fn time_spaces_are_refused_with_their_name() {
        use nrrd::Space as N;
        for nrrd_space in [
            N::LeftPosteriorSuperiorTime,
            N::ScannerXyzTime,
            N::RightHanded3DTime,
        ] {
            let error = Space::from_nrrd(nrrd_space).expect_err("time space");
            assert!(
                error.to_string().contains(nrrd_space.nrrd_name()),
                "{error}"
            );
        }
    }
}
