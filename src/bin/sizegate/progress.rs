//! The progress display of the binary: a spinner while an archive is indexed or streamed, then a
//! bar over its layers, with the bytes downloaded of each registry layer in flight. Only on a
//! terminal, and never under CI (whose logs would fill with it).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use sizegate::Progress;

/// A progress display on stderr, or nothing where it would not be seen.
pub(crate) struct Display(Option<Shown>);

/// The bar, and the layers being downloaded: bytes read and total, by short digest.
struct Shown {
    bar: ProgressBar,
    downloads: Mutex<BTreeMap<String, (u64, u64)>>,
}

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
        Display(Some(Shown {
            bar,
            downloads: Mutex::new(BTreeMap::new()),
        }))
    }

    /// Removes the display, before the report is printed.
    pub(crate) fn finish(&self) {
        if let Some(shown) = &self.0 {
            shown.bar.finish_and_clear();
        }
    }
}

impl Progress for Display {
    fn layers(&self, count: u64) {
        if let Some(Shown { bar, .. }) = &self.0 {
            bar.set_length(count);
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} layer {pos}/{len} {bar:20} {wide_msg}")
            {
                bar.set_style(style);
            }
        }
    }

    fn layer_read(&self) {
        if let Some(shown) = &self.0 {
            shown.bar.inc(1);
        }
    }

    fn downloaded(&self, digest: &str, read: u64, total: u64) {
        let Some(shown) = &self.0 else {
            return;
        };
        let mut downloads = shown
            .downloads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let short = digest.split_once(':').map_or(digest, |(_, hex)| hex);
        let short = short.get(..12).unwrap_or(short).to_string();
        if read >= total {
            downloads.remove(&short);
        } else {
            downloads.insert(short, (read, total));
        }
        shown.bar.set_message(downloads_line(&downloads));
    }
}

/// The layers being downloaded, each as its short digest and bytes read of all:
/// `04ebb88f27f5 1.20 MiB/40.00 MiB, 677d6f7f4ed4 0 B/3.00 KiB`.
fn downloads_line(downloads: &BTreeMap<String, (u64, u64)>) -> String {
    downloads
        .iter()
        .map(|(d, (read, total))| format!("{d} {}/{}", HumanBytes(*read), HumanBytes(*total)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layer_in_flight_shows_its_bytes() {
        let downloads = BTreeMap::from([
            ("677d6f7f4ed4".to_string(), (0, 3 * 1024)),
            ("04ebb88f27f5".to_string(), (1_258_291, 40 * 1024 * 1024)),
        ]);
        assert_eq!(
            downloads_line(&downloads),
            "04ebb88f27f5 1.20 MiB/40.00 MiB, 677d6f7f4ed4 0 B/3.00 KiB"
        );
    }
}
