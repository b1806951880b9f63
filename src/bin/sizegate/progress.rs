//! The progress display of the binary: a spinner while an archive is indexed or streamed, then a
//! bar over its layers. Only on a terminal, and never under CI (whose logs would fill with it).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sizegate::Progress;

/// A progress display on stderr, or nothing where it would not be seen.
pub(crate) struct Display(Option<ProgressBar>);

impl Display {
    /// Starts a spinner for reading `what`, when stderr is a terminal, this is not CI and
    /// `--quiet` was not given.
    pub(crate) fn start(what: &str) -> Display {
        let ci = std::env::var_os("CI").is_some() || std::env::var_os("GITHUB_ACTIONS").is_some();
        if ci || crate::ui::quiet() || !std::io::stderr().is_terminal() {
            return Display(None);
        }
        let bar = ProgressBar::new_spinner().with_message(format!("reading {what}"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Display(Some(bar))
    }

    /// Removes the display, before the report is printed.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Display {
    fn layers(&self, count: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(count);
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {msg}: layer {pos}/{len} {wide_bar}")
            {
                bar.set_style(style);
            }
        }
    }

    fn layer_read(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }
}
