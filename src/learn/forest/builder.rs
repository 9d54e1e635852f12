//! Growing one CART tree as scikit-learn's `DecisionTreeClassifier` inside a random
//! forest (`DepthFirstTreeBuilder` with the `BestSplitter` and the gini criterion).
//!
//! - Rows carry integer weights (bootstrap counts); rows of weight 0 are left out, and
//!   sample counts (`min_samples_split`, `min_samples_leaf`) count distinct rows.
//! - A node is a leaf when it is at `max_depth`, has fewer than `min_samples_split` or
//!   `2 min_samples_leaf` rows, is pure (gini at most `f64::EPSILON`), or no split
//!   keeps `min_samples_leaf` rows on both sides.
//! - Features are drawn anew at every node, without replacement (a partial
//!   Fisher-Yates shuffle), until `max_features` have been drawn and at least one of
//!   them varies in the node; features found constant in a node are remembered and
//!   never drawn again below it (scikit-learn's `n_constant_features` bookkeeping).
//! - For each drawn feature the node's rows are sorted by value; a split is tried
//!   between consecutive values more than 1e-7 apart, and the best is the one of
//!   highest proxy improvement `-w_left gini_left - w_right gini_right`, the first
//!   found winning a tie. The threshold is the midpoint `a/2 + b/2` in `f64`.
//! - Nodes are made depth first, left child first, so children follow their parent.
//!
//! Invariants: the tree is a pure function of the columns, labels, weights and the
//! generator's state; the generator is used only to draw features.

use super::tree::{DecisionTree, Node};
use crate::learn::rng::Rng;

/// Two feature values closer than this are one value (scikit-learn's
/// `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f32 = 1e-7;

/// What one tree is grown from; shared by all trees of a forest.
pub(super) struct TreeData<'a> {
    /// Feature-major training values: feature `f` of row `r` at `f * n_rows + r`.
    pub columns: &'a [f32],
    pub n_rows: usize,
    pub n_features: usize,
    pub labels: &'a [usize],
    pub n_classes: usize,
    pub max_depth: usize,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    pub max_features: usize,
}

/// A node waiting to be made.
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    /// The split node and whether this is its left child.
    parent: Option<(usize, bool)>,
    /// Features known to be constant here (found so in an ancestor).
    n_constant: usize,
}

/// The best split of a node.
struct Split {
    feature: usize,
    threshold: f64,
    /// Rows going left, counted from the node's start.
    position: usize,
}

/// Buffers reused across the nodes of a tree.
struct Grower<'a> {
    data: &'a TreeData<'a>,
    weights: &'a [u32],
    rows: Vec<u32>,
    features: Vec<usize>,
    constant_features: Vec<usize>,
    /// (order-preserving value bits << 32 | row) of the node's rows, sorted.
    keys: Vec<u64>,
    /// The node's rows in the order of the best split's feature so far.
    best_rows: Vec<u32>,
    left: Vec<f64>,
    total: Vec<f64>,
}

/// Grows one tree on the rows of positive `weight`.
pub(super) fn grow(data: &TreeData<'_>, weights: &[u32], rng: &mut Rng) -> DecisionTree {
    let rows: Vec<u32> = (0..data.n_rows as u32)
        .filter(|&r| weights[r as usize] > 0)
        .collect();
    let mut grower = Grower {
        data,
        weights,
        features: (0..data.n_features).collect(),
        constant_features: vec![0; data.n_features],
        keys: Vec::with_capacity(rows.len()),
        best_rows: Vec::with_capacity(rows.len()),
        left: vec![0.0; data.n_classes],
        total: vec![0.0; data.n_classes],
        rows,
    };
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack = vec![Pending {
        start: 0,
        end: grower.rows.len(),
        depth: 0,
        parent: None,
        n_constant: 0,
    }];
    while let Some(pending) = stack.pop() {
        let id = nodes.len();
        if let Some((parent, is_left)) = pending.parent
            && let Node::Split { left, right, .. } = &mut nodes[parent]
        {
            *(if is_left { left } else { right }) = id;
        }
        let (weighted, gini) = grower.node_totals(pending.start, pending.end);
        let n_rows = pending.end - pending.start;
        let is_leaf = pending.depth >= data.max_depth
            || n_rows < data.min_samples_split
            || n_rows < 2 * data.min_samples_leaf
            || gini <= f64::EPSILON;
        let split = if is_leaf {
            None
        } else {
            grower.best_split(&pending, rng)
        };
        match split {
            None => {
                let shares = grower.total.iter().map(|&w| w / weighted).collect();
                nodes.push(Node::Leaf { shares });
            }
            Some((split, n_constant)) => {
                nodes.push(Node::Split {
                    feature: split.feature,
                    threshold: split.threshold,
                    left: 0,
                    right: 0,
                });
                let middle = pending.start + split.position;
                let depth = pending.depth + 1;
                stack.push(Pending {
                    start: middle,
                    end: pending.end,
                    depth,
                    parent: Some((id, false)),
                    n_constant,
                });
                stack.push(Pending {
                    start: pending.start,
                    end: middle,
                    depth,
                    parent: Some((id, true)),
                    n_constant,
                });
            }
        }
    }
    DecisionTree::new(nodes)
}

