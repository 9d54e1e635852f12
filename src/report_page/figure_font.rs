//! The one font figures use, compiled into the binary: a DejaVu Sans subset (see
//! `assets/fonts/`). Text is laid out by advance widths (no kerning, no shaping) and
//! drawn as glyph outlines in both SVG and PNG, so a figure looks the same whatever
//! fonts the machine that renders or views it has.
//!
//! Characters the subset lacks are drawn as the font's `.notdef` box rather than
//! dropped, so a missing glyph is visible; control characters become spaces.

use ttf_parser::{Face, GlyphId, OutlineBuilder};

use super::report_error::ReportError;

static FONT_FILE: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");

/// Font-unit outline commands of one glyph, y pointing up as in the font.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutlineSegment {
    MoveTo(f32, f32),
    LineTo(f32, f32),
    QuadTo(f32, f32, f32, f32),
    CubicTo(f32, f32, f32, f32, f32, f32),
    Close,
}

/// A glyph placed on a line of text: `x` in font units from the line's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacedGlyph {
    pub glyph: u16,
    pub x: i32,
}

pub struct FigureFont {
    face: Face<'static>,
    units_per_em: f64,
    cap_height: f64,
}

impl FigureFont {
    pub fn embedded() -> Result<FigureFont, ReportError> {
        let face = Face::parse(FONT_FILE, 0).map_err(|e| ReportError::Font(e.to_string()))?;
        let units_per_em = f64::from(face.units_per_em());
        // DejaVu Sans declares its cap height; 0.73 em is its value, kept as fallback.
        let cap_height = face.capital_height().map_or(0.73 * units_per_em, f64::from);
        Ok(FigureFont {
            face,
            units_per_em,
            cap_height,
        })
    }

    /// Font units to pixels at `size` pixels per em.
    pub fn scale(&self, size: f64) -> f64 {
        size / self.units_per_em
    }

    /// Height of capitals and digits above the baseline, in pixels.
    pub fn cap_height(&self, size: f64) -> f64 {
        self.cap_height * self.scale(size)
    }

    pub fn layout(&self, text: &str) -> Vec<PlacedGlyph> {
        let mut x = 0i32;
        text.chars()
            .map(|c| {
                let c = if c.is_control() { ' ' } else { c };
                let glyph = self.face.glyph_index(c).unwrap_or(GlyphId(0));
                let placed = PlacedGlyph { glyph: glyph.0, x };
                x = x.saturating_add(i32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)));
                placed
            })
            .collect()
    }

    /// Width of `text` in pixels at `size` pixels per em.
    pub fn width(&self, text: &str, size: f64) -> f64 {
        let units: u64 = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .map(|c| {
                let glyph = self.face.glyph_index(c).unwrap_or(GlyphId(0));
                u64::from(self.face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .sum();
        units as f64 * self.scale(size)
    }

    /// `text`, shortened with an ellipsis if needed to fit `max_width` pixels.
    pub fn fit(&self, text: &str, size: f64, max_width: f64) -> String {
        if self.width(text, size) <= max_width {
            return text.to_owned();
        }
        let mut kept: String = text.to_owned();
        while !kept.is_empty() {
            kept.pop();
            let candidate = format!("{}…", kept.trim_end());
            if self.width(&candidate, size) <= max_width {
                return candidate;
            }
        }
        "…".to_owned()
    }

    /// The outline of `glyph` in font units; empty for blank glyphs such as space.
    pub fn outline(&self, glyph: u16) -> Vec<OutlineSegment> {
        let mut outline = Outline(Vec::new());
        self.face.outline_glyph(GlyphId(glyph), &mut outline);
        outline.0
    }
}

struct Outline(Vec<OutlineSegment>);

impl OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.push(OutlineSegment::MoveTo(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.push(OutlineSegment::LineTo(x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.push(OutlineSegment::QuadTo(x1, y1, x, y));
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.push(OutlineSegment::CubicTo(x1, y1, x2, y2, x, y));
    }
    fn close(&mut self) {
        self.0.push(OutlineSegment::Close);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> FigureFont {
        FigureFont::embedded().unwrap()
    }

    #[test]
    fn the_embedded_font_parses_and_has_the_usual_metrics() {
        let font = font();
        assert_eq!(font.units_per_em, 2048.0);
        let cap = font.cap_height(100.0);
        assert!((70.0..76.0).contains(&cap), "{cap}");
    }

    #[test]
    fn widths_add_up_glyph_advances() {
        let font = font();
        let one = font.width("0", 12.0);
        assert!((font.width("000", 12.0) - 3.0 * one).abs() < 1e-9);
        assert!(font.width("W", 12.0) > font.width("i", 12.0));
        assert_eq!(font.width("", 12.0), 0.0);
    }

    #[test]
    fn layout_places_glyphs_at_running_advances() {
        let font = font();
        let placed = font.layout("ab");
        assert_eq!(placed[0].x, 0);
        assert_eq!(
            f64::from(placed[1].x) * font.scale(12.0),
            font.width("a", 12.0)
        );
    }

    #[test]
    fn letters_have_outlines_and_spaces_do_not() {
        let font = font();
        let a = font.layout("a")[0].glyph;
        let space = font.layout(" ")[0].glyph;
        assert!(font.outline(a).len() > 4);
        assert!(font.outline(space).is_empty());
    }

    #[test]
    fn characters_outside_the_subset_become_a_visible_box() {
        let font = font();
        let missing = font.layout("漢")[0];
        assert_eq!(missing.glyph, 0);
        assert!(!font.outline(0).is_empty(), ".notdef must keep its outline");
    }

    #[test]
    fn greek_and_math_signs_used_in_captions_are_in_the_subset() {
        let font = font();
        for c in "σ±−≤≥→…é".chars() {
            assert_ne!(font.layout(&c.to_string())[0].glyph, 0, "{c}");
        }
    }

    #[test]
    fn fit_shortens_with_an_ellipsis_only_when_needed() {
        let font = font();
        assert_eq!(font.fit("seed=3", 12.0, 200.0), "seed=3");
        let long = "a very long run name that cannot fit";
        let short = font.fit(long, 12.0, 60.0);
        assert!(short.ends_with('…'), "{short}");
        assert!(font.width(&short, 12.0) <= 60.0);
        assert_eq!(font.fit(long, 12.0, 1.0), "…");
    }
}
