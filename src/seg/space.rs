//! The coordinate frame a volume's geometry is expressed in.
//!
//! NRRD names the frame with `space:` (RAS, LAS, LPS, scanner-xyz, ...) or only gives
//! `space dimension: 3`. radflow keeps every anatomical frame in one convention, LPS
//! (the DICOM and ITK convention, and what Slicer writes), so two files that describe
//! the same patient position compare equal whichever convention each file used.

use std::fmt;

use super::geometry::GeometryError;

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
    /// Parses an NRRD `space:` value and returns the frame it is stored in, with the
    /// sign each coordinate must be multiplied by to reach that frame (all `1.0`
    /// except for RAS and LAS, which are flipped into LPS).
    ///
    /// NRRD allows long and short names, in any case, and with spaces or dashes.
    pub fn parse_nrrd(name: &str) -> Result<(Space, [f64; 3]), GeometryError> {
        let canonical: String = name
            .trim()
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c == ' ' || c == '_' { '-' } else { c })
            .collect();
        let parsed = match canonical.as_str() {
            "left-posterior-superior" | "lps" => (Space::Lps, [1.0, 1.0, 1.0]),
            "right-anterior-superior" | "ras" => (Space::Lps, [-1.0, -1.0, 1.0]),
            "left-anterior-superior" | "las" => (Space::Lps, [1.0, -1.0, 1.0]),
            "scanner-xyz" => (Space::ScannerXyz, [1.0, 1.0, 1.0]),
            "3d-right-handed" => (Space::RightHanded3d, [1.0, 1.0, 1.0]),
            "3d-left-handed" => (Space::LeftHanded3d, [1.0, 1.0, 1.0]),
            _ if canonical.ends_with("-time")
                || matches!(canonical.as_str(), "rast" | "last" | "lpst") =>
            {
                return Err(GeometryError::TimeSpace {
                    space: name.trim().to_string(),
                });
            }
            _ => {
                return Err(GeometryError::UnknownSpace {
                    space: name.trim().to_string(),
                });
            }
        };
        Ok(parsed)
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
    fn every_nrrd_spelling_of_an_anatomical_space_maps_to_lps_with_the_right_flips() {
        let cases: &[(&str, [f64; 3])] = &[
            ("left-posterior-superior", [1.0, 1.0, 1.0]),
            ("LPS", [1.0, 1.0, 1.0]),
            ("left posterior superior", [1.0, 1.0, 1.0]),
            ("right-anterior-superior", [-1.0, -1.0, 1.0]),
            ("RAS", [-1.0, -1.0, 1.0]),
            ("Left-Anterior-Superior", [1.0, -1.0, 1.0]),
            ("las", [1.0, -1.0, 1.0]),
        ];
        for (name, flips) in cases {
            let (space, found) = Space::parse_nrrd(name).expect(name);
            assert_eq!(space, Space::Lps, "{name}");
            assert_eq!(&found, flips, "{name}");
        }
    }

    #[test]
    fn non_anatomical_spaces_keep_their_own_frame() {
        let cases = [
            ("scanner-xyz", Space::ScannerXyz),
            ("3D-right-handed", Space::RightHanded3d),
            ("3d-left-handed", Space::LeftHanded3d),
        ];
        for (name, expected) in cases {
            assert_eq!(Space::parse_nrrd(name).expect(name).0, expected);
        }
    }

    #[test]
    fn time_spaces_and_unknown_names_are_refused_with_the_name() {
        for name in ["RAST", "left-posterior-superior-time", "scanner-xyz-time"] {
            let error = Space::parse_nrrd(name).expect_err(name);
            assert!(matches!(error, GeometryError::TimeSpace { .. }), "{name}");
            assert!(error.to_string().contains(name), "{error}");
        }
        let error = Space::parse_nrrd("posterior-left-up").expect_err("unknown");
        assert!(error.to_string().contains("`posterior-left-up`"), "{error}");
    }
}
