//! Legends: a swatch and a label per entry, stacked in a column or laid out in a row.

use super::figure_font::FigureFont;
use super::plot_frame::LEGEND_SIZE;
use super::scene::{Anchor, Color, Scene, Stroke};

const SWATCH: f64 = 24.0;
const SWATCH_GAP: f64 = 6.0;
const ROW_HEIGHT: f64 = 18.0;
const ENTRY_GAP: f64 = 18.0;

#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    Line(Stroke),
    Dot {
        color: Color,
        radius: f64,
    },
    /// A translucent band with a line through it (mean and its spread).
    Band {
        fill: Color,
        line: Stroke,
    },
    /// No swatch: a note such as "and 12 more runs".
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub swatch: Swatch,
    pub label: String,
}

impl LegendEntry {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> LegendEntry {
        LegendEntry {
            swatch,
            label: label.into(),
        }
    }
}

/// Width of a column legend with these entries.
pub fn column_width(font: &FigureFont, entries: &[LegendEntry]) -> f64 {
    entries
        .iter()
        .map(|e| SWATCH + SWATCH_GAP + font.width(&e.label, LEGEND_SIZE))
        .fold(0.0, f64::max)
}

/// How many entries a column of `height` pixels holds.
pub fn rows_fitting(height: f64) -> usize {
    (height / ROW_HEIGHT).floor().max(1.0) as usize
}

/// Entries stacked from `top`, swatches starting at `left`.
pub fn draw_column(
    scene: &mut Scene,
    font: &FigureFont,
    entries: &[LegendEntry],
    left: f64,
    top: f64,
) {
    for (i, entry) in entries.iter().enumerate() {
        let middle = top + (i as f64 + 0.5) * ROW_HEIGHT;
        draw_entry(scene, font, entry, left, middle);
    }
}

/// Entries side by side on one line whose vertical middle is `middle`.
pub fn draw_row(
    scene: &mut Scene,
    font: &FigureFont,
    entries: &[LegendEntry],
    left: f64,
    middle: f64,
) {
    let mut x = left;
    for entry in entries {
        draw_entry(scene, font, entry, x, middle);
        x += SWATCH + SWATCH_GAP + font.width(&entry.label, LEGEND_SIZE) + ENTRY_GAP;
    }
}

pub const fn row_height() -> f64 {
    ROW_HEIGHT
}

fn draw_entry(scene: &mut Scene, font: &FigureFont, entry: &LegendEntry, left: f64, middle: f64) {
    match &entry.swatch {
        Swatch::Line(stroke) => {
            scene.segment((left, middle), (left + SWATCH, middle), stroke.clone());
        }
        Swatch::Dot { color, radius } => {
            scene.circle(left + SWATCH / 2.0, middle, *radius, *color, None);
        }
        Swatch::Band { fill, line } => {
            scene.fill_rect(left, middle - 5.0, SWATCH, 10.0, *fill);
            scene.segment((left, middle), (left + SWATCH, middle), line.clone());
        }
        Swatch::None => {}
    }
    scene.text(
        entry.label.clone(),
        left + SWATCH + SWATCH_GAP,
        middle + font.cap_height(LEGEND_SIZE) / 2.0,
        LEGEND_SIZE,
        Anchor::Start,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_draws_its_label() {
        let font = FigureFont::embedded().unwrap();
        let entries = [
            LegendEntry::new(
                Swatch::Line(Stroke::solid(Color::rgb(0, 0, 0), 2.0)),
                "seed=0",
            ),
            LegendEntry::new(
                Swatch::Dot {
                    color: Color::rgb(0, 0, 0),
                    radius: 4.0,
                },
                "runs",
            ),
        ];
        let mut scene = Scene::new(200.0, 100.0, "t");
        draw_column(&mut scene, &font, &entries, 0.0, 0.0);
        assert_eq!(scene.texts().collect::<Vec<_>>(), ["seed=0", "runs"]);
        assert_eq!(rows_fitting(100.0), 5);
        assert_eq!(rows_fitting(1.0), 1);
    }
}
