//! Detached data: which files hold the samples, and how the samples split among them.
//!
//! `data file` names one file, a printf pattern over a range of integers, or a `LIST`
//! of files. Relative names are resolved against the header's folder. With several
//! files, each holds an equal piece: a `subdim`-dimensional slab (by default one slice
//! along the slowest axis), so the number of files must equal the product of the sizes
//! of the axes above `subdim`.

use std::path::{Path, PathBuf};

use super::header::{DataFile, Header};

/// The most data files one header may name; more is a malformed or hostile header.
pub const MAX_DATA_FILES: usize = 1 << 20;

/// Every file the data of `header` comes from, in reading order, resolved against the
/// folder of `header_path`. Empty for attached data (the data is in the header's file).
/// The engine hashes these into cache keys, so editing a detached `.raw` invalidates.
pub fn data_files(header: &Header, header_path: &Path) -> Vec<PathBuf> {
    let folder = header_path.parent().unwrap_or(Path::new(""));
    let resolve = |name: &Path| folder.join(name);
    match &header.data_file {
        DataFile::Attached => Vec::new(),
        DataFile::Single(name) => vec![resolve(name)],
        DataFile::List { files, .. } => files.iter().map(|f| resolve(f)).collect(),
        DataFile::Pattern {
            format,
            min,
            max,
            step,
            ..
        } => pattern_indices(*min, *max, *step)
            .into_iter()
            .flatten()
            .map(|index| resolve(Path::new(&format_pattern(format, index))))
            .collect(),
    }
}

/// The indices `min, min+step, ...` up to `max` inclusive, or `None` when the range is
/// empty, never ends, or names more than [`MAX_DATA_FILES`] files.
pub fn pattern_indices(min: i64, max: i64, step: i64) -> Option<Vec<i64>> {
    let count = pattern_count(min, max, step)?;
    let mut indices = Vec::with_capacity(count);
    let mut index = min;
    for _ in 0..count {
        indices.push(index);
        index = index.checked_add(step)?;
    }
    Some(indices)
}

/// How many files a pattern names (see [`pattern_indices`]).
pub fn pattern_count(min: i64, max: i64, step: i64) -> Option<usize> {
    let span = i128::from(max) - i128::from(min);
    if step == 0 || span.signum() * i128::from(step.signum()) < 0 {
        return None;
    }
    let span = span / i128::from(step);
    usize::try_from(span + 1)
        .ok()
        .filter(|&count| count <= MAX_DATA_FILES)
}

/// How many data files the header names, or `None` for a pattern that is malformed.
pub fn file_count(header: &Header) -> Option<usize> {
    match &header.data_file {
        DataFile::Attached | DataFile::Single(_) => Some(1),
        DataFile::List { files, .. } => Some(files.len()),
        DataFile::Pattern { min, max, step, .. } => pattern_count(*min, *max, *step),
    }
}

/// How many pieces the data is cut into: the product of the sizes above `subdim`
/// (default: one piece per index of the slowest axis). 1 for one data file.
pub fn piece_count(header: &Header) -> Option<usize> {
    let subdim = match &header.data_file {
        DataFile::Attached | DataFile::Single(_) => return Some(1),
        DataFile::Pattern { subdim, .. } | DataFile::List { subdim, .. } => {
            subdim.unwrap_or(header.dimension.saturating_sub(1))
        }
    };
    header
        .sizes
        .get(subdim..)?
        .iter()
        .try_fold(1usize, |count, &size| count.checked_mul(size))
}

/// One printf conversion `%[flags][width][.precision][length](d|i|u)`.
#[derive(Debug, Default, PartialEq)]
struct Conversion {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    width: usize,
    precision: Option<usize>,
}

/// The literal text before the conversion, the conversion, and the text after it (with
/// `%%` already turned into `%`).
#[derive(Debug, PartialEq)]
struct Pattern {
    prefix: String,
    conversion: Conversion,
    suffix: String,
}

/// Checks that `format` has exactly one integer conversion, as `data file` patterns must.
pub fn check_pattern(format: &str) -> Result<(), String> {
    split_pattern(format).map(|_| ())
}

fn split_pattern(format: &str) -> Result<Pattern, String> {
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut conversion = None;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        let text = if conversion.is_some() {
            &mut suffix
        } else {
            &mut prefix
        };
        if c != '%' {
            text.push(c);
            continue;
        }
        if chars.next_if_eq(&'%').is_some() {
            text.push('%');
            continue;
        }
        let mut spec = Conversion::default();
        while let Some(flag) = chars.next_if(|c| "-0+ #".contains(*c)) {
            match flag {
                '-' => spec.left = true,
                '0' => spec.zero = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                _ => {}
            }
        }
        spec.width = read_number(&mut chars);
        if chars.next_if_eq(&'.').is_some() {
            spec.precision = Some(read_number(&mut chars));
        }
        while chars.next_if(|c| "hlqjzt".contains(*c)).is_some() {}
        match chars.next() {
            Some('d' | 'i' | 'u') if conversion.is_none() => conversion = Some(spec),
            Some('d' | 'i' | 'u') => {
                return Err(format!(
                    "pattern `{format}` has more than one integer conversion"
                ));
            }
            other => {
                return Err(format!(
                    "pattern `{format}` has conversion `%{}`, expected an integer one like `%03d`",
                    other.map(String::from).unwrap_or_default()
                ));
            }
        }
    }
    match conversion {
        Some(conversion) => Ok(Pattern {
            prefix,
            conversion,
            suffix,
        }),
        None => Err(format!(
            "pattern `{format}` has no integer conversion like `%03d`"
        )),
    }
}

