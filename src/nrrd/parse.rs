//! The header parser: header bytes in, a validated [`Header`] out.
//!
//! It reads in two passes. The first walks the lines, tells fields from key/value pairs
//! and comments (teem's rule: a line is a field when the text before its first `": "`
//! is a known field name, in any case and with or without spaces; otherwise it must
//! contain `:=`), and refuses repeated fields. The second parses each field's value in
//! a fixed order, so fields may come in any order in the file and every error still
//! names the line it is about.

use std::path::{Path, PathBuf};

use super::error::NrrdError;
use super::field::{
    parse_f64, parse_f64_list, parse_quoted_list, parse_vector, parse_vector_list, unescape,
};
use super::header::{DataFile, Header};
use super::types::{Centering, Encoding, Endian, Kind, ScalarType, Space};
use super::validate::{MAX_DIMENSION, validate};

/// Every standard field: its canonical name and its spellings once lowercased and
/// stripped of spaces (teem's aliases, and `centers` for `centerings`).
const FIELDS: &[(&str, &[&str])] = &[
    ("content", &["content"]),
    ("number", &["number"]),
    ("type", &["type"]),
    ("block size", &["blocksize"]),
    ("dimension", &["dimension"]),
    ("space", &["space"]),
    ("space dimension", &["spacedimension"]),
    ("sizes", &["sizes"]),
    ("spacings", &["spacings"]),
    ("thicknesses", &["thicknesses"]),
    ("axis mins", &["axismins"]),
    ("axis maxs", &["axismaxs"]),
    ("centerings", &["centerings", "centers"]),
    ("kinds", &["kinds"]),
    ("labels", &["labels"]),
    ("units", &["units"]),
    ("space units", &["spaceunits"]),
    ("space directions", &["spacedirections"]),
    ("space origin", &["spaceorigin"]),
    ("measurement frame", &["measurementframe"]),
    ("min", &["min"]),
    ("max", &["max"]),
    ("old min", &["oldmin"]),
    ("old max", &["oldmax"]),
    ("sample units", &["sampleunits"]),
    ("endian", &["endian"]),
    ("encoding", &["encoding"]),
    ("line skip", &["lineskip"]),
    ("byte skip", &["byteskip"]),
    ("data file", &["datafile"]),
];

/// The canonical name of a field, given how a file spells it.
fn field_name(spelling: &str) -> Option<&'static str> {
    let key: String = spelling
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    FIELDS
        .iter()
        .find(|(_, spellings)| spellings.contains(&key.as_str()))
        .map(|(name, _)| *name)
}

/// Where the header ends in `bytes`: the offset just past the first empty line, or
/// `None` if there is no empty line (a detached header may end at end of file).
pub fn header_end(bytes: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' {
            let line = &bytes[line_start..index];
            if line.is_empty() || line == b"\r" {
                return Some(index + 1);
            }
            line_start = index + 1;
        }
    }
    None
}

/// The first pass's view of one field line.
struct RawField {
    name: &'static str,
    line: usize,
    value: String,
}

