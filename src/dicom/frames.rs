//! Which encapsulated fragments make up which frame (PS3.5 A.4), as pydicom's
//! `generate_frames` decides: the Extended Offset Table, else the Basic Offset Table,
//! else one frame from all fragments, one fragment per frame, or (more fragments than
//! frames) a new frame at every fragment that starts with a JPEG or JPEG 2000 marker.

use std::borrow::Cow;

/// Where one frame's compressed bytes are: fragment indices, joined.
pub fn split<'a>(
    fragments: &'a [Vec<u8>],
    basic_offsets: &[u32],
    extended: Option<(&[u64], &[u64])>,
    frames: usize,
) -> Result<Vec<Cow<'a, [u8]>>, String> {
    if let Some((offsets, lengths)) = extended {
        return split_extended(fragments, offsets, lengths, frames);
    }
    if frames == 1 {
        return Ok(vec![join(fragments.iter())]);
    }
    if !basic_offsets.is_empty() {
        return split_basic(fragments, basic_offsets, frames);
    }
    if fragments.len() == frames {
        return Ok(fragments
            .iter()
            .map(|f| Cow::Borrowed(f.as_slice()))
            .collect());
    }
    if fragments.len() > frames {
        let starts: Vec<usize> = fragments
            .iter()
            .enumerate()
            .filter(|(_, f)| f.starts_with(&[0xFF, 0xD8]) || f.starts_with(&[0xFF, 0x4F]))
            .map(|(i, _)| i)
            .collect();
        if starts.len() == frames && starts.first() == Some(&0) {
            let mut out = Vec::with_capacity(frames);
            for (n, start) in starts.iter().enumerate() {
                let end = starts.get(n + 1).copied().unwrap_or(fragments.len());
                out.push(join(fragments[*start..end].iter()));
            }
            return Ok(out);
        }
    }
    Err(format!(
        "{} fragments for {frames} frames and no offset table to tell which belong together",
        fragments.len()
    ))
}

fn join<'a>(mut parts: impl ExactSizeIterator<Item = &'a Vec<u8>>) -> Cow<'a, [u8]> {
    if parts.len() == 1 {
        let only = parts.next().map(|p| p.as_slice()).unwrap_or_default();
        return Cow::Borrowed(only);
    }
    Cow::Owned(parts.flat_map(|p| p.iter().copied()).collect())
}

/// Basic Offset Table: byte offsets of each frame's first fragment item, counted from
/// the first fragment item (each item is 8 header bytes plus its value).
fn split_basic<'a>(
    fragments: &'a [Vec<u8>],
    offsets: &[u32],
    frames: usize,
) -> Result<Vec<Cow<'a, [u8]>>, String> {
    if offsets.len() != frames {
        return Err(format!(
            "the basic offset table has {} entries for {frames} frames",
            offsets.len()
        ));
    }
    let mut item_starts = Vec::with_capacity(fragments.len());
    let mut position = 0u64;
    for fragment in fragments {
        item_starts.push(position);
        position += 8 + fragment.len() as u64;
    }
    let first_fragment = |offset: u32| {
        item_starts
            .iter()
            .position(|start| *start == u64::from(offset))
            .ok_or_else(|| {
                format!("offset {offset} in the basic offset table is not at a fragment")
            })
    };
    let mut out = Vec::with_capacity(frames);
    for (n, offset) in offsets.iter().enumerate() {
        let start = first_fragment(*offset)?;
        let end = match offsets.get(n + 1) {
            Some(next) => first_fragment(*next)?,
            None => fragments.len(),
        };
        if end <= start {
            return Err("the basic offset table is not increasing".to_string());
        }
        out.push(join(fragments[start..end].iter()));
    }
    Ok(out)
}

/// Extended Offset Table (7FE0,0001) and lengths (7FE0,0002): each frame is exactly one
/// fragment's bytes at that offset.
fn split_extended<'a>(
    fragments: &'a [Vec<u8>],
    offsets: &[u64],
    lengths: &[u64],
    frames: usize,
) -> Result<Vec<Cow<'a, [u8]>>, String> {
    if offsets.len() != frames || lengths.len() != frames {
        return Err(format!(
            "the extended offset table has {} offsets and {} lengths for {frames} frames",
            offsets.len(),
            lengths.len()
        ));
    }
    let mut position = 0u64;
    let mut starts = Vec::with_capacity(fragments.len());
    for fragment in fragments {
        starts.push(position);
        position += 8 + fragment.len() as u64;
    }
    offsets
        .iter()
        .zip(lengths)
        .map(|(offset, length)| {
            let index = starts
                .iter()
                .position(|s| s == offset)
                .ok_or_else(|| format!("extended offset {offset} is not at a fragment"))?;
            let fragment = &fragments[index];
            let length = usize::try_from(*length).unwrap_or(usize::MAX);
            fragment
                .get(..length)
                .map(Cow::Borrowed)
                .ok_or_else(|| format!("extended length {length} is past its fragment"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frags(parts: &[&[u8]]) -> Vec<Vec<u8>> {
        parts.iter().map(|p| p.to_vec()).collect()
    }

    #[test]
    fn fragments_group_into_frames_by_each_rule() {
        let two = frags(&[&[0xFF, 0xD8, 1], &[2, 3], &[0xFF, 0xD8, 4]]);
        type Case = (&'static str, Vec<u32>, usize, Vec<Vec<u8>>);
        let cases: Vec<Case> = vec![
            (
                "single frame joins all",
                vec![],
                1,
                vec![vec![0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD8, 4]],
            ),
            (
                "markers start frames",
                vec![],
                2,
                vec![vec![0xFF, 0xD8, 1, 2, 3], vec![0xFF, 0xD8, 4]],
            ),
            // Items: 8+3, 8+2, 8+3 bytes: frame 1 starts at 21.
            (
                "basic offsets",
                vec![0, 21],
                2,
                vec![vec![0xFF, 0xD8, 1, 2, 3], vec![0xFF, 0xD8, 4]],
            ),
            (
                "one per frame",
                vec![],
                3,
                vec![vec![0xFF, 0xD8, 1], vec![2, 3], vec![0xFF, 0xD8, 4]],
            ),
        ];
        for (name, offsets, frames, expected) in cases {
            let got: Vec<Vec<u8>> = split(&two, &offsets, None, frames)
                .expect(name)
                .into_iter()
                .map(|f| f.into_owned())
                .collect();
            assert_eq!(got, expected, "{name}");
        }
        let extended = split(&two, &[], Some((&[0, 11], &[3, 1])), 2).expect("extended");
        assert_eq!(extended[1].as_ref(), &[2]);
    }

    #[test]
    fn inconsistent_tables_are_errors() {
        let two = frags(&[&[1], &[2]]);
        assert!(split(&two, &[0, 5], None, 2).is_err());
        assert!(split(&two, &[0], None, 2).is_err());
        assert!(split(&two, &[], None, 4).is_err());
        assert!(split(&two, &[], Some((&[0], &[9])), 1).is_err());
    }
}