fn read_number(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> usize {
    let mut value = 0usize;
    while let Some(digit) = chars.next_if(char::is_ascii_digit) {
        let digit = digit.to_digit(10).unwrap_or(0) as usize;
        // Widths beyond a few digits are nonsense; saturate rather than overflow.
        value = value.saturating_mul(10).saturating_add(digit).min(4096);
    }
    value
}

/// `format` with its integer conversion replaced by `index`, as C's printf would.
/// A malformed format comes back unchanged (the parser rejects those first).
pub fn format_pattern(format: &str, index: i64) -> String {
    let Ok(pattern) = split_pattern(format) else {
        return format.to_string();
    };
    let spec = &pattern.conversion;
    let mut digits = index.unsigned_abs().to_string();
    if let Some(precision) = spec.precision {
        if precision == 0 && index == 0 {
            digits.clear();
        }
        while digits.len() < precision {
            digits.insert(0, '0');
        }
    }
    let sign = if index < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + digits.len();
    let pad = spec.width.saturating_sub(len);
    let body = if spec.left {
        format!("{sign}{digits}{}", " ".repeat(pad))
    } else if spec.zero && spec.precision.is_none() {
        format!("{sign}{}{digits}", "0".repeat(pad))
    } else {
        format!("{}{sign}{digits}", " ".repeat(pad))
    };
    format!("{}{body}{}", pattern.prefix, pattern.suffix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nrrd::types::ScalarType;

    #[test]
    fn patterns_format_like_printf() {
        let table: &[(&str, i64, &str)] = &[
            ("slice_%03d.raw", 7, "slice_007.raw"),
            ("slice_%d.raw", 12, "slice_12.raw"),
            ("s%3d", 5, "s  5"),
            ("s%-3d|", 5, "s5  |"),
            ("s%+d", 5, "s+5"),
            ("s%05d", -42, "s-0042"),
            ("s%.3d", 5, "s005"),
            ("100%%_%02u", 3, "100%_03"),
            ("%ld.gz", 9, "9.gz"),
        ];
        for (format, index, expected) in table {
            assert_eq!(format_pattern(format, *index), *expected, "{format}");
        }
    }

    #[test]
    fn patterns_need_exactly_one_integer_conversion() {
        assert!(check_pattern("a_%03d.raw").is_ok());
        assert!(check_pattern("a.raw").is_err());
        assert!(check_pattern("a_%d_%d.raw").is_err());
        assert!(check_pattern("a_%s.raw").is_err());
        assert!(check_pattern("a_%").is_err());
    }

    #[test]
    fn pattern_ranges_count_inclusively_in_either_direction() {
        assert_eq!(pattern_indices(0, 6, 1).map(|v| v.len()), Some(7));
        assert_eq!(pattern_indices(0, 6, 2), Some(vec![0, 2, 4, 6]));
        assert_eq!(pattern_indices(6, 0, -3), Some(vec![6, 3, 0]));
        assert_eq!(pattern_indices(0, 6, -1), None);
        assert_eq!(pattern_indices(0, 6, 0), None);
        assert_eq!(pattern_count(i64::MIN, i64::MAX, 1), None);
    }

    #[test]
    fn data_files_resolve_against_the_header_folder() {
        let mut header = Header::new(ScalarType::I16, vec![2, 2, 3]);
        header.data_file = DataFile::Pattern {
            format: "s/%02d.raw".into(),
            min: 1,
            max: 3,
            step: 1,
            subdim: None,
        };
        assert_eq!(
            data_files(&header, Path::new("/data/x.nhdr")),
            vec![
                PathBuf::from("/data/s/01.raw"),
                PathBuf::from("/data/s/02.raw"),
                PathBuf::from("/data/s/03.raw")
            ]
        );
        header.data_file = DataFile::Single("/abs/x.raw".into());
        assert_eq!(
            data_files(&header, Path::new("/data/x.nhdr")),
            vec![PathBuf::from("/abs/x.raw")]
        );
        header.data_file = DataFile::Single("./x.raw".into());
        assert_eq!(
            data_files(&header, Path::new("x.nhdr")),
            vec![PathBuf::from("./x.raw")]
        );
        header.data_file = DataFile::Attached;
        assert!(data_files(&header, Path::new("x.nrrd")).is_empty());
    }

    #[test]
    fn pieces_are_slices_of_the_slowest_axis_unless_subdim_says_otherwise() {
        let mut header = Header::new(ScalarType::I16, vec![2, 3, 4]);
        header.data_file = DataFile::List {
            files: vec![],
            subdim: None,
        };
        assert_eq!(piece_count(&header), Some(4));
        header.data_file = DataFile::List {
            files: vec![],
            subdim: Some(1),
        };
        assert_eq!(piece_count(&header), Some(12));
        header.data_file = DataFile::List {
            files: vec![],
            subdim: Some(3),
        };
        assert_eq!(piece_count(&header), Some(1));
    }
}