/// Parses the header text (`bytes` must hold the whole header; anything after the first
/// empty line is ignored). `file` names the header in errors.
pub fn parse_header(bytes: &[u8], file: &Path) -> Result<Header, NrrdError> {
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .map(String::from_utf8_lossy)
        .zip(1usize..);

    let version = parse_magic(lines.next().map(|(text, _)| text), file)?;
    let mut fields: Vec<RawField> = Vec::new();
    let mut key_values = Vec::new();
    let mut comments = Vec::new();
    let mut list_files: Option<Vec<PathBuf>> = None;

    for (text, line) in lines {
        if text.is_empty() {
            break;
        }
        if let Some(files) = &mut list_files {
            // After `data file: LIST` every line up to the end is a file name.
            files.push(PathBuf::from(text.trim()));
            continue;
        }
        if let Some(comment) = text.strip_prefix('#') {
            comments.push(comment.strip_prefix(' ').unwrap_or(comment).to_string());
            continue;
        }
        let field = text
            .split_once(": ")
            .and_then(|(name, value)| Some((field_name(name)?, value)));
        if let Some((name, value)) = field {
            if let Some(earlier) = fields.iter().find(|f| f.name == name) {
                return Err(line_error(
                    file,
                    line,
                    format!(
                        "field `{name}` is repeated (first given on line {})",
                        earlier.line
                    ),
                ));
            }
            let value = value.trim().to_string();
            if name == "data file" && is_list(&value) {
                list_files = Some(Vec::new());
            }
            fields.push(RawField { name, line, value });
        } else if let Some((key, value)) = text.split_once(":=") {
            key_values.push((unescape(key), unescape(value)));
        } else {
            return Err(line_error(file, line, unknown_line_message(&text)));
        }
    }

    let mut builder = Builder {
        file,
        fields,
        header: Header::new(ScalarType::U8, Vec::new()),
    };
    builder.header.version = version;
    builder.header.key_values = key_values;
    builder.header.comments = comments;
    builder.build(list_files.unwrap_or_default())
}

fn parse_magic(first: Option<std::borrow::Cow<'_, str>>, file: &Path) -> Result<u8, NrrdError> {
    let first = first.unwrap_or_default();
    let version = first
        .strip_prefix("NRRD000")
        .and_then(|digit| digit.parse::<u8>().ok())
        .filter(|v| (1..=5).contains(v));
    version.ok_or_else(|| NrrdError::Magic {
        file: file.to_path_buf(),
        found: first.chars().take(40).collect(),
    })
}

fn is_list(value: &str) -> bool {
    value.split_whitespace().next() == Some("LIST")
}

fn unknown_line_message(text: &str) -> String {
    let shown: String = text.chars().take(60).collect();
    match text.split_once(':') {
        Some((name, _)) if field_name(name).is_some() => format!(
            "`{shown}` looks like field `{}` but has no space after the colon",
            field_name(name).unwrap_or_default()
        ),
        Some((name, _)) if text.contains(": ") => {
            format!("unknown field `{name}` (a free-form entry is written `{name}:=value`)")
        }
        _ => format!(
            "`{shown}` is neither a field (`name: value`) nor a key/value pair (`key:=value`)"
        ),
    }
}

fn line_error(file: &Path, line: usize, message: String) -> NrrdError {
    NrrdError::Line {
        file: file.to_path_buf(),
        line,
        message,
    }
}

/// The second pass: parses each raw field into the header.
struct Builder<'a> {
    file: &'a Path,
    fields: Vec<RawField>,
    header: Header,
}

