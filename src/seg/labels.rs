//! Label voxels of one layer, stored as compactly as their values allow.
//!
//! Slicer writes `unsigned char`, but plain labelmaps come as int16 or int32 (the
//! pyradiomics labels are `int`). Values that all fit in 0..=255 are kept as bytes,
//! which is the common case and keeps a 256x256x120 layer at 8 MB; anything else is
//! kept as `i64`. Invariant: the `Wide` form is only used when some value is outside
//! 0..=255, so two equal layers always have the same form.

/// One layer of label values, in file order (axis 0 fastest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelVoxels {
    Narrow(Vec<u8>),
    Wide(Vec<i64>),
}

impl LabelVoxels {
    /// Wraps bytes as they are.
    pub fn from_u8(values: Vec<u8>) -> Self {
        LabelVoxels::Narrow(values)
    }

    /// Keeps the values as bytes when they all fit, else as `i64`.
    pub fn from_i64(values: Vec<i64>) -> Self {
        if values.iter().all(|v| (0..=255).contains(v)) {
            LabelVoxels::Narrow(values.into_iter().map(|v| v as u8).collect())
        } else {
            LabelVoxels::Wide(values)
        }
    }

    /// Converts any integer type; narrowing does not copy twice because the check
    /// runs on the source slice.
    pub fn from_integers<T: Copy + Into<i64>>(values: &[T]) -> Self {
        if values.iter().all(|v| (0..=255).contains(&(*v).into())) {
            LabelVoxels::Narrow(values.iter().map(|v| (*v).into() as u8).collect())
        } else {
            LabelVoxels::Wide(values.iter().map(|v| (*v).into()).collect())
        }
    }

    pub fn len(&self) -> usize {
        match self {
            LabelVoxels::Narrow(values) => values.len(),
            LabelVoxels::Wide(values) => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at a linear index; `None` past the end.
    pub fn get(&self, index: usize) -> Option<i64> {
        match self {
            LabelVoxels::Narrow(values) => values.get(index).map(|v| i64::from(*v)),
            LabelVoxels::Wide(values) => values.get(index).copied(),
        }
    }

    /// Sets `mask[v] = 1` wherever this layer's value is one of `wanted` (or nonzero
    /// when `wanted` is `None`). `mask` must have this layer's length.
    pub(crate) fn mark(&self, wanted: Option<&[i64]>, mask: &mut [u8]) {
        match self {
            LabelVoxels::Narrow(values) => {
                // A 256-entry table turns the per-voxel test into one load.
                let mut table = [false; 256];
                match wanted {
                    None => table[1..].fill(true),
                    Some(wanted) => {
                        for value in wanted.iter().filter(|v| (0..=255).contains(*v)) {
                            table[*value as usize] = true;
                        }
                    }
                }
                for (out, value) in mask.iter_mut().zip(values) {
                    *out |= u8::from(table[usize::from(*value)]);
                }
            }
            LabelVoxels::Wide(values) => {
                for (out, value) in mask.iter_mut().zip(values) {
                    let hit = match wanted {
                        None => *value != 0,
                        Some(wanted) => wanted.contains(value),
                    };
                    *out |= u8::from(hit);
                }
            }
        }
    }

    /// The distinct nonzero values, sorted.
    pub fn nonzero_values(&self) -> Vec<i64> {
        let mut found: Vec<i64> = match self {
            LabelVoxels::Narrow(values) => {
                let mut seen = [false; 256];
                for value in values {
                    seen[usize::from(*value)] = true;
                }
                (1..256).filter(|v| seen[*v]).map(|v| v as i64).collect()
            }
            LabelVoxels::Wide(values) => values.iter().copied().filter(|v| *v != 0).collect(),
        };
        found.sort_unstable();
        found.dedup();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_fit_in_a_byte_are_stored_as_bytes() {
        let cases: Vec<(LabelVoxels, bool)> = vec![
            (LabelVoxels::from_i64(vec![0, 1, 255]), true),
            (LabelVoxels::from_i64(vec![0, 256]), false),
            (LabelVoxels::from_i64(vec![-1, 0]), false),
            (LabelVoxels::from_integers(&[0i32, 7, 9]), true),
            (LabelVoxels::from_integers(&[0u16, 1000]), false),
        ];
        for (voxels, narrow) in cases {
            assert_eq!(
                matches!(voxels, LabelVoxels::Narrow(_)),
                narrow,
                "{voxels:?}"
            );
        }
        assert_eq!(LabelVoxels::from_i64(vec![3, -2]).get(1), Some(-2));
        assert_eq!(LabelVoxels::from_i64(vec![3]).get(1), None);
    }

    #[test]
    fn mark_selects_listed_values_or_any_nonzero_in_both_forms() {
        let values = vec![0, 1, 2, 7, 1, 0];
        for voxels in [
            LabelVoxels::from_i64(values.clone()),
            LabelVoxels::Wide(values.clone()),
        ] {
            let cases: &[(Option<&[i64]>, [u8; 6])] = &[
                (Some(&[1]), [0, 1, 0, 0, 1, 0]),
                (Some(&[2, 7]), [0, 0, 1, 1, 0, 0]),
                (Some(&[300, -1]), [0; 6]),
                (None, [0, 1, 1, 1, 1, 0]),
            ];
            for (wanted, expected) in cases {
                let mut mask = [0u8; 6];
                voxels.mark(*wanted, &mut mask);
                assert_eq!(&mask, expected, "{wanted:?} on {voxels:?}");
            }
        }
    }

    #[test]
    fn mark_adds_to_a_mask_without_clearing_it() {
        let voxels = LabelVoxels::from_u8(vec![0, 1, 2]);
        let mut mask = [1u8, 0, 0];
        voxels.mark(Some(&[2]), &mut mask);
        assert_eq!(mask, [1, 0, 1]);
    }

    #[test]
    fn nonzero_values_are_distinct_and_sorted() {
        assert_eq!(
            LabelVoxels::from_u8(vec![3, 0, 1, 3]).nonzero_values(),
            vec![1, 3]
        );
        assert_eq!(
            LabelVoxels::Wide(vec![-4, 0, 900, -4]).nonzero_values(),
            vec![-4, 900]
        );
    }
}
