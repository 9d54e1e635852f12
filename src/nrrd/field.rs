//! Parsers and printers for the value syntaxes of header fields: numbers (with `nan`),
//! vectors `(x,y,z)`, vector lists with `none`, double-quoted string lists, and the
//! `\n` / `\\` escapes of key/value pairs.
//!
//! Parsers return `Err(message)` with a lowercase phrase that the header parser puts
//! after "field `name`"; they never panic on any input.

/// Parses a number as teem does: decimal, exponent, `nan`, `inf`, any case.
pub fn parse_f64(token: &str) -> Result<f64, String> {
    let token = token.trim();
    token
        .parse::<f64>()
        .map_err(|_| format!("has `{token}`, expected a number"))
}

/// Whitespace-separated numbers, e.g. `spacings: nan 2 3.5`.
pub fn parse_f64_list(text: &str) -> Result<Vec<f64>, String> {
    text.split_whitespace().map(parse_f64).collect()
}

/// A vector `(x,y,z)`; spaces around the numbers are allowed (`(100, 200, -300)`).
pub fn parse_vector(text: &str) -> Result<Vec<f64>, String> {
    let text = text.trim();
    let inner = text
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| format!("has `{text}`, expected a vector like `(1,0,0)`"))?;
    if inner.trim().is_empty() {
        return Err(format!("has `{text}`, an empty vector"));
    }
    inner
        .split(',')
        .map(|component| {
            parse_f64(component).map_err(|_| {
                format!(
                    "has `{}` in vector `{text}`, expected a number",
                    component.trim()
                )
            })
        })
        .collect()
}

/// A whitespace-separated list of `(x,y,z)` vectors and `none` entries, e.g.
/// `space directions: none (1,0,0) (0, 1, 0)`.
pub fn parse_vector_list(text: &str) -> Result<Vec<Option<Vec<f64>>>, String> {
    let mut entries = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if rest.starts_with('(') {
            let end = rest
                .find(')')
                .ok_or_else(|| format!("has `{rest}`, a vector without its closing `)`"))?;
            entries.push(Some(parse_vector(&rest[..=end])?));
            rest = rest[end + 1..].trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            if !word.eq_ignore_ascii_case("none") {
                return Err(format!(
                    "has `{word}`, expected a vector like `(1,0,0)` or `none`"
                ));
            }
            entries.push(None);
            rest = rest[end..].trim_start();
        }
    }
    Ok(entries)
}

/// A list of double-quoted strings, e.g. `labels: "first axis" "(x) μm"`. Inside the
/// quotes `\"` stands for a quote and `\\` for a backslash.
pub fn parse_quoted_list(text: &str) -> Result<Vec<String>, String> {
    let mut entries = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(first) = chars.next() else {
            return Ok(entries);
        };
        if first != '"' {
            return Err(format!(
                "has `{first}` where a double-quoted string should start"
            ));
        }
        let mut entry = String::new();
        loop {
            match chars.next() {
                None => return Err(format!("has `\"{entry}` without its closing quote")),
                Some('"') => break,
                Some('\\') if matches!(chars.peek(), Some('"') | Some('\\')) => {
                    entry.extend(chars.next());
                }
                Some(c) => entry.push(c),
            }
        }
        entries.push(entry);
    }
}