impl Builder<'_> {
    fn take(&mut self, name: &'static str) -> Option<RawField> {
        let index = self.fields.iter().position(|f| f.name == name)?;
        Some(self.fields.swap_remove(index))
    }

    fn error(&self, field: &RawField, message: String) -> NrrdError {
        NrrdError::Field {
            file: self.file.to_path_buf(),
            line: field.line,
            field: field.name,
            message,
        }
    }

    fn missing(&self, name: &str) -> NrrdError {
        NrrdError::Header {
            file: self.file.to_path_buf(),
            message: format!("required field `{name}` is missing"),
        }
    }

    /// Parses `name` with `parse` when present.
    fn optional<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, NrrdError> {
        match self.take(name) {
            None => Ok(None),
            Some(field) => parse(&field.value)
                .map(Some)
                .map_err(|message| self.error(&field, message)),
        }
    }

    fn required<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, NrrdError> {
        self.optional(name, parse)?
            .ok_or_else(|| self.missing(name))
    }

    /// A per-axis field: `parse` gives the entries, which must number `count`.
    fn per_axis<T>(
        &mut self,
        name: &'static str,
        count: usize,
        count_source: &str,
        parse: impl FnOnce(&str) -> Result<Vec<T>, String>,
    ) -> Result<Option<Vec<T>>, NrrdError> {
        let Some(field) = self.take(name) else {
            return Ok(None);
        };
        let entries = parse(&field.value).map_err(|message| self.error(&field, message))?;
        if entries.len() != count {
            return Err(self.error(
                &field,
                format!(
                    "has {} entries, expected {count} ({count_source})",
                    entries.len()
                ),
            ));
        }
        Ok(Some(entries))
    }

    fn build(mut self, list_files: Vec<PathBuf>) -> Result<Header, NrrdError> {
        let dimension = self.required("dimension", |text| {
            parse_count(text)
                .filter(|d| (1..=MAX_DIMENSION).contains(d))
                .ok_or_else(|| {
                    format!("is `{text}`, expected an integer from 1 to {MAX_DIMENSION}")
                })
        })?;
        let axes = format!("`dimension: {dimension}`");
        self.header.dimension = dimension;

        let scalar_type = self.required("type", |text| {
            ScalarType::parse(text).ok_or_else(|| format!("has unknown type `{text}`"))
        })?;
        let block_size = self.optional("block size", |text| {
            parse_count(text)
                .filter(|&size| size >= 1)
                .ok_or_else(|| format!("is `{text}`, expected a positive integer"))
        })?;
        self.header.scalar_type = match (scalar_type, block_size) {
            (ScalarType::Block(_), Some(size)) => ScalarType::Block(size),
            (ScalarType::Block(_), None) => {
                return Err(NrrdError::Header {
                    file: self.file.to_path_buf(),
                    message: "`type: block` needs a `block size` field".to_string(),
                });
            }
            (scalar, _) => scalar,
        };

        let sizes = self.per_axis("sizes", dimension, &axes, |text| {
            text.split_whitespace()
                .map(|token| {
                    parse_count(token)
                        .filter(|&size| size >= 1)
                        .ok_or_else(|| format!("has `{token}`, expected a positive integer"))
                })
                .collect()
        })?;
        self.header.sizes = sizes.ok_or_else(|| self.missing("sizes"))?;

        self.header.encoding = self.required("encoding", |text| {
            Encoding::parse(text).ok_or_else(|| {
                format!("has unknown encoding `{text}` (expected raw, ascii, hex, gzip or bzip2)")
            })
        })?;
        self.header.endian = self.optional("endian", |text| {
            Endian::parse(text).ok_or_else(|| format!("is `{text}`, expected `little` or `big`"))
        })?;

        self.build_space(dimension, &axes)?;
        self.build_axes(dimension, &axes)?;
        self.build_per_array()?;
        self.build_data_location(list_files)?;

        validate(&self.header, self.file)?;
        Ok(self.header)
    }

    fn build_space(&mut self, dimension: usize, axes: &str) -> Result<(), NrrdError> {
        let space_line = self
            .fields
            .iter()
            .find(|f| f.name == "space")
            .map(|f| f.line);
        let space = self.optional("space", |text| {
            Space::parse(text).ok_or_else(|| format!("has unknown space `{text}`"))
        })?;
        let given_dimension = self.take("space dimension");
        if let (Some(line), Some(given)) = (space_line, &given_dimension) {
            return Err(self.error(
                given,
                format!("cannot be given together with field `space` (line {line})"),
            ));
        }
        let space_dimension = match given_dimension {
            Some(field) => Some(
                parse_count(&field.value)
                    .filter(|d| (1..=MAX_DIMENSION).contains(d))
                    .ok_or_else(|| {
                        let message = format!(
                            "is `{}`, expected an integer from 1 to {MAX_DIMENSION}",
                            field.value
                        );
                        self.error(&field, message)
                    })?,
            ),
            None => space.map(Space::dimension),
        };
        self.header.space = space;
        self.header.space_dimension = space_dimension;

        const SPACE_FIELDS: [&str; 4] = [
            "space directions",
            "space origin",
            "space units",
            "measurement frame",
        ];
        let Some(sd) = space_dimension else {
            if let Some(field) = self.fields.iter().find(|f| SPACE_FIELDS.contains(&f.name)) {
                return Err(self.error(
                    field,
                    "needs a `space` or `space dimension` field".to_string(),
                ));
            }
            return Ok(());
        };
        let components = format!("the space dimension is {sd}");

        self.header.space_directions =
            self.per_axis("space directions", dimension, axes, |text| {
                let entries = parse_vector_list(text)?;
                match entries.iter().flatten().find(|v| v.len() != sd) {
                    Some(v) => Err(format!(
                        "has a vector with {} components, expected {sd} ({components})",
                        v.len()
                    )),
                    None => Ok(entries),
                }
            })?;
        self.header.space_origin = self
            .optional("space origin", |text| {
                if text.eq_ignore_ascii_case("none") {
                    return Ok(None);
                }
                let origin = parse_vector(text)?;
                if origin.len() != sd {
                    return Err(format!(
                        "has {} components, expected {sd} ({components})",
                        origin.len()
                    ));
                }
                Ok(Some(origin))
            })?
            .flatten();
        self.header.space_units =
            self.per_axis("space units", sd, &components, parse_quoted_list)?;
        self.header.measurement_frame =
            self.per_axis("measurement frame", sd, &components, |text| {
                let entries = parse_vector_list(text)?;
                entries
                    .into_iter()
                    .map(|entry| match entry {
                        Some(v) if v.len() == sd => Ok(v),
                        Some(v) => Err(format!(
                            "has a vector with {} components, expected {sd} ({components})",
                            v.len()
                        )),
                        None => Err("has `none`, expected a vector".to_string()),
                    })
                    .collect()
            })?;
        Ok(())
    }

    fn build_axes(&mut self, dimension: usize, axes: &str) -> Result<(), NrrdError> {
        self.header.spacings = self.per_axis("spacings", dimension, axes, parse_f64_list)?;
        self.header.thicknesses = self.per_axis("thicknesses", dimension, axes, parse_f64_list)?;
        self.header.axis_mins = self.per_axis("axis mins", dimension, axes, parse_f64_list)?;
        self.header.axis_maxs = self.per_axis("axis maxs", dimension, axes, parse_f64_list)?;
        self.header.centerings = self.per_axis("centerings", dimension, axes, |text| {
            text.split_whitespace()
                .map(|word| {
                    Centering::parse(word)
                        .ok_or_else(|| format!("has `{word}`, expected `cell`, `node` or `???`"))
                })
                .collect()
        })?;
        self.header.kinds = self.per_axis("kinds", dimension, axes, |text| {
            text.split_whitespace()
                .map(|word| Kind::parse(word).ok_or_else(|| format!("has unknown kind `{word}`")))
                .collect()
        })?;
        self.header.labels = self.per_axis("labels", dimension, axes, parse_quoted_list)?;
        self.header.units = self.per_axis("units", dimension, axes, parse_quoted_list)?;
        Ok(())
    }

    fn build_per_array(&mut self) -> Result<(), NrrdError> {
        let text = |value: &str| Ok(value.to_string());
        self.header.content = self.optional("content", text)?;
        self.header.sample_units = self.optional("sample units", text)?;
        self.header.number = self.optional("number", text)?;
        self.header.min = self.optional("min", parse_f64)?;
        self.header.max = self.optional("max", parse_f64)?;
        self.header.old_min = self.optional("old min", parse_f64)?;
        self.header.old_max = self.optional("old max", parse_f64)?;
        Ok(())
    }

    fn build_data_location(&mut self, list_files: Vec<PathBuf>) -> Result<(), NrrdError> {
        self.header.line_skip = self
            .optional("line skip", |text| {
                parse_count(text)
                    .ok_or_else(|| format!("is `{text}`, expected an integer of 0 or more"))
            })?
            .unwrap_or(0);
        self.header.byte_skip = self
            .optional("byte skip", |text| match text.trim().parse::<i64>() {
                Ok(skip) if skip >= -1 => Ok(skip),
                _ => Err(format!(
                    "is `{text}`, expected -1 or an integer of 0 or more"
                )),
            })?
            .unwrap_or(0);
        let dimension = self.header.dimension;
        let data_file = self.optional("data file", |text| {
            parse_data_file(text, list_files, dimension)
        })?;
        self.header.data_file = data_file.unwrap_or(DataFile::Attached);
        Ok(())
    }
}

