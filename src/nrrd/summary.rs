//! What `radflow nrrd FILE [--json]` prints: the header's fields and the samples'
//! statistics, with the conventions of `shared/data/expected_values.json` (sizes fastest
//! axis first, sha256 of the samples as little-endian bytes, NaN as JSON `null`), so a
//! summary can be compared with that file directly.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::Nrrd;
use super::detached::data_files;
use super::field::{format_f64, format_vector};
use super::header::DataFile;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub path: String,
    /// The magic, e.g. `NRRD0004`.
    pub magic: String,
    /// Canonical NRRD type name (`int16`, `float`).
    #[serde(rename = "type")]
    pub scalar_type: String,
    pub encoding: String,
    pub endian: Option<String>,
    pub dimension: usize,
    /// Fastest axis first.
    pub sizes: Vec<usize>,
    pub count: usize,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub sum: Option<f64>,
    pub samples_sha256_le: String,
    pub first_values_file_order: Vec<f64>,
    pub last_values_file_order: Vec<f64>,
    pub space: Option<String>,
    pub space_dimension: Option<usize>,
    /// `null` entries are `none` axes.
    pub space_directions: Option<Vec<Option<Vec<f64>>>>,
    pub space_origin: Option<Vec<f64>>,
    pub space_units: Option<Vec<String>>,
    pub measurement_frame: Option<Vec<Vec<f64>>>,
    pub kinds: Option<Vec<String>>,
    pub spacings: Option<Vec<f64>>,
    pub thicknesses: Option<Vec<f64>>,
    pub axis_mins: Option<Vec<f64>>,
    pub axis_maxs: Option<Vec<f64>>,
    pub centerings: Option<Vec<String>>,
    pub labels: Option<Vec<String>>,
    pub units: Option<Vec<String>>,
    pub content: Option<String>,
    pub sample_units: Option<String>,
    pub line_skip: usize,
    pub byte_skip: i64,
    /// Detached data files, resolved against the header's folder (empty if attached).
    pub data_files: Vec<String>,
    /// `[key, value]` pairs in file order.
    pub key_values: Vec<(String, String)>,
}

impl Summary {
    pub fn new(volume: &Nrrd, path: &Path) -> Summary {
        let header = &volume.header;
        let samples = &volume.samples;
        let names = |items: Option<Vec<&str>>| {
            items.map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
        };
        let len = samples.len();
        Summary {
            path: path.display().to_string(),
            magic: format!("NRRD{:04}", header.version),
            scalar_type: header.scalar_type.nrrd_name().to_string(),
            encoding: header.encoding.nrrd_name().to_string(),
            endian: header.endian.map(|e| e.nrrd_name().to_string()),
            dimension: header.dimension,
            sizes: header.sizes.clone(),
            count: len,
            min: samples.min(),
            max: samples.max(),
            sum: samples.sum(),
            samples_sha256_le: samples.sha256_le(),
            first_values_file_order: (0..len.min(8)).filter_map(|i| samples.get_f64(i)).collect(),
            last_values_file_order: (len.saturating_sub(4)..len)
                .filter_map(|i| samples.get_f64(i))
                .collect(),
            space: header.space.map(|s| s.nrrd_name().to_string()),
            space_dimension: header.space_dimension,
            space_directions: header.space_directions.clone(),
            space_origin: header.space_origin.clone(),
            space_units: header.space_units.clone(),
            measurement_frame: header.measurement_frame.clone(),
            kinds: names(
                header
                    .kinds
                    .as_ref()
                    .map(|k| k.iter().map(|k| k.nrrd_name()).collect()),
            ),
            spacings: header.spacings.clone(),
            thicknesses: header.thicknesses.clone(),
            axis_mins: header.axis_mins.clone(),
            axis_maxs: header.axis_maxs.clone(),
            centerings: names(
                header
                    .centerings
                    .as_ref()
                    .map(|c| c.iter().map(|c| c.nrrd_name()).collect()),
            ),
            labels: header.labels.clone(),
            units: header.units.clone(),
            content: header.content.clone(),
            sample_units: header.sample_units.clone(),
            line_skip: header.line_skip,
            byte_skip: header.byte_skip,
            data_files: match header.data_file {
                DataFile::Attached => Vec::new(),
                _ => data_files(header, path)
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
            },
            key_values: header.key_values.clone(),
        }
    }

