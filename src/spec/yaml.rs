//! YAML text into the document structs, serde's errors into located [`SpecError`]s.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::error::{SpecError, SpecErrorKind};
use super::locate::locate;
use super::suggest::did_you_mean;

/// Parses YAML into `T`, turning serde's errors into located [`SpecError`]s.
pub(crate) fn parse_yaml<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, SpecError> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let position = inner.location().map(|l| (l.line(), l.column()));
        let (kind, message) = describe_serde_error(&inner.to_string());
        let position = match kind {
            SpecErrorKind::Duplicate => second_occurrence(text, &path, &message).or(position),
            _ => position,
        };
        let mut err = SpecError::new(kind, file, message).position(position);
        // A top-level unknown key is its own path; saying it twice helps nobody.
        let redundant = kind == SpecErrorKind::UnknownKey && !path.contains('.');
        if path != "." && !path.is_empty() && !redundant {
            err = err.at(path);
        }
        err
    })
}

/// Where a repeated name is written the second time (serde reports the map).
fn second_occurrence(text: &str, path: &str, message: &str) -> Option<(usize, usize)> {
    let name = message.split('`').nth(1)?;
    let mut keys: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    keys.push(name);
    let (line, column) = locate(text, &keys)?;
    let indent = column - 1;
    text.lines().enumerate().skip(line).find_map(|(i, l)| {
        let body = l.get(indent..)?;
        let same_level = l[..indent].trim().is_empty() && body.starts_with(&format!("{name}:"));
        same_level.then_some((i + 1, column))
    })
}

/// Classifies a serde message and words it the radflow way, adding did-you-mean for unknown
/// fields and variants.
pub(crate) fn describe_serde_error(raw: &str) -> (SpecErrorKind, String) {
    // serde_yaml appends " at line L column C"; the position is reported separately.
    let text = match raw.find(" at line ") {
        Some(i) => &raw[..i],
        None => raw,
    };
    // serde_yaml prefixes nested errors with their path (`stages.a: unknown field ...`); the
    // path is reported on its own.
    let known = [
        "unknown field `",
        "unknown variant `",
        "invalid type",
        "invalid value",
        "invalid length",
        "missing field",
        "duplicate ",
    ];
    let text = known
        .iter()
        .filter_map(|k| text.find(k))
        .min()
        .map_or(text, |i| &text[i..]);
    for (prefix, what) in [("unknown field `", "key"), ("unknown variant `", "value")] {
        if let Some(rest) = text.strip_prefix(prefix)
            && let Some((word, tail)) = rest.split_once('`')
        {
            let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
            let hint = did_you_mean(word, expected.iter().copied());
            let list = if expected.is_empty() {
                "none are allowed here".to_string()
            } else {
                format!(
                    "expected one of {}",
                    expected
                        .iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let kind = if what == "key" {
                SpecErrorKind::UnknownKey
            } else {
                SpecErrorKind::Invalid
            };
            let message = if hint.is_empty() {
                format!("unknown {what} `{word}`; {list}")
            } else {
                format!("unknown {what} `{word}`{hint}")
            };
            return (kind, message);
        }
    }
    if text.starts_with("invalid type")
        || text.starts_with("invalid value")
        || text.starts_with("invalid length")
    {
        return (SpecErrorKind::Invalid, text.to_string());
    }
    if text.starts_with("missing field") {
        return (SpecErrorKind::Invalid, text.to_string());
    }
    if text.starts_with("duplicate") {
        return (SpecErrorKind::Duplicate, text.to_string());
    }
    (SpecErrorKind::Syntax, text.to_string())
}
