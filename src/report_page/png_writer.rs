//! A [`Scene`] as an anti-aliased PNG, drawn by tiny-skia at a multiple of its size.
//!
//! Output is byte-stable for a given build: tiny-skia draws single-threaded with
//! SIMD chosen at compile time, the image is opaque RGB on white, and the PNG encoder
//! writes no time or other metadata.

use std::collections::BTreeMap;

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use tiny_skia::{
    FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, Rect, StrokeDash, Transform,
};

use super::figure_font::{FigureFont, OutlineSegment};
use super::report_error::ReportError;
use super::scene::{Anchor, Color, Scene, Shape, Stroke, Text};

/// Pixels per scene pixel: a 720-pixel-wide figure becomes 2160 pixels, 300 dpi at
/// the 7.2-inch width of a two-column journal page.
pub const PNG_SCALE: f64 = 3.0;

/// Refuse rasters beyond this many pixels (about 256 MB of RGBA) rather than
/// exhaust memory on a scene whose size went wrong.
const MAX_PIXELS: f64 = 64.0 * 1024.0 * 1024.0;

pub fn to_png(scene: &Scene, font: &FigureFont, scale: f64) -> Result<Vec<u8>, ReportError> {
    let raster_error = |message: String| ReportError::Raster {
        figure: scene.title.clone(),
        message,
    };
    let width = (scene.width * scale).ceil();
    let height = (scene.height * scale).ceil();
    if !(width >= 1.0 && height >= 1.0 && width * height <= MAX_PIXELS) {
        return Err(raster_error(format!(
            "{width} x {height} pixels, expected between 1 and {MAX_PIXELS} pixels"
        )));
    }
    let (width, height) = (width as u32, height as u32);
    let mut pixmap = Pixmap::new(width, height)
        .ok_or_else(|| raster_error(format!("cannot allocate {width} x {height} pixels")))?;
    pixmap.fill(tiny_skia::Color::WHITE);

    let mut painter = Painter {
        pixmap: &mut pixmap,
        base: Transform::from_scale(scale as f32, scale as f32),
        font,
        glyphs: BTreeMap::new(),
    };
    for shape in &scene.shapes {
        painter.draw(shape);
    }
    encode_rgb(&pixmap).map_err(|e| raster_error(e.to_string()))
}

struct Painter<'a> {
    pixmap: &'a mut Pixmap,
    base: Transform,
    font: &'a FigureFont,
    /// Glyph outlines in font units, built once per glyph; `None` for blank glyphs.
    glyphs: BTreeMap<u16, Option<Path>>,
}

impl Painter<'_> {
    fn draw(&mut self, shape: &Shape) {
        match shape {
            Shape::Line { points, stroke } => {
                let mut builder = PathBuilder::new();
                for (i, &(x, y)) in points.iter().enumerate() {
                    if i == 0 {
                        builder.move_to(x as f32, y as f32);
                    } else {
                        builder.line_to(x as f32, y as f32);
                    }
                }
                if let Some(path) = builder.finish() {
                    self.stroke(&path, stroke);
                }
            }
            Shape::Rect {
                x,
                y,
                width,
                height,
                fill,
                stroke,
            } => {
                let Some(rect) =
                    Rect::from_xywh(*x as f32, *y as f32, *width as f32, *height as f32)
                else {
                    return;
                };
                if let Some(fill) = fill {
                    self.pixmap.fill_rect(rect, &paint(*fill), self.base, None);
                }
                if let Some(stroke) = stroke {
                    self.stroke(&PathBuilder::from_rect(rect), stroke);
                }
            }
            Shape::Circle {
                x,
                y,
                radius,
                fill,
                stroke,
            } => {
                let Some(path) = PathBuilder::from_circle(*x as f32, *y as f32, *radius as f32)
                else {
                    return;
                };
                self.pixmap
                    .fill_path(&path, &paint(*fill), FillRule::Winding, self.base, None);
                if let Some(stroke) = stroke {
                    self.stroke(&path, stroke);
                }
            }
            Shape::Text(text) => self.text(text),
        }
    }

    fn stroke(&mut self, path: &Path, stroke: &Stroke) {
        let style = tiny_skia::Stroke {
            width: stroke.width as f32,
            line_cap: LineCap::Round,
            line_join: LineJoin::Round,
            dash: stroke
                .dash
                .and_then(|[dash, gap]| StrokeDash::new(vec![dash as f32, gap as f32], 0.0)),
            ..tiny_skia::Stroke::default()
        };
        // Dashes read better with butt caps: round caps would eat the gaps.
        let style = if style.dash.is_some() {
            tiny_skia::Stroke {
                line_cap: LineCap::Butt,
                ..style
            }
        } else {
            style
        };
        self.pixmap
            .stroke_path(path, &paint(stroke.color), &style, self.base, None);
    }

    fn text(&mut self, text: &Text) {
        let shift = match text.anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => -self.font.width(&text.text, text.size) / 2.0,
            Anchor::End => -self.font.width(&text.text, text.size),
        };
        let scale = self.font.scale(text.size) as f32;
        let line = self
            .base
            .pre_translate(text.x as f32, text.y as f32)
            .pre_rotate(-text.rotate as f32)
            .pre_translate(shift as f32, 0.0)
            .pre_scale(scale, -scale);
        let color = paint(text.color);
        for placed in self.font.layout(&text.text) {
            let font = self.font;
            let glyph = self
                .glyphs
                .entry(placed.glyph)
                .or_insert_with(|| glyph_path(&font.outline(placed.glyph)));
            if let Some(path) = glyph {
                let at = line.pre_translate(placed.x as f32, 0.0);
                self.pixmap
                    .fill_path(path, &color, FillRule::Winding, at, None);
            }
        }
    }
}

