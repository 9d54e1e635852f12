//! A [`Scene`] as a standalone SVG document.
//!
//! Text is drawn with the embedded font's glyph outlines: each glyph used is defined
//! once in `<defs>` and placed with `<use>`, as matplotlib does by default, so the
//! SVG needs no installed font and matches the PNG. The text itself stays readable to
//! tools and screen readers through `aria-label`. Numbers are written with at most two
//! decimals and no locale, so the output is byte-stable.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::figure_font::{FigureFont, OutlineSegment};
use super::markup_escape::escape;
use super::scene::{Anchor, Color, Scene, Shape, Stroke, Text};

pub fn to_svg(scene: &Scene, font: &FigureFont) -> String {
    let mut svg = String::with_capacity(64 * 1024);
    let (w, h) = (num(scene.width), num(scene.height));
    // Writing to a String cannot fail; `write!` results are ignored for that reason.
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">"#
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(&scene.title));
    write_glyph_defs(&mut svg, scene, font);
    let _ = writeln!(svg, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
    for shape in &scene.shapes {
        write_shape(&mut svg, shape, font);
    }
    svg.push_str("</svg>\n");
    svg
}

fn write_glyph_defs(svg: &mut String, scene: &Scene, font: &FigureFont) {
    let glyphs: BTreeSet<u16> = scene
        .shapes
        .iter()
        .filter_map(|shape| match shape {
            Shape::Text(text) => Some(font.layout(&text.text)),
            _ => None,
        })
        .flatten()
        .map(|placed| placed.glyph)
        .collect();
    svg.push_str("<defs>\n");
    for glyph in glyphs {
        let _ = writeln!(
            svg,
            r#"<path id="g{glyph}" d="{}"/>"#,
            outline_path(&font.outline(glyph))
        );
    }
    svg.push_str("</defs>\n");
}

fn outline_path(outline: &[OutlineSegment]) -> String {
    let mut d = String::new();
    let n = |v: f32| num(f64::from(v));
    for segment in outline {
        let _ = match *segment {
            OutlineSegment::MoveTo(x, y) => write!(d, "M{} {}", n(x), n(y)),
            OutlineSegment::LineTo(x, y) => write!(d, "L{} {}", n(x), n(y)),
            OutlineSegment::QuadTo(x1, y1, x, y) => {
                write!(d, "Q{} {} {} {}", n(x1), n(y1), n(x), n(y))
            }
            OutlineSegment::CubicTo(x1, y1, x2, y2, x, y) => write!(
                d,
                "C{} {} {} {} {} {}",
                n(x1),
                n(y1),
                n(x2),
                n(y2),
                n(x),
                n(y)
            ),
            OutlineSegment::Close => write!(d, "Z"),
        };
    }
    d
}

fn write_shape(svg: &mut String, shape: &Shape, font: &FigureFont) {
    let _ = match shape {
        Shape::Line { points, stroke } => {
            let points: Vec<String> = points
                .iter()
                .map(|&(x, y)| format!("{},{}", num(x), num(y)))
                .collect();
            writeln!(
                svg,
                r#"<polyline points="{}" fill="none"{} stroke-linejoin="round" stroke-linecap="round"/>"#,
                points.join(" "),
                stroke_attributes(stroke)
            )
        }
        Shape::Rect {
            x,
            y,
            width,
            height,
            fill,
            stroke,
        } => writeln!(
            svg,
            r#"<rect x="{}" y="{}" width="{}" height="{}"{}{}/>"#,
            num(*x),
            num(*y),
            num(*width),
            num(*height),
            fill_attributes(*fill),
            stroke.as_ref().map(stroke_attributes).unwrap_or_default()
        ),
        Shape::Circle {
            x,
            y,
            radius,
            fill,
            stroke,
        } => writeln!(
            svg,
            r#"<circle cx="{}" cy="{}" r="{}"{}{}/>"#,
            num(*x),
            num(*y),
            num(*radius),
            fill_attributes(Some(*fill)),
            stroke.as_ref().map(stroke_attributes).unwrap_or_default()
        ),
        Shape::Text(text) => {
            write_text(svg, text, font);
            Ok(())
        }
    };
}

