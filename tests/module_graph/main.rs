//! The library's module graph, read from its source: which top-level module uses which
//! (they must form a DAG, the way ARCHITECTURE.md draws them) and, inside a module, which
//! file uses an item defined in which other file (no two files may need each other).
//!
//! Counted: every `crate::`, `super::`, `self::` or child-module path outside test code,
//! in `use` declarations and in code. A `mod.rs` re-exporting a child's item is not a use
//! of it, but a sibling reaching that item through the re-export uses the child's file.
//!
//! `cargo test --test module_graph -- --nocapture` prints the graph.

mod graph;
mod lexer;
mod resolve;
mod source_crate;

use std::path::Path;

use graph::Graph;
use source_crate::SourceCrate;

/// File circles tolerated: none (the last one, `exec/host.rs` <-> `exec/map.rs`, went with
/// the engine restructure of issue 10). Kept as a list so an exception is explicit.
const ALLOWED_FILE_CIRCLES: [&[&str]; 0] = [];

/// What the top-level graph and the file graph of the crate at `dir` are.
struct ModuleGraphs {
    top_level: Graph,
    files: Graph,
    references: usize,
}

fn module_graphs(dir: &Path) -> ModuleGraphs {
    let source = SourceCrate::load(dir).unwrap_or_else(|e| panic!("{e}"));
    let root = source.module(&[]).expect("the crate root is always read");
    let mut top_level = Graph::default();
    for name in &root.children {
        top_level.add_node(name);
    }
    let mut files = Graph::default();
    let mut references = 0;
    for reference in &source.references {
        let Some(absolute) = source.absolute(&reference.from, &reference.path) else {
            continue;
        };
        references += 1;
        let example = || {
            format!(
                "{}:{} `{}`",
                reference.file,
                reference.line,
                reference.path.join("::")
            )
        };
        let Some(from_top) = reference.from.first() else {
            continue;
        };
        if let Some(to_top) = absolute
            .first()
            .filter(|name| root.children.contains(*name))
            && to_top != from_top
        {
            top_level.add_reference(from_top, to_top, example);
        }

        let in_root_file =
            reference.file.ends_with("/mod.rs") || reference.file.ends_with("/lib.rs");
        if reference.reexport && in_root_file {
            continue;
        }
        let defining = source.defining_module(&absolute);
        let (from_file, to_file) = (short(&reference.file), short(source.file_of(&defining)));
        if defining.first() == Some(from_top) && from_file != to_file {
            files.add_reference(from_file, to_file, example);
        }
    }
    ModuleGraphs {
        top_level,
        files,
        references,
    }
}

/// `src/nrrd/header.rs` -> `nrrd/header.rs`.
fn short(file: &str) -> &str {
    file.strip_prefix("src/").unwrap_or(file)
}

fn radflow() -> ModuleGraphs {
    module_graphs(Path::new(env!("CARGO_MANIFEST_DIR")))
}

fn describe_circles(graph: &Graph, circles: &[Vec<String>]) -> String {
    let mut text = String::new();
    for circle in circles {
        text.push_str(&format!("circle of {}:\n", circle.join(", ")));
        for cycle in graph.cycles_in(circle) {
            text.push_str(&format!("  {}\n", graph.render_cycle(&cycle)));
        }
    }
    text
}

#[test]
fn the_module_graph_is_printed_and_covers_the_whole_library() {
    let graphs = radflow();
    println!(
        "top-level modules ({}; `a -> b (n)`: n references in a to b):\n{}\n",
        graphs.top_level.nodes.len(),
        graphs.top_level.render()
    );
    let top_circles = graphs.top_level.circles();
    if !top_circles.is_empty() {
        println!(
            "top-level modules in a circle:\n{}",
            describe_circles(&graphs.top_level, &top_circles)
        );
    }
    let file_circles = graphs.files.circles();
    if !file_circles.is_empty() {
        println!(
            "files in a circle:\n{}",
            describe_circles(&graphs.files, &file_circles)
        );
    }

    // A scanner that found nothing would pass every check below: make sure it sees the
    // library. The CLI reads pipelines through `spec`; every module is a node.
    assert!(
        graphs.references > 500,
        "only {} references found in src/",
        graphs.references
    );
    assert!(
        graphs
            .top_level
            .edges
            .contains_key(&("cli".to_string(), "spec".to_string()))
    );
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let declared = lib.lines().filter(|l| l.starts_with("pub mod ")).count();
    assert_eq!(graphs.top_level.nodes.len(), declared);
}

#[test]
fn top_level_modules_form_a_dag() {
    let graphs = radflow();
    let circles = graphs.top_level.circles();
    assert!(
        circles.is_empty(),
        "top-level modules depend on each other in a circle:\n{}",
        describe_circles(&graphs.top_level, &circles)
    );
}

