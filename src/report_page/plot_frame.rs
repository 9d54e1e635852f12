//! The frame of a plot: its data area, grid, axis lines, ticks and axis titles.
//!
//! Frames are open (left and bottom axes only) with light horizontal grid lines, the
//! usual style of journal figures. Sizes are in CSS pixels of the scene.

use super::axis_ticks::Ticks;
use super::figure_font::FigureFont;
use super::scene::{Anchor, Color, Scene, Stroke, Text};

pub const TICK_SIZE: f64 = 12.0;
pub const TITLE_SIZE: f64 = 13.0;
pub const LEGEND_SIZE: f64 = 12.0;
const TICK_LENGTH: f64 = 5.0;
const GAP: f64 = 4.0;
const AXIS_WIDTH: f64 = 1.0;

/// The data area of a plot and the y ticks that map values into it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotFrame {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub y: Ticks,
}

impl PlotFrame {
    /// Space left of the data area that y tick labels and the y title need.
    pub fn y_margin(font: &FigureFont, y: &Ticks) -> f64 {
        let widest = y
            .values
            .iter()
            .map(|&v| font.width(&y.label(v), TICK_SIZE))
            .fold(0.0, f64::max);
        // Tick, gap, labels, gap, then the rotated title's line height.
        TICK_LENGTH + GAP + widest + 2.0 * GAP + 1.2 * TITLE_SIZE
    }

    /// Vertical pixel position of value `y`.
    pub fn py(&self, y: f64) -> f64 {
        let span = self.y.hi - self.y.lo;
        self.bottom - (y - self.y.lo) / span * (self.bottom - self.top)
    }

    pub fn width(&self) -> f64 {
        self.right - self.left
    }

    /// Grid lines, y axis with labels and title, and the x axis line.
    pub fn draw_y(&self, scene: &mut Scene, font: &FigureFont, title: &str) {
        let cap = font.cap_height(TICK_SIZE);
        for &value in &self.y.values {
            let y = self.py(value);
            if value > self.y.lo {
                scene.segment(
                    (self.left, y),
                    (self.right, y),
                    Stroke::solid(Color::GRID, 1.0),
                );
            }
            scene.segment(
                (self.left - TICK_LENGTH, y),
                (self.left, y),
                Stroke::solid(Color::INK, AXIS_WIDTH),
            );
            scene.text(
                self.y.label(value),
                self.left - TICK_LENGTH - GAP,
                y + cap / 2.0,
                TICK_SIZE,
                Anchor::End,
            );
        }
        scene.segment(
            (self.left, self.top),
            (self.left, self.bottom),
            Stroke::solid(Color::INK, AXIS_WIDTH),
        );
        scene.segment(
            (self.left, self.bottom),
            (self.right, self.bottom),
            Stroke::solid(Color::INK, AXIS_WIDTH),
        );
        let margin = PlotFrame::y_margin(font, &self.y);
        scene.text_styled(Text {
            text: title.to_owned(),
            x: self.left - margin + font.cap_height(TITLE_SIZE),
            y: (self.top + self.bottom) / 2.0,
            size: TITLE_SIZE,
            color: Color::INK,
            anchor: Anchor::Middle,
            rotate: 90.0,
        });
    }

    /// Numeric x axis: ticks and labels below the axis line, title under them.
    pub fn draw_x(&self, scene: &mut Scene, font: &FigureFont, x: &Ticks, title: &str) {
        let px = |value: f64| self.left + (value - x.lo) / (x.hi - x.lo) * self.width();
        for &value in &x.values {
            let at = px(value);
            scene.segment(
                (at, self.bottom),
                (at, self.bottom + TICK_LENGTH),
                Stroke::solid(Color::INK, AXIS_WIDTH),
            );
            scene.text(
                x.label(value),
                at,
                self.bottom + TICK_LENGTH + GAP + font.cap_height(TICK_SIZE),
                TICK_SIZE,
                Anchor::Middle,
            );
        }
        self.draw_x_title(scene, font, title, 0.0);
    }

    /// The x title, `extra` pixels lower than under one line of tick labels.
    pub fn draw_x_title(&self, scene: &mut Scene, font: &FigureFont, title: &str, extra: f64) {
        let y = self.bottom
            + TICK_LENGTH
            + GAP
            + font.cap_height(TICK_SIZE)
            + 2.5 * GAP
            + extra
            + font.cap_height(TITLE_SIZE);
        scene.text(
            title,
            (self.left + self.right) / 2.0,
            y,
            TITLE_SIZE,
            Anchor::Middle,
        );
    }

    /// Space below the data area for one line of x tick labels and the x title.
    pub fn x_margin(font: &FigureFont) -> f64 {
        TICK_LENGTH
            + GAP
            + font.cap_height(TICK_SIZE)
            + 2.5 * GAP
            + font.cap_height(TITLE_SIZE)
            + 0.35 * TITLE_SIZE
            + GAP
    }

    /// A small bold-looking heading above the data area, left-aligned with the frame.
    pub fn draw_heading(&self, scene: &mut Scene, text: &str) {
        scene.text(text, self.left, self.top - 8.0, TITLE_SIZE, Anchor::Start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> PlotFrame {
        PlotFrame {
            left: 60.0,
            top: 10.0,
            right: 460.0,
            bottom: 310.0,
            y: Ticks::covering(0.0, 1.0, 5, None),
        }
    }

    #[test]
    fn values_map_bottom_up_into_the_data_area() {
        let frame = frame();
        assert_eq!(frame.py(0.0), 310.0);
        assert_eq!(frame.py(1.0), 10.0);
        assert_eq!(frame.py(0.5), 160.0);
    }

    #[test]
    fn the_y_axis_draws_a_label_per_tick_and_its_title() {
        let font = FigureFont::embedded().unwrap();
        let mut scene = Scene::new(500.0, 400.0, "t");
        frame().draw_y(&mut scene, &font, "Validation accuracy");
        let texts: Vec<_> = scene.texts().collect();
        assert_eq!(
            texts,
            [
                "0.0",
                "0.2",
                "0.4",
                "0.6",
                "0.8",
                "1.0",
                "Validation accuracy"
            ]
        );
    }

    #[test]
    fn the_y_title_fits_inside_the_margin_it_asks_for() {
        let font = FigureFont::embedded().unwrap();
        let frame = frame();
        let margin = PlotFrame::y_margin(&font, &frame.y);
        let mut scene = Scene::new(500.0, 400.0, "t");
        frame.draw_y(&mut scene, &font, "Accuracy");
        let title = scene.shapes.iter().rev().find_map(|s| match s {
            crate::report_page::scene::Shape::Text(t) => Some(t.x),
            _ => None,
        });
        let x = title.unwrap();
        assert!(x - font.cap_height(TITLE_SIZE) >= frame.left - margin - 1e-9);
    }
}
