//! Where a record's files go inside an exchange folder.
//!
//! A named blob of record `R` is written at `files/<R as a file name>/<blob name>` in a
//! dataset directory (`files/<blob name>` in a record folder); a folder tree (a map of named
//! blobs) at `files/<R>/<field>/<key>`. When two fields of one record would claim the same
//! path (two blobs both named `run.json`), the later field in name order moves to
//! `files/<R>/<field>/<blob name>`. The cell of the field in `records.csv` (its value in
//! `record.json`) is the path, so a reader never has to know these rules.

use std::collections::BTreeSet;

/// The paths claimed inside one record's `files/` folder.
#[derive(Debug, Default)]
pub struct FileClaims {
    used: BTreeSet<String>,
}

impl FileClaims {
    /// Claims `preferred`, else `<field>/<preferred>`; `None` if both clash.
    pub fn claim(&mut self, field: &str, preferred: &str) -> Option<String> {
        for candidate in [preferred.to_string(), format!("{field}/{preferred}")] {
            if !self.clashes(&candidate) {
                self.used.insert(candidate.clone());
                return Some(candidate);
            }
        }
        None
    }

    fn clashes(&self, path: &str) -> bool {
        self.used.iter().any(|used| {
            used == path
                || used.starts_with(&format!("{path}/"))
                || path.starts_with(&format!("{used}/"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clashing_names_move_under_their_field() {
        let mut claims = FileClaims::default();
        assert_eq!(claims.claim("run", "run.json").as_deref(), Some("run.json"));
        assert_eq!(
            claims.claim("other", "run.json").as_deref(),
            Some("other/run.json")
        );
        assert_eq!(claims.claim("plots", "plots").as_deref(), Some("plots"));
        assert_eq!(
            claims.claim("x", "plots/a.png").as_deref(),
            Some("x/plots/a.png")
        );
    }
}