/// A non-negative integer that fits in `usize`.
fn parse_count(text: &str) -> Option<usize> {
    text.trim().parse::<usize>().ok()
}

/// The three forms of `data file`: `LIST [subdim]`, `<format> <min> <max> <step>
/// [subdim]` (the format must contain `%`), or one file name (which may contain spaces).
fn parse_data_file(
    text: &str,
    list_files: Vec<PathBuf>,
    dimension: usize,
) -> Result<DataFile, String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let parse_subdim = |token: Option<&&str>| -> Result<Option<usize>, String> {
        match token {
            None => Ok(None),
            Some(token) => parse_count(token)
                .filter(|sub| (1..=dimension).contains(sub))
                .map(Some)
                .ok_or_else(|| {
                    format!("has subdim `{token}`, expected an integer from 1 to {dimension}")
                }),
        }
    };
    if tokens.first() == Some(&"LIST") {
        if tokens.len() > 2 {
            return Err(format!("is `{text}`, expected `LIST` or `LIST <subdim>`"));
        }
        if list_files.is_empty() {
            return Err("is `LIST` but no file names follow it".to_string());
        }
        return Ok(DataFile::List {
            files: list_files,
            subdim: parse_subdim(tokens.get(1))?,
        });
    }
    let numbers: Vec<Option<i64>> = tokens.iter().skip(1).map(|t| t.parse().ok()).collect();
    let is_pattern = (4..=5).contains(&tokens.len())
        && tokens[0].contains('%')
        && numbers.iter().take(3).all(Option::is_some);
    if is_pattern {
        let format = tokens[0].to_string();
        super::detached::check_pattern(&format)?;
        let [min, max, step] = [numbers[0], numbers[1], numbers[2]].map(Option::unwrap_or_default);
        if super::detached::pattern_count(min, max, step).is_none() {
            return Err(format!(
                "has pattern range {min} to {max} by {step}, which never ends or names \
                 more than {} files",
                super::detached::MAX_DATA_FILES
            ));
        }
        return Ok(DataFile::Pattern {
            format,
            min,
            max,
            step,
            subdim: parse_subdim(tokens.get(4))?,
        });
    }
    if text.is_empty() {
        return Err("is empty, expected a file name".to_string());
    }
    Ok(DataFile::Single(PathBuf::from(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Header, String> {
        parse_header(text.as_bytes(), Path::new("t.nrrd")).map_err(|e| e.to_string())
    }

    const MINIMAL: &str =
        "NRRD0004\ntype: short\ndimension: 2\nsizes: 3 4\nendian: little\nencoding: raw\n\n";

    #[test]
    fn a_minimal_header_parses() {
        let header = parse(MINIMAL).expect("minimal header");
        assert_eq!(header.version, 4);
        assert_eq!(header.scalar_type, ScalarType::I16);
        assert_eq!(header.sizes, vec![3, 4]);
        assert_eq!(header.endian, Some(Endian::Little));
        assert_eq!(header.data_file, DataFile::Attached);
    }

    #[test]
    fn field_names_are_case_insensitive_and_accept_space_less_aliases() {
        let text = "NRRD0005\nTYPE: uchar\nDimension: 3\nSIZES: 1 2 3\nEncoding: RAW\n\
                    spacedirections: (1,0,0) none (0,0,1)\nSpace: RAS\nbyteskip: 2\n\
                    lineskip: 1\ncenters: cell node ???\nSpaceOrigin: (1,2,3)\n\n";
        let header = parse(text).expect("aliases");
        assert_eq!(header.space, Some(Space::RightAnteriorSuperior));
        assert_eq!(header.space_dimension, Some(3));
        assert_eq!(
            header.space_directions,
            Some(vec![
                Some(vec![1.0, 0.0, 0.0]),
                None,
                Some(vec![0.0, 0.0, 1.0])
            ])
        );
        assert_eq!(header.byte_skip, 2);
        assert_eq!(header.line_skip, 1);
        assert_eq!(
            header.centerings,
            Some(vec![Centering::Cell, Centering::Node, Centering::Unknown])
        );
        assert_eq!(header.space_origin, Some(vec![1.0, 2.0, 3.0]));
    }

    #[test]
    fn key_values_keep_order_leading_spaces_and_unescape() {
        let text = format!(
            "{}int vector:= (100, 200, -300)\nconv:=a\\nb\\\\c\nbyte skip:= -1\nk:=x:=y\n\n",
            MINIMAL.trim_end_matches('\n').to_string() + "\n"
        );
        let header = parse(&text).expect("key/values");
        assert_eq!(
            header.key_values,
            vec![
                ("int vector".into(), " (100, 200, -300)".into()),
                ("conv".into(), "a\nb\\c".into()),
                ("byte skip".into(), " -1".into()),
                ("k".into(), "x:=y".into()),
            ]
        );
        // A key/value pair never changes how the data is read.
        assert_eq!(header.byte_skip, 0);
    }

    #[test]
    fn comments_can_appear_anywhere_and_crlf_is_tolerated() {
        let text = "NRRD0004\r\n# Created by Fiji\r\ntype: uint8\r\n# mid\r\ndimension: 1\r\n\
                    sizes: 5\r\nencoding: raw\r\n\r\n";
        let header = parse(text).expect("crlf");
        assert_eq!(header.comments, vec!["Created by Fiji", "mid"]);
        assert_eq!(header.sizes, vec![5]);
    }

    #[test]
    fn fields_may_come_before_dimension() {
        let text = "NRRD0004\nsizes: 2 3\nkinds: space list\ntype: float\nendian: big\n\
                    encoding: gz\ndimension: 2\n\n";
        let header = parse(text).expect("any order");
        assert_eq!(header.kinds, Some(vec![Kind::Space, Kind::List]));
        assert_eq!(header.encoding, Encoding::Gzip);
    }

    #[test]
    fn utf8_units_and_nan_spacings_parse() {
        let text = "NRRD0004\ntype: unsigned char\ndimension: 3\nspace dimension: 2\n\
                    sizes: 3 5 6\nspacings: nan 2 3.5\nspace directions: none none none\n\
                    kinds: RGB-color space space\nencoding: raw\nspace units: \"mm\" \"μm\"\n\
                    data file: dummy.raw\n";
        let header = parse(text).expect("utf-8 units");
        assert_eq!(
            header.space_units,
            Some(vec!["mm".to_string(), "μm".to_string()])
        );
        let spacings = header.spacings.expect("spacings");
        assert!(spacings[0].is_nan());
        assert_eq!(spacings[1..], [2.0, 3.5]);
        assert_eq!(header.space_directions, Some(vec![None, None, None]));
        assert_eq!(header.data_file, DataFile::Single("dummy.raw".into()));
    }

    #[test]
    fn data_file_forms_are_recognised() {
        let base =
            "NRRD0004\ntype: short\ndimension: 3\nsizes: 2 2 3\nendian: little\nencoding: raw\n";
        let pattern =
            parse(&format!("{base}data file: slices/s_%03d.raw 0 4 2\n")).expect("pattern");
        assert_eq!(
            pattern.data_file,
            DataFile::Pattern {
                format: "slices/s_%03d.raw".into(),
                min: 0,
                max: 4,
                step: 2,
                subdim: None
            }
        );
        let list =
            parse(&format!("{base}data file: LIST 2\na.raw\nb c.raw\nd.raw\n")).expect("list");
        assert_eq!(
            list.data_file,
            DataFile::List {
                files: vec!["a.raw".into(), "b c.raw".into(), "d.raw".into()],
                subdim: Some(2)
            }
        );
        let spaced = parse(&format!("{base}data file: my scan 1 2 3.raw\n")).expect("single");
        assert_eq!(
            spaced.data_file,
            DataFile::Single("my scan 1 2 3.raw".into())
        );
    }

    #[test]
    fn bad_headers_give_located_messages() {
        let base = "NRRD0004\ntype: short\ndimension: 3\n";
        let table: &[(String, &str)] = &[
            (
                format!("{base}sizes: 2 3\nendian: little\nencoding: raw\n\n"),
                "`t.nrrd` line 4: field `sizes` has 2 entries, expected 3 (`dimension: 3`)",
            ),
            (
                format!("{base}sizes: 2 3 4\nencoding: raw\n\n"),
                "`t.nrrd`: `endian` is required for `int16` with `raw` encoding",
            ),
            (
                format!("{base}sizes: 2 3 4\nendian: little\n\n"),
                "`t.nrrd`: required field `encoding` is missing",
            ),
            (
                format!("{base}sizes: 2 3 4\nendian: little\nencoding: raw\nbyte skip: -5\n\n"),
                "`t.nrrd` line 7: field `byte skip` is `-5`, expected -1 or an integer of 0 or more",
            ),
            (
                format!("{base}sizes: 2 3 4\nsizes: 2 3 4\n\n"),
                "`t.nrrd` line 5: field `sizes` is repeated (first given on line 4)",
            ),
            (
                format!("{base}sizes: 2 0 4\n\n"),
                "`t.nrrd` line 4: field `sizes` has `0`, expected a positive integer",
            ),
            (
                format!("{base}sizes:2 3 4\n\n"),
                "`t.nrrd` line 4: `sizes:2 3 4` looks like field `sizes` but has no space after the colon",
            ),
            (
                format!("{base}colour: red\n\n"),
                "`t.nrrd` line 4: unknown field `colour` (a free-form entry is written `colour:=value`)",
            ),
            (
                format!(
                    "{base}sizes: 2 3 4\nencoding: raw\nendian: big\nspace: LPS\nspace dimension: 3\n\n"
                ),
                "`t.nrrd` line 8: field `space dimension` cannot be given together with field `space` (line 7)",
            ),
            (
                format!(
                    "{base}sizes: 2 3 4\nspace origin: (0,0,0)\nencoding: hex\nendian: big\n\n"
                ),
                "`t.nrrd` line 5: field `space origin` needs a `space` or `space dimension` field",
            ),
            (
                "NRRD0006\n".to_string(),
                "`t.nrrd`: not an NRRD file: the first line is `NRRD0006`, expected `NRRD0001` to `NRRD0005`",
            ),
            (
                "NRRD0004\ntype: char\ndimension: 1\n".to_string(),
                "`t.nrrd` line 2: field `type` has unknown type `char`",
            ),
        ];
        for (text, expected) in table {
            assert_eq!(parse(text).err().as_deref(), Some(*expected), "{text}");
        }
    }

    #[test]
    fn a_space_vector_with_the_wrong_length_is_rejected() {
        let text = "NRRD0004\ntype: uchar\ndimension: 2\nspace: LPS\nsizes: 2 2\n\
                    space directions: (1,0) (0,1)\nencoding: raw\n\n";
        assert_eq!(
            parse(text).err().as_deref(),
            Some(
                "`t.nrrd` line 6: field `space directions` has a vector with 2 components, \
                 expected 3 (the space dimension is 3)"
            )
        );
    }

    #[test]
    fn header_end_is_the_first_empty_line() {
        assert_eq!(header_end(b"NRRD0004\na: b\n\nDATA"), Some(15));
        assert_eq!(header_end(b"NRRD0004\r\na: b\r\n\r\nDATA"), Some(18));
        assert_eq!(header_end(b"NRRD0004\na: b\n"), None);
    }
}
