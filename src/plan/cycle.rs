//! Stage order, and the cycle to print when there is none.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

/// Stages in an order where every stage comes after the stages it reads, or the stages of one
/// cycle, in order, the first repeated at the end (`a -> b -> a`).
pub fn order(edges: &BTreeMap<String, Vec<String>>) -> Result<Vec<String>, Vec<String>> {
    let mut graph: DiGraph<&str, ()> = DiGraph::new();
    let mut index: BTreeMap<&str, NodeIndex> = BTreeMap::new();
    for name in edges.keys() {
        index.insert(name, graph.add_node(name));
    }
    for (stage, upstream) in edges {
        for up in upstream {
            if let (Some(&from), Some(&to)) = (index.get(up.as_str()), index.get(stage.as_str())) {
                graph.update_edge(from, to, ());
            }
        }
    }
    if let Err(cycle) = toposort(&graph, None) {
        return Err(find_cycle(&graph, cycle.node_id()));
    }
    // Kahn's algorithm taking the alphabetically first ready stage: one stable order, so plans,
    // `dag` output and summaries never shuffle between runs.
    let mut waiting: BTreeMap<&str, usize> = edges
        .iter()
        .map(|(s, ups)| {
            (
                s.as_str(),
                ups.iter()
                    .filter(|u| edges.contains_key(*u))
                    .collect::<BTreeSet<_>>()
                    .len(),
            )
        })
        .collect();
    let mut ready: BTreeSet<&str> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(s, _)| *s)
        .collect();
    let mut out = Vec::with_capacity(edges.len());
    while let Some(next) = ready.pop_first() {
        out.push(next.to_string());
        waiting.remove(next);
        for (stage, ups) in edges {
            if !ups.iter().any(|u| u == next) {
                continue;
            }
            if let Some(n) = waiting.get_mut(stage.as_str()) {
                *n -= 1;
                if *n == 0 {
                    ready.insert(stage);
                }
            }
        }
    }
    Ok(out)
}

fn find_cycle(graph: &DiGraph<&str, ()>, start: NodeIndex) -> Vec<String> {
    let component = tarjan_scc(graph)
        .into_iter()
        .find(|scc| scc.contains(&start))
        .unwrap_or_else(|| vec![start]);
    // Walk successors inside the component until a node repeats; that loop is a cycle.
    // Start from the alphabetically first stage so the message is stable.
    let first = component
        .iter()
        .copied()
        .min_by_key(|&n| graph[n])
        .unwrap_or(start);
    let mut path = vec![first];
    let mut current = first;
    loop {
        let mut next: Vec<NodeIndex> = graph
            .neighbors(current)
            .filter(|n| component.contains(n))
            .collect();
        next.sort_by_key(|&n| graph[n]);
        let Some(&step) = next.first() else { break };
        if let Some(pos) = path.iter().position(|&n| n == step) {
            path.drain(..pos);
            path.push(step);
            break;
        }
        path.push(step);
        current = step;
    }
    path.into_iter().map(|n| graph[n].to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(s, ups)| (s.to_string(), ups.iter().map(|u| u.to_string()).collect()))
            .collect()
    }

    #[test]
    fn stages_come_after_their_inputs() {
        let order = order(&edges(&[("c", &["b"]), ("b", &["a"]), ("a", &[])])).unwrap();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn cycles_are_printed_in_order() {
        let cycle = order(&edges(&[
            ("a", &["c"]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("d", &["a"]),
        ]))
        .unwrap_err();
        assert_eq!(cycle, ["a", "b", "c", "a"]);
    }
}
