//! Figure: test accuracy of each run as a point, with each split's mean (dashed) and
//! one sample standard deviation around it (band).
//!
//! Points rather than bars: accuracies lie between 0.93 and 1.0, and bars would have
//! to start at zero to be honest, hiding exactly the differences the figure is for.
//! Both split modes share one y axis, slice-level runs first, so the gap between the
//! optimistic and the honest estimate is visible at once.

use super::axis_ticks::{Ticks, format_number};
use super::figure_font::FigureFont;
use super::legend::{self, LegendEntry, Swatch};
use super::palette::split_color;
use super::plot_frame::{PlotFrame, TICK_SIZE};
use super::scene::{Anchor, Color, Scene, Stroke, Text};
use super::split_summary::SplitSummary;

const WIDTH: f64 = 760.0;
const PLOT_HEIGHT: f64 = 300.0;
const TOP_PAD: f64 = 10.0;
const LEGEND_TO_PLOT: f64 = 22.0;
const RIGHT_PAD: f64 = 16.0;
const POINT_RADIUS: f64 = 5.0;
const VALUE_SIZE: f64 = 10.0;
const NAME_MAX: f64 = 120.0;
/// Labels closer than this (in pixels, across their baselines) would overlap.
const LABEL_PITCH: f64 = 15.0;

pub fn test_accuracy_figure(summaries: &[SplitSummary], font: &FigureFont) -> Scene {
    let legend_rows: Vec<Vec<LegendEntry>> = summaries.iter().map(legend_row).collect();
    let plot_top = TOP_PAD + legend::row_height() * legend_rows.len() as f64 + LEGEND_TO_PLOT;
    let y = y_ticks(summaries);
    let left = PlotFrame::y_margin(font, &y) + 8.0;
    let right = WIDTH - RIGHT_PAD;

    // One slot per run, plus an empty slot between split groups.
    let slots = summaries.iter().map(|s| s.runs.len()).sum::<usize>() + summaries.len() - 1;
    let slot = (right - left) / slots as f64;
    let names: Vec<String> = summaries
        .iter()
        .flat_map(|s| &s.runs)
        .map(|r| font.fit(&r.name, TICK_SIZE, NAME_MAX))
        .collect();
    let labels = LabelLayout::for_names(font, &names, slot);
    let bottom = plot_top + PLOT_HEIGHT;
    let height = bottom + PlotFrame::x_margin(font) + labels.extra_depth;

    let mut scene = Scene::new(
        WIDTH,
        height.ceil(),
        "Test accuracy per run, with each split's mean and one standard deviation",
    );
    let frame = PlotFrame {
        left,
        top: plot_top,
        right,
        bottom,
        y,
    };
    frame.draw_y(&mut scene, font, "Test accuracy");
    frame.draw_x_title(&mut scene, font, "Run", labels.extra_depth);

    let mut slot_index = 0usize;
    let mut name_index = 0usize;
    for summary in summaries {
        let color = split_color(summary.split);
        let center = |k: usize| left + (k as f64 + 0.5) * slot;
        let span = (
            left + slot_index as f64 * slot + 4.0,
            left + (slot_index + summary.runs.len()) as f64 * slot - 4.0,
        );
        let spread = summary.test_accuracy;
        if let Some(sd) = spread.sample_std {
            let top = frame.py((spread.mean + sd).min(frame.y.hi));
            let low = frame.py((spread.mean - sd).max(frame.y.lo));
            scene.fill_rect(
                span.0,
                top,
                span.1 - span.0,
                low - top,
                color.with_alpha(0x26),
            );
        }
        let mean_y = frame.py(spread.mean);
        scene.segment(
            (span.0, mean_y),
            (span.1, mean_y),
            Stroke::dashed(color, 1.6, [7.0, 4.0]),
        );

        for run in &summary.runs {
            let x = center(slot_index);
            let y = frame.py(run.test_accuracy);
            scene.circle(
                x,
                y,
                POINT_RADIUS,
                color,
                Some(Stroke::solid(Color::WHITE, 1.0)),
            );
            if labels.show_values {
                scene.text_styled(Text {
                    text: format_number(run.test_accuracy, 3),
                    x,
                    y: y - POINT_RADIUS - 4.0,
                    size: VALUE_SIZE,
                    color: Color::MUTED,
                    anchor: Anchor::Middle,
                    rotate: 0.0,
                });
            }
            labels.draw(&mut scene, font, &names[name_index], name_index, x, bottom);
            slot_index += 1;
            name_index += 1;
        }
        slot_index += 1;
    }
    for (row, entries) in legend_rows.iter().enumerate() {
        let middle = TOP_PAD + (row as f64 + 0.5) * legend::row_height();
        legend::draw_row(&mut scene, font, entries, left, middle);
    }
    scene
}

fn legend_row(summary: &SplitSummary) -> Vec<LegendEntry> {
    let color = split_color(summary.split);
    let spread = summary.test_accuracy;
    let mean = match spread.sample_std {
        Some(sd) => format!(
            "mean {} ± 1 SD ({})",
            format_number(spread.mean, 3),
            format_number(sd, 3)
        ),
        None => format!("mean {}", format_number(spread.mean, 3)),
    };
    vec![
        LegendEntry::new(
            Swatch::Dot {
                color,
                radius: POINT_RADIUS,
            },
            format!("{}: {} runs", summary.split.heading(), summary.runs.len()),
        ),
        LegendEntry::new(
            Swatch::Band {
                fill: color.with_alpha(0x26),
                line: Stroke::dashed(color, 1.6, [7.0, 4.0]),
            },
            mean,
        ),
    ]
}

