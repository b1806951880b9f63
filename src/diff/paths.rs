//! Paths of two final filesystems side by side: the files and directories added, removed, grown
//! or shrunk, as few rows as say it. A directory row sums what is below it; it is left out when
//! a row below it carries the same change (`/opt` when only `/opt/app/blob` grew), and an added
//! or removed directory is one row, not one per file.

use serde::Serialize;

#[cfg(test)]
use crate::analysis::paths::Node;
use crate::analysis::paths::{Known, PathTree};
use crate::image::is_below;

/// How a path changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PathStatus {
    /// Only in the new image.
    Added,
    /// Only in the base.
    Removed,
    /// In both, larger now.
    Grown,
    /// In both, smaller now.
    Shrunk,
}

impl PathStatus {
    /// The word the contract and the tables use.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PathStatus::Added => "added",
            PathStatus::Removed => "removed",
            PathStatus::Grown => "grown",
            PathStatus::Shrunk => "shrunk",
        }
    }
}

/// A file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PathKind {
    /// A file (its own bytes).
    File,
    /// A directory (the bytes below it).
    Directory,
}

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PathDelta {
    /// Absolute path (non-UTF-8 bytes replaced).
    pub path: String,
    /// File or directory.
    pub kind: PathKind,
    /// Added, removed, grown or shrunk.
    pub status: PathStatus,
    /// Bytes in the base (0 when added).
    pub base_size: u64,
    /// Bytes in the new image (0 when removed).
    pub new_size: u64,
    /// `new_size - base_size`.
    pub delta: i128,
}

/// The changed paths, largest absolute change first (ties by path).
pub(crate) fn changed_paths(base: &PathTree, new: &PathTree) -> Vec<PathDelta> {
    let mut rows = candidates(base, new);
    prune(&mut rows);
    rows.sort_by(|a, b| {
        b.delta
            .unsigned_abs()
            .cmp(&a.delta.unsigned_abs())
            .then_with(|| a.path.cmp(&b.path))
    });
    rows
}

