//! Figure: the confusion matrix summed over each split's runs, as a heatmap.
//!
//! Cells are shaded by their share of the true class (row-normalized, so a class with
//! fewer slices is not paler for that alone) and print the count and that share.
//! Splits sit side by side and share one colour bar.

use super::figure_font::FigureFont;
use super::palette::blues;
use super::plot_frame::{TICK_SIZE, TITLE_SIZE};
use super::scene::{Anchor, Color, Scene, Shape, Stroke, Text};
use super::split_summary::SplitSummary;

const PAD: f64 = 14.0;
const HEADING: f64 = 34.0;
const PANEL_GAP: f64 = 44.0;
const LABEL_GAP: f64 = 6.0;
const LABEL_MAX: f64 = 110.0;
const COUNT_SIZE: f64 = 14.0;
const SHARE_SIZE: f64 = 10.5;
const BAR_WIDTH: f64 = 14.0;
const BAR_STEPS: usize = 64;
const TITLE_GAP: f64 = 8.0;
/// DejaVu Sans descends about a quarter em below the baseline.
const DESCENT: f64 = 0.25;

/// Room for a rotated axis title beside the labels: cap height, descent and gap.
fn title_band(font: &FigureFont) -> f64 {
    font.cap_height(TITLE_SIZE) + DESCENT * TITLE_SIZE + TITLE_GAP
}

pub fn confusion_figure(summaries: &[SplitSummary], font: &FigureFont) -> Scene {
    let n = summaries
        .iter()
        .map(|s| s.class_names.len())
        .max()
        .unwrap_or(0);
    let cell = (320.0 / n.max(1) as f64).clamp(14.0, 80.0);
    let matrix = cell * n as f64;
    let label_width = summaries
        .iter()
        .flat_map(|s| &s.class_names)
        .map(|c| font.width(&font.fit(c, TICK_SIZE, LABEL_MAX), TICK_SIZE))
        .fold(0.0, f64::max);
    // Column labels stand upright when they fit their cell, else turn to read upwards.
    let upright = label_width + 4.0 <= cell;
    let column_depth = if upright {
        font.cap_height(TICK_SIZE)
    } else {
        label_width
    };
    let title_line = title_band(font);
    let panel_left_margin = title_line + label_width + LABEL_GAP;
    let panel_width = panel_left_margin + matrix;
    let bar_block =
        PANEL_GAP * 0.6 + BAR_WIDTH + LABEL_GAP + font.width("100%", TICK_SIZE) + 10.0 + title_line;
    let width = PAD * 2.0
        + panel_width * summaries.len() as f64
        + PANEL_GAP * summaries.len().saturating_sub(1) as f64
        + bar_block;
    let height = PAD + HEADING + matrix + LABEL_GAP * 2.0 + column_depth + 8.0 + title_line + PAD;

    let mut scene = Scene::new(
        width.ceil(),
        height.ceil(),
        "Confusion matrix summed over runs, rows: true class, columns: predicted class",
    );
    let top = PAD + HEADING;
    for (i, summary) in summaries.iter().enumerate() {
        let left = PAD + i as f64 * (panel_width + PANEL_GAP) + panel_left_margin;
        let panel = Panel {
            left,
            top,
            cell,
            label_width,
            upright,
            column_depth,
        };
        panel.draw(&mut scene, font, summary);
    }
    let bar_left = PAD
        + summaries.len() as f64 * panel_width
        + PANEL_GAP * summaries.len().saturating_sub(1) as f64
        + PANEL_GAP * 0.6;
    draw_color_bar(&mut scene, font, bar_left, top, matrix);
    scene
}

struct Panel {
    left: f64,
    top: f64,
    cell: f64,
    label_width: f64,
    upright: bool,
    column_depth: f64,
}

