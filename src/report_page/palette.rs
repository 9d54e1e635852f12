//! Colours of the figures.
//!
//! Runs use matplotlib's ten "tab10" colours, which readers know from other papers;
//! beyond ten runs the colours repeat and [`run_dash`] tells the cycles apart. The two
//! split modes get a colour-blind-safe pair (Okabe-Ito blue and vermillion).

use super::scene::Color;
use super::study_report::SplitMode;

const TAB10: [Color; 10] = [
    Color::rgb(0x1f, 0x77, 0xb4),
    Color::rgb(0xff, 0x7f, 0x0e),
    Color::rgb(0x2c, 0xa0, 0x2c),
    Color::rgb(0xd6, 0x27, 0x28),
    Color::rgb(0x94, 0x67, 0xbd),
    Color::rgb(0x8c, 0x56, 0x4b),
    Color::rgb(0xe3, 0x77, 0xc2),
    Color::rgb(0x7f, 0x7f, 0x7f),
    Color::rgb(0xbc, 0xbd, 0x22),
    Color::rgb(0x17, 0xbe, 0xcf),
];

pub fn run_color(index: usize) -> Color {
    TAB10[index % TAB10.len()]
}

/// Solid for the first ten runs, then dashed, then dotted, so that colours that
/// repeat still tell runs apart.
pub fn run_dash(index: usize) -> Option<[f64; 2]> {
    match index / TAB10.len() {
        0 => None,
        1 => Some([6.0, 3.0]),
        _ => Some([1.5, 2.5]),
    }
}

pub fn split_color(split: SplitMode) -> Color {
    match split {
        SplitMode::Slice => Color::rgb(0x00, 0x72, 0xb2),
        SplitMode::Patient => Color::rgb(0xd5, 0x5e, 0x00),
    }
}

/// The sequential "Blues" ramp from near-white to dark blue, for `t` in 0..=1.
pub fn blues(t: f64) -> Color {
    const LOW: (f64, f64, f64) = (247.0, 251.0, 255.0);
    const MID: (f64, f64, f64) = (107.0, 174.0, 214.0);
    const HIGH: (f64, f64, f64) = (8.0, 48.0, 107.0);
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (from, to, u) = if t < 0.5 {
        (LOW, MID, t * 2.0)
    } else {
        (MID, HIGH, t * 2.0 - 1.0)
    };
    let mix = |a: f64, b: f64| (a + (b - a) * u).round() as u8;
    Color::rgb(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_colours_repeat_after_ten_with_a_new_dash() {
        assert_eq!(run_color(0), run_color(10));
        assert_ne!(run_color(0), run_color(1));
        assert_eq!(run_dash(3), None);
        assert_ne!(run_dash(13), None);
        assert_ne!(run_dash(13), run_dash(23));
    }

    #[test]
    fn blues_run_from_light_to_dark_and_clamp() {
        assert_eq!(blues(0.0), Color::rgb(247, 251, 255));
        assert_eq!(blues(1.0), Color::rgb(8, 48, 107));
        assert_eq!(blues(2.0), blues(1.0));
        assert_eq!(blues(f64::NAN), blues(0.0));
        assert!(blues(0.25).luminance() > blues(0.75).luminance());
    }
}
