//! Neighbour offsets, generated as PyRadiomics' C `build_angles` does.
//!
//! Offsets are `[dz, dy, dx]` with infinity norm equal to one of the distances, none reaching
//! past the crop's size, none out of plane when forced 2-D, in PyRadiomics' order. One-way
//! ("unidirectional", GLCM and GLRLM) keeps the first half, whose mirror images follow it.

/// Offsets for `distances` on a crop of `size` (`[z, y, x]`).
pub fn angles(
    size: [usize; 3],
    distances: &[u32],
    bidirectional: bool,
    force_2d_axis: Option<usize>,
) -> Vec<[i32; 3]> {
    let max_distance = distances.iter().copied().max().unwrap_or(1) as i32;
    let span = 2 * max_distance + 1;
    let mut all = Vec::new();
    for idx in 0..span * span * span {
        let offset = [
            max_distance - (idx / (span * span)) % span,
            max_distance - (idx / span) % span,
            max_distance - idx % span,
        ];
        let valid = (0..3).all(|d| {
            let o = offset[d];
            !(force_2d_axis == Some(d) && o != 0) && o < size[d] as i32 && o > -(size[d] as i32)
        });
        let norm = offset.iter().map(|o| o.abs()).max().unwrap_or(0);
        if valid && norm >= 1 && distances.contains(&(norm as u32)) {
            all.push(offset);
        }
    }
    if !bidirectional {
        all.truncate(all.len() / 2);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_d_gives_thirteen_one_way_and_twenty_six_both_ways() {
        assert_eq!(angles([5, 5, 5], &[1], false, None).len(), 13);
        assert_eq!(angles([5, 5, 5], &[1], true, None).len(), 26);
        assert_eq!(angles([5, 5, 5], &[1], false, None)[0], [1, 1, 1]);
    }

    #[test]
    fn forced_2d_or_a_one_slice_crop_gives_the_four_in_plane_offsets() {
        let expected = vec![[0, 1, 1], [0, 1, 0], [0, 1, -1], [0, 0, 1]];
        assert_eq!(angles([5, 5, 5], &[1], false, Some(0)), expected);
        assert_eq!(angles([1, 5, 5], &[1], false, None), expected);
        assert_eq!(angles([1, 5, 5], &[1], true, Some(0)).len(), 8);
    }
}
