//! 2-D shape (PyRadiomics `shape2D`): marching squares on the padded lesion mask, as its C
//! extension `calculate_coefficients2D`, plus the covariance eigenvalues of the pixel centres.

use super::marching_tables::{SQUARE_CORNERS, SQUARE_EDGE_POINTS, SQUARE_LINES};
use super::principal_axes::principal_axes;
use super::roi::Roi;

/// Feature values in [`super::feature_names::SHAPE_2D`] order. `roi` is one slice thick.
pub fn features(roi: &Roi) -> Vec<f64> {
    let (h, w) = (roi.dims[1] + 2, roi.dims[2] + 2);
    let mut padded = vec![false; h * w];
    for y in 0..roi.dims[1] {
        for x in 0..roi.dims[2] {
            padded[(y + 1) * w + x + 1] = roi.mask[y * roi.dims[2] + x];
        }
    }
    let spacing = [roi.spacing[1], roi.spacing[2]];
    let mesh = mesh(&padded, [h, w], spacing);

    let mut points = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if padded[y * w + x] {
                points.push([y as f64 * spacing[0], x as f64 * spacing[1]]);
            }
        }
    }
    let n = points.len();
    let eig = principal_axes(&points);
    let axis = |e: f64| if e < 0.0 { f64::NAN } else { e.sqrt() * 4.0 };
    let elongation = if eig[0] < 0.0 || eig[1] < 0.0 {
        f64::NAN
    } else {
        (eig[0] / eig[1]).sqrt()
    };
    let pixel_surface = n as f64 * (spacing[1] * spacing[0]);
    vec![
        elongation,
        axis(eig[1]),
        mesh.diameter,
        mesh.surface,
        axis(eig[0]),
        mesh.perimeter,
        mesh.perimeter / mesh.surface,
        pixel_surface,
        (2.0 * (std::f64::consts::PI * mesh.surface).sqrt()) / mesh.perimeter,
    ]
}

struct Mesh2d {
    perimeter: f64,
    surface: f64,
    diameter: f64,
}

fn mesh(mask: &[bool], [h, w]: [usize; 2], spacing: [f64; 2]) -> Mesh2d {
    let mut perimeter = 0.0;
    let mut surface = 0.0;
    let mut vertices: Vec<[f64; 2]> = Vec::new();
    for iy in 0..h - 1 {
        for ix in 0..w - 1 {
            let mut index = 0usize;
            for (bit, [dy, dx]) in SQUARE_CORNERS.iter().enumerate() {
                if mask[(iy + dy) * w + ix + dx] {
                    index |= 1 << bit;
                }
            }
            if index == 0 || index == 0xF {
                continue;
            }
            let corner = [iy as f64, ix as f64];
            let point = |edge: i8| -> [f64; 2] {
                let e = SQUARE_EDGE_POINTS[edge as usize];
                [
                    (corner[0] + e[0]) * spacing[0],
                    (corner[1] + e[1]) * spacing[1],
                ]
            };
            for line in SQUARE_LINES[index].chunks(2) {
                if line[0] < 0 {
                    break;
                }
                let (a, b) = (point(line[0]), point(line[1]));
                surface += a[0] * b[1] - b[0] * a[1];
                let (dy, dx) = (a[0] - b[0], a[1] - b[1]);
                perimeter += (dy * dy + dx * dx).sqrt();
            }
            // Each crossing is stored once: by the square whose edge 3 or 2 it lies on.
            let flipped = if index > 7 { index ^ 0xF } else { index };
            for (bit, edge) in [(0, 3), (2, 2)] {
                if flipped & (1 << bit) != 0 {
                    vertices.push(point(edge));
                }
            }
        }
    }
    let mut longest = 0.0f64;
    for (i, a) in vertices.iter().enumerate() {
        for b in &vertices[..i] {
            let (dy, dx) = (a[0] - b[0], a[1] - b[1]);
            let d = dy * dy + dx * dx;
            if d > longest {
                longest = d;
            }
        }
    }
    Mesh2d {
        perimeter,
        surface: surface / 2.0,
        diameter: longest.sqrt(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_by_two_square_has_the_marching_squares_octagon() {
        // Four unit pixels: the contour joins edge mid-points, an octagon of area 4 - 4 * 1/8.
        let mask = [
            false, false, false, false, //
            false, true, true, false, //
            false, true, true, false, //
            false, false, false, false,
        ];
        let m = mesh(&mask, [4, 4], [1.0, 1.0]);
        assert!((m.surface - 3.5).abs() < 1e-12, "{}", m.surface);
        let side = 0.5f64.sqrt();
        assert!((m.perimeter - (4.0 * side + 4.0 * 1.0)).abs() < 1e-12);
        assert!((m.diameter - (2.0f64 * 2.0 + 1.0).sqrt()).abs() < 1e-12);
    }
}
