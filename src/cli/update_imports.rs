//! `radflow update-imports`: accept changed imports by rewriting their `blake3:` pins in the
//! files that wrote them. Only the hex digits of a drifted pin are replaced, so comments, order
//! and layout of the file stay as they were.

use super::args::UpdateImportsArgs;
use super::config::pipeline_path;
use crate::digest::Digest;
use crate::durable::{Durability, write_beside};
use crate::error::Error;
use crate::spec::{display_path, resolve_imports};

pub fn update_imports(args: UpdateImportsArgs) -> Result<(), Error> {
    let file = pipeline_path(args.pipeline.as_deref())?;
    let imports = resolve_imports(&file)?;
    let mut updated = 0;
    for import in &imports {
        let (Some(pin), true) = (import.pinned, import.drifted()) else {
            if import.pinned.is_none() && import.written_in.is_some() {
                println!(
                    "`{}` is not pinned; to pin it, add `blake3: {}`",
                    import.id, import.blake3
                );
            }
            continue;
        };
        let Some(written_in) = &import.written_in else {
            return Err(Error::Usage(format!(
                "the pin of `{}` is written in an imported git file; update that repository instead",
                import.id
            )));
        };
        let text = std::fs::read_to_string(written_in)
            .map_err(|e| Error::Input(format!("`{}`: {e}", display_path(written_in))))?;
        let new_text = replace_pin(&text, pin, import.blake3);
        write_beside(written_in, new_text.as_bytes(), Durability::Safe)
            .map_err(|e| Error::Input(format!("`{}`: {e}", display_path(written_in))))?;
        println!(
            "updated `{}` in {}: blake3 {} -> {}",
            import.id,
            display_path(written_in),
            pin.short(),
            import.blake3.short()
        );
        updated += 1;
    }
    if updated == 0 {
        println!("no pinned import changed");
    }
    Ok(())
}

/// `text` with every spelling (any letter case) of `old`'s hex replaced by `new`'s.
fn replace_pin(text: &str, old: Digest, new: Digest) -> String {
    let old_hex = old.to_hex();
    // ASCII lowercasing keeps byte offsets, so positions found there apply to `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(at) = lower[from..].find(&old_hex) {
        out.push_str(&text[from..from + at]);
        out.push_str(&new.to_hex());
        from += at + old_hex.len();
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_replaced_in_any_letter_case_and_nothing_else_changes() {
        let old = Digest::of(b"old");
        let new = Digest::of(b"new");
        let text = format!(
            "# keep me\nimport:\n  - {{path: a.yaml, blake3: {}}}  # pinned\n  - b.yaml\n",
            old.to_hex().to_uppercase()
        );
        let out = replace_pin(&text, old, new);
        assert_eq!(
            out,
            format!(
                "# keep me\nimport:\n  - {{path: a.yaml, blake3: {}}}  # pinned\n  - b.yaml\n",
                new.to_hex()
            )
        );
    }
}
