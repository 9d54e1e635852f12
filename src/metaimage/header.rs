//! The MetaImage text header: `Key = Value` lines ending with `ElementDataFile`.
//!
//! What is read, as ITK's MetaImageIO reads it: `NDims`, `DimSize`, `ElementType`,
//! `ElementNumberOfChannels` (1 only), `ElementSpacing`, `Offset` (or `Origin`,
//! `Position`), `TransformMatrix` (or `Rotation`, `Orientation`; row `a` is the direction
//! of voxel axis `a`), `BinaryDataByteOrderMSB` (or `ElementByteOrderMSB`),
//! `CompressedData`, `CompressedDataSize`, `HeaderSize` (-1: the data is the end of the
//! file), `BinaryData` (text data is refused), and `ElementDataFile`: `LOCAL`, one file,
//! `LIST [nD]` followed by one file name a line, or a printf pattern with first, last and
//! step (`slice%03d.raw 1 40 1`). `AnatomicalOrientation` is kept as text only: ITK, too,
//! places voxels by the matrix alone. Keys compare ignoring case; unknown keys are kept.

use std::path::Path;

use super::element_type;
use super::error::MetaImageError;
use crate::nrrd::ScalarType;

/// The most header bytes scanned for `ElementDataFile`.
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// Where the samples are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataFile {
    /// Right after the header, in the same file (`.mha`).
    Local,
    /// One file, relative to the header's folder.
    One(String),
    /// One file per slice (or per sub-volume of `dimension` axes), in order.
    List {
        files: Vec<String>,
        dimension: usize,
    },
}

/// The parsed header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub ndims: usize,
    pub sizes: Vec<usize>,
    pub element_type: ScalarType,
    pub element_type_name: String,
    pub spacing: Vec<f64>,
    pub offset: Vec<f64>,
    /// `ndims * ndims` numbers; row `a` is the direction of voxel axis `a`.
    pub transform: Vec<f64>,
    pub big_endian: bool,
    pub compressed: bool,
    pub compressed_size: Option<u64>,
    /// Bytes to skip in each data file; -1: the data is the end of the file.
    pub header_size: i64,
    pub data_file: DataFile,
    pub anatomical_orientation: Option<String>,
    /// Other `[key, value]` pairs, in file order.
    pub key_values: Vec<(String, String)>,
    /// Bytes of the header text, up to and including the `ElementDataFile` line (and,
    /// for `LIST`, the file names after it).
    pub length: usize,
}

/// Whether `bytes` start like a MetaImage header: a `Key = Value` line whose key is one
/// MetaIO writes first.
pub fn sniff(bytes: &[u8]) -> bool {
    let line_end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let Ok(line) = std::str::from_utf8(&bytes[..line_end.min(256)]) else {
        return false;
    };
    let Some((key, _)) = line.split_once('=') else {
        return false;
    };
    const FIRST_KEYS: &[&str] = &[
        "objecttype",
        "ndims",
        "comment",
        "objectsubtype",
        "transformtype",
        "name",
        "dimsize",
    ];
    FIRST_KEYS.contains(&key.trim().to_ascii_lowercase().as_str())
}

struct Line<'a> {
    number: usize,
    key: &'a str,
    value: &'a str,
}

