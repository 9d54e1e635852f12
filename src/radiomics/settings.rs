//! The extraction settings, each one a typed, serializable field so a stage can key on it.

use serde::{Deserialize, Serialize};

use super::error::RadiomicsError;

/// PyRadiomics' settings that decide the five feature classes, with its defaults.
///
/// Only what radflow computes is here: no resampling, no normalization, no filters
/// (PyRadiomics' `Original` image type), `minimumROIDimensions` 2 and no `minimumROISize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Width of a gray-level bin (`binWidth`, 25). Bin edges are multiples of it.
    #[serde(default = "default_bin_width")]
    pub bin_width: f64,
    /// GLCM neighbour distances in voxels, infinity norm (`distances`, `[1]`).
    #[serde(default = "default_distances")]
    pub distances: Vec<u32>,
    /// Add the transposed GLCM to itself (`symmetricalGLCM`, true).
    #[serde(default = "default_true")]
    pub symmetric_glcm: bool,
    /// Added to intensities before Energy, TotalEnergy and RootMeanSquared (`voxelArrayShift`, 0).
    #[serde(default)]
    pub voxel_array_shift: f64,
    /// Mask value that marks the lesion (`label`, 1).
    #[serde(default = "default_label")]
    pub label: u8,
}

fn default_bin_width() -> f64 {
    25.0
}

fn default_distances() -> Vec<u32> {
    vec![1]
}

fn default_true() -> bool {
    true
}

fn default_label() -> u8 {
    1
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bin_width: default_bin_width(),
            distances: default_distances(),
            symmetric_glcm: true,
            voxel_array_shift: 0.0,
            label: default_label(),
        }
    }
}

impl Settings {
    /// Checks the ranges PyRadiomics assumes without checking.
    pub fn check(&self) -> Result<(), RadiomicsError> {
        if !(self.bin_width.is_finite() && self.bin_width > 0.0) {
            return Err(RadiomicsError::BadSetting {
                name: "bin_width",
                message: format!("expected a positive number, found {}", self.bin_width),
            });
        }
        if self.distances.is_empty() || self.distances.contains(&0) {
            return Err(RadiomicsError::BadSetting {
                name: "distances",
                message: format!(
                    "expected one or more distances >= 1, found {:?}",
                    self.distances
                ),
            });
        }
        if !self.voxel_array_shift.is_finite() {
            return Err(RadiomicsError::BadSetting {
                name: "voxel_array_shift",
                message: format!("expected a finite number, found {}", self.voxel_array_shift),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_pyradiomics_defaults_and_round_trip_through_yaml() {
        let settings: Settings = serde_yaml::from_str("{}").unwrap();
        assert_eq!(settings, Settings::default());
        assert_eq!(settings.bin_width, 25.0);
        assert_eq!(settings.distances, vec![1]);
        let text = serde_yaml::to_string(&settings).unwrap();
        assert_eq!(serde_yaml::from_str::<Settings>(&text).unwrap(), settings);
    }

    #[test]
    fn unknown_keys_and_bad_ranges_are_refused() {
        assert!(serde_yaml::from_str::<Settings>("bin_witdh: 10").is_err());
        for bad in [
            "bin_width: 0",
            "bin_width: -3",
            "distances: []",
            "distances: [0]",
        ] {
            let settings: Settings = serde_yaml::from_str(bad).unwrap();
            assert!(settings.check().is_err(), "{bad}");
        }
    }
}
