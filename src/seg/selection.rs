//! Which segments of a segmentation are "the lesion".
//!
//! A pipeline names the lesion in YAML, as one of:
//!
//! ```yaml
//! lesion: { segment_names: [tumor] }   # Slicer segments by name (case-insensitive)
//! lesion: { label_values: [1, 2] }     # voxel values, in every layer
//! lesion: all_segments                 # every Slicer segment (plain labelmap: any nonzero)
//! lesion: any_nonzero                  # any nonzero voxel in any layer
//! ```
//!
//! A selector resolves against one file to a [`LabelQuery`]: the (layer, value) pairs
//! whose voxels form the lesion. Resolution fails loudly (a name that matches no
//! segment, an empty list) rather than producing an empty lesion.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The lesion, as the pipeline's YAML names it. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LesionSelector {
    /// Slicer segments whose `SegmentN_Name` equals one of these, ignoring case and
    /// surrounding spaces. Every name must match at least one segment.
    SegmentNames(Vec<String>),
    /// Voxels with one of these values. In a layered file, every layer is searched,
    /// since Slicer reuses label values across layers.
    LabelValues(Vec<i64>),
    /// Every Slicer segment; for a plain labelmap, any nonzero voxel.
    AllSegments,
    /// Any nonzero voxel in any layer, segments or not.
    AnyNonzero,
}

/// The voxels a selector picks in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelQuery {
    /// `(layer, label value)` pairs, sorted and without duplicates.
    Values(Vec<(usize, i64)>),
    /// Any nonzero voxel in any layer.
    AnyNonzero,
}

/// Why a selector cannot be resolved; the caller adds the file path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// `segment_names: []` or `label_values: []`.
    #[error("`{selector}` lists nothing; name at least one")]
    EmptyList { selector: &'static str },
    /// Names were given, but the file has no Slicer segments.
    #[error(
        "the file has no named segments (a plain labelmap, or a Slicer file with no \
         segment); select the lesion with `label_values: [1]` or `any_nonzero`"
    )]
    NoSegments,
    /// A name that matches no segment; `available` lists the names there are.
    #[error(
        "no segment is named `{name}`; the segments are {}",
        quoted_list(available)
    )]
    UnknownName {
        name: String,
        available: Vec<String>,
    },
}

const KEYWORDS: &[&str] = &["all_segments", "any_nonzero"];
const KEYS: &[&str] = &["segment_names", "label_values"];

/// Written as a bare word (`all_segments`) or a one-key map (`{ label_values: [1] }`),
/// the forms a person writes; serde_yaml's default for enums would demand YAML tags.
impl Serialize for LesionSelector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LesionSelector::AllSegments => serializer.serialize_str("all_segments"),
            LesionSelector::AnyNonzero => serializer.serialize_str("any_nonzero"),
            LesionSelector::SegmentNames(names) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("segment_names", names)?;
                map.end()
            }
            LesionSelector::LabelValues(values) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("label_values", values)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for LesionSelector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SelectorVisitor)
    }
}

struct SelectorVisitor;

impl<'de> Visitor<'de> for SelectorVisitor {
    type Value = LesionSelector;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "`all_segments`, `any_nonzero`, `{ segment_names: [...] }` or \
             `{ label_values: [...] }`",
        )
    }

    fn visit_str<E: de::Error>(self, word: &str) -> Result<Self::Value, E> {
        match word {
            "all_segments" => Ok(LesionSelector::AllSegments),
            "any_nonzero" => Ok(LesionSelector::AnyNonzero),
            _ => Err(E::unknown_variant(word, KEYWORDS)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let key: String = map
            .next_key()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let selector = match key.as_str() {
            "segment_names" => LesionSelector::SegmentNames(map.next_value()?),
            "label_values" => LesionSelector::LabelValues(map.next_value()?),
            _ => return Err(de::Error::unknown_field(&key, KEYS)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "give one of `segment_names` or `label_values`, not also `{extra}`"
            )));
        }
        Ok(selector)
    }
}

fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}

