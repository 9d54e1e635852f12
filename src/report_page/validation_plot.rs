//! Figure: validation accuracy over training steps, one line per run.
//!
//! One panel per split mode, stacked, sharing both axes so the panels compare at a
//! glance. In each panel the run with the best test accuracy is drawn last and
//! thickest; the legend names every run (or as many as fit, always the best).

use super::axis_ticks::Ticks;
use super::figure_font::FigureFont;
use super::legend::{self, LegendEntry, Swatch};
use super::palette::{run_color, run_dash};
use super::plot_frame::{LEGEND_SIZE, PlotFrame};
use super::scene::{Scene, Stroke};
use super::split_summary::SplitSummary;

const WIDTH: f64 = 760.0;
const PANEL_HEIGHT: f64 = 380.0;
const HEADING: f64 = 30.0;
const RIGHT_PAD: f64 = 12.0;
const LEGEND_GAP: f64 = 20.0;
const LABEL_MAX: f64 = 170.0;
const THIN: f64 = 1.3;
const THICK: f64 = 2.8;

pub fn validation_figure(summaries: &[SplitSummary], font: &FigureFont) -> Scene {
    let height = PANEL_HEIGHT * summaries.len() as f64;
    let mut scene = Scene::new(
        WIDTH,
        height,
        "Validation accuracy over training steps, one line per run; thick line: best test accuracy",
    );
    let points = summaries
        .iter()
        .flat_map(|s| &s.runs)
        .flat_map(|r| &r.validation_curve);
    let (low, high) = points.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let (low, high) = if low <= high { (low, high) } else { (0.0, 1.0) };
    let y = Ticks::tight(low, high, 8, Some((0.0, 1.0)));
    let last_step = summaries
        .iter()
        .flat_map(|s| &s.runs)
        .filter_map(|r| r.validation_curve.last().map(|p| p.0).or(r.steps))
        .max()
        .unwrap_or(0);
    let x = Ticks::covering(
        0.0,
        f64::from(last_step.max(1)),
        5,
        Some((0.0, f64::INFINITY)),
    );

    for (panel, summary) in summaries.iter().enumerate() {
        draw_panel(
            &mut scene,
            font,
            summary,
            panel as f64 * PANEL_HEIGHT,
            &x,
            &y,
        );
    }
    scene
}

fn draw_panel(
    scene: &mut Scene,
    font: &FigureFont,
    summary: &SplitSummary,
    offset: f64,
    x: &Ticks,
    y: &Ticks,
) {
    let entries = legend_entries(
        font,
        summary,
        PANEL_HEIGHT - HEADING - PlotFrame::x_margin(font),
    );
    let legend_width = legend::column_width(font, &entries);
    let frame = PlotFrame {
        left: PlotFrame::y_margin(font, y) + 8.0,
        top: offset + HEADING,
        right: WIDTH - RIGHT_PAD - legend_width - LEGEND_GAP,
        bottom: offset + PANEL_HEIGHT - PlotFrame::x_margin(font),
        y: y.clone(),
    };
    frame.draw_heading(
        scene,
        &format!(
            "{} ({} run{})",
            summary.split.heading(),
            summary.runs.len(),
            if summary.runs.len() == 1 { "" } else { "s" }
        ),
    );
    frame.draw_y(scene, font, "Validation accuracy");
    frame.draw_x(scene, font, x, "Training step");

    let px = |step: u32| frame.left + (f64::from(step) - x.lo) / (x.hi - x.lo) * frame.width();
    let order = (0..summary.runs.len())
        .filter(|&i| i != summary.best)
        .chain([summary.best]);
    for i in order {
        let run = summary.runs[i];
        let stroke = run_stroke(i, i == summary.best);
        let points: Vec<(f64, f64)> = run
            .validation_curve
            .iter()
            .map(|&(step, accuracy)| (px(step), frame.py(accuracy)))
            .collect();
        match points.as_slice() {
            [] => {}
            [(cx, cy)] => scene.circle(*cx, *cy, stroke.width + 1.0, stroke.color, None),
            _ => scene.line(points, stroke),
        }
    }
    legend::draw_column(
        scene,
        font,
        &entries,
        frame.right + LEGEND_GAP,
        frame.top + 4.0,
    );
}