impl Header {
    /// Parses the header at the start of `bytes` (the whole `.mhd`, or the start of a
    /// `.mha`).
    pub fn parse(bytes: &[u8], file: &Path) -> Result<Header, MetaImageError> {
        let not_meta = |found: String| MetaImageError::NotMetaImage {
            file: file.to_path_buf(),
            found,
        };
        let mut lines: Vec<Line<'_>> = Vec::new();
        let mut position = 0;
        let mut number = 0;
        let mut data_line = None;
        while position < bytes.len().min(MAX_HEADER_BYTES) {
            let end = bytes[position..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |at| position + at);
            let raw = &bytes[position..end];
            position = (end + 1).min(bytes.len().max(end));
            number += 1;
            let text = std::str::from_utf8(raw)
                .map_err(|_| not_meta(format!("line {number} is not text")))?
                .trim_end_matches('\r');
            if text.trim().is_empty() {
                continue;
            }
            let (key, value) = text
                .split_once('=')
                .ok_or_else(|| not_meta(format!("line {number} `{text}` is not `Key = Value`")))?;
            let line = Line {
                number,
                key: key.trim(),
                value: value.trim(),
            };
            let is_data = line.key.eq_ignore_ascii_case("ElementDataFile");
            lines.push(line);
            if is_data {
                data_line = Some(lines.len() - 1);
                break;
            }
        }
        let data_index = data_line
            .ok_or_else(|| not_meta("no `ElementDataFile` line ends the header".to_string()))?;
        let mut length = position.min(bytes.len());
        let field = |line: &Line<'_>, expected: &str| MetaImageError::Field {
            file: file.to_path_buf(),
            line: line.number,
            key: line.key.to_string(),
            found: line.value.to_string(),
            expected: expected.to_string(),
        };
        let mut builder = Builder::default();
        for line in &lines[..data_index] {
            builder.take(line, &field)?;
        }
        let ndims = builder
            .ndims
            .ok_or(missing(file, "NDims", "the number of axes"))?;
        let sizes = builder
            .sizes
            .ok_or(missing(file, "DimSize", "one size per axis"))?;
        let (element_type, element_type_name) = builder.element_type.ok_or(missing(
            file,
            "ElementType",
            "a type such as `MET_SHORT`",
        ))?;
        let check_len =
            |name: &'static str, values: &Option<(usize, Vec<f64>)>, wanted: usize| match values {
                Some((line, v)) if v.len() != wanted => Err(MetaImageError::Field {
                    file: file.to_path_buf(),
                    line: *line,
                    key: name.to_string(),
                    found: format!("{} numbers", v.len()),
                    expected: format!("{wanted} numbers for {ndims} axes"),
                }),
                _ => Ok(()),
            };
        if sizes.1.len() != ndims {
            return Err(MetaImageError::Field {
                file: file.to_path_buf(),
                line: sizes.0,
                key: "DimSize".to_string(),
                found: format!("{} sizes", sizes.1.len()),
                expected: format!("{ndims} sizes (`NDims`)"),
            });
        }
        check_len("ElementSpacing", &builder.spacing, ndims)?;
        check_len("Offset", &builder.offset, ndims)?;
        check_len("TransformMatrix", &builder.transform, ndims * ndims)?;
        let data = &lines[data_index];
        let data_file = match data.value.split_whitespace().collect::<Vec<_>>().as_slice() {
            [word] if word.eq_ignore_ascii_case("LOCAL") => DataFile::Local,
            [word, rest @ ..] if word.eq_ignore_ascii_case("LIST") => {
                let dimension = match rest {
                    [] => ndims.saturating_sub(1),
                    [d] => d
                        .trim_end_matches(['d', 'D'])
                        .parse::<usize>()
                        .ok()
                        .filter(|d| (1..=ndims).contains(d))
                        .ok_or_else(|| field(data, "`LIST` or `LIST nD` with n at most NDims"))?,
                    _ => return Err(field(data, "`LIST` or `LIST nD`")),
                };
                let text = std::str::from_utf8(&bytes[length..])
                    .map_err(|_| field(data, "file names on the lines after `LIST`"))?;
                let files: Vec<String> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect();
                length = bytes.len();
                DataFile::List { files, dimension }
            }
            [pattern, first, last, step] if pattern.contains('%') => {
                let number = |text: &str| text.parse::<i64>().ok();
                let (Some(first), Some(last), Some(step)) =
                    (number(first), number(last), number(step))
                else {
                    return Err(field(data, "a pattern with whole first, last and step"));
                };
                if step == 0 || (last - first) / step < 0 {
                    return Err(field(data, "a step that goes from first to last"));
                }
                let count = (last - first) / step + 1;
                let wanted = sizes.1.last().copied().unwrap_or(0) as i64;
                if count != wanted {
                    return Err(field(
                        data,
                        &format!("{wanted} files (the last `DimSize`), the pattern names {count}"),
                    ));
                }
                let files = (0..count)
                    .map(|n| format_pattern(pattern, first + n * step))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| field(data, "a printf pattern with one `%d` (e.g. `%03d`)"))?;
                DataFile::List {
                    files,
                    dimension: ndims.saturating_sub(1),
                }
            }
            [] => return Err(field(data, "`LOCAL`, a file name, `LIST` or a pattern")),
            _ => DataFile::One(data.value.to_string()),
        };
        if builder.channels > 1 {
            return Err(missing_channels(file, builder.channels));
        }
        let identity: Vec<f64> = (0..ndims * ndims)
            .map(|i| if i % (ndims + 1) == 0 { 1.0 } else { 0.0 })
            .collect();
        Ok(Header {
            ndims,
            sizes: sizes.1,
            element_type,
            element_type_name,
            spacing: builder.spacing.map_or(vec![1.0; ndims], |v| v.1),
            offset: builder.offset.map_or(vec![0.0; ndims], |v| v.1),
            transform: builder.transform.map_or(identity, |v| v.1),
            big_endian: builder.big_endian,
            compressed: builder.compressed,
            compressed_size: builder.compressed_size,
            header_size: builder.header_size,
            data_file,
            anatomical_orientation: builder.anatomical_orientation,
            key_values: builder.key_values,
            length,
        })
    }

    /// The number of samples.
    pub fn sample_count(&self) -> u128 {
        self.sizes.iter().map(|n| *n as u128).product()
    }
}

