//! Header to text: the inverse of the parser, in teem's field order, one field a line,
//! numbers printed so they parse back to the same bits.

use std::fmt::Write as _;

use super::field::{escape, format_f64, format_quoted, format_vector};
use super::header::{DataFile, Header};
use super::types::ScalarType;

/// Why a header cannot be written as text.
pub type EmitError = String;

/// The header's text, up to and including its last field line (no blank line).
/// Fails on text that would not read back the same: line breaks in single-line fields,
/// key/value keys that the parser would split differently.
pub fn emit_header(header: &Header) -> Result<String, EmitError> {
    let mut out = String::new();
    let _ = writeln!(out, "NRRD{:04}", header.version);
    for comment in &header.comments {
        for line in comment.lines() {
            let _ = writeln!(out, "# {line}");
        }
    }
    let mut field = |name: &str, value: String| -> Result<(), EmitError> {
        if value.contains(['\n', '\r']) {
            return Err(format!("field `{name}` contains a line break"));
        }
        let _ = writeln!(out, "{name}: {value}");
        Ok(())
    };
    let numbers = |values: &[f64]| -> String {
        values
            .iter()
            .map(|&v| format_f64(v))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let words = |values: Vec<&str>| values.join(" ");
    let quoted = |values: &[String]| {
        values
            .iter()
            .map(|v| format_quoted(v))
            .collect::<Vec<_>>()
            .join(" ")
    };

    if let Some(content) = &header.content {
        field("content", content.clone())?;
    }
    field("type", header.scalar_type.nrrd_name().to_string())?;
    if let ScalarType::Block(size) = header.scalar_type {
        field("block size", size.to_string())?;
    }
    field("dimension", header.dimension.to_string())?;
    match (header.space, header.space_dimension) {
        (Some(space), _) => field("space", space.nrrd_name().to_string())?,
        (None, Some(dimension)) => field("space dimension", dimension.to_string())?,
        (None, None) => {}
    }
    let sizes: Vec<String> = header.sizes.iter().map(usize::to_string).collect();
    field("sizes", sizes.join(" "))?;
    if let Some(directions) = &header.space_directions {
        let entries: Vec<String> = directions
            .iter()
            .map(|d| d.as_deref().map_or("none".to_string(), format_vector))
            .collect();
        field("space directions", entries.join(" "))?;
    }
    if let Some(values) = &header.spacings {
        field("spacings", numbers(values))?;
    }
    if let Some(values) = &header.thicknesses {
        field("thicknesses", numbers(values))?;
    }
    if let Some(values) = &header.axis_mins {
        field("axis mins", numbers(values))?;
    }
    if let Some(values) = &header.axis_maxs {
        field("axis maxs", numbers(values))?;
    }
    if let Some(values) = &header.centerings {
        field(
            "centerings",
            words(values.iter().map(|c| c.nrrd_name()).collect()),
        )?;
    }
    if let Some(values) = &header.kinds {
        field(
            "kinds",
            words(values.iter().map(|k| k.nrrd_name()).collect()),
        )?;
    }
    if let Some(values) = &header.labels {
        field("labels", quoted(values))?;
    }
    if let Some(values) = &header.units {
        field("units", quoted(values))?;
    }
    let scalars = [
        ("min", header.min),
        ("max", header.max),
        ("old min", header.old_min),
        ("old max", header.old_max),
    ];
    for (name, value) in scalars {
        if let Some(value) = value {
            field(name, format_f64(value))?;
        }
    }
    if let Some(number) = &header.number {
        field("number", number.clone())?;
    }
    if let Some(units) = &header.sample_units {
        field("sample units", units.clone())?;
    }
    if let Some(endian) = header.endian {
        field("endian", endian.nrrd_name().to_string())?;
    }
    field("encoding", header.encoding.nrrd_name().to_string())?;
    if header.line_skip != 0 {
        field("line skip", header.line_skip.to_string())?;
    }
    if header.byte_skip != 0 {
        field("byte skip", header.byte_skip.to_string())?;
    }
    if let Some(units) = &header.space_units {
        field("space units", quoted(units))?;
    }
    if let Some(origin) = &header.space_origin {
        field("space origin", format_vector(origin))?;
    }
    if let Some(frame) = &header.measurement_frame {
        let vectors: Vec<String> = frame.iter().map(|v| format_vector(v)).collect();
        field("measurement frame", vectors.join(" "))?;
    }
    for (key, value) in &header.key_values {
        check_key(key)?;
        let _ = writeln!(out, "{}:={}", escape(key), escape(value));
    }
    // `data file` last: in its LIST form every line after it is a file name.
    match &header.data_file {
        DataFile::Attached => {}
        DataFile::Single(path) => {
            let name = path.to_string_lossy();
            if name.contains(['\n', '\r']) || name.trim() != name || name.is_empty() {
                return Err(format!("data file name `{name}` cannot be written"));
            }
            let _ = writeln!(out, "data file: {name}");
        }
        DataFile::Pattern {
            format,
            min,
            max,
            step,
            subdim,
        } => {
            let subdim = subdim.map(|s| format!(" {s}")).unwrap_or_default();
            let _ = writeln!(out, "data file: {format} {min} {max} {step}{subdim}");
        }
        DataFile::List { files, subdim } => {
            let subdim = subdim.map(|s| format!(" {s}")).unwrap_or_default();
            let _ = writeln!(out, "data file: LIST{subdim}");
            for file in files {
                let _ = writeln!(out, "{}", file.to_string_lossy());
            }
        }
    }
    Ok(out)
}

/// A key must read back as the same key: not empty, no `:=` (the first one splits key
/// from value), no `": "` (it could make the line a field), no leading `#` (a comment)
/// and no carriage return (stripped at line ends).
fn check_key(key: &str) -> Result<(), EmitError> {
    let problem = if key.is_empty() {
        Some("is empty")
    } else if key.contains(":=") {
        Some("contains `:=`")
    } else if key.contains(": ") {
        Some("contains `: `")
    } else if key.starts_with('#') {
        Some("starts with `#`")
    } else if key.contains('\r') {
        Some("contains a carriage return")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(format!("key/value key `{}` {problem}", key.escape_debug())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nrrd::parse::parse_header;
    use crate::nrrd::types::{Centering, Encoding, Endian, Kind, Space};
    use std::path::Path;

    fn rich_header() -> Header {
        let mut header = Header::new(ScalarType::I16, vec![2, 3, 4]);
        header.comments = vec!["made by a test".into()];
        header.content = Some("crop(x)".into());
        header.space = Some(Space::LeftPosteriorSuperior);
        header.space_dimension = Some(3);
        header.space_directions = Some(vec![
            Some(vec![0.781_249_999_999_999_9, 0.0, 0.0]),
            Some(vec![0.0, -0.5, 0.0]),
            Some(vec![0.0, 0.0, 6.499_999_999_999_998]),
        ]);
        header.space_origin = Some(vec![-99.609_374_999_999_99, 1e-300, 3.0]);
        header.space_units = Some(vec!["mm".into(), "μm".into(), "a \"q\"".into()]);
        header.measurement_frame = Some(vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.0, 1.0],
        ]);
        header.kinds = Some(vec![Kind::Domain, Kind::Domain, Kind::Domain]);
        header.spacings = Some(vec![f64::NAN, 1.0, 2.0]);
        header.thicknesses = Some(vec![1.0, 2.0, 3.0]);
        header.axis_mins = Some(vec![0.0, -1.0, 2.5]);
        header.axis_maxs = Some(vec![1.0, 1.0, 9.5]);
        header.centerings = Some(vec![Centering::Cell, Centering::Node, Centering::Unknown]);
        header.labels = Some(vec!["x".into(), "y axis".into(), "histo(???,1000)".into()]);
        header.units = Some(vec!["mm".into(), "mm".into(), "s".into()]);
        header.min = Some(-3.0);
        header.max = Some(7.5);
        header.old_min = Some(0.0);
        header.old_max = Some(255.0);
        header.sample_units = Some("HU".into());
        header.endian = Some(Endian::Big);
        header.encoding = Encoding::Gzip;
        header.key_values = vec![
            ("Segment0_Name".into(), " tumor: core".into()),
            ("conv".into(), "a|1|line\nbreak \\ done".into()),
            ("int list".into(), "1 2 3".into()),
        ];
        header
    }

    #[test]
    fn an_emitted_header_parses_back_to_the_same_header() {
        let header = rich_header();
        let text = emit_header(&header).expect("emit") + "\n";
        let parsed = parse_header(text.as_bytes(), Path::new("t.nrrd")).expect("parse");
        // NaN != NaN, so compare the spacings apart.
        let (mut a, mut b) = (header, parsed);
        let spacings = (a.spacings.take(), b.spacings.take());
        assert_eq!(a, b, "{text}");
        let (sa, sb) = (spacings.0.expect("spacings"), spacings.1.expect("spacings"));
        assert!(sb[0].is_nan());
        assert_eq!(sa[1..], sb[1..]);
    }

    #[test]
    fn emitted_fields_look_like_teem_writes_them() {
        let text = emit_header(&rich_header()).expect("emit");
        for line in [
            "NRRD0005",
            "# made by a test",
            "type: int16",
            "space: left-posterior-superior",
            "space directions: (0.7812499999999999,0,0) (0,-0.5,0) (0,0,6.499999999999998)",
            "spacings: nan 1 2",
            "space units: \"mm\" \"μm\" \"a \\\"q\\\"\"",
            "conv:=a|1|line\\nbreak \\\\ done",
            "endian: big",
            "encoding: gzip",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }

    #[test]
    fn keys_that_would_read_back_differently_are_refused() {
        for key in ["", "a:=b", "sizes: 3", "#x", "a\rb"] {
            let mut header = Header::new(ScalarType::U8, vec![1]);
            header.key_values = vec![(key.into(), "v".into())];
            assert!(emit_header(&header).is_err(), "{key:?}");
        }
        let mut header = Header::new(ScalarType::U8, vec![1]);
        header.content = Some("two\nlines".into());
        assert_eq!(
            emit_header(&header),
            Err("field `content` contains a line break".into())
        );
    }
}