fn y_ticks(summaries: &[SplitSummary]) -> Ticks {
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for summary in summaries {
        let spread = summary.test_accuracy;
        let sd = spread.sample_std.unwrap_or(0.0);
        low = low.min(spread.min).min(spread.mean - sd);
        high = high.max(spread.max).max(spread.mean + sd);
    }
    // A margin of a tenth of the spread keeps points off the axis line.
    let margin = 0.1 * (high - low);
    Ticks::tight(
        (low - margin).max(0.0),
        (high + margin).min(1.0),
        8,
        Some((0.0, 1.0)),
    )
}

/// How run names fit under their points: upright, slanted, or every k-th only.
struct LabelLayout {
    rotate: f64,
    every: usize,
    /// Depth beyond one upright line of labels, which pushes the x title down.
    extra_depth: f64,
    show_values: bool,
}

impl LabelLayout {
    fn for_names(font: &FigureFont, names: &[String], slot: f64) -> LabelLayout {
        let widest = names
            .iter()
            .map(|n| font.width(n, TICK_SIZE))
            .fold(0.0, f64::max);
        let show_values = slot >= font.width("0.000", VALUE_SIZE) + 6.0;
        if widest + 6.0 <= slot {
            return LabelLayout {
                rotate: 0.0,
                every: 1,
                extra_depth: 0.0,
                show_values,
            };
        }
        // Slanted at 45 degrees, labels sit LABEL_PITCH / sqrt(2) apart at the least.
        let pitch = LABEL_PITCH * std::f64::consts::FRAC_1_SQRT_2;
        LabelLayout {
            rotate: 45.0,
            every: (pitch / slot).ceil().max(1.0) as usize,
            extra_depth: widest * std::f64::consts::FRAC_1_SQRT_2,
            show_values,
        }
    }

    fn draw(
        &self,
        scene: &mut Scene,
        font: &FigureFont,
        name: &str,
        index: usize,
        x: f64,
        bottom: f64,
    ) {
        if !index.is_multiple_of(self.every) {
            return;
        }
        let cap = font.cap_height(TICK_SIZE);
        let (y, anchor) = if self.rotate == 0.0 {
            (bottom + 9.0 + cap, Anchor::Middle)
        } else {
            (bottom + 9.0 + cap * 0.7, Anchor::End)
        };
        scene.text_styled(Text {
            text: name.to_owned(),
            x: x + if self.rotate == 0.0 { 0.0 } else { cap * 0.35 },
            y,
            size: TICK_SIZE,
            color: Color::INK,
            anchor,
            rotate: self.rotate,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_page::sample_study::{sample_study, sample_study_both_splits};
    use crate::report_page::scene::Shape;

    fn points(scene: &Scene) -> usize {
        scene
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Circle { radius, .. } if *radius == POINT_RADIUS))
            .count()
    }

    #[test]
    fn each_run_is_a_point_labelled_with_its_name_and_value() {
        let report = sample_study();
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = test_accuracy_figure(&summaries, &FigureFont::embedded().unwrap());
        // Ten runs plus the legend's dot.
        assert_eq!(points(&scene), 11);
        let texts: Vec<_> = scene.texts().collect();
        assert!(texts.contains(&"seed=0") && texts.contains(&"0.996"));
        assert!(texts.contains(&"mean 0.961 ± 1 SD (0.020)"), "{texts:?}");
    }

    #[test]
    fn both_splits_share_the_axis_with_their_own_mean() {
        let report = sample_study_both_splits();
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = test_accuracy_figure(&summaries, &FigureFont::embedded().unwrap());
        assert_eq!(points(&scene), 22);
        let texts: Vec<_> = scene.texts().collect();
        assert!(texts.contains(&"Slice-level split: 10 runs"));
        assert!(texts.contains(&"Patient-level split: 10 runs"));
        let dashed = scene
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Line { stroke, .. } if stroke.dash.is_some()))
            .count();
        assert_eq!(dashed, 4, "a mean line per split and per legend row");
    }

    #[test]
    fn long_names_slant_and_crowded_names_thin_out() {
        let font = FigureFont::embedded().unwrap();
        let short: Vec<String> = (0..10).map(|i| format!("seed={i}")).collect();
        let upright = LabelLayout::for_names(&font, &short, 66.0);
        assert_eq!((upright.rotate, upright.every), (0.0, 1));
        let long: Vec<String> = (0..10)
            .map(|i| format!("lr=0.1,batch=100,seed={i}"))
            .collect();
        let slanted = LabelLayout::for_names(&font, &long, 66.0);
        assert_eq!((slanted.rotate, slanted.every), (45.0, 1));
        assert!(slanted.extra_depth > 0.0);
        let crowded = LabelLayout::for_names(&font, &long, 3.0);
        assert!(crowded.every > 1 && !crowded.show_values);
    }

    #[test]
    fn a_single_run_has_a_mean_but_no_band() {
        let mut report = sample_study();
        report.runs.truncate(1);
        let summaries = SplitSummary::all(&report).unwrap();
        let scene = test_accuracy_figure(&summaries, &FigureFont::embedded().unwrap());
        assert!(scene.texts().any(|t| t == "mean 0.952"));
    }
}
