//! Patient ids replaced by keyed hashes, so a pack can leave the hospital.
//!
//! The key is random per pack and never stored: the same id gets the same pseudonym everywhere
//! in one pack (tables stay joinable), and nobody holding the pack can test a guessed id.

use std::io::Read;

use crate::digest::Digest;

pub struct Pseudonymizer {
    key: [u8; 32],
    /// Longest first, so an id that contains another is replaced whole.
    ids: Vec<String>,
}

impl Pseudonymizer {
    /// A pseudonymizer with a fresh random key.
    pub fn new(ids: impl IntoIterator<Item = String>) -> std::io::Result<Self> {
        let mut key = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
        Ok(Self::with_key(key, ids))
    }

    pub fn with_key(key: [u8; 32], ids: impl IntoIterator<Item = String>) -> Self {
        let mut ids: Vec<String> = ids.into_iter().filter(|id| !id.is_empty()).collect();
        ids.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        ids.dedup();
        Self { key, ids }
    }

    /// The pseudonym of one id.
    pub fn pseudonym(&self, id: &str) -> String {
        let hash = Digest::from(blake3::keyed_hash(&self.key, id.as_bytes()));
        format!("pid-{}", hash.short())
    }

    /// `text` with every whole occurrence of an id replaced: an occurrence counts when the
    /// characters around it are not letters or digits (`data/P7/scan.nrrd`, `P7_s12`, `"P7"`),
    /// so `P1` is not replaced inside `P10`.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let bytes = text.as_bytes();
        let mut i = 0;
        'scan: while i < text.len() {
            let boundary_before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
            if boundary_before {
                for id in &self.ids {
                    let end = i + id.len();
                    if text[i..].starts_with(id.as_str())
                        && (end == text.len() || !bytes[end].is_ascii_alphanumeric())
                    {
                        out.push_str(&self.pseudonym(id));
                        i = end;
                        continue 'scan;
                    }
                }
            }
            let c = text[i..].chars().next().unwrap_or('\u{0}');
            out.push(c);
            i += c.len_utf8().max(1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_ids_are_replaced_and_longer_ids_are_not_cut() {
        let p = Pseudonymizer::with_key([7; 32], ["P1".to_string(), "P10".to_string()]);
        let (p1, p10) = (p.pseudonym("P1"), p.pseudonym("P10"));
        let cases = [
            ("P1", p1.clone()),
            ("data/P10/image.nrrd", format!("data/{p10}/image.nrrd")),
            ("P1_s3,P10", format!("{p1}_s3,{p10}")),
            ("XP1 P1x", "XP1 P1x".to_string()),
            ("élan P1", format!("élan {p1}")),
        ];
        for (text, expected) in cases {
            assert_eq!(p.apply(text), expected, "{text}");
        }
    }

    #[test]
    fn another_key_gives_other_pseudonyms() {
        let a = Pseudonymizer::with_key([1; 32], ["P1".to_string()]);
        let b = Pseudonymizer::with_key([2; 32], ["P1".to_string()]);
        assert_ne!(a.pseudonym("P1"), b.pseudonym("P1"));
        assert_eq!(a.pseudonym("P1"), a.pseudonym("P1"));
    }
}
