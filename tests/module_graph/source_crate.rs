//! The crate as its source declares it: the module tree followed from `lib.rs` through
//! `mod` declarations (so `#[cfg(test)] mod tests;` files are never read), each module's
//! items and imports, and every path a non-test line writes that may name a module of
//! this crate.
//!
//! Test code is left out: `#[cfg(test)]` and `#[test]` items and statements are skipped
//! whole, so a test module's `use super::*` or a test helper's `crate::` path adds no
//! edge. Paths are kept as written; `resolve.rs` turns them into modules and files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::lexer::{Tok, Token, lex};

/// A module path below the crate root: `["nrrd", "header"]` for `crate::nrrd::header`.
pub type ModPath = Vec<String>;

#[derive(Debug, Default)]
pub struct Module {
    /// The file the module's items are written in, relative to the crate folder
    /// (`src/nrrd/header.rs`); an inline `mod x { .. }` shares its file's.
    pub file: String,
    pub children: BTreeSet<String>,
    /// Names of the items defined at module level (struct, fn, trait, ...).
    pub items: BTreeSet<String>,
    /// `use` declarations at module level: the name they bring in -> the path as written.
    pub imports: BTreeMap<String, Vec<String>>,
    /// `use path::*` at module level, as written.
    pub globs: Vec<Vec<String>>,
}

/// One path written in non-test code that may name something of this crate.
#[derive(Debug, Clone)]
pub struct Reference {
    pub file: String,
    pub line: usize,
    /// The module the path is written in (it decides what `super::` means).
    pub from: ModPath,
    /// The path as written: `["super", "header", "Header"]`.
    pub path: Vec<String>,
    /// A `pub use` (any visibility): it re-exports rather than uses.
    pub reexport: bool,
}

#[derive(Debug, Default)]
pub struct SourceCrate {
    pub modules: BTreeMap<ModPath, Module>,
    pub references: Vec<Reference>,
}

impl SourceCrate {
    /// Reads the crate whose root is `<dir>/src/lib.rs`.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let mut source = SourceCrate::default();
        let lib = dir.join("src/lib.rs");
        source.read_file_module(dir, &lib, Vec::new(), true)?;
        Ok(source)
    }

    pub fn module(&self, path: &[String]) -> Option<&Module> {
        self.modules.get(path)
    }

    fn read_file_module(
        &mut self,
        dir: &Path,
        file: &Path,
        path: ModPath,
        owns_folder: bool,
    ) -> Result<(), String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let relative = file
            .strip_prefix(dir)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let tokens = lex(&text);
        let mut walk = Walk {
            tokens: &tokens,
            file: relative.clone(),
            file_children: Vec::new(),
            source: self,
        };
        let module = Module {
            file: relative,
            ..Module::default()
        };
        walk.source.modules.insert(path.clone(), module);
        walk.block(0, &path);
        let children = std::mem::take(&mut walk.file_children);

        // `foo.rs` keeps its children in `foo/`; `mod.rs` and `lib.rs` in their own folder.
        let folder: PathBuf = if owns_folder {
            file.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            file.with_extension("")
        };
        for (module_path, name) in children {
            let flat = folder.join(format!("{name}.rs"));
            let nested = folder.join(&name).join("mod.rs");
            let mut child = module_path.clone();
            child.push(name.clone());
            if flat.exists() {
                self.read_file_module(dir, &flat, child, false)?;
            } else if nested.exists() {
                self.read_file_module(dir, &nested, child, true)?;
            } else {
                return Err(format!(
                    "`mod {name};` in `{}`: no `{}` nor `{}`",
                    file.display(),
                    flat.display(),
                    nested.display()
                ));
            }
        }
        Ok(())
    }
}

/// One pass over a file's tokens.
struct Walk<'a> {
    tokens: &'a [Token],
    file: String,
    /// `mod x;` found in this file: (the module declaring it, `x`).
    file_children: Vec<(ModPath, String)>,
    source: &'a mut SourceCrate,
}

const ITEM_KEYWORDS: [&str; 8] = [
    "struct", "enum", "union", "trait", "fn", "type", "const", "static",
];