fn run_stroke(index: usize, best: bool) -> Stroke {
    let color = run_color(index);
    let (color, width) = if best {
        (color, THICK)
    } else {
        (color.with_alpha(0xd9), THIN)
    };
    Stroke {
        color,
        width,
        dash: run_dash(index),
    }
}

/// Every run if they fit in `height`; otherwise the first ones, the best, and a note.
fn legend_entries(font: &FigureFont, summary: &SplitSummary, height: f64) -> Vec<LegendEntry> {
    let n = summary.runs.len();
    let rows = legend::rows_fitting(height);
    let shown: Vec<usize> = if n <= rows {
        (0..n).collect()
    } else {
        let others = rows.saturating_sub(2);
        let mut shown: Vec<usize> = (0..n).filter(|&i| i != summary.best).take(others).collect();
        shown.push(summary.best);
        shown.sort_unstable();
        shown
    };
    let mut entries: Vec<LegendEntry> = shown
        .iter()
        .map(|&i| {
            let best = i == summary.best;
            let name = font.fit(&summary.runs[i].name, LEGEND_SIZE, LABEL_MAX);
            let label = if best { format!("{name} (best)") } else { name };
            LegendEntry::new(Swatch::Line(run_stroke(i, best)), label)
        })
        .collect();
    if shown.len() < n {
        entries.push(LegendEntry::new(
            Swatch::None,
            format!("and {} more", n - shown.len()),
        ));
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::{sample_study, sample_study_both_splits};
    use crate::report_page::scene::Shape;

    fn lines(scene: &Scene) -> Vec<(usize, f64)> {
        scene
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Line { points, stroke } if points.len() > 2 => {
                    Some((points.len(), stroke.width))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_run_is_one_line_and_the_best_is_drawn_last_and_thickest() {
        let report = sample_study();
        let summaries = SplitSummary::all(&report).unwrap();
        let font = FigureFont::embedded().unwrap();
        let scene = validation_figure(&summaries, &font);
        let lines = lines(&scene);
        assert_eq!(lines.len(), 10);
        assert!(lines.iter().all(|&(points, _)| points == 100));
        let (_, last_width) = *lines.last().unwrap();
        assert_eq!(last_width, THICK);
        assert!(lines[..9].iter().all(|&(_, w)| w == THIN));
    }

    #[test]
    fn the_legend_names_every_run_and_marks_the_best() {
        let report = sample_study();
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = validation_figure(&summaries, &FigureFont::embedded().unwrap());
        let texts: Vec<_> = scene.texts().collect();
        assert!(texts.contains(&"seed=9 (best)"));
        assert!((0..9).all(|i| texts.contains(&format!("seed={i}").as_str())));
        assert!(texts.contains(&"Training step") && texts.contains(&"Validation accuracy"));
        assert!(texts.contains(&"10,000"));
    }

    #[test]
    fn two_splits_get_two_stacked_panels() {
        let report = sample_study_both_splits();
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = validation_figure(&summaries, &FigureFont::embedded().unwrap());
        assert_eq!(scene.height, 2.0 * PANEL_HEIGHT);
        let texts: Vec<_> = scene.texts().collect();
        assert!(texts.contains(&"Slice-level split (10 runs)"));
        assert!(texts.contains(&"Patient-level split (10 runs)"));
        assert_eq!(lines(&scene).len(), 20);
    }

    #[test]
    fn a_crowded_legend_keeps_the_best_run_and_counts_the_rest() {
        let mut report = sample_study();
        let template = report.runs[0].clone();
        for i in 10..40 {
            let mut run = template.clone();
            run.name = format!("seed={i}");
            run.test_accuracy = 0.5;
            report.runs.push(run);
        }
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = validation_figure(&summaries, &FigureFont::embedded().unwrap());
        let texts: Vec<_> = scene.texts().collect();
        assert!(texts.contains(&"seed=9 (best)"));
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("and ") && t.ends_with(" more"))
        );
        assert_eq!(lines(&scene).len(), 40, "every run is still drawn");
    }

    #[test]
    fn runs_without_curves_leave_an_empty_but_labelled_plot() {
        let mut report = sample_study();
        for run in &mut report.runs {
            run.validation_curve.clear();
        }
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = validation_figure(&summaries, &FigureFont::embedded().unwrap());
        assert!(lines(&scene).is_empty());
        assert!(scene.texts().any(|t| t == "Training step"));
    }
}