fn missing(file: &Path, key: &'static str, expected: &'static str) -> MetaImageError {
    MetaImageError::Missing {
        file: file.to_path_buf(),
        key,
        expected,
    }
}

fn missing_channels(file: &Path, channels: usize) -> MetaImageError {
    MetaImageError::Field {
        file: file.to_path_buf(),
        line: 0,
        key: "ElementNumberOfChannels".to_string(),
        found: channels.to_string(),
        expected: "1 (radflow reads scalar images)".to_string(),
    }
}

/// The values of the keys radflow uses, with the line each came from.
#[derive(Default)]
struct Builder {
    ndims: Option<usize>,
    sizes: Option<(usize, Vec<usize>)>,
    element_type: Option<(ScalarType, String)>,
    channels: usize,
    spacing: Option<(usize, Vec<f64>)>,
    offset: Option<(usize, Vec<f64>)>,
    transform: Option<(usize, Vec<f64>)>,
    big_endian: bool,
    compressed: bool,
    compressed_size: Option<u64>,
    header_size: i64,
    anatomical_orientation: Option<String>,
    key_values: Vec<(String, String)>,
}

impl Builder {
    fn take(
        &mut self,
        line: &Line<'_>,
        field: &dyn Fn(&Line<'_>, &str) -> MetaImageError,
    ) -> Result<(), MetaImageError> {
        let numbers = || -> Result<Vec<f64>, MetaImageError> {
            line.value
                .split_whitespace()
                .map(|w| w.parse::<f64>().ok().filter(|v| v.is_finite()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| field(line, "finite numbers"))
        };
        let flag = || -> Result<bool, MetaImageError> {
            match line.value.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(field(line, "`True` or `False`")),
            }
        };
        match line.key.to_ascii_lowercase().as_str() {
            "objecttype" if !line.value.eq_ignore_ascii_case("Image") => {
                return Err(field(line, "`Image`"));
            }
            "ndims" => {
                self.ndims = Some(
                    line.value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=7).contains(n))
                        .ok_or_else(|| field(line, "1 to 7 axes"))?,
                );
            }
            "dimsize" => {
                let sizes = line
                    .value
                    .split_whitespace()
                    .map(|w| w.parse::<usize>().ok().filter(|n| *n >= 1))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| field(line, "sizes of at least 1"))?;
                self.sizes = Some((line.number, sizes));
            }
            "elementtype" => {
                let scalar = element_type::parse(line.value).ok_or_else(|| {
                    field(
                        line,
                        "a scalar type (`MET_CHAR` to `MET_ULONG_LONG`, `MET_FLOAT`, `MET_DOUBLE`)",
                    )
                })?;
                self.element_type = Some((scalar, line.value.to_string()));
            }
            "elementnumberofchannels" => {
                self.channels = line
                    .value
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| field(line, "a channel count"))?;
            }
            "elementspacing" => self.spacing = Some((line.number, numbers()?)),
            "offset" | "origin" | "position" => self.offset = Some((line.number, numbers()?)),
            "transformmatrix" | "rotation" | "orientation" => {
                self.transform = Some((line.number, numbers()?));
            }
            "binarydatabyteordermsb" | "elementbyteordermsb" => self.big_endian = flag()?,
            "compresseddata" => self.compressed = flag()?,
            "compresseddatasize" => {
                self.compressed_size = Some(
                    line.value
                        .parse()
                        .map_err(|_| field(line, "a byte count"))?,
                );
            }
            "headersize" => {
                self.header_size = line
                    .value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= -1)
                    .ok_or_else(|| field(line, "a byte count, or -1"))?;
            }
            "binarydata" if !flag()? => {
                return Err(field(line, "`True` (text data is not read)"));
            }
            "anatomicalorientation" => {
                self.anatomical_orientation = Some(line.value.to_string());
            }
            _ => self
                .key_values
                .push((line.key.to_string(), line.value.to_string())),
        }
        Ok(())
    }
}

