//! "Did you mean" suggestions for mistyped names.
//!
//! Closeness is the optimal string alignment distance over chars (`strsim::osa_distance`):
//! Levenshtein's edits plus a swap of two neighbours counted as one, the commonest typo.

use strsim::osa_distance;

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (osa_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len().abs_diff(word.len()), *c))
        .map(|(_, c)| c)
}

/// `, did you mean `x`?` or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word() {
        let kinds = ["lesion_filter", "slice_extract", "resize"];
        assert_eq!(closest("lesion_filtr", kinds), Some("lesion_filter"));
        assert_eq!(closest("resise", kinds), Some("resize"));
        assert_eq!(closest("train", kinds), None);
    }

    #[test]
    fn a_swap_of_neighbours_counts_as_one_edit() {
        assert_eq!(osa_distance("kitten", "sitting"), 3);
        assert_eq!(osa_distance("", "abc"), 3);
        assert_eq!(osa_distance("same", "same"), 0);
        assert_eq!(osa_distance("haed", "head"), 1);
        // Plain Levenshtein would count 2 edits, over the limit for a 4-letter word.
        assert_eq!(closest("haed", ["head", "heads"]), Some("head"));
        assert_eq!(closest("tiem", ["time"]), Some("time"));
    }

    #[test]
    fn distances_count_chars_not_bytes() {
        assert_eq!(osa_distance("größe", "grösse"), 2);
        assert_eq!(closest("sizé", ["size"]), Some("size"));
    }
}
