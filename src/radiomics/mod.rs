//! Radiomics features exactly as PyRadiomics computes them: first order, shape (`shape2D` in
//! 2-D, `shape` in 3-D), GLCM, GLRLM and GLSZM on the `original` image.
//!
//! Invariants:
//! - Settings are PyRadiomics' ([`Settings`], defaults binWidth 25, GLCM distance 1,
//!   symmetric), no resampling, no normalization. Names are PyRadiomics' own
//!   (`original_<class>_<Feature>`) in its extractor's order: 83 in 2-D, 88 in 3-D.
//! - A 2-D extraction is PyRadiomics' `force2D` extraction of a one-slice volume whose third
//!   spacing is the slice thickness (so TotalEnergy counts it); see [`extract_2d`].
//! - Inputs PyRadiomics refuses are refused with its reason ([`RadiomicsError`]); a feature
//!   that comes out NaN or infinite is an error naming it, never a value.
//! - Arrays are row-major with x fastest: `[height][width]` in 2-D, `[depth][height][width]`
//!   in 3-D, as numpy holds a SimpleITK image.

mod angles;
mod binning;
mod error;
pub mod feature_names;
mod first_order;
mod glcm;
mod glrlm;
mod glszm;
mod intensity;
mod marching_tables;
mod nan_mean;
mod numpy_sum;
mod principal_axes;
mod roi;
mod settings;
mod shape_2d;
mod shape_3d;
mod symmetric_eigen;

use std::sync::LazyLock;

pub use error::RadiomicsError;
pub use intensity::Intensity;
pub use settings::Settings;

use roi::Roi;

/// The feature names of a 2-D extraction, in output order.
pub static NAMES_2D: LazyLock<Vec<String>> =
    LazyLock::new(|| feature_names::full_names("shape2D", feature_names::SHAPE_2D));

/// The feature names of a 3-D extraction, in output order.
pub static NAMES_3D: LazyLock<Vec<String>> =
    LazyLock::new(|| feature_names::full_names("shape", feature_names::SHAPE_3D));

/// One lesion's features: values in the order of `names` ([`NAMES_2D`] or [`NAMES_3D`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub names: &'static [String],
    pub values: Vec<f64>,
}

impl Features {
    /// `(name, value)` pairs in output order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.names
            .iter()
            .map(String::as_str)
            .zip(self.values.iter().copied())
    }

    /// The value of `name` (full name), if present.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// Features of one slice: `image` and `mask` are `[height][width]` (`shape` = `[height, width]`),
/// `spacing` = `[between rows, between columns]` in mm, `thickness` the slice thickness in mm.
///
/// Equals PyRadiomics on a one-slice SimpleITK volume of spacing
/// `(spacing[1], spacing[0], thickness)` with
/// `RadiomicsFeatureExtractor(binWidth=25, force2D=True, force2Ddimension=0)` and the classes
/// `shape2D, firstorder, glcm, glrlm, glszm` enabled.
pub fn extract_2d<T: Intensity>(
    image: &[T],
    mask: &[u8],
    shape: [usize; 2],
    spacing: [f64; 2],
    thickness: f64,
    settings: &Settings,
) -> Result<Features, RadiomicsError> {
    settings.check()?;
    let roi = Roi::new(
        image,
        mask,
        [1, shape[0], shape[1]],
        [thickness, spacing[0], spacing[1]],
        settings.label,
        settings.bin_width,
    )?;
    let mut values = shape_2d::features(&roi);
    texture(&roi, settings, true, &mut values);
    finish(&NAMES_2D, values)
}

/// Features of one volume: `image` and `mask` are `[depth][height][width]` (`shape` =
/// `[depth, height, width]`), `spacing` = `[between slices, between rows, between columns]` in mm.
///
/// Equals PyRadiomics' `RadiomicsFeatureExtractor(binWidth=25)` on a SimpleITK volume of
/// spacing `(spacing[2], spacing[1], spacing[0])` with `shape, firstorder, glcm, glrlm, glszm`.
pub fn extract_3d<T: Intensity>(
    image: &[T],
    mask: &[u8],
    shape: [usize; 3],
    spacing: [f64; 3],
    settings: &Settings,
) -> Result<Features, RadiomicsError> {
    settings.check()?;
    let roi = Roi::new(
        image,
        mask,
        shape,
        spacing,
        settings.label,
        settings.bin_width,
    )?;
    let mut values = shape_3d::features(&roi);
    texture(&roi, settings, false, &mut values);
    finish(&NAMES_3D, values)
}

fn texture(roi: &Roi, settings: &Settings, force_2d: bool, values: &mut Vec<f64>) {
    values.extend(first_order::features(roi, settings.voxel_array_shift));
    values.extend(glcm::features(
        roi,
        &settings.distances,
        settings.symmetric_glcm,
        force_2d,
    ));
    values.extend(glrlm::features(roi, force_2d));
    values.extend(glszm::features(roi, force_2d));
}

fn finish(names: &'static [String], values: Vec<f64>) -> Result<Features, RadiomicsError> {
    debug_assert_eq!(names.len(), values.len());
    if let Some((name, &value)) = names.iter().zip(&values).find(|(_, v)| !v.is_finite()) {
        return Err(RadiomicsError::NonFiniteFeature {
            name: name.clone(),
            value,
        });
    }
    Ok(Features { names, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_83_features_in_2d_and_88_in_3d() {
        assert_eq!(NAMES_2D.len(), 83);
        assert_eq!(NAMES_3D.len(), 88);
        assert_eq!(NAMES_2D[0], "original_shape2D_Elongation");
        assert_eq!(NAMES_3D[14], "original_firstorder_10Percentile");
    }

    #[test]
    fn a_constant_lesion_gives_finite_pyradiomics_conventions() {
        let image = vec![100i16; 25];
        let mut mask = vec![0u8; 25];
        for i in [6, 7, 8, 11, 12, 13, 16, 17, 18] {
            mask[i] = 1;
        }
        let f = extract_2d(&image, &mask, [5, 5], [1.0, 1.0], 1.0, &Settings::default()).unwrap();
        assert_eq!(f.get("original_firstorder_Variance"), Some(0.0));
        assert_eq!(f.get("original_firstorder_Kurtosis"), Some(0.0));
        assert_eq!(f.get("original_glcm_Correlation"), Some(1.0));
        assert_eq!(f.get("original_glcm_Imc1"), Some(0.0));
    }
}
