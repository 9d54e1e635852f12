//! What a run shows while it works: an indicatif bar per running stage (items done of total,
//! ETA) on a terminal; one line per finished stage otherwise, so logs stay readable.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
    quiet: bool,
}

/// One stage's bar (or nothing, off a terminal).
#[derive(Clone)]
pub struct StageBar {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Bars when stderr is a terminal and `quiet` is off.
    pub fn new(quiet: bool) -> Self {
        let multi = (!quiet && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8)));
        Self { multi, quiet }
    }

    pub fn start(&self, id: &str) -> StageBar {
        let Some(multi) = &self.multi else {
            return StageBar { bar: None };
        };
        let bar = multi.add(ProgressBar::new(0));
        bar.set_style(
            ProgressStyle::with_template("{spinner:.cyan} {prefix:24.bold} [{bar:28.cyan/blue}] {pos}/{len} items  {elapsed} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(truncate(id, 24));
        bar.enable_steady_tick(Duration::from_millis(120));
        StageBar { bar: Some(bar) }
    }

    /// A line about a finished stage; printed above the bars, or plainly.
    pub fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(text);
            }
            None => eprintln!("{text}"),
        }
    }
}

impl StageBar {
    pub fn set(&self, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let head: String = text.chars().take(width - 1).collect();
        format!("{head}~")
    }
}