fn glyph_path(outline: &[OutlineSegment]) -> Option<Path> {
    let mut builder = PathBuilder::new();
    for segment in outline {
        match *segment {
            OutlineSegment::MoveTo(x, y) => builder.move_to(x, y),
            OutlineSegment::LineTo(x, y) => builder.line_to(x, y),
            OutlineSegment::QuadTo(x1, y1, x, y) => builder.quad_to(x1, y1, x, y),
            OutlineSegment::CubicTo(x1, y1, x2, y2, x, y) => builder.cubic_to(x1, y1, x2, y2, x, y),
            OutlineSegment::Close => builder.close(),
        }
    }
    builder.finish()
}

fn paint(color: Color) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(color.r, color.g, color.b, color.a);
    paint.anti_alias = true;
    paint
}

/// The pixmap is opaque (drawn on white), so premultiplied RGBA equals straight RGB.
fn encode_rgb(pixmap: &Pixmap) -> Result<Vec<u8>, image::ImageError> {
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut png = Vec::new();
    // `Fast` (fdeflate): the demo report stage takes 0.25 s instead of 0.38 s with
    // `Default`, for PNGs of 1.3 MB instead of 0.77 MB (the page itself embeds SVG); `Best`
    // took four times `Default`'s time for files 5% smaller.
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            &rgb,
            pixmap.width(),
            pixmap.height(),
            image::ExtendedColorType::Rgb8,
        )?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> FigureFont {
        FigureFont::embedded().unwrap()
    }

    fn decode(png: &[u8]) -> image::RgbImage {
        image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8()
    }

    #[test]
    fn the_png_is_the_scene_size_times_the_scale_on_white() {
        let scene = Scene::new(40.0, 30.0, "t");
        let image = decode(&to_png(&scene, &font(), 2.0).unwrap());
        assert_eq!(image.dimensions(), (80, 60));
        assert!(image.pixels().all(|p| p.0 == [255, 255, 255]));
    }

    #[test]
    fn filled_shapes_and_text_leave_ink_where_they_are() {
        let mut scene = Scene::new(100.0, 40.0, "t");
        scene.fill_rect(0.0, 0.0, 10.0, 10.0, Color::rgb(255, 0, 0));
        scene.text("Accuracy", 20.0, 30.0, 14.0, Anchor::Start);
        let image = decode(&to_png(&scene, &font(), 1.0).unwrap());
        assert_eq!(image.get_pixel(5, 5).0, [255, 0, 0]);
        let inked = (20..90)
            .flat_map(|x| (15..31).map(move |y| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y).0[0] < 128)
            .count();
        assert!(inked > 50, "text left {inked} dark pixels");
        assert_eq!(
            image.get_pixel(50, 5).0,
            [255, 255, 255],
            "nothing above the text"
        );
    }

    #[test]
    fn the_same_scene_encodes_to_the_same_bytes() {
        let mut scene = Scene::new(120.0, 80.0, "t");
        scene.line(
            vec![(0.0, 0.0), (60.0, 70.0), (119.0, 5.0)],
            Stroke::dashed(Color::rgb(31, 119, 180), 2.0, [5.0, 3.0]),
        );
        scene.text("0.96", 60.0, 40.0, 12.0, Anchor::Middle);
        let font = font();
        assert_eq!(
            to_png(&scene, &font, 3.0).unwrap(),
            to_png(&scene, &font, 3.0).unwrap()
        );
    }

    #[test]
    fn absurd_sizes_are_refused_not_allocated() {
        let scene = Scene::new(1e6, 1e6, "huge");
        let error = to_png(&scene, &font(), 3.0).unwrap_err().to_string();
        assert!(
            error.contains("figure `huge` cannot be rasterized"),
            "{error}"
        );
    }
}
