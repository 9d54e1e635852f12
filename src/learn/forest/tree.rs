//! One fitted decision tree: split nodes and leaves in pre-order.
//!
//! A row goes left at a split when its feature, as `f32` widened to `f64`, is at most
//! the threshold (scikit-learn's rule, `X[i, f] <= threshold` with `f32` features and
//! an `f64` threshold). A leaf holds the class shares of the training weight that
//! reached it.
//!
//! Invariants (checked by [`DecisionTree::check`], since a tree may come from a file):
//! node 0 is the root; a split's children come after it in the node list (so a walk
//! always ends) and its feature is below the forest's feature count; every leaf has one
//! share per class.

use serde::{Deserialize, Serialize};

use crate::learn::error::LearnError;

/// A node of a tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Node {
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
    Leaf {
        /// Share of each class among the (bootstrap-weighted) training rows here.
        shares: Vec<f64>,
    },
}

/// A tree as a list of nodes, the root first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionTree {
    nodes: Vec<Node>,
}

impl DecisionTree {
    pub(super) fn new(nodes: Vec<Node>) -> Self {
        Self { nodes }
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The class shares of the leaf `row` reaches (`row` as long as the features the
    /// tree was checked against).
    pub(super) fn leaf(&self, row: &[f32]) -> &[f64] {
        let mut index = 0;
        loop {
            match &self.nodes[index] {
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    index = if f64::from(row[*feature]) <= *threshold {
                        *left
                    } else {
                        *right
                    };
                }
                Node::Leaf { shares } => return shares,
            }
        }
    }

    /// Checks the invariants in the module docs.
    pub(super) fn check(&self, n_features: usize, n_classes: usize) -> Result<(), LearnError> {
        let corrupt = |what, found, expected| {
            Err(LearnError::CorruptModel {
                what,
                found,
                expected,
            })
        };
        if self.nodes.is_empty() {
            return corrupt("tree nodes", 0, 1);
        }
        for (index, node) in self.nodes.iter().enumerate() {
            match node {
                Node::Split {
                    feature,
                    left,
                    right,
                    ..
                } => {
                    if *feature >= n_features {
                        return corrupt("split feature", *feature, n_features);
                    }
                    for &child in [left, right] {
                        if child <= index || child >= self.nodes.len() {
                            return corrupt("child node index", child, self.nodes.len());
                        }
                    }
                }
                Node::Leaf { shares } => {
                    if shares.len() != n_classes {
                        return corrupt("leaf shares", shares.len(), n_classes);
                    }
                }
            }
        }
        Ok(())
    }
}
