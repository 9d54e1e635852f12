use ndarray::{Array2, array};

use super::*;
use crate::learn::classifier::Classifier;
use crate::learn::error::LearnError;
use crate::learn::heads_tests::blobs;
use crate::learn::samples::Samples;

/// One tree on all rows and all features: the CART split of a separable line.
fn single_tree() -> ForestConfig {
    ForestConfig {
        n_estimators: 1,
        bootstrap: false,
        max_features: MaxFeatures::All,
        ..ForestConfig::default()
    }
}

#[test]
fn a_separable_line_splits_at_the_midpoint_of_the_gap() {
    let features = array![[0.0f32], [1.0], [2.0], [10.0], [11.0], [12.0]];
    let labels = [0, 0, 0, 1, 1, 1];
    let samples = Samples::new(features.view(), &labels, 2).unwrap();
    let forest = RandomForest::fit(&samples, &[0, 1, 2, 3, 4, 5], &single_tree()).unwrap();
    let nodes = forest.trees()[0].nodes();
    assert_eq!(nodes.len(), 3);
    assert_eq!(
        nodes[0],
        Node::Split {
            feature: 0,
            threshold: 6.0,
            left: 1,
            right: 2
        }
    );
    assert_eq!(
        nodes[1],
        Node::Leaf {
            shares: vec![1.0, 0.0]
        }
    );
    let probe = array![[5.9f32], [6.0], [6.1]];
    assert_eq!(forest.predict(probe.view()).unwrap(), vec![0, 0, 1]);
}

#[test]
fn the_best_gini_split_is_chosen_among_features() {
    // Feature 0 separates perfectly; feature 1 only partly.
    let features = array![
        [0.0f32, 0.0],
        [1.0, 5.0],
        [2.0, 1.0],
        [8.0, 6.0],
        [9.0, 2.0],
        [7.0, 7.0]
    ];
    let labels = [0, 0, 0, 1, 1, 1];
    let samples = Samples::new(features.view(), &labels, 2).unwrap();
    let forest = RandomForest::fit(&samples, &[0, 1, 2, 3, 4, 5], &single_tree()).unwrap();
    assert!(matches!(
        forest.trees()[0].nodes()[0],
        Node::Split {
            feature: 0,
            threshold: 4.5,
            ..
        }
    ));
}

#[test]
fn depth_and_leaf_size_limits_hold() {
    let (features, labels) = blobs(&[40, 40, 40], 6, 1.0, 31);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let rows: Vec<usize> = (0..labels.len()).collect();
    let stumps = ForestConfig {
        max_depth: Some(1),
        n_estimators: 10,
        ..ForestConfig::default()
    };
    let forest = RandomForest::fit(&samples, &rows, &stumps).unwrap();
    assert!(forest.trees().iter().all(|t| t.nodes().len() <= 3));
    let big_leaves = ForestConfig {
        min_samples_leaf: 7,
        ..single_tree()
    };
    let forest = RandomForest::fit(&samples, &rows, &big_leaves).unwrap();
    let tree = &forest.trees()[0];
    // Route every training row and count rows per leaf.
    let mut per_leaf = vec![0usize; tree.nodes().len()];
    for row in features.rows() {
        let mut index = 0;
        while let Node::Split {
            feature,
            threshold,
            left,
            right,
        } = &tree.nodes()[index]
        {
            index = if f64::from(row[*feature]) <= *threshold {
                *left
            } else {
                *right
            };
        }
        per_leaf[index] += 1;
    }
    for (index, node) in tree.nodes().iter().enumerate() {
        if matches!(node, Node::Leaf { .. }) {
            assert!(
                per_leaf[index] >= 7,
                "leaf {index} holds {}",
                per_leaf[index]
            );
        }
    }
}

#[test]
fn a_seed_decides_the_forest_whatever_the_thread_count() {
    let (features, labels) = blobs(&[30, 30, 30], 10, 1.0, 32);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let rows: Vec<usize> = (0..labels.len()).collect();
    let config = ForestConfig {
        n_estimators: 16,
        seed: 5,
        ..ForestConfig::default()
    };
    let fit_with = |threads: usize, config: &ForestConfig| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| RandomForest::fit(&samples, &rows, config).unwrap())
    };
    let one = fit_with(1, &config);
    assert_eq!(fit_with(3, &config), one);
    let other_seed = fit_with(
        1,
        &ForestConfig {
            seed: 6,
            ..config.clone()
        },
    );
    assert_ne!(other_seed.trees(), one.trees());
}

#[test]
fn probabilities_are_the_mean_of_the_trees_leaf_shares() {
    let (features, labels) = blobs(&[20, 20], 4, 0.8, 33);
    let samples = Samples::new(features.view(), &labels, 2).unwrap();
    let rows: Vec<usize> = (0..40).collect();
    let config = ForestConfig {
        n_estimators: 5,
        max_depth: Some(2),
        ..ForestConfig::default()
    };
    let forest = RandomForest::fit(&samples, &rows, &config).unwrap();
    let probabilities = forest.predict_proba(features.view()).unwrap();
    for (row, p) in features.rows().into_iter().zip(probabilities.rows()) {
        let row = row.to_vec();
        let mut mean = [0.0; 2];
        for tree in forest.trees() {
            for (m, s) in mean.iter_mut().zip(tree.leaf(&row)) {
                *m += s / 5.0;
            }
        }
        assert!((mean[0] - p[0]).abs() < 1e-12 && (mean[1] - p[1]).abs() < 1e-12);
    }
}

#[test]
fn a_saved_forest_predicts_the_same_and_a_damaged_one_is_refused() {
    let (features, labels) = blobs(&[10, 10, 10], 3, 2.0, 34);
    let samples = Samples::new(features.view(), &labels, 3).unwrap();
    let config = ForestConfig {
        n_estimators: 4,
        ..ForestConfig::default()
    };
    let forest = RandomForest::fit(&samples, &(0..30).collect::<Vec<_>>(), &config).unwrap();
    let json = serde_json::to_string(&forest).unwrap();
    let loaded: RandomForest = serde_json::from_str(&json).unwrap();
    assert_eq!(
        loaded.predict_proba(features.view()).unwrap(),
        forest.predict_proba(features.view()).unwrap()
    );
    // A child pointing back to its parent would make a walk loop forever.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["trees"][0]["nodes"][0]["split"]["left"] = serde_json::json!(0);
    let damaged: RandomForest = serde_json::from_value(value).unwrap();
    assert!(matches!(
        damaged.predict(features.view()),
        Err(LearnError::CorruptModel {
            what: "child node index",
            ..
        })
    ));
    let too_many = ForestConfig {
        max_features: MaxFeatures::Count(4),
        ..config
    };
    let error = RandomForest::fit(&samples, &[0, 10, 20], &too_many).unwrap_err();
    assert!(error.to_string().contains("max_features"), "{error}");
    let _ = Array2::<f32>::zeros((0, 3));
}