fn write_text(svg: &mut String, text: &Text, font: &FigureFont) {
    let placed = font.layout(&text.text);
    if placed.is_empty() {
        return;
    }
    let shift = match text.anchor {
        Anchor::Start => 0.0,
        Anchor::Middle => -font.width(&text.text, text.size) / 2.0,
        Anchor::End => -font.width(&text.text, text.size),
    };
    let scale = font.scale(text.size);
    let mut transform = format!("translate({} {})", num(text.x), num(text.y));
    if text.rotate != 0.0 {
        // The scene rotates counter-clockwise; SVG's y-down rotate() turns clockwise.
        let _ = write!(transform, " rotate({})", num(-text.rotate));
    }
    let _ = write!(
        transform,
        " translate({} 0) scale({} {})",
        num(shift),
        num6(scale),
        num6(-scale)
    );
    let _ = write!(
        svg,
        r#"<g aria-label="{}" transform="{transform}"{}>"#,
        escape(&text.text),
        fill_attributes(Some(text.color))
    );
    for glyph in placed {
        let _ = write!(
            svg,
            r##"<use xlink:href="#g{}" x="{}"/>"##,
            glyph.glyph, glyph.x
        );
    }
    svg.push_str("</g>\n");
}

fn fill_attributes(fill: Option<Color>) -> String {
    match fill {
        None => r#" fill="none""#.to_owned(),
        Some(color) => format!(
            r#" fill="{}"{}"#,
            hex(color),
            opacity("fill-opacity", color)
        ),
    }
}

fn stroke_attributes(stroke: &Stroke) -> String {
    let mut attributes = format!(
        r#" stroke="{}" stroke-width="{}"{}"#,
        hex(stroke.color),
        num(stroke.width),
        opacity("stroke-opacity", stroke.color)
    );
    if let Some([dash, gap]) = stroke.dash {
        let _ = write!(
            attributes,
            r#" stroke-dasharray="{} {}""#,
            num(dash),
            num(gap)
        );
    }
    attributes
}

fn opacity(attribute: &str, color: Color) -> String {
    if color.a == 0xff {
        String::new()
    } else {
        format!(r#" {attribute}="{}""#, num(f64::from(color.a) / 255.0))
    }
}

fn hex(color: Color) -> String {
    format!("#{:02x}{:02x}{:02x}", color.r, color.g, color.b)
}

/// At most two decimals, trailing zeros dropped, never "-0": byte-stable coordinates.
pub fn num(value: f64) -> String {
    trimmed(format!("{value:.2}"))
}

/// Six decimals, for glyph scales where two would distort text visibly.
fn num6(value: f64) -> String {
    trimmed(format!("{value:.6}"))
}

fn trimmed(mut text: String) -> String {
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text == "-0" { "0".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> FigureFont {
        FigureFont::embedded().unwrap()
    }

    #[test]
    fn numbers_are_short_and_stable() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (-0.001, "0"),
            (1.5, "1.5"),
            (2.0, "2"),
            (0.96111, "0.96"),
            (-12.25, "-12.25"),
            (720.0, "720"),
        ];
        for (value, expected) in cases {
            assert_eq!(num(value), expected, "{value}");
        }
    }

    #[test]
    fn a_scene_becomes_a_sized_svg_with_its_title_escaped() {
        let mut scene = Scene::new(300.0, 200.0, "accuracy <by run>");
        scene.segment(
            (0.0, 0.0),
            (10.0, 10.0),
            Stroke::dashed(Color::rgb(0, 0, 0), 1.5, [4.0, 2.0]),
        );
        scene.circle(5.0, 5.0, 2.0, Color::WHITE.with_alpha(128), None);
        let svg = to_svg(&scene, &font());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(r#"width="300" height="200" viewBox="0 0 300 200""#));
        assert!(svg.contains("<title>accuracy &lt;by run&gt;</title>"));
        assert!(svg.contains(r#"stroke-dasharray="4 2""#));
        assert!(svg.contains(r#"fill-opacity="0.5""#));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn text_is_drawn_with_one_definition_per_glyph_and_keeps_its_label() {
        let mut scene = Scene::new(100.0, 50.0, "t");
        scene.text("a&a", 10.0, 20.0, 12.0, Anchor::Middle);
        let svg = to_svg(&scene, &font());
        assert_eq!(svg.matches("<path id=").count(), 2, "`a` and `&` once each");
        assert_eq!(svg.matches("<use ").count(), 3);
        assert!(svg.contains(r#"aria-label="a&amp;a""#));
    }

    #[test]
    fn rotated_text_turns_the_svg_way() {
        let mut scene = Scene::new(100.0, 50.0, "t");
        scene.text_styled(Text {
            text: "y".into(),
            x: 10.0,
            y: 40.0,
            size: 12.0,
            color: Color::INK,
            anchor: Anchor::Start,
            rotate: 90.0,
        });
        assert!(to_svg(&scene, &font()).contains("translate(10 40) rotate(-90)"));
    }
}
