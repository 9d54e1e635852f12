//! Escaping of text put into HTML or SVG, in element content and in quoted attributes.
//!
//! All five of `& < > " '` are replaced everywhere, so one function is safe for both
//! places. Text from the report (titles, run and class names, notes) always goes
//! through here; the page never builds markup from unescaped input.

use std::borrow::Cow;

pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities() {
        let cases = [
            ("seed=3", "seed=3"),
            ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
            (r#"say "hi" it's"#, "say &quot;hi&quot; it&#39;s"),
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            ("&amp;", "&amp;amp;"),
            ("grade IV → é", "grade IV → é"),
            ("", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(escape(text), expected, "{text}");
        }
    }

    #[test]
    fn text_without_markup_is_not_copied() {
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }
}
