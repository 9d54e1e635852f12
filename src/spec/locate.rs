//! Finds where a key path is written in a YAML file, so errors found after parsing (a bad
//! parameter, an unknown stage) can still point at a line.
//!
//! It follows block-style YAML by indentation, and flow maps (`{a: 1}`) on the parent's line;
//! when it cannot follow the file it returns `None` and the error names only the key path.

/// 1-based (line, column) of the last key of `path`.
pub fn locate(text: &str, path: &[&str]) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().map(strip_comment).collect();
    // The parent key: its line, the column just after it, and its line's indentation.
    let mut parent: Option<(usize, usize, usize)> = None;
    let mut found = None;
    for key in path {
        if let Some((line, after, indent)) = parent
            && let Some(col) = find_key(&lines[line][after..], key)
        {
            let col = after + col;
            found = Some((line + 1, col + 1));
            parent = Some((line, col + key.len() + 1, indent));
            continue;
        }
        let start = parent.map_or(0, |(line, _, _)| line + 1);
        let min_indent = parent.map_or(0, |(_, _, indent)| indent + 1);
        let mut child_indent = None;
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().skip(start) {
            if line.trim().is_empty() {
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if indent < min_indent {
                break;
            }
            let child = *child_indent.get_or_insert(indent);
            if indent != child {
                continue;
            }
            let body = line.trim_start().trim_start_matches("- ");
            if find_key(body, key) == Some(0) {
                let col = line.len() - body.len();
                hit = Some((i, col, indent));
                break;
            }
        }
        let (line, col, indent) = hit?;
        found = Some((line + 1, col + 1));
        parent = Some((line, col + key.len() + 1, indent));
    }
    found
}

/// Byte offset of `key:` (bare or quoted) in `text`, at a key boundary.
fn find_key(text: &str, key: &str) -> Option<usize> {
    for pattern in [
        format!("{key}:"),
        format!("\"{key}\":"),
        format!("'{key}':"),
    ] {
        let mut from = 0;
        while let Some(pos) = text[from..].find(pattern.as_str()) {
            let at = from + pos;
            let before = text[..at].chars().last();
            let after = text[at + pattern.len()..].chars().next();
            if matches!(before, None | Some(' ' | '{' | ',')) && matches!(after, None | Some(' ')) {
                return Some(at);
            }
            from = at + 1;
        }
    }
    None
}

fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #") {
        Some(i) => &line[..i],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
pipeline: demo
stages:
  # the data
  slices:
    kind: slice_extract
    with:
      axis: 2
      kind: nested
  resize:
    kind: resize
    input: slices
    with: {size: [299, 299], margin: 0.1}
";

    #[test]
    fn block_keys_are_found_by_indentation() {
        assert_eq!(
            locate(DOC, &["stages", "slices", "with", "axis"]),
            Some((7, 7))
        );
        assert_eq!(locate(DOC, &["stages", "resize", "kind"]), Some((10, 5)));
        assert_eq!(locate(DOC, &["stages", "slices", "kind"]), Some((5, 5)));
    }

    #[test]
    fn flow_map_keys_are_found_on_their_line() {
        assert_eq!(
            locate(DOC, &["stages", "resize", "with", "margin"]),
            Some((12, 30))
        );
    }

    #[test]
    fn missing_keys_are_not_found() {
        assert_eq!(locate(DOC, &["stages", "head"]), None);
        assert_eq!(locate(DOC, &["stages", "slices", "with", "size"]), None);
    }
}
