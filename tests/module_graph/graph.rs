//! A directed graph of named nodes whose edges keep one example reference each, its
//! strongly connected components (a component of more than one node is a circle), one
//! shortest cycle through every edge of such a component, and a stable text rendering.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

#[derive(Debug, Clone)]
pub struct Edge {
    /// References counted along this edge.
    pub count: usize,
    /// The first of them in file order: `src/cache/entry.rs:12 `crate::key::StageKey``.
    pub example: String,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: BTreeSet<String>,
    pub edges: BTreeMap<(String, String), Edge>,
}

impl Graph {
    pub fn add_node(&mut self, node: &str) {
        self.nodes.insert(node.to_string());
    }

    /// Adds one reference from `from` to `to`; the first added becomes the edge's example.
    pub fn add_reference(&mut self, from: &str, to: &str, example: impl FnOnce() -> String) {
        self.add_node(from);
        self.add_node(to);
        self.edges
            .entry((from.to_string(), to.to_string()))
            .and_modify(|edge| edge.count += 1)
            .or_insert_with(|| Edge {
                count: 1,
                example: example(),
            });
    }

    pub fn targets(&self, from: &str) -> impl Iterator<Item = (&str, &Edge)> {
        self.edges
            .iter()
            .filter(move |((a, _), _)| a == from)
            .map(|((_, b), edge)| (b.as_str(), edge))
    }

    /// The components of more than one node, each sorted, in a stable order.
    pub fn circles(&self) -> Vec<Vec<String>> {
        let names: Vec<&String> = self.nodes.iter().collect();
        let index: BTreeMap<&String, usize> =
            names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut graph = DiGraph::<(), ()>::new();
        for _ in &names {
            graph.add_node(());
        }
        for (a, b) in self.edges.keys() {
            graph.add_edge(NodeIndex::new(index[a]), NodeIndex::new(index[b]), ());
        }
        let mut circles: Vec<Vec<String>> = tarjan_scc(&graph)
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let mut members: Vec<String> = component
                    .into_iter()
                    .map(|i| names[i.index()].clone())
                    .collect();
                members.sort();
                members
            })
            .collect();
        circles.sort();
        circles
    }

    /// One shortest cycle through each edge of the circle, without repeats, each written
    /// from its smallest node: `["cache", "key", "cache"]`.
    pub fn cycles_in(&self, circle: &[String]) -> Vec<Vec<String>> {
        let inside: BTreeSet<&str> = circle.iter().map(String::as_str).collect();
        let mut cycles = BTreeSet::new();
        for (a, b) in self.edges.keys() {
            if !(inside.contains(a.as_str()) && inside.contains(b.as_str())) {
                continue;
            }
            if let Some(mut back) = self.shortest_path(b, a, &inside) {
                // `b .. a` back to `a`: the cycle's nodes are `a`, then `b ..` before `a`.
                back.pop();
                let mut cycle: Vec<String> = std::iter::once(a.clone()).chain(back).collect();
                let smallest = (0..cycle.len()).min_by_key(|&i| &cycle[i]).unwrap_or(0);
                cycle.rotate_left(smallest);
                cycle.push(cycle[0].clone());
                cycles.insert(cycle);
            }
        }
        cycles.into_iter().collect()
    }

    /// Nodes from `from` to `to` (both included), breadth first, staying `inside`.
    fn shortest_path(&self, from: &str, to: &str, inside: &BTreeSet<&str>) -> Option<Vec<String>> {
        let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(node) = queue.pop_front() {
            if node == to {
                let mut path = vec![to.to_string()];
                let mut at = to;
                while let Some(&before) = previous.get(at) {
                    path.push(before.to_string());
                    at = before;
                }
                path.reverse();
                return Some(path);
            }
            for (next, _) in self.targets(node) {
                if inside.contains(next) && seen.insert(next) {
                    previous.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// `a -> b -> a`, then each edge with its example reference.
    pub fn render_cycle(&self, cycle: &[String]) -> String {
        let mut text = cycle.join(" -> ");
        for pair in cycle.windows(2) {
            let edge = &self.edges[&(pair[0].clone(), pair[1].clone())];
            text.push_str(&format!(
                "\n    {} -> {}: {}",
                pair[0], pair[1], edge.example
            ));
        }
        text
    }

    /// One line per node, `a -> b (3), c (1)` (references per edge), users before what they
    /// use where the graph allows it, alphabetically among equals and for nodes in circles.
    pub fn render(&self) -> String {
        self.users_first()
            .iter()
            .map(|node| {
                let targets: Vec<String> = self
                    .targets(node)
                    .map(|(to, edge)| format!("{to} ({})", edge.count))
                    .collect();
                if targets.is_empty() {
                    node.clone()
                } else {
                    format!("{node} -> {}", targets.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Kahn's order: a node comes once every node using it has come.
    fn users_first(&self) -> Vec<String> {
        let mut users: BTreeMap<&str, usize> = self.nodes.iter().map(|n| (n.as_str(), 0)).collect();
        for (_, b) in self.edges.keys() {
            *users.entry(b.as_str()).or_default() += 1;
        }
        let mut ready: BTreeSet<&str> = users
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(node, _)| *node)
            .collect();
        let mut order = Vec::new();
        while let Some(node) = ready.pop_first() {
            order.push(node.to_string());
            for (next, _) in self.targets(node) {
                let left = users.get_mut(next).expect("every target is a node");
                *left -= 1;
                if *left == 0 {
                    ready.insert(next);
                }
            }
        }
        let placed: BTreeSet<String> = order.iter().cloned().collect();
        order.extend(self.nodes.iter().filter(|n| !placed.contains(*n)).cloned());
        order
    }
}