impl Grower<'_> {
    /// Fills `total` with the class weights of rows `start..end`; returns their sum and
    /// gini impurity.
    fn node_totals(&mut self, start: usize, end: usize) -> (f64, f64) {
        self.total.fill(0.0);
        for &row in &self.rows[start..end] {
            let row = row as usize;
            self.total[self.data.labels[row]] += f64::from(self.weights[row]);
        }
        let weighted: f64 = self.total.iter().sum();
        let squares: f64 = self.total.iter().map(|w| w * w).sum();
        (weighted, 1.0 - squares / (weighted * weighted))
    }

    /// The best split of the pending node (its totals in `total`), and the number of
    /// features known constant for its children; `None` when no split is allowed.
    fn best_split(&mut self, node: &Pending, rng: &mut Rng) -> Option<(Split, usize)> {
        let data = self.data;
        let (start, end) = (node.start, node.end);
        let n_known = node.n_constant;
        let mut n_total = n_known;
        let (mut n_found, mut n_drawn, mut n_visited) = (0, 0, 0);
        let mut remaining = data.n_features;
        let mut best: Option<Split> = None;
        let mut best_proxy = f64::NEG_INFINITY;
        let weighted_total: f64 = self.total.iter().sum();

        while remaining > n_total
            && (n_visited < data.max_features || n_visited <= n_found + n_drawn)
        {
            n_visited += 1;
            // A uniform draw among the features neither drawn nor found constant here.
            let mut pick = n_drawn + rng.index(remaining - n_found - n_drawn);
            if pick < n_known {
                // Known constant: set aside without looking at it.
                self.features.swap(n_drawn, pick);
                n_drawn += 1;
                continue;
            }
            pick += n_found;
            let feature = self.features[pick];
            self.sort_rows(feature, start, end);
            let value = |key: u64| from_order_bits((key >> 32) as u32);
            let (first, last) = (value(self.keys[0]), value(self.keys[self.keys.len() - 1]));
            if last <= first + FEATURE_THRESHOLD {
                self.features.swap(pick, n_total);
                n_found += 1;
                n_total += 1;
                continue;
            }
            remaining -= 1;
            self.features.swap(remaining, pick);

            // Scan the split positions in value order.
            self.left.fill(0.0);
            let mut weighted_left = 0.0;
            let mut improved = false;
            let m = self.keys.len();
            for p in 1..m {
                let row = (self.keys[p - 1] & 0xFFFF_FFFF) as usize;
                let w = f64::from(self.weights[row]);
                self.left[data.labels[row]] += w;
                weighted_left += w;
                let (before, here) = (value(self.keys[p - 1]), value(self.keys[p]));
                if here <= before + FEATURE_THRESHOLD
                    || p < data.min_samples_leaf
                    || m - p < data.min_samples_leaf
                {
                    continue;
                }
                let weighted_right = weighted_total - weighted_left;
                let (mut left_squares, mut right_squares) = (0.0, 0.0);
                for (&l, &t) in self.left.iter().zip(&self.total) {
                    left_squares += l * l;
                    right_squares += (t - l) * (t - l);
                }
                let gini_left = 1.0 - left_squares / (weighted_left * weighted_left);
                let gini_right = 1.0 - right_squares / (weighted_right * weighted_right);
                let proxy = -weighted_right * gini_right - weighted_left * gini_left;
                if proxy > best_proxy {
                    best_proxy = proxy;
                    best = Some(Split {
                        feature,
                        threshold: f64::from(before) / 2.0 + f64::from(here) / 2.0,
                        position: p,
                    });
                    improved = true;
                }
            }
            if improved {
                self.best_rows.clear();
                self.best_rows
                    .extend(self.keys.iter().map(|&k| (k & 0xFFFF_FFFF) as u32));
            }
        }

        // Keep the known constants in their order for the siblings and children, and
        // append the ones found here.
        self.features[..n_known].copy_from_slice(&self.constant_features[..n_known]);
        self.constant_features[n_known..n_known + n_found]
            .copy_from_slice(&self.features[n_known..n_known + n_found]);

        let split = best?;
        self.rows[start..end].copy_from_slice(&self.best_rows);
        Some((split, n_total))
    }

    /// Sorts the node's rows by `feature` into `keys`.
    fn sort_rows(&mut self, feature: usize, start: usize, end: usize) {
        let column = &self.data.columns[feature * self.data.n_rows..][..self.data.n_rows];
        self.keys.clear();
        self.keys.extend(
            self.rows[start..end].iter().map(|&row| {
                (u64::from(to_order_bits(column[row as usize])) << 32) | u64::from(row)
            }),
        );
        self.keys.sort_unstable();
    }
}

/// Bits of a finite `f32` whose unsigned order is the numeric order (-0 just below +0).
fn to_order_bits(value: f32) -> u32 {
    let bits = value.to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

fn from_order_bits(bits: u32) -> f32 {
    f32::from_bits(if bits & 0x8000_0000 != 0 {
        bits & 0x7FFF_FFFF
    } else {
        !bits
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_bits_sort_as_the_numbers_and_round_trip() {
        let values = [
            f32::MIN,
            -1e30,
            -2.5,
            -f32::MIN_POSITIVE,
            -0.0,
            0.0,
            1e-40,
            1.0,
            3.5e20,
            f32::MAX,
        ];
        for pair in values.windows(2) {
            assert!(to_order_bits(pair[0]) < to_order_bits(pair[1]), "{pair:?}");
        }
        for v in values {
            assert_eq!(from_order_bits(to_order_bits(v)).to_bits(), v.to_bits());
        }
    }
}