impl Panel {
    fn draw(&self, scene: &mut Scene, font: &FigureFont, summary: &SplitSummary) {
        let n = summary.class_names.len();
        let matrix = self.cell * n as f64;
        let runs = summary.runs.len();
        scene.text(
            format!(
                "{}: {} run{} summed",
                summary.split.heading(),
                runs,
                if runs == 1 { "" } else { "s" }
            ),
            self.left - self.label_width - LABEL_GAP,
            self.top - 14.0,
            TITLE_SIZE,
            Anchor::Start,
        );
        for (row, counts) in summary.confusion.iter().enumerate() {
            let total: u64 = counts.iter().fold(0, |a, &b| a.saturating_add(b));
            for (column, &count) in counts.iter().enumerate() {
                let share = if total == 0 {
                    0.0
                } else {
                    count as f64 / total as f64
                };
                self.draw_cell(scene, font, (row, column), count, share);
            }
        }
        let cap = font.cap_height(TICK_SIZE);
        for (k, class) in summary.class_names.iter().enumerate() {
            let label = font.fit(class, TICK_SIZE, LABEL_MAX);
            let middle = self.top + (k as f64 + 0.5) * self.cell;
            scene.text(
                label.clone(),
                self.left - LABEL_GAP,
                middle + cap / 2.0,
                TICK_SIZE,
                Anchor::End,
            );
            let center = self.left + (k as f64 + 0.5) * self.cell;
            let below = self.top + matrix + LABEL_GAP;
            if self.upright {
                scene.text(label, center, below + cap, TICK_SIZE, Anchor::Middle);
            } else {
                scene.text_styled(Text {
                    text: label,
                    x: center + cap / 2.0,
                    y: below,
                    size: TICK_SIZE,
                    color: Color::INK,
                    anchor: Anchor::End,
                    rotate: 90.0,
                });
            }
        }
        scene.text(
            "Predicted class",
            self.left + matrix / 2.0,
            self.top
                + matrix
                + LABEL_GAP * 2.0
                + self.column_depth
                + 8.0
                + font.cap_height(TITLE_SIZE),
            TITLE_SIZE,
            Anchor::Middle,
        );
        scene.text_styled(Text {
            text: "True class".into(),
            // Turned to read upwards, the title's descenders face the labels.
            x: self.left - self.label_width - LABEL_GAP - TITLE_GAP - DESCENT * TITLE_SIZE,
            y: self.top + matrix / 2.0,
            size: TITLE_SIZE,
            color: Color::INK,
            anchor: Anchor::Middle,
            rotate: 90.0,
        });
    }

    /// One cell: shaded by `share`, with its count and share printed when it is
    /// big enough to hold them.
    fn draw_cell(
        &self,
        scene: &mut Scene,
        font: &FigureFont,
        (row, column): (usize, usize),
        count: u64,
        share: f64,
    ) {
        let x = self.left + column as f64 * self.cell;
        let y = self.top + row as f64 * self.cell;
        let fill = blues(share);
        scene.shapes.push(Shape::Rect {
            x,
            y,
            width: self.cell,
            height: self.cell,
            fill: Some(fill),
            stroke: Some(Stroke::solid(Color::WHITE, 1.0)),
        });
        if self.cell < 40.0 {
            return;
        }
        let ink = if fill.luminance() < 0.35 {
            Color::WHITE
        } else {
            Color::INK
        };
        let center = x + self.cell / 2.0;
        let middle = y + self.cell / 2.0;
        scene.text_styled(Text {
            text: count.to_string(),
            x: center,
            y: middle - 2.0,
            size: COUNT_SIZE,
            color: ink,
            anchor: Anchor::Middle,
            rotate: 0.0,
        });
        scene.text_styled(Text {
            text: format!("{:.1}%", share * 100.0),
            x: center,
            y: middle + 4.0 + font.cap_height(SHARE_SIZE),
            size: SHARE_SIZE,
            color: ink,
            anchor: Anchor::Middle,
            rotate: 0.0,
        });
    }
}

