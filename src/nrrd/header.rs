//! The parsed NRRD header: every standard field, typed.
//!
//! Invariants of a `Header` that came from [`crate::nrrd::read_header`] (the parser checks
//! them; code that builds a `Header` by hand gets them checked by the writer):
//! - `sizes.len() == dimension`, and every per-axis field that is present has `dimension`
//!   entries;
//! - `space_dimension` is the effective world dimension: the one `space` implies, or the
//!   `space dimension` field; every space vector has that many components;
//! - `endian` is present whenever the type and encoding need it.

use std::path::PathBuf;

use super::types::{Centering, Encoding, Endian, Kind, ScalarType, Space};

/// Where the sample bytes live.
#[derive(Debug, Clone, PartialEq)]
pub enum DataFile {
    /// Right after the blank line that ends the header.
    Attached,
    /// `data file: <name>`: one file, relative to the header's folder unless absolute.
    Single(PathBuf),
    /// `data file: <printf format> <min> <max> <step> [<subdim>]`: the files
    /// `format % i` for i from `min` to `max` (inclusive) by `step`.
    Pattern {
        format: String,
        min: i64,
        max: i64,
        step: i64,
        subdim: Option<usize>,
    },
    /// `data file: LIST [<subdim>]` followed by one file name per line.
    List {
        files: Vec<PathBuf>,
        subdim: Option<usize>,
    },
}

/// A parsed NRRD header. Axis 0 varies fastest in every per-axis field.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The magic's version number, 1 to 5 (`NRRD0004` gives 4).
    pub version: u8,
    pub scalar_type: ScalarType,
    pub dimension: usize,
    /// Samples along each axis, fastest axis first.
    pub sizes: Vec<usize>,
    pub encoding: Encoding,
    /// `None` when the file has no `endian` field (legal for 1-byte types and ascii).
    pub endian: Option<Endian>,
    pub space: Option<Space>,
    /// The world dimension: implied by `space`, or given by `space dimension`.
    pub space_dimension: Option<usize>,
    /// One entry per axis; `None` is an axis written `none` (list, colour, time...).
    pub space_directions: Option<Vec<Option<Vec<f64>>>>,
    pub space_origin: Option<Vec<f64>>,
    pub space_units: Option<Vec<String>>,
    /// `space_dimension` vectors, each with `space_dimension` components.
    pub measurement_frame: Option<Vec<Vec<f64>>>,
    pub kinds: Option<Vec<Kind>>,
    pub spacings: Option<Vec<f64>>,
    pub thicknesses: Option<Vec<f64>>,
    pub axis_mins: Option<Vec<f64>>,
    pub axis_maxs: Option<Vec<f64>>,
    pub centerings: Option<Vec<Centering>>,
    pub labels: Option<Vec<String>>,
    pub units: Option<Vec<String>>,
    pub content: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub old_min: Option<f64>,
    pub old_max: Option<f64>,
    pub sample_units: Option<String>,
    /// The obsolete `number` field, kept as text.
    pub number: Option<String>,
    /// Lines to skip in the stored data before decoding (before decompression).
    pub line_skip: usize,
    /// Bytes to skip (after decompression). `-1` means the data are the last bytes.
    pub byte_skip: i64,
    pub data_file: DataFile,
    /// `key:=value` pairs in file order, with `\n` and `\\` unescaped.
    pub key_values: Vec<(String, String)>,
    /// Comment lines without the leading `#` and one following space.
    pub comments: Vec<String>,
}

impl Header {
    /// A minimal attached raw header for `sizes` samples of `scalar_type`, little-endian
    /// where the type needs an endian. Used to build new volumes.
    pub fn new(scalar_type: ScalarType, sizes: Vec<usize>) -> Header {
        Header {
            version: 5,
            scalar_type,
            dimension: sizes.len(),
            sizes,
            encoding: Encoding::Raw,
            endian: scalar_type.needs_endian().then_some(Endian::Little),
            space: None,
            space_dimension: None,
            space_directions: None,
            space_origin: None,
            space_units: None,
            measurement_frame: None,
            kinds: None,
            spacings: None,
            thicknesses: None,
            axis_mins: None,
            axis_maxs: None,
            centerings: None,
            labels: None,
            units: None,
            content: None,
            min: None,
            max: None,
            old_min: None,
            old_max: None,
            sample_units: None,
            number: None,
            line_skip: 0,
            byte_skip: 0,
            data_file: DataFile::Attached,
            key_values: Vec::new(),
            comments: Vec::new(),
        }
    }

