//! A figure as a flat list of shapes in pixel coordinates (y down), drawn in order.
//!
//! Plots build a [`Scene`]; `svg_writer` and `png_writer` turn the same scene into
//! their format, so the SVG and the PNG of a figure cannot drift apart.

/// An sRGB colour with straight (not premultiplied) alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

impl Color {
    pub const WHITE: Color = Color::rgb(0xff, 0xff, 0xff);
    /// Axis text and frame: near-black reads softer than pure black in print.
    pub const INK: Color = Color::rgb(0x22, 0x22, 0x22);
    pub const GRID: Color = Color::rgb(0xe3, 0xe3, 0xe3);
    pub const MUTED: Color = Color::rgb(0x66, 0x66, 0x66);

    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 0xff }
    }

    pub const fn with_alpha(self, a: u8) -> Color {
        Color { a, ..self }
    }

    /// Relative luminance (WCAG), to pick readable text on a filled cell.
    pub fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.r) + 0.7152 * linear(self.g) + 0.0722 * linear(self.b)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    pub color: Color,
    pub width: f64,
    /// Dash and gap lengths in pixels; `None` draws a solid line.
    pub dash: Option<[f64; 2]>,
}

impl Stroke {
    pub fn solid(color: Color, width: f64) -> Stroke {
        Stroke {
            color,
            width,
            dash: None,
        }
    }

    pub fn dashed(color: Color, width: f64, dash: [f64; 2]) -> Stroke {
        Stroke {
            color,
            width,
            dash: Some(dash),
        }
    }
}

/// Where a text's anchor point sits along its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    /// The anchor point: on the baseline, placed by `anchor`.
    pub x: f64,
    pub y: f64,
    /// Pixels per em.
    pub size: f64,
    pub color: Color,
    pub anchor: Anchor,
    /// Counter-clockwise rotation about the anchor point, in degrees.
    pub rotate: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// An open polyline with round joins and caps.
    Line {
        points: Vec<(f64, f64)>,
        stroke: Stroke,
    },
    Rect {
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        fill: Option<Color>,
        stroke: Option<Stroke>,
    },
    Circle {
        x: f64,
        y: f64,
        radius: f64,
        fill: Color,
        stroke: Option<Stroke>,
    },
    Text(Text),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Size in CSS pixels; the PNG is drawn at a multiple of it.
    pub width: f64,
    pub height: f64,
    /// What the figure shows, one line: the SVG's `<title>` and the page's `alt` text.
    pub title: String,
    pub shapes: Vec<Shape>,
}

impl Scene {
    pub fn new(width: f64, height: f64, title: impl Into<String>) -> Scene {
        Scene {
            width,
            height,
            title: title.into(),
            shapes: Vec::new(),
        }
    }

    pub fn line(&mut self, points: Vec<(f64, f64)>, stroke: Stroke) {
        self.shapes.push(Shape::Line { points, stroke });
    }

    pub fn segment(&mut self, from: (f64, f64), to: (f64, f64), stroke: Stroke) {
        self.line(vec![from, to], stroke);
    }

    pub fn fill_rect(&mut self, x: f64, y: f64, width: f64, height: f64, fill: Color) {
        self.shapes.push(Shape::Rect {
            x,
            y,
            width,
            height,
            fill: Some(fill),
            stroke: None,
        });
    }

    pub fn stroke_rect(&mut self, x: f64, y: f64, width: f64, height: f64, stroke: Stroke) {
        self.shapes.push(Shape::Rect {
            x,
            y,
            width,
            height,
            fill: None,
            stroke: Some(stroke),
        });
    }

    pub fn circle(&mut self, x: f64, y: f64, radius: f64, fill: Color, stroke: Option<Stroke>) {
        self.shapes.push(Shape::Circle {
            x,
            y,
            radius,
            fill,
            stroke,
        });
    }

    /// Upright text with its anchor point on the baseline.
    pub fn text(&mut self, text: impl Into<String>, x: f64, y: f64, size: f64, anchor: Anchor) {
        self.shapes.push(Shape::Text(Text {
            text: text.into(),
            x,
            y,
            size,
            color: Color::INK,
            anchor,
            rotate: 0.0,
        }));
    }

    pub fn text_styled(&mut self, text: Text) {
        self.shapes.push(Shape::Text(text));
    }
}

#[cfg(test)]
impl Scene {
    /// All text of the scene, in drawing order, for tests to check.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.shapes.iter().filter_map(|shape| match shape {
            Shape::Text(text) => Some(text.text.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_is_bright_and_dark_blue_is_dark() {
        assert!((Color::WHITE.luminance() - 1.0).abs() < 1e-9);
        assert!(Color::rgb(0x08, 0x30, 0x6b).luminance() < 0.05);
    }

    #[test]
    fn texts_lists_only_text_shapes_in_order() {
        let mut scene = Scene::new(10.0, 10.0, "t");
        scene.text("a", 0.0, 0.0, 10.0, Anchor::Start);
        scene.fill_rect(0.0, 0.0, 1.0, 1.0, Color::rgb(0, 0, 0));
        scene.text("b", 0.0, 0.0, 10.0, Anchor::End);
        assert_eq!(scene.texts().collect::<Vec<_>>(), ["a", "b"]);
    }
}
