//! Record ids as file names: `TCGA-02-0003/z042` -> `TCGA-02-0003%2Fz042`.
//!
//! Ids contain `/` (a slice of a patient) and may contain anything else, so a file named
//! after an id percent-encodes it: the bytes `A-Z a-z 0-9 _ . - ~` stay, every other byte
//! of its UTF-8 becomes `%XX` (uppercase hex). That is exactly Python's
//! `urllib.parse.quote(id, safe="")`, so a program finds a record's file without radflow:
//! `np.load(f"pixels/{quote(id, safe='')}.npy")`. The mapping is one to one, and its inverse
//! is `urllib.parse.unquote`.
//!
//! Ids that cannot be file names are refused rather than mangled: the empty id, `.` and `..`,
//! and ids whose encoding exceeds [`MAX_NAME`] bytes (file systems allow 255 per name, and a
//! suffix such as `.npy` must fit).

use std::fmt::Write;

/// The longest encoded id.
pub const MAX_NAME: usize = 240;

/// The file name of `id` (without suffix), or why it has none.
pub fn file_name_of(id: &str) -> Result<String, String> {
    if id.is_empty() || id == "." || id == ".." {
        return Err(format!("the id `{id}` cannot name a file"));
    }
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"_.-~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    if out.len() > MAX_NAME {
        return Err(format!(
            "the id `{id}` is too long for a file name ({} bytes encoded, at most {MAX_NAME})",
            out.len()
        ));
    }
    Ok(out)
}

/// The id a file name encodes; `None` when it is not an encoding [`file_name_of`] makes.
pub fn id_of_file_name(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = name.get(i + 1..i + 3)?;
                if hex.bytes().any(|b| b.is_ascii_lowercase()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) => {
                out.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
    let id = String::from_utf8(out).ok()?;
    // Only the canonical encoding counts, so two file names never name one record.
    (file_name_of(&id).ok()? == name).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_map_to_file_names_and_back() {
        let cases = [
            ("TCGA-02-0003", "TCGA-02-0003"),
            ("TCGA-02-0003/z042", "TCGA-02-0003%2Fz042"),
            ("a b", "a%20b"),
            ("100%", "100%25"),
            ("ü", "%C3%BC"),
            ("~x.y_z", "~x.y_z"),
        ];
        for (id, name) in cases {
            assert_eq!(file_name_of(id).as_deref(), Ok(name), "{id}");
            assert_eq!(id_of_file_name(name).as_deref(), Some(id), "{name}");
        }
    }

    #[test]
    fn ids_that_cannot_be_file_names_are_refused() {
        for id in ["", ".", ".."] {
            assert!(file_name_of(id).is_err(), "{id:?}");
        }
        assert!(file_name_of(&"/".repeat(100)).is_err());
        assert!(file_name_of("..x").is_ok());
    }

    #[test]
    fn only_canonical_names_decode() {
        for name in ["a%2fb", "a%2", "a%zz", "a/b", "a%41", "%2E"] {
            assert_eq!(id_of_file_name(name), None, "{name}");
        }
    }
}