    /// The value of the first `key:=value` pair with this key (exact match).
    pub fn key_value(&self, key: &str) -> Option<&str> {
        self.key_values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Replaces the value of `key` or appends the pair.
    pub fn set_key_value(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.key_values.iter_mut().find(|(k, _)| *k == key) {
            Some(pair) => pair.1 = value,
            None => self.key_values.push((key, value)),
        }
    }

    /// The number of samples, or `None` if the product overflows.
    pub fn sample_count(&self) -> Option<usize> {
        self.sizes
            .iter()
            .try_fold(1usize, |count, &size| count.checked_mul(size))
    }

    /// The number of decoded bytes, or `None` if it overflows.
    pub fn data_bytes(&self) -> Option<usize> {
        self.sample_count()?
            .checked_mul(self.scalar_type.size_bytes())
    }

    /// The sizes slowest axis first, the shape of a row-major (C order) array such as
    /// `ndarray::Array::from_shape_vec(header.shape_row_major(), samples)`.
    pub fn shape_row_major(&self) -> Vec<usize> {
        self.sizes.iter().rev().copied().collect()
    }

    /// The distance between samples along `axis`: the length of its space direction,
    /// else its legacy `spacings` entry; `None` for a `none` axis without a finite
    /// spacing, or past the last axis.
    pub fn axis_spacing(&self, axis: usize) -> Option<f64> {
        let direction = self
            .space_directions
            .as_ref()
            .and_then(|d| d.get(axis)?.as_ref());
        match direction {
            Some(vector) => Some(vector.iter().map(|x| x * x).sum::<f64>().sqrt()),
            None => self
                .spacings
                .as_ref()
                .and_then(|s| s.get(axis).copied())
                .filter(|s| s.is_finite()),
        }
    }

    /// `"30 x 30 x 30 x int16"`: how error messages describe the expected payload.
    pub fn describe_payload(&self) -> String {
        let mut parts: Vec<String> = self.sizes.iter().map(usize::to_string).collect();
        parts.push(self.scalar_type.to_string());
        parts.join(" x ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_finds_the_first_pair_with_an_exact_key() {
        let mut header = Header::new(ScalarType::U8, vec![2]);
        header.key_values = vec![
            ("a".into(), "1".into()),
            ("A".into(), "2".into()),
            ("a".into(), "3".into()),
        ];
        assert_eq!(header.key_value("a"), Some("1"));
        assert_eq!(header.key_value("A"), Some("2"));
        assert_eq!(header.key_value("b"), None);
    }

    #[test]
    fn set_key_value_replaces_in_place_or_appends() {
        let mut header = Header::new(ScalarType::U8, vec![2]);
        header.set_key_value("x", "1");
        header.set_key_value("y", "2");
        header.set_key_value("x", "3");
        assert_eq!(
            header.key_values,
            vec![("x".into(), "3".into()), ("y".into(), "2".into())]
        );
    }

    #[test]
    fn sample_count_overflow_is_none_not_a_wrap() {
        let header = Header::new(ScalarType::F64, vec![usize::MAX, 2]);
        assert_eq!(header.sample_count(), None);
        let header = Header::new(ScalarType::F64, vec![usize::MAX / 4, 2]);
        assert_eq!(header.data_bytes(), None);
    }

    #[test]
    fn axis_spacing_comes_from_directions_then_spacings() {
        let mut header = Header::new(ScalarType::U8, vec![2, 2, 2, 3]);
        header.space_directions = Some(vec![
            Some(vec![0.0, -0.5, 0.0]),
            Some(vec![3.0, 4.0, 0.0]),
            None,
            None,
        ]);
        header.spacings = Some(vec![f64::NAN, f64::NAN, 2.5, f64::NAN]);
        let spacings: Vec<Option<f64>> = (0..5).map(|axis| header.axis_spacing(axis)).collect();
        assert_eq!(spacings, vec![Some(0.5), Some(5.0), Some(2.5), None, None]);
    }

    #[test]
    fn payload_description_lists_sizes_then_type() {
        let header = Header::new(ScalarType::U16, vec![30, 30, 30]);
        assert_eq!(header.describe_payload(), "30 x 30 x 30 x uint16");
        assert_eq!(header.shape_row_major(), vec![30, 30, 30]);
    }
}