#[test]
fn no_two_files_of_a_module_need_each_other() {
    let graphs = radflow();
    let circles: Vec<Vec<String>> = graphs
        .files
        .circles()
        .into_iter()
        .filter(|circle| !ALLOWED_FILE_CIRCLES.iter().any(|allowed| circle == allowed))
        .collect();
    assert!(
        circles.is_empty(),
        "files use each other in a circle:\n{}",
        describe_circles(&graphs.files, &circles)
    );
}

/// The scanner on tiny crates written for the purpose: what it must count and what not.
mod scanner {
    use super::*;

    fn crate_of(files: &[(&str, &str)]) -> (tempfile::TempDir, ModuleGraphs) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let graphs = module_graphs(dir.path());
        (dir, graphs)
    }

    fn edges(graph: &Graph) -> Vec<String> {
        graph
            .edges
            .keys()
            .map(|(a, b)| format!("{a} -> {b}"))
            .collect()
    }

    #[test]
    fn test_code_comments_and_strings_add_no_edge() {
        let (_dir, graphs) = crate_of(&[
            ("src/lib.rs", "pub mod a;\npub mod b;\n"),
            (
                "src/a.rs",
                "//! see crate::b::X\nconst S: &str = \"crate::b::X\";\n\
                 #[cfg(test)]\nmod tests { use crate::b::X; }\n\
                 #[test]\nfn t() { crate::b::f(); }\n\
                 #[cfg(all(test, unix))]\nuse crate::b::Y;\n",
            ),
            ("src/b.rs", "pub struct X;\npub fn f() {}\n"),
        ]);
        assert_eq!(edges(&graphs.top_level), Vec::<String>::new());
    }

    #[test]
    fn use_trees_qualified_paths_and_super_are_resolved_to_modules() {
        let (_dir, graphs) = crate_of(&[
            ("src/lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
            ("src/a/mod.rs", "mod inner;\n"),
            (
                "src/a/inner.rs",
                "use super::super::b::{self, X as Y};\nfn f() { crate::c::g(); }\n",
            ),
            ("src/b.rs", "pub struct X;\n"),
            ("src/c.rs", "pub fn g() { let _ = self::h(); }\nfn h() {}\n"),
        ]);
        assert_eq!(edges(&graphs.top_level), ["a -> b", "a -> c"]);
        let example = &graphs.top_level.edges[&("a".into(), "c".into())].example;
        assert_eq!(example, "src/a/inner.rs:2 `crate::c::g`");
    }

    #[test]
    fn a_re_export_in_mod_rs_is_not_a_use_but_a_use_through_it_reaches_the_defining_file() {
        let (_dir, graphs) = crate_of(&[
            ("src/lib.rs", "pub mod m;\n"),
            (
                "src/m/mod.rs",
                "mod header;\nmod validate;\npub use header::Header;\npub use validate::check;\n",
            ),
            ("src/m/header.rs", "pub struct Header;\n"),
            (
                "src/m/validate.rs",
                "use super::Header;\npub fn check(_: &Header) {}\n",
            ),
        ]);
        assert_eq!(edges(&graphs.files), ["m/validate.rs -> m/header.rs"]);
        assert!(graphs.files.circles().is_empty());
    }

    #[test]
    fn a_file_circle_is_printed_with_one_reference_per_edge() {
        let (_dir, graphs) = crate_of(&[
            ("src/lib.rs", "pub mod m;\npub mod n;\n"),
            ("src/m/mod.rs", "mod geometry;\nmod space;\n"),
            (
                "src/m/geometry.rs",
                "pub struct Geometry(super::space::Space);\n",
            ),
            (
                "src/m/space.rs",
                "pub struct Space;\nimpl Space {\n    fn g(&self) -> super::geometry::Geometry { todo!() }\n}\n",
            ),
            ("src/n.rs", "use crate::m;\n"),
        ]);
        let circles = graphs.files.circles();
        assert_eq!(
            circles,
            [vec!["m/geometry.rs".to_string(), "m/space.rs".to_string()]]
        );
        assert_eq!(
            describe_circles(&graphs.files, &circles),
            "circle of m/geometry.rs, m/space.rs:\n  m/geometry.rs -> m/space.rs -> m/geometry.rs\n    \
             m/geometry.rs -> m/space.rs: src/m/geometry.rs:1 `super::space::Space`\n    \
             m/space.rs -> m/geometry.rs: src/m/space.rs:3 `super::geometry::Geometry`\n"
        );
    }

    #[test]
    fn a_top_level_cycle_is_found_through_three_modules() {
        let (_dir, graphs) = crate_of(&[
            ("src/lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
            ("src/a.rs", "use crate::b::B;\npub struct A;\n"),
            ("src/b.rs", "pub struct B(crate::c::C);\n"),
            ("src/c.rs", "pub struct C;\nfn f(_: crate::a::A) {}\n"),
        ]);
        let circles = graphs.top_level.circles();
        assert_eq!(
            graphs.top_level.cycles_in(&circles[0]),
            [vec!["a", "b", "c", "a"]]
        );
    }
}