impl Walk<'_> {
    fn tok(&self, at: usize) -> Option<&Token> {
        self.tokens.get(at)
    }

    fn module_mut(&mut self, path: &ModPath) -> &mut Module {
        self.source
            .modules
            .get_mut(path)
            .expect("modules are registered before their blocks are walked")
    }

    /// Walks the items of module `path` from `at` to the `}` closing its block (or the
    /// end of the file); returns the index after it.
    fn block(&mut self, mut at: usize, path: &ModPath) -> usize {
        let mut depth = 0usize;
        let mut public = false;
        while let Some(token) = self.tok(at) {
            match &token.tok {
                Tok::Punct('#') => {
                    let (next, test_only) = self.attributes(at);
                    at = if test_only {
                        self.skip_item(next)
                    } else {
                        next
                    };
                    continue;
                }
                Tok::Punct('{' | '(' | '[') => depth += 1,
                Tok::Punct('}' | ')' | ']') => {
                    if depth == 0 {
                        return at + 1;
                    }
                    depth -= 1;
                }
                Tok::Punct(';') if depth == 0 => public = false,
                Tok::Ident(word) if word == "pub" => public = true,
                Tok::Ident(word) if word == "use" => {
                    at = self.use_declaration(at + 1, path, depth == 0, public);
                    public = false;
                    continue;
                }
                Tok::Ident(word) if word == "mod" && depth == 0 => {
                    if let Some(name) = self.tok(at + 1).and_then(Token::ident).map(str::to_string)
                    {
                        self.module_mut(path).children.insert(name.clone());
                        let mut child = path.clone();
                        child.push(name.clone());
                        match self.tok(at + 2) {
                            Some(t) if t.is_punct('{') => {
                                let module = Module {
                                    file: self.file.clone(),
                                    ..Module::default()
                                };
                                self.source.modules.insert(child.clone(), module);
                                at = self.block(at + 3, &child);
                            }
                            _ => {
                                self.file_children.push((path.clone(), name));
                                at += 2;
                            }
                        }
                        public = false;
                        continue;
                    }
                }
                Tok::Ident(word) if depth == 0 && ITEM_KEYWORDS.contains(&word.as_str()) => {
                    if let Some(name) = self.tok(at + 1).and_then(Token::ident)
                        && !ITEM_KEYWORDS.contains(&name)
                    {
                        let name = name.to_string();
                        self.module_mut(path).items.insert(name);
                    }
                    public = false;
                }
                Tok::Ident(word) if word == "macro_rules" && depth == 0 => {
                    if let Some(name) = self.tok(at + 2).and_then(Token::ident) {
                        let name = name.to_string();
                        self.module_mut(path).items.insert(name);
                    }
                }
                Tok::Ident(_) => {
                    at = self.expression_path(at, path);
                    continue;
                }
                _ => {}
            }
            at += 1;
        }
        at
    }

    /// `#[..]` and `#![..]` starting at `at`: the index after the last one, and whether one
    /// makes what follows test-only (`#[test]`, `#[cfg(test)]`, `#[cfg(all(test, ..))]`).
    fn attributes(&self, mut at: usize) -> (usize, bool) {
        let mut test_only = false;
        while self.tok(at).is_some_and(|t| t.is_punct('#')) {
            let mut open = at + 1;
            if self.tok(open).is_some_and(|t| t.is_punct('!')) {
                open += 1;
            }
            if !self.tok(open).is_some_and(|t| t.is_punct('[')) {
                return (at + 1, test_only);
            }
            let close = self.matching(open);
            let inner = &self.tokens[open + 1..close.min(self.tokens.len())];
            let words: Vec<&str> = inner.iter().filter_map(Token::ident).collect();
            let is_test = words == ["test"]
                || (words.first() == Some(&"cfg")
                    && words.contains(&"test")
                    && !words.contains(&"not"));
            test_only |= is_test;
            at = close + 1;
        }
        (at, test_only)
    }

    /// The index of the bracket closing the one at `open`.
    fn matching(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for (i, token) in self.tokens.iter().enumerate().skip(open) {
            match token.tok {
                Tok::Punct('{' | '(' | '[') => depth += 1,
                Tok::Punct('}' | ')' | ']') => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        self.tokens.len()
    }

    /// Skips the item, statement, field or arm starting at `at`: up to a `;` or `,` at its
    /// own level, or the end of its first `{ .. }` block, or the bracket that closes the
    /// enclosing one (left in place).
    fn skip_item(&self, mut at: usize) -> usize {
        while let Some(token) = self.tok(at) {
            match token.tok {
                Tok::Punct(';' | ',') => return at + 1,
                Tok::Punct('{') => return self.matching(at) + 1,
                Tok::Punct('(' | '[') => at = self.matching(at),
                Tok::Punct('}' | ')' | ']') => return at,
                _ => {}
            }
            at += 1;
        }
        at
    }

    /// A path in code: `crate::a::b`, `super::x`, `self::y` or `child::z`; recorded when
    /// it may name this crate (which ones do is decided once all modules are known).
    fn expression_path(&mut self, at: usize, from: &ModPath) -> usize {
        let continues_path =
            at > 0 && matches!(self.tokens[at - 1].tok, Tok::PathSep | Tok::Punct('.'));
        let mut path = Vec::new();
        let mut end = at;
        while let Some(word) = self.tok(end).and_then(Token::ident) {
            path.push(word.to_string());
            if self.tok(end + 1).is_some_and(|t| t.tok == Tok::PathSep)
                && self.tok(end + 2).is_some_and(|t| t.ident().is_some())
            {
                end += 2;
            } else {
                break;
            }
        }
        if !continues_path && path.len() > 1 {
            self.source.references.push(Reference {
                file: self.file.clone(),
                line: self.tokens[end].line,
                from: from.clone(),
                path,
                reexport: false,
            });
        }
        end + 1
    }

    /// `use` tree after the keyword at `at - 1`; returns the index after its `;`.
    fn use_declaration(
        &mut self,
        mut at: usize,
        from: &ModPath,
        module_level: bool,
        public: bool,
    ) -> usize {
        let mut leaves = Vec::new();
        self.use_tree(&mut at, Vec::new(), &mut leaves);
        while self.tok(at).is_some_and(|t| !t.is_punct(';')) {
            at += 1;
        }
        for leaf in leaves {
            if module_level {
                let module = self.module_mut(from);
                match &leaf.name {
                    None => module.globs.push(leaf.path.clone()),
                    Some(name) => {
                        module.imports.insert(name.clone(), leaf.path.clone());
                    }
                }
            }
            self.source.references.push(Reference {
                file: self.file.clone(),
                line: leaf.line,
                from: from.clone(),
                path: leaf.path,
                reexport: public,
            });
        }
        at + 1
    }

    fn use_tree(&self, at: &mut usize, mut path: Vec<String>, leaves: &mut Vec<UseLeaf>) {
        if self.tok(*at).is_some_and(|t| t.tok == Tok::PathSep) {
            // `use ::name`: always an outside crate.
            path.push("::".to_string());
            *at += 1;
        }
        let line = loop {
            let Some(token) = self.tok(*at) else { return };
            match &token.tok {
                Tok::Ident(word) => {
                    path.push(word.clone());
                    *at += 1;
                    if self.tok(*at).is_some_and(|t| t.tok == Tok::PathSep) {
                        *at += 1;
                        continue;
                    }
                    break token.line;
                }
                Tok::Punct('{') => {
                    *at += 1;
                    while self.tok(*at).is_some_and(|t| !t.is_punct('}')) {
                        let before = *at;
                        self.use_tree(at, path.clone(), leaves);
                        if self.tok(*at).is_some_and(|t| t.is_punct(',')) {
                            *at += 1;
                        } else if *at == before {
                            // Not a use tree after all: leave the rest to the caller.
                            return;
                        }
                    }
                    *at += 1;
                    return;
                }
                Tok::Punct('*') => {
                    *at += 1;
                    leaves.push(UseLeaf {
                        path,
                        name: None,
                        line: token.line,
                    });
                    return;
                }
                _ => return,
            }
        };
        if path.last().is_some_and(|last| last == "self") {
            path.pop();
        }
        let mut name = path.last().cloned();
        if self.tok(*at).is_some_and(|t| t.is_ident("as")) {
            name = self.tok(*at + 1).and_then(Token::ident).map(str::to_string);
            *at += 2;
        }
        leaves.push(UseLeaf { path, name, line });
    }
}

struct UseLeaf {
    path: Vec<String>,
    /// The name it binds; `None` for a glob.
    name: Option<String>,
    line: usize,
}