/// Every path either tree has, compared where both trees know it, in path order.
fn candidates(base: &PathTree, new: &PathTree) -> Vec<PathDelta> {
    let mut rows = Vec::new();
    let (bs, ns) = (&base.nodes, &new.nodes);
    let (mut i, mut j) = (0, 0);
    while i < bs.len() || j < ns.len() {
        let order = match (bs.get(i), ns.get(j)) {
            (Some(x), Some(y)) => x.path().cmp(y.path()),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (path, dir, old, now) = match order {
            std::cmp::Ordering::Equal => {
                let (x, y) = (&bs[i], &ns[j]);
                (i, j) = (i + 1, j + 1);
                if x.dir != y.dir {
                    // A file became a directory (or the reverse): one went, the other came, and
                    // the new directory collapses into one row like any added directory.
                    rows.extend(compare(x.path(), x.dir, Known::Size(x.size), Known::Absent));
                    (y.path(), y.dir, Known::Absent, Known::Size(y.size))
                } else {
                    (y.path(), y.dir, Known::Size(x.size), Known::Size(y.size))
                }
            }
            std::cmp::Ordering::Less => {
                let x = &bs[i];
                i += 1;
                (
                    x.path(),
                    x.dir,
                    Known::Size(x.size),
                    new.lookup_missing(x.path(), x.dir),
                )
            }
            std::cmp::Ordering::Greater => {
                let y = &ns[j];
                j += 1;
                (
                    y.path(),
                    y.dir,
                    base.lookup_missing(y.path(), y.dir),
                    Known::Size(y.size),
                )
            }
        };
        if let Some(row) = compare(path, dir, old, now) {
            rows.push(row);
        }
    }
    rows
}

/// The row of one path, when both sides know it and it changed.
fn compare(path: &[u8], dir: bool, old: Known, now: Known) -> Option<PathDelta> {
    let (status, base_size, new_size) = match (old, now) {
        (Known::Size(b), Known::Size(n)) if n > b => (PathStatus::Grown, b, n),
        (Known::Size(b), Known::Size(n)) if n < b => (PathStatus::Shrunk, b, n),
        (Known::Absent, Known::Size(n)) => (PathStatus::Added, 0, n),
        (Known::Size(b), Known::Absent) => (PathStatus::Removed, b, 0),
        _ => return None,
    };
    // An empty file appearing or going changes no byte: not a size change.
    if base_size == new_size {
        return None;
    }
    Some(PathDelta {
        path: String::from_utf8_lossy(path).into_owned(),
        kind: if dir {
            PathKind::Directory
        } else {
            PathKind::File
        },
        status,
        base_size,
        new_size,
        delta: i128::from(new_size) - i128::from(base_size),
    })
}

/// Leaves out the directory rows that say nothing new, and the rows inside an added or removed
/// directory that stands for them. `rows` is in path order, so what is below a directory is one
/// run of rows after it, though not always right after it: `/opt/app-1` and `/opt/app.conf` sort
/// between `/opt/app` and `/opt/app/x` (`-` and `.` are below `/`).
fn prune(rows: &mut Vec<PathDelta>) {
    let mut keep = vec![true; rows.len()];
    for i in 0..rows.len() {
        if !keep[i] || rows[i].kind == PathKind::File {
            continue;
        }
        let below = below_range(rows, i);
        // Any row below, not only a child: a saved report skips the levels it did not keep.
        let said_below = rows[below.clone()].iter().any(|r| r.delta == rows[i].delta);
        if said_below {
            keep[i] = false;
        } else if matches!(rows[i].status, PathStatus::Added | PathStatus::Removed) {
            keep[below].fill(false);
        }
    }
    let mut k = keep.into_iter();
    rows.retain(|_| k.next().unwrap_or(false));
}

/// The rows below the directory of row `i`: those after it that start with its path and `/`.
fn below_range(rows: &[PathDelta], i: usize) -> std::ops::Range<usize> {
    let dir = rows[i].path.as_bytes();
    let after = &rows[i + 1..];
    // Every path below `dir` sorts after `dir/` and before `dir0` (`0` follows `/`).
    let start = after.partition_point(|r| {
        let p = r.path.as_bytes();
        p < dir || (p.starts_with(dir) && p.get(dir.len()).is_some_and(|b| *b < b'/'))
    });
    let len = after[start..].partition_point(|r| is_below(dir, r.path.as_bytes()));
    i + 1 + start..i + 1 + start + len
}

/// A tree of the given directories and files, complete to `complete_to`.
#[cfg(test)]
pub(crate) fn tree(nodes: &[(&str, u64, bool)], complete_to: Option<u32>) -> PathTree {
    let mut nodes: Vec<Node> = nodes
        .iter()
        .map(|(p, size, dir)| Node::new(p.as_bytes(), *size, 1, *dir))
        .collect();
    nodes.sort_by(|a, b| a.path().cmp(b.path()));
    PathTree { nodes, complete_to }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(base: &PathTree, new: &PathTree) -> Vec<(String, PathStatus, i128)> {
        changed_paths(base, new)
            .into_iter()
            .map(|r| (r.path, r.status, r.delta))
            .collect()
    }

    fn row(path: &str, status: PathStatus, delta: i128) -> (String, PathStatus, i128) {
        (path.to_string(), status, delta)
    }

    #[test]
    fn files_are_added_removed_grown_and_shrunk_and_chains_of_directories_collapse() {
        let base = tree(
            &[
                ("/etc", 10, true),
                ("/etc/a", 10, false),
                ("/usr", 300, true),
                ("/usr/lib", 300, true),
                ("/usr/lib/x.so", 100, false),
                ("/usr/lib/y.so", 200, false),
            ],
            None,
        );
        let new = tree(
            &[
                ("/etc", 10, true),
                ("/etc/a", 10, false),
                ("/usr", 250, true),
                ("/usr/lib", 250, true),
                ("/usr/lib/x.so", 150, false),
                ("/usr/lib/z.so", 100, false),
            ],
            None,
        );
        use PathStatus::*;
        assert_eq!(
            rows(&base, &new),
            vec![
                row("/usr/lib/y.so", Removed, -200),
                row("/usr/lib/z.so", Added, 100),
                row("/usr/lib", Shrunk, -50),
                row("/usr/lib/x.so", Grown, 50),
            ]
        );
    }

    #[test]
    fn an_added_directory_is_one_row_unless_one_file_is_all_of_it() {
        let base = tree(&[("/etc", 1, true), ("/etc/a", 1, false)], None);
        let new = tree(
            &[
                ("/etc", 1, true),
                ("/etc/a", 1, false),
                ("/opt", 30, true),
                ("/opt/app", 30, true),
                ("/opt/app/a", 10, false),
                ("/opt/app/b", 20, false),
                ("/srv", 5, true),
                ("/srv/one", 5, false),
            ],
            None,
        );
        use PathStatus::*;
        assert_eq!(
            rows(&base, &new),
            vec![row("/opt/app", Added, 30), row("/srv/one", Added, 5)]
        );
        assert_eq!(
            rows(&new, &base),
            vec![row("/opt/app", Removed, -30), row("/srv/one", Removed, -5)]
        );
    }

    #[test]
    fn siblings_that_sort_between_a_directory_and_its_contents_do_not_hide_them() {
        // `-` and `.` sort before `/`: /opt/app-1 and /opt/app.conf come between /opt/app and
        // /opt/app/a in path order.
        let base = tree(&[("/opt", 1, true), ("/opt/keep", 1, false)], None);
        let new = tree(
            &[
                ("/opt", 61, true),
                ("/opt/keep", 1, false),
                ("/opt/app", 30, true),
                ("/opt/app/a", 10, false),
                ("/opt/app/b", 20, false),
                ("/opt/app-1", 7, false),
                ("/opt/app.conf", 3, false),
                ("/opt/one", 20, true),
                ("/opt/one/only", 20, false),
                ("/opt/one.d", 0, true),
            ],
            None,
        );
        use PathStatus::*;
        assert_eq!(
            rows(&base, &new),
            vec![
                row("/opt", Grown, 60),
                row("/opt/app", Added, 30),
                row("/opt/one/only", Added, 20),
                row("/opt/app-1", Added, 7),
                row("/opt/app.conf", Added, 3),
            ]
        );
    }

    #[test]
    fn against_a_saved_report_only_what_it_knows_is_compared() {
        // The report kept directories to depth 1 and one large file.
        let base = tree(&[("/usr", 100, true), ("/usr/lib/big", 60, false)], Some(1));
        let new = tree(
            &[
                ("/opt", 7, true),
                ("/opt/x/y", 7, false),
                ("/usr", 130, true),
                ("/usr/lib", 130, true),
                ("/usr/lib/big", 90, false),
                ("/usr/lib/small", 40, false),
            ],
            None,
        );
        use PathStatus::*;
        assert_eq!(
            rows(&base, &new),
            vec![row("/usr/lib/big", Grown, 30), row("/opt/x/y", Added, 7),]
        );
    }

    #[test]
    fn a_file_that_became_a_directory_went_and_the_directory_came() {
        let base = tree(&[("/opt", 100, true), ("/opt/app", 100, false)], None);
        let new = tree(
            &[
                ("/opt", 120, true),
                ("/opt/app", 120, true),
                ("/opt/app/x", 60, false),
                ("/opt/app/y", 60, false),
            ],
            None,
        );
        use PathStatus::*;
        assert_eq!(
            rows(&base, &new),
            vec![
                row("/opt/app", Added, 120),
                row("/opt/app", Removed, -100),
                // No row below says the net change.
                row("/opt", Grown, 20),
            ]
        );
    }
}