/// Prints a number so that it parses back to the same bits: shortest round-trip
/// digits, `nan`, `inf`, `-inf`.
pub fn format_f64(value: f64) -> String {
    if value.is_nan() {
        "nan".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if value == value.trunc() && value.abs() < 1e15 {
        // Whole numbers print without a fraction (`1`, not `1.0`), as teem does.
        format!("{value:.0}")
    } else {
        // Debug gives the shortest round-trip form and switches to an exponent for
        // very large or small magnitudes, which Display would spell out in full.
        format!("{value:?}")
    }
}

pub fn format_vector(vector: &[f64]) -> String {
    let components: Vec<String> = vector.iter().map(|&x| format_f64(x)).collect();
    format!("({})", components.join(","))
}

pub fn format_quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Undoes the key/value escapes: `\n` is a newline and `\\` a backslash; any other
/// backslash stays as it is.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('n') => {
                    chars.next();
                    out.push('\n');
                    continue;
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// The inverse of [`unescape`].
pub fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_accept_nan_exponents_and_long_decimals() {
        let table: &[(&str, f64)] = &[
            ("1", 1.0),
            ("-0.5", -0.5),
            ("2.5e-3", 0.0025),
            ("1E3", 1000.0),
            ("0.78124999999999989", 0.781_249_999_999_999_9),
            ("inf", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
        ];
        for (text, expected) in table {
            assert_eq!(parse_f64(text), Ok(*expected), "{text}");
        }
        for text in ["nan", "NaN", "NAN"] {
            assert!(parse_f64(text).is_ok_and(f64::is_nan), "{text}");
        }
        assert_eq!(parse_f64("1,5"), Err("has `1,5`, expected a number".into()));
    }

    #[test]
    fn vectors_tolerate_spaces_and_reject_garbage() {
        assert_eq!(
            parse_vector("(100, 200, -300)"),
            Ok(vec![100.0, 200.0, -300.0])
        );
        assert_eq!(parse_vector(" (1,0) "), Ok(vec![1.0, 0.0]));
        assert!(parse_vector("(1,0,0").is_err());
        assert!(parse_vector("()").is_err());
        assert!(parse_vector("(1,,0)").is_err());
        assert!(parse_vector("1,0,0").is_err());
    }

    #[test]
    fn vector_lists_mix_vectors_and_none() {
        let parsed = parse_vector_list("none (1,0,0)  (0, 1,0) NONE").ok();
        assert_eq!(
            parsed,
            Some(vec![
                None,
                Some(vec![1.0, 0.0, 0.0]),
                Some(vec![0.0, 1.0, 0.0]),
                None
            ])
        );
        assert!(parse_vector_list("(1,0,0) (0,1,0").is_err());
        assert!(parse_vector_list("nothing").is_err());
        assert_eq!(parse_vector_list(""), Ok(vec![]));
    }

    #[test]
    fn quoted_lists_keep_spaces_parentheses_utf8_and_escaped_quotes() {
        assert_eq!(
            parse_quoted_list(r#""mm" "μm"  "histo(???,1000)" "a \"b\" c""#),
            Ok(vec![
                "mm".to_string(),
                "μm".to_string(),
                "histo(???,1000)".to_string(),
                "a \"b\" c".to_string()
            ])
        );
        assert_eq!(parse_quoted_list(r#""""#), Ok(vec![String::new()]));
        assert!(parse_quoted_list(r#""open"#).is_err());
        assert!(parse_quoted_list("mm mm").is_err());
    }

    #[test]
    fn numbers_print_back_to_the_same_bits() {
        for value in [
            0.0,
            1.0,
            -2.0,
            0.781_249_999_999_999_9,
            1e-300,
            1.5e300,
            -6.499_999_999_999_972,
            f64::MIN_POSITIVE,
            f64::MAX,
            123_456_789_012_345_680.0,
        ] {
            let text = format_f64(value);
            assert_eq!(parse_f64(&text), Ok(value), "{text}");
        }
        assert_eq!(format_f64(1.0), "1");
        assert_eq!(format_f64(f64::NAN), "nan");
        assert_eq!(format_f64(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_vector(&[1.0, -0.5, 0.0]), "(1,-0.5,0)");
    }

    #[test]
    fn escapes_round_trip_and_unknown_escapes_stay() {
        let text = "line one\nline \\two\\n";
        assert_eq!(escape(text), "line one\\nline \\\\two\\\\n");
        assert_eq!(unescape(&escape(text)), text);
        assert_eq!(unescape(r"a\tb\"), r"a\tb\");
        assert_eq!(format_quoted(r#"a"b\"#), r#""a\"b\\""#);
        assert_eq!(
            parse_quoted_list(&format_quoted(r#"a"b\"#)),
            Ok(vec![r#"a"b\"#.to_string()])
        );
    }
}
