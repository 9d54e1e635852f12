//! What `radflow inspect FILE|FOLDER [--json]` prints for an image in any format: the
//! format, sample type, sizes, statistics, `samples_sha256_le`, and the grid in LPS.
//!
//! Conventions (those of `shared/data/expected_values.json`, shared with `radflow nrrd`):
//! sizes fastest axis first; `samples_sha256_le` hashes the stored samples (before any
//! rescale or `scl_slope`) in the file's own order (NIfTI, MetaImage, NRRD: axis 0
//! fastest; DICOM: frame, row, column, sample), each as little-endian bytes of its type;
//! NaN is JSON `null`; `type` uses numpy's names (`int16`, `float32`). Format-specific
//! fields sit under the format's name (`nrrd`, `nifti`, `metaimage`).

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::detect::detect;
use super::dicom::read_dicom_scan;
use super::error::VolumeError;
use super::{Format, Rescale, ScanVolume};
use crate::nrrd::{Samples, ScalarType};
use crate::seg::Geometry;
use crate::{metaimage, nifti, nrrd};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub path: String,
    pub format: Format,
    /// numpy's name of the stored sample type.
    #[serde(rename = "type")]
    pub scalar_type: String,
    /// Fastest axis first.
    pub sizes: Vec<usize>,
    pub count: usize,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub sum: Option<f64>,
    pub samples_sha256_le: String,
    pub first_values_file_order: Vec<f64>,
    pub last_values_file_order: Vec<f64>,
    /// The grid of the first three axes; `None` when the file places no 3-D grid.
    pub geometry: Option<GeometrySummary>,
    /// Why there is no geometry, when there is none.
    pub geometry_note: Option<String>,
    /// `physical = stored * slope + intercept`, when the file says so.
    pub rescale: Option<RescaleSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nrrd: Option<nrrd::Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nifti: Option<NiftiDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metaimage: Option<MetaImageDetails>,
}

/// A grid in LPS: the step of voxel axis `a` is `directions[a] * spacing[a]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeometrySummary {
    /// `LPS`, or the non-anatomical frame the file names.
    pub space: String,
    pub spacing: [f64; 3],
    pub origin: [f64; 3],
    /// Unit direction of each voxel axis, axis 0 first.
    pub directions: [[f64; 3]; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RescaleSummary {
    pub slope: f64,
    pub intercept: f64,
}

/// The NIfTI header fields a person checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NiftiDetails {
    pub magic: String,
    pub byte_order: &'static str,
    pub datatype: i16,
    pub vox_offset: f64,
    pub scl_slope: f64,
    pub scl_inter: f64,
    pub qform_code: i32,
    pub sform_code: i32,
    /// Which transform placed the grid: `sform`, `qform` or `fallback`.
    pub transform: Option<nifti::TransformSource>,
    pub descrip: String,
    pub data_file: String,
}

/// The MetaImage header fields a person checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaImageDetails {
    pub element_type: String,
    pub byte_order: &'static str,
    pub compressed: bool,
    pub anatomical_orientation: Option<String>,
    pub data_files: Vec<String>,
    pub key_values: Vec<(String, String)>,
}

