//! 3-D shape (PyRadiomics `shape`): marching cubes on the padded lesion mask, as its C
//! extension `calculate_coefficients`, plus the covariance eigenvalues of the voxel centres.

use super::marching_tables::{CUBE_CORNERS, CUBE_EDGE_POINTS, TRIANGLES};
use super::principal_axes::principal_axes;
use super::roi::Roi;

/// Feature values in [`super::feature_names::SHAPE_3D`] order.
pub fn features(roi: &Roi) -> Vec<f64> {
    let [d, h, w] = roi.dims;
    let dims = [d + 2, h + 2, w + 2];
    let mut padded = vec![false; dims.iter().product()];
    for z in 0..d {
        for y in 0..h {
            for x in 0..w {
                padded[((z + 1) * dims[1] + y + 1) * dims[2] + x + 1] =
                    roi.mask[(z * h + y) * w + x];
            }
        }
    }
    let s = roi.spacing;
    let mesh = mesh(&padded, dims, s);

    let mut points = Vec::new();
    for z in 0..dims[0] {
        for y in 0..dims[1] {
            for x in 0..dims[2] {
                if padded[(z * dims[1] + y) * dims[2] + x] {
                    points.push([z as f64 * s[0], y as f64 * s[1], x as f64 * s[2]]);
                }
            }
        }
    }
    let n = points.len() as f64;
    let eig = principal_axes(&points);
    let axis = |e: f64| if e < 0.0 { f64::NAN } else { e.sqrt() * 4.0 };
    let ratio = |a: f64, b: f64| {
        if a < 0.0 || b < 0.0 {
            f64::NAN
        } else {
            (a / b).sqrt()
        }
    };
    let volume = mesh.volume;
    let area = mesh.area;
    vec![
        ratio(eig[1], eig[2]),
        ratio(eig[0], eig[2]),
        axis(eig[0]),
        axis(eig[2]),
        mesh.diameters[1],
        mesh.diameters[2],
        mesh.diameters[0],
        mesh.diameters[3],
        volume,
        axis(eig[1]),
        (36.0 * std::f64::consts::PI * volume * volume).powf(1.0 / 3.0) / area,
        area,
        area / volume,
        n * (s[0] * s[2] * s[1]),
    ]
}

struct Mesh3d {
    area: f64,
    volume: f64,
    /// Longest squared... then rooted: within a slice (same z), column (same y), row (same x), any.
    diameters: [f64; 4],
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - b[1] * a[2],
        a[2] * b[0] - b[2] * a[0],
        a[0] * b[1] - b[0] * a[1],
    ]
}

fn mesh(mask: &[bool], dims: [usize; 3], spacing: [f64; 3]) -> Mesh3d {
    let at = |z: usize, y: usize, x: usize| mask[(z * dims[1] + y) * dims[2] + x];
    let mut area = 0.0;
    let mut volume = 0.0;
    let mut vertices: Vec<[f64; 3]> = Vec::new();
    for iz in 0..dims[0] - 1 {
        for iy in 0..dims[1] - 1 {
            for ix in 0..dims[2] - 1 {
                let mut index = 0usize;
                for (bit, [dz, dy, dx]) in CUBE_CORNERS.iter().enumerate() {
                    if at(iz + dz, iy + dy, ix + dx) {
                        index |= 1 << bit;
                    }
                }
                // Cases above 127 mirror those below; the volume's sign flips with them.
                let sign = if index & 0x80 != 0 {
                    index ^= 0xFF;
                    -1.0
                } else {
                    1.0
                };
                let corner = [iz as f64, iy as f64, ix as f64];
                let point = |edge: usize| -> [f64; 3] {
                    let e = CUBE_EDGE_POINTS[edge];
                    std::array::from_fn(|d| (corner[d] + e[d]) * spacing[d])
                };
                // Each crossing is stored once: by the cube whose edge 6, 7 or 11 it lies on.
                for (bit, edge) in [(6, 6), (4, 7), (3, 11)] {
                    if index & (1 << bit) != 0 {
                        vertices.push(point(edge));
                    }
                }
                if index == 0 {
                    continue;
                }
                for tri in TRIANGLES[index].chunks(3) {
                    if tri[0] < 0 {
                        break;
                    }
                    let a = point(tri[0] as usize);
                    let b = point(tri[1] as usize);
                    let c = point(tri[2] as usize);
                    let ab = cross(a, b);
                    volume += sign * (ab[0] * c[0] + ab[1] * c[1] + ab[2] * c[2]);
                    let ac = [a[0] - c[0], a[1] - c[1], a[2] - c[2]];
                    let bc = [b[0] - c[0], b[1] - c[1], b[2] - c[2]];
                    let n = cross(ac, bc);
                    area += 0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
                }
            }
        }
    }
    let mut longest = [0.0f64; 4];
    for (i, a) in vertices.iter().enumerate() {
        for b in &vertices[..i] {
            let dz = a[0] - b[0];
            let dy = a[1] - b[1];
            let dx = a[2] - b[2];
            let d = dz * dz + dy * dy + dx * dx;
            if a[0] == b[0] && d > longest[0] {
                longest[0] = d;
            }
            if a[1] == b[1] && d > longest[1] {
                longest[1] = d;
            }
            if a[2] == b[2] && d > longest[2] {
                longest[2] = d;
            }
            if d > longest[3] {
                longest[3] = d;
            }
        }
    }
    Mesh3d {
        area,
        volume: volume / 6.0,
        diameters: longest.map(f64::sqrt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_voxel_mesh_is_the_marching_cubes_octahedron() {
        let mut mask = vec![false; 27];
        mask[13] = true;
        let m = mesh(&mask, [3, 3, 3], [1.0, 1.0, 1.0]);
        // Octahedron with vertices half a voxel from the centre: volume 1/6, area sqrt(3).
        assert!((m.volume - 1.0 / 6.0).abs() < 1e-12, "{}", m.volume);
        assert!((m.area - 3f64.sqrt()).abs() < 1e-12, "{}", m.area);
        assert!((m.diameters[3] - 1.0).abs() < 1e-12);
    }
}