fn draw_color_bar(scene: &mut Scene, font: &FigureFont, left: f64, top: f64, height: f64) {
    let step = height / BAR_STEPS as f64;
    for i in 0..BAR_STEPS {
        let share = 1.0 - (i as f64 + 0.5) / BAR_STEPS as f64;
        // Overlap by a fraction of a pixel so anti-aliasing leaves no seams.
        scene.fill_rect(
            left,
            top + i as f64 * step,
            BAR_WIDTH,
            step + 0.5,
            blues(share),
        );
    }
    scene.stroke_rect(
        left,
        top,
        BAR_WIDTH,
        height,
        Stroke::solid(Color::MUTED, 0.8),
    );
    let cap = font.cap_height(TICK_SIZE);
    let mut widest: f64 = 0.0;
    for (share, label) in [(1.0, "100%"), (0.5, "50%"), (0.0, "0%")] {
        let y = top + (1.0 - share) * height;
        scene.segment(
            (left + BAR_WIDTH, y),
            (left + BAR_WIDTH + 4.0, y),
            Stroke::solid(Color::INK, 1.0),
        );
        scene.text(
            label,
            left + BAR_WIDTH + LABEL_GAP,
            y + cap / 2.0,
            TICK_SIZE,
            Anchor::Start,
        );
        widest = widest.max(font.width(label, TICK_SIZE));
    }
    scene.text_styled(Text {
        text: "Share of true class".into(),
        x: left + BAR_WIDTH + LABEL_GAP + widest + 8.0 + font.cap_height(TITLE_SIZE),
        y: top + height / 2.0,
        size: TITLE_SIZE,
        color: Color::INK,
        anchor: Anchor::Middle,
        rotate: 90.0,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::{sample_study, sample_study_both_splits};

    fn cells(scene: &Scene) -> usize {
        scene
            .shapes
            .iter()
            .filter(
                |s| matches!(s, Shape::Rect { stroke: Some(st), .. } if st.color == Color::WHITE),
            )
            .count()
    }

    #[test]
    fn a_cell_per_class_pair_with_count_and_share_of_its_row() {
        let report = sample_study();
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = confusion_figure(&summaries, &FigureFont::embedded().unwrap());
        assert_eq!(cells(&scene), 9);
        let texts: Vec<_> = scene.texts().collect();
        let first_row: u64 = summaries[0].confusion[0].iter().sum();
        let hits = summaries[0].confusion[0][0];
        assert!(texts.contains(&hits.to_string().as_str()));
        let share = format!("{:.1}%", hits as f64 / first_row as f64 * 100.0);
        assert!(texts.contains(&share.as_str()), "{share} in {texts:?}");
        assert!(texts.contains(&"Predicted class") && texts.contains(&"True class"));
    }

    #[test]
    fn the_true_class_title_clears_the_row_labels() {
        let font = FigureFont::embedded().unwrap();
        let mut report = sample_study();
        report.runs.truncate(1);
        report.runs[0].class_names = vec!["grade II".into(), "grade III".into(), "grade IV".into()];
        for (metrics, name) in
            report.runs[0]
                .per_class
                .iter_mut()
                .zip(["grade II", "grade III", "grade IV"])
        {
            metrics.class = name.into();
        }
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = confusion_figure(&summaries, &font);
        let texts: Vec<&Text> = scene
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        let title = texts.iter().find(|t| t.text == "True class").unwrap();
        let labels_start = texts
            .iter()
            .filter(|t| t.text.starts_with("grade") && t.anchor == Anchor::End && t.rotate == 0.0)
            .map(|t| t.x - font.width(&t.text, t.size))
            .fold(f64::INFINITY, f64::min);
        let title_right = title.x + DESCENT * title.size;
        assert!(
            title_right + 4.0 <= labels_start,
            "{title_right} vs {labels_start}"
        );
        assert!(
            title.x - font.cap_height(title.size) >= 0.0,
            "title inside the figure"
        );
    }

    #[test]
    fn two_splits_get_two_panels_and_one_colour_bar() {
        let report = sample_study_both_splits();
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = confusion_figure(&summaries, &FigureFont::embedded().unwrap());
        assert_eq!(cells(&scene), 18);
        let bars = scene
            .texts()
            .filter(|t| *t == "Share of true class")
            .count();
        assert_eq!(bars, 1);
    }

    #[test]
    fn many_classes_shrink_the_cells_and_drop_their_numbers() {
        let mut report = sample_study();
        report.runs.truncate(1);
        let run = &mut report.runs[0];
        let n = 30;
        run.class_names = (0..n).map(|i| format!("class {i}")).collect();
        run.confusion = (0..n)
            .map(|i| (0..n).map(|j| u64::from(i == j)).collect())
            .collect();
        run.per_class.clear();
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = confusion_figure(&summaries, &FigureFont::embedded().unwrap());
        assert_eq!(cells(&scene), n * n);
        assert!(
            !scene
                .texts()
                .any(|t| t.ends_with('%') && t != "100%" && t != "50%" && t != "0%")
        );
        assert!(scene.width < 1000.0 && scene.height < 1000.0);
    }

    #[test]
    fn an_empty_true_class_is_shaded_as_zero_not_divided_by_zero() {
        let mut report = sample_study();
        for run in &mut report.runs {
            run.confusion[2] = vec![0, 0, 0];
        }
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = confusion_figure(&summaries, &FigureFont::embedded().unwrap());
        assert!(scene.texts().any(|t| t == "0.0%"));
        assert!(!scene.texts().any(|t| t.contains("NaN")));
    }
}
