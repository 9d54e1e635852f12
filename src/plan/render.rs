//! `radflow dag`: the stage graph as text, Graphviz dot or Mermaid.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Dot,
    Mermaid,
}

struct StageRow {
    kind: &'static str,
    instances: Vec<String>,
    inputs: Vec<(String, String)>,
}

/// One node per stage (a swept stage lists its instance count and labels), edges labelled
/// with the port when the kind has several.
pub fn render(plan: &Plan, format: Format) -> String {
    let mut stages: Vec<(String, StageRow)> = Vec::new();
    for inst in &plan.instances {
        if !stages.iter().any(|(s, _)| *s == inst.stage) {
            let mut inputs = Vec::new();
            for (port, ups) in &inst.inputs {
                for &up in ups {
                    let edge = (plan.instances[up].stage.clone(), port.clone());
                    if !inputs.contains(&edge) {
                        inputs.push(edge);
                    }
                }
            }
            stages.push((
                inst.stage.clone(),
                StageRow {
                    kind: inst.kind.kind(),
                    instances: Vec::new(),
                    inputs,
                },
            ));
        }
        let row = &mut stages
            .iter_mut()
            .find(|(s, _)| *s == inst.stage)
            .expect("pushed")
            .1;
        if !inst.label.is_empty() {
            row.instances.push(inst.label.clone());
        }
    }
    // Edges are labelled with their port where the kind has several, or where an input feeds
    // a file parameter (`with.model`).
    let port_counts: BTreeMap<&str, usize> = plan
        .instances
        .iter()
        .map(|i| {
            let file_params = i.inputs.keys().filter(|p| p.starts_with("with.")).count();
            (i.stage.as_str(), i.kind.ports().len() + file_params)
        })
        .collect();
    let mut out = String::new();
    match format {
        Format::Text => {
            for (name, row) in &stages {
                let sweep = match row.instances.len() {
                    0 => String::new(),
                    n => format!(" x{n} [{}]", summarize(&row.instances)),
                };
                let _ = write!(out, "{name} ({}){sweep}", row.kind);
                if !row.inputs.is_empty() {
                    let ins: Vec<String> = row
                        .inputs
                        .iter()
                        .map(|(up, port)| {
                            if port_counts[name.as_str()] > 1 {
                                format!("{up} as {port}")
                            } else {
                                up.clone()
                            }
                        })
                        .collect();
                    let _ = write!(out, " <- {}", ins.join(", "));
                }
                out.push('\n');
            }
        }
        Format::Dot => {
            let _ = writeln!(
                out,
                "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box];",
                plan.pipeline.name
            );
            for (name, row) in &stages {
                let sweep = if row.instances.is_empty() {
                    String::new()
                } else {
                    format!("\\nx{}", row.instances.len())
                };
                let _ = writeln!(
                    out,
                    "  \"{name}\" [label=\"{name}\\n({}){sweep}\"];",
                    row.kind
                );
            }
            for (name, row) in &stages {
                for (up, port) in &row.inputs {
                    let label = if port_counts[name.as_str()] > 1 {
                        format!(" [label=\"{port}\"]")
                    } else {
                        String::new()
                    };
                    let _ = writeln!(out, "  \"{up}\" -> \"{name}\"{label};");
                }
            }
            out.push_str("}\n");
        }
        Format::Mermaid => {
            out.push_str("flowchart LR\n");
            let ident = |s: &str| s.replace('-', "_");
            for (name, row) in &stages {
                let sweep = if row.instances.is_empty() {
                    String::new()
                } else {
                    format!(" x{}", row.instances.len())
                };
                let _ = writeln!(
                    out,
                    "  {}[\"{name}<br/>({}){sweep}\"]",
                    ident(name),
                    row.kind
                );
            }
            for (name, row) in &stages {
                for (up, port) in &row.inputs {
                    let arrow = if port_counts[name.as_str()] > 1 {
                        format!("-->|{port}|")
                    } else {
                        "-->".into()
                    };
                    let _ = writeln!(out, "  {} {arrow} {}", ident(up), ident(name));
                }
            }
        }
    }
    out
}

/// `seed=0, seed=1, ... seed=9` shortened to the first and last when long.
fn summarize(labels: &[String]) -> String {
    if labels.len() <= 3 {
        labels.join(", ")
    } else {
        format!("{} .. {}", labels[0], labels[labels.len() - 1])
    }
}
