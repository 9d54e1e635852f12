//! The words of a command, for finding the scripts it names (`Stage::program`).
//!
//! Not a shell parser: the words only pick out candidate file names, and a false candidate
//! costs nothing (a word naming no file is dropped by whoever reads them), so splitting at
//! blanks, operators, quotes and `=` (`--config=conf/a.yaml`) is enough and never misses a
//! path that a shell would see as one word without quoting tricks.

/// `text` split at blanks and the characters that end a shell word or an option's name.
pub fn shell_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || ";|&<>()`'\"=$".contains(c))
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_strings_are_split_into_candidate_file_names() {
        let cases: [(&str, &[&str]); 5] = [
            (
                "sh scripts/notes.sh > {out}/notes.txt",
                &["sh", "scripts/notes.sh", "{out}/notes.txt"],
            ),
            (
                "python3 'a b/x.py'&&cat data/t.csv|wc",
                &["python3", "a", "b/x.py", "cat", "data/t.csv", "wc"],
            ),
            (
                "tool --config=conf/a.yaml",
                &["tool", "--config", "conf/a.yaml"],
            ),
            ("echo $(cat x.sh);r.sh", &["echo", "cat", "x.sh", "r.sh"]),
            ("   ", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(shell_words(text), expected, "{text}");
        }
    }
}