impl LesionSelector {
    /// Resolves against a file with `layers` layers and these Slicer segments (an
    /// empty slice for a plain labelmap).
    pub fn resolve(
        &self,
        segments: &[super::Segment],
        layers: usize,
    ) -> Result<LabelQuery, SelectionError> {
        let mut pairs: Vec<(usize, i64)> = match self {
            LesionSelector::AnyNonzero => return Ok(LabelQuery::AnyNonzero),
            LesionSelector::AllSegments if segments.is_empty() => {
                return Ok(LabelQuery::AnyNonzero);
            }
            LesionSelector::AllSegments => segments
                .iter()
                .map(|segment| (segment.layer, segment.label_value))
                .collect(),
            LesionSelector::LabelValues(values) if values.is_empty() => {
                return Err(SelectionError::EmptyList {
                    selector: "label_values",
                });
            }
            LesionSelector::LabelValues(values) => (0..layers)
                .flat_map(|layer| values.iter().map(move |value| (layer, *value)))
                .collect(),
            LesionSelector::SegmentNames(names) if names.is_empty() => {
                return Err(SelectionError::EmptyList {
                    selector: "segment_names",
                });
            }
            LesionSelector::SegmentNames(_) if segments.is_empty() => {
                return Err(SelectionError::NoSegments);
            }
            LesionSelector::SegmentNames(names) => {
                let mut pairs = Vec::new();
                for name in names {
                    let wanted = name.trim().to_lowercase();
                    let before = pairs.len();
                    pairs.extend(
                        segments
                            .iter()
                            .filter(|segment| segment.name.trim().to_lowercase() == wanted)
                            .map(|segment| (segment.layer, segment.label_value)),
                    );
                    if pairs.len() == before {
                        return Err(SelectionError::UnknownName {
                            name: name.clone(),
                            available: segments.iter().map(|s| s.name.clone()).collect(),
                        });
                    }
                }
                pairs
            }
        };
        pairs.sort_unstable();
        pairs.dedup();
        Ok(LabelQuery::Values(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Segment;
    use super::*;

    fn segment(name: &str, layer: usize, label_value: i64) -> Segment {
        Segment {
            index: 0,
            id: format!("id-{name}"),
            name: name.to_string(),
            label_value,
            layer,
            extent: None,
            color: None,
            name_auto_generated: None,
            color_auto_generated: None,
            tags: Vec::new(),
        }
    }

    #[test]
    fn selectors_resolve_to_layer_and_value_pairs() {
        let layered = [
            segment("tumor", 0, 1),
            segment("Edema", 1, 1),
            segment("ring", 0, 2),
        ];
        let names = |names: &[&str]| {
            LesionSelector::SegmentNames(names.iter().map(|s| s.to_string()).collect())
        };
        let cases: Vec<(LesionSelector, &[Segment], usize, LabelQuery)> = vec![
            (
                names(&["tumor"]),
                &layered,
                2,
                LabelQuery::Values(vec![(0, 1)]),
            ),
            (
                names(&[" edema "]),
                &layered,
                2,
                LabelQuery::Values(vec![(1, 1)]),
            ),
            (
                names(&["ring", "tumor", "TUMOR"]),
                &layered,
                2,
                LabelQuery::Values(vec![(0, 1), (0, 2)]),
            ),
            (
                LesionSelector::AllSegments,
                &layered,
                2,
                LabelQuery::Values(vec![(0, 1), (0, 2), (1, 1)]),
            ),
            (
                LesionSelector::LabelValues(vec![1]),
                &layered,
                2,
                LabelQuery::Values(vec![(0, 1), (1, 1)]),
            ),
            (
                LesionSelector::LabelValues(vec![3, 1]),
                &[],
                1,
                LabelQuery::Values(vec![(0, 1), (0, 3)]),
            ),
            (LesionSelector::AllSegments, &[], 1, LabelQuery::AnyNonzero),
            (
                LesionSelector::AnyNonzero,
                &layered,
                2,
                LabelQuery::AnyNonzero,
            ),
        ];
        for (selector, segments, layers, expected) in cases {
            assert_eq!(
                selector.resolve(segments, layers),
                Ok(expected),
                "{selector:?}"
            );
        }
    }

    #[test]
    fn selectors_that_cannot_pick_anything_are_errors() {
        let segments = [segment("tumor", 0, 1)];
        let cases: Vec<(LesionSelector, &[Segment], SelectionError)> = vec![
            (
                LesionSelector::SegmentNames(vec![]),
                &segments,
                SelectionError::EmptyList {
                    selector: "segment_names",
                },
            ),
            (
                LesionSelector::LabelValues(vec![]),
                &segments,
                SelectionError::EmptyList {
                    selector: "label_values",
                },
            ),
            (
                LesionSelector::SegmentNames(vec!["tumor".into()]),
                &[],
                SelectionError::NoSegments,
            ),
            (
                LesionSelector::SegmentNames(vec!["tumor".into(), "necrosis".into()]),
                &segments,
                SelectionError::UnknownName {
                    name: "necrosis".into(),
                    available: vec!["tumor".into()],
                },
            ),
        ];
        for (selector, segments, expected) in cases {
            assert_eq!(selector.resolve(segments, 1), Err(expected), "{selector:?}");
        }
    }

    #[test]
    fn selectors_read_from_yaml_in_their_documented_forms() {
        let cases: &[(&str, LesionSelector)] = &[
            (
                "segment_names: [tumor, edema]",
                LesionSelector::SegmentNames(vec!["tumor".into(), "edema".into()]),
            ),
            (
                "label_values: [1, 2]",
                LesionSelector::LabelValues(vec![1, 2]),
            ),
            ("all_segments", LesionSelector::AllSegments),
            ("any_nonzero", LesionSelector::AnyNonzero),
        ];
        for (yaml, expected) in cases {
            let parsed: LesionSelector = serde_yaml::from_str(yaml).expect(yaml);
            assert_eq!(&parsed, expected, "{yaml}");
        }
        let wrong: &[(&str, &str)] = &[
            ("segment_name: [tumor]", "unknown field `segment_name`"),
            ("everything", "unknown variant `everything`"),
            (
                "{segment_names: [a], label_values: [1]}",
                "not also `label_values`",
            ),
            ("label_values: [one]", "invalid type"),
        ];
        for (yaml, expected) in wrong {
            let error = serde_yaml::from_str::<LesionSelector>(yaml).expect_err(yaml);
            assert!(error.to_string().contains(expected), "{yaml}: {error}");
        }
        for (_, selector) in cases {
            let text = serde_yaml::to_string(selector).expect("serializes");
            assert_eq!(
                &serde_yaml::from_str::<LesionSelector>(&text).expect(&text),
                selector
            );
        }
    }
}