impl Summary {
    /// Reads the image at `path` (a file, or a folder holding a DICOM series) and
    /// summarizes it.
    pub fn read(path: &Path) -> Result<Summary, VolumeError> {
        match detect(path)? {
            Format::Nrrd => {
                let volume = nrrd::read(path)?;
                let geometry = Geometry::from_header(path, &volume.header);
                let mut summary = Summary::of_samples(
                    path,
                    Format::Nrrd,
                    &volume.samples,
                    volume.header.sizes.clone(),
                );
                match geometry {
                    Ok(g) => summary.geometry = Some(GeometrySummary::new(&g)),
                    Err(e) => summary.geometry_note = Some(e.to_string()),
                }
                summary.nrrd = Some(nrrd::Summary::new(&volume, path));
                Ok(summary)
            }
            format @ (Format::Nifti1 | Format::Nifti2) => {
                let image = nifti::read(path)?;
                let mut summary =
                    Summary::of_samples(path, format, &image.samples, image.sizes.clone());
                let h = &image.header;
                let transform = match image.geometry(path) {
                    Ok((g, source)) => {
                        summary.geometry = Some(GeometrySummary::new(&g));
                        Some(source)
                    }
                    Err(e) => {
                        summary.geometry_note = Some(e.to_string());
                        None
                    }
                };
                summary.rescale = h
                    .scaling()
                    .map(|(slope, intercept)| RescaleSummary { slope, intercept });
                summary.nifti = Some(NiftiDetails {
                    magic: h.magic().to_string(),
                    byte_order: if h.little_endian { "little" } else { "big" },
                    datatype: h.datatype,
                    vox_offset: h.vox_offset,
                    scl_slope: h.scl_slope,
                    scl_inter: h.scl_inter,
                    qform_code: h.qform_code,
                    sform_code: h.sform_code,
                    transform,
                    descrip: h.descrip.clone(),
                    data_file: image.data_file.display().to_string(),
                });
                Ok(summary)
            }
            Format::MetaImage => {
                let image = metaimage::read(path)?;
                let h = &image.header;
                let mut summary =
                    Summary::of_samples(path, Format::MetaImage, &image.samples, h.sizes.clone());
                match h.geometry(path) {
                    Ok(g) => summary.geometry = Some(GeometrySummary::new(&g)),
                    Err(e) => summary.geometry_note = Some(e.to_string()),
                }
                summary.metaimage = Some(MetaImageDetails {
                    element_type: h.element_type_name.clone(),
                    byte_order: if h.big_endian { "big" } else { "little" },
                    compressed: h.compressed,
                    anatomical_orientation: h.anatomical_orientation.clone(),
                    data_files: image
                        .data_files
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect(),
                    key_values: h.key_values.clone(),
                });
                Ok(summary)
            }
            Format::DicomSeries | Format::DicomSeg => {
                Ok(Summary::of_volume(path, &read_dicom_scan(path)?))
            }
        }
    }

    /// A summary of a decoded scan (3 axes).
    pub fn of_volume(path: &Path, volume: &ScanVolume) -> Summary {
        let mut summary = Summary::of_samples(
            path,
            volume.format,
            &volume.samples,
            volume.geometry.sizes().to_vec(),
        );
        summary.geometry = Some(GeometrySummary::new(&volume.geometry));
        summary.rescale = volume
            .rescale
            .map(|Rescale { slope, intercept }| RescaleSummary { slope, intercept });
        summary
    }

    fn of_samples(path: &Path, format: Format, samples: &Samples, sizes: Vec<usize>) -> Summary {
        let len = samples.len();
        Summary {
            path: path.display().to_string(),
            format,
            scalar_type: numpy_name(samples.scalar_type()),
            sizes,
            count: len,
            min: samples.min(),
            max: samples.max(),
            sum: samples.sum(),
            samples_sha256_le: samples.sha256_le(),
            first_values_file_order: (0..len.min(8)).filter_map(|i| samples.get_f64(i)).collect(),
            last_values_file_order: (len.saturating_sub(4)..len)
                .filter_map(|i| samples.get_f64(i))
                .collect(),
            geometry: None,
            geometry_note: None,
            rescale: None,
            nrrd: None,
            nifti: None,
            metaimage: None,
        }
    }

