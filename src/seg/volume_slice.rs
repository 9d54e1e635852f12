//! Cutting one slice out of a volume stored axis 0 fastest.
//!
//! A slice across axis `a` has the other two axes as its columns and rows, in
//! increasing order (see [`Geometry::in_plane_axes`](super::Geometry::in_plane_axes)):
//! for the usual axial axis 2 that is `i` along a row and `j` down the columns,
//! exactly how the slice lies in the file.

/// One slice of a volume: `height` rows of `width` pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlicePixels<T> {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<T>,
}

/// The pixels of slice `index` across `axis`, row by row. `None` when the axis or
/// index is out of range or `data` does not hold `sizes` samples.
pub fn extract_slice<T: Copy>(
    data: &[T],
    sizes: [usize; 3],
    axis: usize,
    index: usize,
) -> Option<SlicePixels<T>> {
    if axis > 2 || index >= sizes[axis] || data.len() != sizes.iter().product::<usize>() {
        return None;
    }
    let [nx, ny, nz] = sizes;
    let plane = nx * ny;
    let (width, height, pixels) = match axis {
        2 => (nx, ny, data[index * plane..(index + 1) * plane].to_vec()),
        1 => {
            let mut pixels = Vec::with_capacity(nx * nz);
            for k in 0..nz {
                let row = k * plane + index * nx;
                pixels.extend_from_slice(&data[row..row + nx]);
            }
            (nx, nz, pixels)
        }
        _ => {
            let mut pixels = Vec::with_capacity(ny * nz);
            for k in 0..nz {
                for j in 0..ny {
                    pixels.push(data[k * plane + j * nx + index]);
                }
            }
            (ny, nz, pixels)
        }
    };
    Some(SlicePixels {
        width,
        height,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_across_each_axis_keep_the_file_order_of_the_other_two() {
        // value = 100*k + 10*j + i on a 3 x 2 x 2 grid.
        let sizes = [3, 2, 2];
        let data: Vec<u32> = (0..2)
            .flat_map(|k| (0..2).flat_map(move |j| (0..3).map(move |i| 100 * k + 10 * j + i)))
            .collect();
        let cases: &[(usize, usize, [usize; 2], &[u32])] = &[
            (2, 1, [3, 2], &[100, 101, 102, 110, 111, 112]),
            (1, 1, [3, 2], &[10, 11, 12, 110, 111, 112]),
            (0, 2, [2, 2], &[2, 12, 102, 112]),
        ];
        for (axis, index, [width, height], pixels) in cases {
            let slice = extract_slice(&data, sizes, *axis, *index).expect("in range");
            assert_eq!(
                [slice.width, slice.height],
                [*width, *height],
                "axis {axis}"
            );
            assert_eq!(&slice.pixels, pixels, "axis {axis} index {index}");
        }
    }

    #[test]
    fn out_of_range_requests_return_nothing() {
        let data = [0u8; 12];
        assert_eq!(extract_slice(&data, [3, 2, 2], 2, 2), None);
        assert_eq!(extract_slice(&data, [3, 2, 2], 3, 0), None);
        assert_eq!(extract_slice(&data[..11], [3, 2, 2], 2, 0), None);
    }
}
