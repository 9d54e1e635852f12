//! From a path as written to what it names: the absolute module path (`super::`, `self::`
//! and a child module's name made absolute; other crates dropped), and the file that
//! defines the item, followed through `use` re-exports (`nrrd/mod.rs`'s
//! `pub use header::Header` sends `crate::nrrd::Header` to `nrrd/header.rs`).

use crate::source_crate::{ModPath, SourceCrate};

/// Re-exports chained deeper than this are taken as a loop (`use a::x; use b::x` in turn).
const MAX_HOPS: usize = 16;

impl SourceCrate {
    /// The path relative to the crate root, or `None` when it names another crate (`std::`,
    /// `serde::`) or something local to a function (`Self::`, an enum's variant).
    pub fn absolute(&self, from: &ModPath, written: &[String]) -> Option<Vec<String>> {
        let first = written.first()?;
        match first.as_str() {
            "crate" => Some(written[1..].to_vec()),
            "self" => Some(from.iter().chain(&written[1..]).cloned().collect()),
            "super" => {
                let ups = written.iter().take_while(|s| *s == "super").count();
                let base = from.len().checked_sub(ups)?;
                Some(
                    from[..base]
                        .iter()
                        .chain(&written[ups..])
                        .cloned()
                        .collect(),
                )
            }
            name if self.module(from).is_some_and(|m| m.children.contains(name)) => {
                Some(from.iter().chain(written).cloned().collect())
            }
            _ => None,
        }
    }

    /// The module whose file defines what `absolute` names (a module names itself).
    pub fn defining_module(&self, absolute: &[String]) -> ModPath {
        self.defining_module_within(absolute, MAX_HOPS)
    }

    fn defining_module_within(&self, absolute: &[String], hops: usize) -> ModPath {
        let mut module: ModPath = Vec::new();
        let mut rest = absolute;
        while let Some((first, tail)) = rest.split_first() {
            if !self
                .module(&module)
                .is_some_and(|m| m.children.contains(first))
            {
                break;
            }
            module.push(first.clone());
            rest = tail;
        }
        let (Some(name), Some(info), Some(hops)) =
            (rest.first(), self.module(&module), hops.checked_sub(1))
        else {
            return module;
        };
        if info.items.contains(name) {
            return module;
        }
        if let Some(target) = info
            .imports
            .get(name)
            .and_then(|written| self.absolute(&module, written))
        {
            return self.defining_module_within(&with_tail(target, &rest[1..]), hops);
        }
        for glob in &info.globs {
            let Some(base) = self.absolute(&module, glob) else {
                continue;
            };
            let found = self.module(&base).is_some_and(|m| {
                m.items.contains(name) || m.imports.contains_key(name) || m.children.contains(name)
            });
            if found {
                return self.defining_module_within(&with_tail(base, rest), hops);
            }
        }
        module
    }

    pub fn file_of(&self, module: &[String]) -> &str {
        self.module(module).map_or("", |m| m.file.as_str())
    }
}

fn with_tail(mut head: Vec<String>, tail: &[String]) -> Vec<String> {
    head.extend_from_slice(tail);
    head
}