    /// The summary as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data to a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The human form: one fact a line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let number = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v}"));
        // Rounding noise of rotated grids (1e-18) reads as 0, not as 35 digits.
        let value = |x: f64| {
            if x.abs() < 1e-12 {
                "0".to_string()
            } else {
                format!("{x}")
            }
        };
        let vector = |v: &[f64; 3]| format!("({}, {}, {})", value(v[0]), value(v[1]), value(v[2]));
        let sizes: Vec<String> = self.sizes.iter().map(usize::to_string).collect();
        let format = serde_json::to_value(self.format)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let _ = writeln!(out, "{}", self.path);
        let _ = writeln!(out, "  {format} {} {}", self.scalar_type, sizes.join(" x "));
        let _ = writeln!(
            out,
            "  samples: {}   min {}   max {}   sum {}",
            self.count,
            number(self.min),
            number(self.max),
            number(self.sum)
        );
        let _ = writeln!(
            out,
            "  sha256 (little-endian samples): {}",
            self.samples_sha256_le
        );
        if let Some(r) = &self.rescale {
            let _ = writeln!(
                out,
                "  rescale: value = stored * {} + {}",
                r.slope, r.intercept
            );
        }
        match &self.geometry {
            Some(g) => {
                let _ = writeln!(out, "  space: {}", g.space);
                let _ = writeln!(out, "  spacing: {}", vector(&g.spacing));
                let _ = writeln!(out, "  origin: {}", vector(&g.origin));
                let directions: Vec<String> = g.directions.iter().map(vector).collect();
                let _ = writeln!(out, "  directions: {}", directions.join(" "));
            }
            None => {
                let note = self.geometry_note.as_deref().unwrap_or("none");
                let _ = writeln!(out, "  geometry: {note}");
            }
        }
        if let Some(n) = &self.nifti {
            let _ = writeln!(
                out,
                "  nifti: magic {}, {}-endian, datatype {}, vox_offset {}, qform_code {}, \
                 sform_code {}, transform {}",
                n.magic,
                n.byte_order,
                n.datatype,
                n.vox_offset,
                n.qform_code,
                n.sform_code,
                n.transform
                    .and_then(|t| serde_json::to_value(t).ok())
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_else(|| "-".to_string())
            );
        }
        if let Some(m) = &self.metaimage {
            let _ = writeln!(
                out,
                "  metaimage: {}, {}-endian, {}, data {}",
                m.element_type,
                m.byte_order,
                if m.compressed { "compressed" } else { "raw" },
                m.data_files.join(" ")
            );
        }
        if let Some(n) = &self.nrrd {
            // The NRRD header's own facts, after its first three lines (path, type, stats).
            for line in n.to_text().lines().skip(4) {
                let _ = writeln!(out, "{line}");
            }
        }
        out
    }
}

impl GeometrySummary {
    pub fn new(geometry: &Geometry) -> GeometrySummary {
        let spacing = geometry.spacing();
        let directions = geometry.directions();
        GeometrySummary {
            space: geometry.space().to_string(),
            spacing,
            origin: geometry.origin(),
            directions: std::array::from_fn(|a| directions[a].map(|v| v / spacing[a])),
        }
    }
}

fn numpy_name(scalar_type: ScalarType) -> String {
    match scalar_type {
        ScalarType::Block(size) => format!("block{size}"),
        other => nifti::type_name(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seg::Space;

    #[test]
    fn a_volume_summary_reports_lps_unit_directions_and_spacing() {
        let geometry = Geometry::new(
            [3, 2, 1],
            [1.0, -2.0, 3.5],
            [[0.0, 0.5, 0.0], [-2.0, 0.0, 0.0], [0.0, 0.0, 4.0]],
            Space::Lps,
        )
        .expect("grid");
        let volume = ScanVolume {
            format: Format::Nifti1,
            samples: Samples::from(vec![-4i16, 0, 9, 1, 1, 1]),
            geometry,
            rescale: Some(Rescale {
                slope: 2.0,
                intercept: -1.0,
            }),
        };
        let json: serde_json::Value =
            serde_json::from_str(&Summary::of_volume(Path::new("v.nii"), &volume).to_json())
                .expect("json");
        assert_eq!(json["format"], "nifti1");
        assert_eq!(json["type"], "int16");
        assert_eq!(json["sizes"], serde_json::json!([3, 2, 1]));
        assert_eq!(json["min"], -4.0);
        assert_eq!(json["geometry"]["space"], "LPS");
        assert_eq!(
            json["geometry"]["spacing"],
            serde_json::json!([0.5, 2.0, 4.0])
        );
        assert_eq!(
            json["geometry"]["directions"],
            serde_json::json!([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
        );
        assert_eq!(json["rescale"]["intercept"], -1.0);
        assert!(json.get("nrrd").is_none());
    }
}