/// Expands a printf pattern with one integer conversion (`%d`, `%3d`, `%03d`).
fn format_pattern(pattern: &str, value: i64) -> Option<String> {
    let start = pattern.find('%')?;
    let rest = &pattern[start + 1..];
    let end = rest.find('d')?;
    let spec = &rest[..end];
    let (zero, width) = match spec.strip_prefix('0') {
        Some(width) => (true, width),
        None => (false, spec),
    };
    let width: usize = if width.is_empty() {
        0
    } else {
        width.parse().ok()?
    };
    if width > 32 {
        return None;
    }
    let number = if zero {
        format!("{value:0width$}")
    } else {
        format!("{value:width$}")
    };
    let tail = &rest[end + 1..];
    if tail.contains('%') {
        return None;
    }
    Some(format!("{}{number}{tail}", &pattern[..start]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MHD: &str = "ObjectType = Image\nNDims = 3\nBinaryData = True\n\
        BinaryDataByteOrderMSB = False\nCompressedData = False\n\
        TransformMatrix = 0 1 0 -1 0 0 0 0 1\nOffset = -10 20.5 3\n\
        CenterOfRotation = 0 0 0\nAnatomicalOrientation = RAI\n\
        ElementSpacing = 0.5 0.75 2.5\nDimSize = 4 3 2\nElementType = MET_SHORT\n\
        ElementDataFile = scan.raw\n";

    #[test]
    fn a_simpleitk_header_reads_every_geometry_key() {
        let header = Header::parse(MHD.as_bytes(), Path::new("s.mhd")).expect("valid");
        assert_eq!(header.sizes, vec![4, 3, 2]);
        assert_eq!(header.element_type, ScalarType::I16);
        assert_eq!(header.spacing, vec![0.5, 0.75, 2.5]);
        assert_eq!(header.offset, vec![-10.0, 20.5, 3.0]);
        assert_eq!(
            header.transform,
            vec![0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
        );
        assert_eq!(header.data_file, DataFile::One("scan.raw".into()));
        assert_eq!(header.anatomical_orientation.as_deref(), Some("RAI"));
        assert_eq!(header.length, MHD.len());
        assert!(sniff(MHD.as_bytes()));
        assert!(!sniff(b"NRRD0004\n"));
    }

    #[test]
    fn lists_and_patterns_name_one_file_per_slice() {
        let list = MHD.replace("scan.raw\n", "LIST\na.raw\nb.raw\n");
        let header = Header::parse(list.as_bytes(), Path::new("s.mhd")).expect("list");
        assert_eq!(
            header.data_file,
            DataFile::List {
                files: vec!["a.raw".into(), "b.raw".into()],
                dimension: 2
            }
        );
        let pattern = MHD.replace("scan.raw", "sl%03d.raw 4 6 2");
        let header = Header::parse(pattern.as_bytes(), Path::new("s.mhd")).expect("pattern");
        assert_eq!(
            header.data_file,
            DataFile::List {
                files: vec!["sl004.raw".into(), "sl006.raw".into()],
                dimension: 2
            }
        );
    }

    #[test]
    fn bad_headers_name_the_line_the_key_and_what_was_expected() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "DimSize = 4 3 2",
                "DimSize = 4 3",
                "`DimSize` is `2 sizes`; expected 3 sizes",
            ),
            (
                "DimSize = 4 3 2",
                "DimSize = 4 0 2",
                "expected sizes of at least 1",
            ),
            (
                "MET_SHORT",
                "MET_SHORT_ARRAY",
                "`ElementType` is `MET_SHORT_ARRAY`",
            ),
            (
                "Offset = -10 20.5 3",
                "Offset = -10 x 3",
                "`Offset` is `-10 x 3`; expected finite numbers",
            ),
            (
                "ElementSpacing = 0.5 0.75 2.5",
                "ElementSpacing = 0.5",
                "expected 3 numbers",
            ),
            (
                "BinaryData = True",
                "BinaryData = False",
                "text data is not read",
            ),
            (
                "ObjectType = Image",
                "ObjectType = Mesh",
                "expected `Image`",
            ),
            ("scan.raw", "sl%03d.raw 1 5 1", "expected 2 files"),
            (
                "ElementDataFile = scan.raw\n",
                "",
                "no `ElementDataFile` line",
            ),
            ("NDims = 3\n", "", "`NDims` is missing"),
        ];
        for (from, to, expected) in cases {
            let text = MHD.replace(from, to);
            let message = Header::parse(text.as_bytes(), Path::new("p/s.mhd"))
                .expect_err(expected)
                .to_string();
            assert!(message.starts_with("`p/s.mhd`"), "{message}");
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn printf_patterns_pad_as_c_does() {
        assert_eq!(format_pattern("a%03d.raw", 7).as_deref(), Some("a007.raw"));
        assert_eq!(format_pattern("a%d.raw", 12).as_deref(), Some("a12.raw"));
        assert_eq!(format_pattern("a%3d", 5).as_deref(), Some("a  5"));
        assert_eq!(format_pattern("a%s", 5), None);
    }
}