    /// The summary as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data to a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The human form: one fact a line, geometry only where the file has it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let number = |v: Option<f64>| v.map_or("-".to_string(), format_f64);
        let numbers = |v: &[f64]| {
            v.iter()
                .map(|&x| format_f64(x))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let sizes: Vec<String> = self.sizes.iter().map(usize::to_string).collect();
        let endian = self
            .endian
            .as_deref()
            .map(|e| format!(", {e}-endian"))
            .unwrap_or_default();
        let _ = writeln!(out, "{}", self.path);
        let _ = writeln!(
            out,
            "  {} {} {}, {} encoding{endian}",
            self.magic,
            self.scalar_type,
            sizes.join(" x "),
            self.encoding
        );
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
        let mut line = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                let _ = writeln!(out, "  {name}: {value}");
            }
        };
        line("space", self.space.clone());
        line(
            "space dimension",
            self.space
                .is_none()
                .then_some(self.space_dimension)
                .flatten()
                .map(|d| d.to_string()),
        );
        line(
            "space directions",
            self.space_directions.as_ref().map(|dirs| {
                dirs.iter()
                    .map(|d| d.as_deref().map_or("none".to_string(), format_vector))
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
        );
        line(
            "space origin",
            self.space_origin.as_deref().map(format_vector),
        );
        line(
            "space units",
            self.space_units.as_ref().map(|u| u.join(" ")),
        );
        line(
            "measurement frame",
            self.measurement_frame.as_ref().map(|f| {
                f.iter()
                    .map(|v| format_vector(v))
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
        );
        line("kinds", self.kinds.as_ref().map(|k| k.join(" ")));
        line("spacings", self.spacings.as_deref().map(numbers));
        line("thicknesses", self.thicknesses.as_deref().map(numbers));
        line("axis mins", self.axis_mins.as_deref().map(numbers));
        line("axis maxs", self.axis_maxs.as_deref().map(numbers));
        line("centerings", self.centerings.as_ref().map(|c| c.join(" ")));
        line("labels", self.labels.as_ref().map(|l| format!("{l:?}")));
        line("units", self.units.as_ref().map(|u| format!("{u:?}")));
        line("content", self.content.clone());
        line("sample units", self.sample_units.clone());
        line(
            "line skip",
            (self.line_skip != 0).then(|| self.line_skip.to_string()),
        );
        line(
            "byte skip",
            (self.byte_skip != 0).then(|| self.byte_skip.to_string()),
        );
        line(
            "data files",
            (!self.data_files.is_empty()).then(|| self.data_files.join(" ")),
        );
        if !self.key_values.is_empty() {
            let _ = writeln!(out, "  key/values:");
            for (key, value) in &self.key_values {
                let _ = writeln!(out, "    {key} = {}", value.escape_debug());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nrrd::{Header, Samples, ScalarType, Space};

    fn volume() -> Nrrd {
        let mut header = Header::new(ScalarType::I16, vec![3, 1]);
        header.space = Some(Space::LeftPosteriorSuperior);
        header.space_dimension = Some(3);
        header.space_directions = Some(vec![Some(vec![0.5, 0.0, 0.0]), None]);
        header.spacings = Some(vec![f64::NAN, 1.0]);
        header.key_values = vec![("Segment0_Name".into(), "tumor".into())];
        Nrrd {
            header,
            samples: Samples::from(vec![-1i16, 5, 2]),
        }
    }

    #[test]
    fn json_uses_the_expected_values_conventions() {
        let summary = Summary::new(&volume(), Path::new("x.nrrd"));
        let json: serde_json::Value =
            serde_json::from_str(&summary.to_json()).expect("summary JSON parses");
        assert_eq!(json["type"], "int16");
        assert_eq!(json["sizes"], serde_json::json!([3, 1]));
        assert_eq!(json["count"], 3);
        assert_eq!(json["min"], -1.0);
        assert_eq!(json["sum"], 6.0);
        assert_eq!(json["spacings"], serde_json::json!([null, 1.0]));
        assert_eq!(
            json["space_directions"],
            serde_json::json!([[0.5, 0.0, 0.0], null])
        );
        assert_eq!(
            json["key_values"],
            serde_json::json!([["Segment0_Name", "tumor"]])
        );
        assert_eq!(
            json["samples_sha256_le"],
            Samples::from(vec![-1i16, 5, 2]).sha256_le()
        );
    }

    #[test]
    fn text_lists_the_facts_a_person_checks_first() {
        let text = Summary::new(&volume(), Path::new("x.nrrd")).to_text();
        assert!(
            text.contains("NRRD0005 int16 3 x 1, raw encoding, little-endian"),
            "{text}"
        );
        assert!(
            text.contains("samples: 3   min -1   max 5   sum 6"),
            "{text}"
        );
        assert!(text.contains("space directions: (0.5,0,0) none"), "{text}");
        assert!(text.contains("Segment0_Name = tumor"), "{text}");
        assert!(!text.contains("thicknesses"), "{text}");
    }
}
