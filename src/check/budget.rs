//! The limits of `layers` and `paths` entries, and how far a value is over a limit.

use crate::units::Measure;

/// The limits of a `layers` or `paths` entry: bytes and/or files.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    pub max_size: Option<u64>,
    pub max_files: Option<u64>,
}

/// A limit of a budget that was exceeded.
pub(super) struct Over {
    pub actual: Measure,
    pub limit: Measure,
    /// The file count, not the size.
    pub files: bool,
}

impl Budget {
    /// The limits that `size` bytes in `files` files exceed, the size first.
    pub(super) fn exceeded(self, size: u64, files: u64) -> impl Iterator<Item = Over> {
        let by_size = self.max_size.filter(|&m| size > m).map(|m| Over {
            actual: Measure::Bytes(size),
            limit: Measure::Bytes(m),
            files: false,
        });
        let by_files = self.max_files.filter(|&m| files > m).map(|m| Over {
            actual: Measure::Count(files),
            limit: Measure::Count(m),
            files: true,
        });
        by_size.into_iter().chain(by_files)
    }

    /// Whether the rules table shows the file count: when there is no `max_size`, or only the
    /// file count was exceeded.
    pub(super) fn shows_files(self, size_over: bool, files_over: bool) -> bool {
        self.max_size.is_none() || (files_over && !size_over)
    }

    /// The actual value and limit the rules table shows.
    pub(super) fn shown(self, by_files: bool, size: u64, files: u64) -> (Measure, Measure) {
        match (by_files, self.max_size) {
            (false, Some(m)) => (Measure::Bytes(size), Measure::Bytes(m)),
            _ => (
                Measure::Count(files),
                Measure::Count(self.max_files.unwrap_or(0)),
            ),
        }
    }
}

/// ` (12.5 % over)`.
pub(super) fn over(actual: Measure, limit: Measure) -> String {
    if limit.as_f64() > 0.0 {
        format!(
            " ({:.1} % over)",
            (actual.as_f64() - limit.as_f64()) / limit.as_f64() * 100.0
        )
    } else {
        String::new()
    }
}
