//! Where the final bytes are, path by path: every directory with the bytes below it and every
//! file ([`PathTree`], what an image gives `diff`), and the bounded part of that tree a saved
//! report keeps ([`SavedPaths`]: directories to a few levels and the largest files), so that a
//! report of kilobytes still gives path deltas later.
//!
//! A file hard-linked under several names counts once in the directory totals (at its original
//! name when that is visible, else at its first visible name), so the totals add up to the final
//! size as `docker` counts it.

use std::sync::Arc;

use rustc_hash::FxHashSet as HashSet;
use serde::{Deserialize, Serialize};

use super::Analysis;
use crate::image::{is_below, Image};

/// Deepest directories a report keeps: `/usr/lib/x86_64-linux-gnu` is depth 3.
pub(crate) const SAVED_DEPTH: u32 = 3;
/// Most directories a report keeps: the depth is lowered until they fit (a hostile image can
/// have a million top-level directories; the report stays small).
pub(crate) const SAVED_DIRECTORIES: usize = 1000;
/// Largest files a report keeps.
pub(crate) const SAVED_FILES: usize = 100;

/// The paths part of the JSON contract of an image: directory totals to `directory_depth` (every
/// directory that deep that holds a file, so a directory missing from the list held none) and the
/// largest files.
/// A report written before these keys were added has none of them: it reads as knowing no path
/// (`directory_depth` 0, empty lists).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct SavedPaths {
    /// The depth `directories` is complete to (`/usr` is 1); 0 when only the root fits.
    pub directory_depth: u32,
    /// Every directory down to `directory_depth` that holds files, by path.
    pub directories: Vec<PathSize>,
    /// The largest files, largest first (ties by path).
    pub largest_files: Vec<PathSize>,
}

/// A path with the bytes of the files it names or holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct PathSize {
    /// Absolute path (non-UTF-8 bytes replaced).
    pub path: String,
    /// Bytes: a file's size, or the distinct files below a directory.
    pub size: u64,
    /// Files named (1 for a file; hard links each count).
    pub files: u64,
}

/// Deepest directories a [`PathTree`] has a node for, and their longest path (Linux's
/// `PATH_MAX`): the files below are there, each directory deeper or longer is not. A node's path
/// is a prefix of a file's path, so a file 30,000 levels deep (a 64 KiB name) would otherwise
/// cost 30,000 directories and 30,000 comparisons of up to 64 KiB each in every lookup; real
/// images are a few dozen levels deep.
pub(crate) const TREE_DEPTH: usize = 64;
/// See [`TREE_DEPTH`].
pub(crate) const TREE_DIRECTORY_BYTES: usize = 4096;

/// One node of a [`PathTree`].
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Bytes that its path begins: a file's own path, shared with the directories above it.
    buf: Arc<[u8]>,
    /// The length of its path in `buf`.
    len: usize,
    /// A file's size, or the distinct bytes below a directory.
    pub size: u64,
    /// Files named at or below it.
    pub files: u64,
    /// A directory (else a file).
    pub dir: bool,
}

impl Node {
    /// A node of its own path.
    pub(crate) fn new(path: &[u8], size: u64, files: u64, dir: bool) -> Node {
        Node {
            len: path.len(),
            buf: Arc::from(path),
            size,
            files,
            dir,
        }
    }

    /// Absolute path, raw bytes; never the root.
    pub(crate) fn path(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        (self.path(), self.size, self.files, self.dir)
            == (other.path(), other.size, other.files, other.dir)
    }
}

impl Eq for Node {}

/// The final filesystem as paths, sorted by path: all of it for an image, the saved part for a
/// report. `complete_to` says how much is known: `None` everything, `Some(d)` the directories to
/// depth `d` and only the files listed.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathTree {
    /// Directories and files, sorted by path, each path once.
    pub nodes: Vec<Node>,
    /// How deep the directories are complete; `None`: every directory and file is there.
    pub complete_to: Option<u32>,
}

/// What a tree knows of one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    /// It is there, with these bytes.
    Size(u64),
    /// It is not there.
    Absent,
    /// The tree does not say (a small file, a deep directory of a saved report).
    Unknown,
}

/// A visible path with what it adds to its directories.
pub(crate) struct Counted<'i> {
    /// The path.
    pub path: &'i [u8],
    /// The file's size.
    pub size: u64,
    /// What it adds to its directories: its size, or 0 for a second name of the same file.
    pub counted: u64,
    /// The layer that holds the file's bytes (its inode's).
    pub layer: u32,
}

/// Every visible path in path order, each inode's bytes counted at one name only.
pub(crate) fn counted<'i>(
    image: &'i Image,
    analysis: &'i Analysis,
) -> impl Iterator<Item = Counted<'i>> {
    let is_link = |f: &super::VisibleFile| f.inode != (f.layer, f.entry);
    // Hard links are rare: the sets stay empty for most images.
    let linked: HashSet<(u32, u32)> = analysis
        .visible_files
        .iter()
        .filter(|f| is_link(f))
        .map(|f| f.inode)
        .collect();
    let mut seen: HashSet<(u32, u32)> = analysis
        .visible_files
        .iter()
        .filter(|f| !is_link(f) && linked.contains(&f.inode))
        .map(|f| f.inode)
        .collect();
    analysis.visible_files.iter().map(move |f| {
        let counted = if !is_link(f) || seen.insert(f.inode) {
            f.size
        } else {
            0
        };
        Counted {
            path: f.path(image),
            size: f.size,
            counted,
            layer: f.inode.0,
        }
    })
}

/// The directories of `path` from the top, excluding the root and the path itself:
/// `/a/b/c` gives `/a`, `/a/b`.
pub(crate) fn parents(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.iter()
        .enumerate()
        .skip(1)
        .filter(|(_, b)| **b == b'/')
        .map(move |(i, _)| &path[..i])
}

/// The nodes of two path-sorted lists in one path-sorted list.
fn merge_sorted(a: Vec<Node>, b: Vec<Node>) -> Vec<Node> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.path() <= y.path(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

/// Depth of an absolute path: `/usr` is 1, `/` is 0.
pub(crate) fn depth(path: &[u8]) -> u32 {
    let slashes = path.iter().filter(|b| **b == b'/').count();
    u32::try_from(slashes).unwrap_or(u32::MAX) - u32::from(path == b"/")
}

impl PathTree {
    /// Every directory and file of the image's final filesystem.
    ///
    /// A file's node holds the bytes it adds (a second name of a hard-linked file adds none: a
    /// new link is no growth). Paths are named as a saved report names them, non-UTF-8 bytes
    /// replaced, so that an image and its report agree on every path.
    pub(crate) fn of(image: &Image, analysis: &Analysis) -> PathTree {
        let n = analysis.visible_files.len();
        let all_utf8 = analysis
            .visible_files
            .iter()
            .all(|f| std::str::from_utf8(f.path(image)).is_ok());
        if all_utf8 {
            return PathTree::of_files(
                n,
                counted(image, analysis).map(|f| (f.path, f.counted, f.counted)),
            );
        }
        // Replacing bytes can change the order: sort the replaced names first.
        let mut files: Vec<(Vec<u8>, u64)> = counted(image, analysis)
            .map(|f| {
                (
                    String::from_utf8_lossy(f.path).into_owned().into_bytes(),
                    f.counted,
                )
            })
            .collect();
        files.sort();
        PathTree::of_files(n, files.iter().map(|(p, c)| (p.as_slice(), *c, *c)))
    }

    /// The tree of these files, in path order: `(path, size, what it adds to its directories)`.
    fn of_files<'p>(count: usize, files: impl Iterator<Item = (&'p [u8], u64, u64)>) -> PathTree {
        let mut file_nodes = Vec::with_capacity(count);
        let mut dirs: Vec<Node> = Vec::new();
        // Paths come sorted, so the directories of one path are a run: a stack of the open ones
        // (indexes into `dirs`), each closed when a path outside it comes.
        let mut open: Vec<usize> = Vec::new();
        for (path, size, counted) in files {
            while open
                .last()
                .is_some_and(|&d| !is_below(dirs[d].path(), path))
            {
                open.pop();
            }
            let buf: Arc<[u8]> = Arc::from(path);
            for dir in parents(path)
                .take_while(|d| d.len() <= TREE_DIRECTORY_BYTES)
                .take(TREE_DEPTH)
                .skip(open.len())
            {
                open.push(dirs.len());
                dirs.push(Node {
                    buf: Arc::clone(&buf),
                    len: dir.len(),
                    size: 0,
                    files: 0,
                    dir: true,
                });
            }
            for &d in &open {
                dirs[d].size = dirs[d].size.saturating_add(counted);
                dirs[d].files += 1;
            }
            file_nodes.push(Node {
                len: buf.len(),
                buf,
                size,
                files: 1,
                dir: false,
            });
        }
        // The files are in path order; the directories, in the order of their first file, almost
        // are (`/a.b/` sorts before `/a/`): a stable sort takes such runs in linear time, and a
        // merge does the rest.
        dirs.sort_by(|a, b| a.path().cmp(b.path()));
        let mut nodes = merge_sorted(dirs, file_nodes);
        // A hostile report can name a path both as a file and as a directory.
        nodes.dedup_by(|a, b| a.path() == b.path());
        PathTree {
            nodes,
            complete_to: None,
        }
    }

    /// The part of a tree a saved report kept, for an image of `final_files` files (complete to
    /// its `directory_depth`, at most [`SAVED_DEPTH`]). When the
    /// report lists every file (an image of at most [`SAVED_FILES`] files, no hard link among
    /// them), that is the whole tree: its directories are summed from the files, and a path the
    /// report does not name was not there.
    pub(crate) fn from_saved(saved: &SavedPaths, final_files: u64) -> PathTree {
        let valid = |p: &&PathSize| p.path.starts_with('/') && p.path != "/";
        if u64::try_from(saved.largest_files.len()).is_ok_and(|n| n == final_files) {
            let mut files: Vec<&PathSize> = saved.largest_files.iter().filter(valid).collect();
            files.sort_by(|a, b| a.path.cmp(&b.path));
            files.dedup_by(|a, b| a.path == b.path);
            return PathTree::of_files(
                files.len(),
                files
                    .into_iter()
                    .map(|f| (f.path.as_bytes(), f.size, f.size)),
            );
        }
        let node = |p: &PathSize, dir: bool| Node::new(p.path.as_bytes(), p.size, p.files, dir);
        let mut nodes: Vec<Node> = saved
            .directories
            .iter()
            .filter(valid)
            .map(|p| node(p, true))
            .chain(
                saved
                    .largest_files
                    .iter()
                    .filter(valid)
                    .map(|p| node(p, false)),
            )
            .collect();
        nodes.sort_by(|a, b| a.path().cmp(b.path()));
        nodes.dedup_by(|a, b| a.path() == b.path());
        PathTree {
            nodes,
            // No report of sizegate's is deeper; a hostile one claiming four billion levels
            // would have every lookup walk every level of a path.
            complete_to: Some(saved.directory_depth.min(SAVED_DEPTH)),
        }
    }

    /// The node at `path`.
    pub(crate) fn get(&self, path: &[u8]) -> Option<&Node> {
        self.nodes
            .binary_search_by(|n| n.path().cmp(path))
            .ok()
            .map(|i| &self.nodes[i])
    }

    /// What the tree knows of `path` (a directory when `dir`).
    #[cfg(test)]
    pub(crate) fn lookup(&self, path: &[u8], dir: bool) -> Known {
        match self.get(path) {
            Some(node) => Known::Size(node.size),
            None => self.lookup_missing(path, dir),
        }
    }

    /// What the tree knows of a `path` that is not one of its nodes: absent, or unknown (a diff
    /// walking both trees knows which paths those are, and spares the search).
    pub(crate) fn lookup_missing(&self, path: &[u8], dir: bool) -> Known {
        let Some(complete_to) = self.complete_to else {
            return Known::Absent;
        };
        // A directory the tree is complete at, missing, holds nothing: neither does anything
        // below it. The deepest such directory of the path says it all, as a kept directory's
        // parents are kept too (the n-th of `parents` is n levels deep): one lookup per path.
        let own = dir.then_some(path);
        let deepest = parents(path)
            .chain(own)
            .take(usize::try_from(complete_to).unwrap_or(usize::MAX))
            .last();
        match deepest {
            Some(d) if self.get(d).is_none() => Known::Absent,
            _ => Known::Unknown,
        }
    }
}

impl SavedPaths {
    /// The directories to the deepest level (at most [`SAVED_DEPTH`]) whose count fits
    /// [`SAVED_DIRECTORIES`], and the [`SAVED_FILES`] largest files.
    pub(crate) fn of(image: &Image, analysis: &Analysis) -> SavedPaths {
        let mut per_depth = [0usize; SAVED_DEPTH as usize + 1];
        let mut dirs: Vec<Node> = Vec::new();
        let mut files: Vec<Counted<'_>> = Vec::new();
        let mut open: Vec<Node> = Vec::new();
        for file in counted(image, analysis) {
            while open.last().is_some_and(|d| !is_below(d.path(), file.path)) {
                dirs.extend(open.pop());
            }
            for dir in parents(file.path)
                .take(SAVED_DEPTH as usize)
                .skip(open.len())
            {
                per_depth[depth(dir) as usize] += 1;
                open.push(Node::new(dir, 0, 0, true));
            }
            for dir in &mut open {
                dir.size = dir.size.saturating_add(file.counted);
                dir.files += 1;
            }
            // A file once, at the name its bytes are counted at.
            if file.counted == file.size {
                files.push(file);
            }
        }
        dirs.extend(open);
        let mut total = 0;
        let directory_depth = (1..=SAVED_DEPTH)
            .take_while(|d| {
                total += per_depth[*d as usize];
                total <= SAVED_DIRECTORIES
            })
            .last()
            .unwrap_or(0);
        let mut directories: Vec<PathSize> = dirs
            .into_iter()
            .filter(|d| depth(d.path()) <= directory_depth)
            .map(|d| PathSize {
                path: String::from_utf8_lossy(d.path()).into_owned(),
                size: d.size,
                files: d.files,
            })
            .collect();
        directories.sort_by(|a, b| a.path.cmp(&b.path));
        let by_size =
            |a: &Counted<'_>, b: &Counted<'_>| b.size.cmp(&a.size).then(a.path.cmp(b.path));
        if files.len() > SAVED_FILES {
            files.select_nth_unstable_by(SAVED_FILES, by_size);
            files.truncate(SAVED_FILES);
        }
        files.sort_unstable_by(by_size);
        SavedPaths {
            directory_depth,
            directories,
            largest_files: files
                .into_iter()
                .map(|f| PathSize {
                    path: String::from_utf8_lossy(f.path).into_owned(),
                    size: f.size,
                    files: 1,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::analysis::tests::{entry, image, TestEntry};

    fn sample() -> Image {
        image(vec![
            vec![
                entry('f', "/usr/bin/big", 100, None),
                entry('h', "/usr/bin/big-alias", 0, Some("/usr/bin/big")),
                entry('f', "/usr/lib/a/b/deep", 10, None),
                entry('f', "/usr.txt", 3, None),
                entry('f', "/etc/conf", 50, None),
            ],
            vec![entry('f', "/etc/conf", 5, None)],
        ])
    }

    fn rows(nodes: &[Node]) -> Vec<(String, u64, u64, bool)> {
        nodes
            .iter()
            .map(|n| {
                let path = String::from_utf8_lossy(n.path()).into_owned();
                (path, n.size, n.files, n.dir)
            })
            .collect()
    }

    #[test]
    fn the_tree_has_every_directory_with_its_distinct_bytes_and_every_file() {
        let img = sample();
        let tree = PathTree::of(&img, &analyze(&img));
        let s = |p: &str, size, files, dir| (p.to_string(), size, files, dir);
        assert_eq!(
            rows(&tree.nodes),
            vec![
                s("/etc", 5, 1, true),
                s("/etc/conf", 5, 1, false),
                s("/usr", 110, 3, true),
                s("/usr.txt", 3, 1, false),
                s("/usr/bin", 100, 2, true),
                s("/usr/bin/big", 100, 1, false),
                // A second name of a file adds no byte.
                s("/usr/bin/big-alias", 0, 1, false),
                s("/usr/lib", 10, 1, true),
                s("/usr/lib/a", 10, 1, true),
                s("/usr/lib/a/b", 10, 1, true),
                s("/usr/lib/a/b/deep", 10, 1, false),
            ]
        );
        assert_eq!(tree.lookup(b"/opt", true), Known::Absent);
        assert_eq!(tree.lookup(b"/usr/bin", true), Known::Size(100));
    }

    #[test]
    fn names_that_are_not_utf8_are_named_as_a_report_names_them() {
        let img = image(vec![vec![
            entry('f', "/opt/b", 1, None),
            TestEntry::raw(b"/opt/caf\xe9.txt", 300),
        ]]);
        let tree = PathTree::of(&img, &analyze(&img));
        let names: Vec<String> = rows(&tree.nodes).into_iter().map(|r| r.0).collect();
        assert_eq!(names, ["/opt", "/opt/b", "/opt/caf\u{fffd}.txt"]);
    }

    #[test]
    fn a_saved_report_keeps_three_levels_and_the_largest_files_and_knows_what_it_does_not() {
        let img = sample();
        let saved = SavedPaths::of(&img, &analyze(&img));
        assert_eq!(saved.directory_depth, 3);
        let dirs: Vec<&str> = saved.directories.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(dirs, ["/etc", "/usr", "/usr/bin", "/usr/lib", "/usr/lib/a"]);
        let files: Vec<(&str, u64)> = saved
            .largest_files
            .iter()
            .map(|f| (f.path.as_str(), f.size))
            .collect();
        assert_eq!(
            files,
            [
                ("/usr/bin/big", 100),
                ("/usr/lib/a/b/deep", 10),
                ("/etc/conf", 5),
                ("/usr.txt", 3)
            ]
        );
        // Four of the five files are listed (the hard link is not): not the whole tree.
        let tree = PathTree::from_saved(&saved, 5);
        assert_eq!(tree.lookup(b"/usr/lib/a", true), Known::Size(10));
        assert_eq!(tree.lookup(b"/usr/lib/a/b", true), Known::Unknown);
        assert_eq!(tree.lookup(b"/usr/lib/a/b/deep", false), Known::Size(10));
        assert_eq!(tree.lookup(b"/usr/lib/a/b/small", false), Known::Unknown);
        assert_eq!(tree.lookup(b"/usr/share", true), Known::Absent);
        assert_eq!(tree.lookup(b"/opt/x/y/z/file", false), Known::Absent);
        assert_eq!(tree.lookup(b"/usr/lib/other.so", false), Known::Unknown);
    }

    #[test]
    fn a_report_that_lists_every_file_is_the_whole_tree() {
        let img = image(vec![vec![
            entry('f', "/usr/lib/a/b/deep", 10, None),
            entry('f', "/usr/lib/x", 5, None),
            entry('f', "/etc/conf", 50, None),
        ]]);
        let analysis = analyze(&img);
        let saved = SavedPaths::of(&img, &analysis);
        let tree = PathTree::from_saved(&saved, analysis.final_files());
        assert_eq!(tree.complete_to, None);
        assert_eq!(tree.nodes, PathTree::of(&img, &analysis).nodes);
        assert_eq!(tree.lookup(b"/usr/lib/a/b", true), Known::Size(10));
        assert_eq!(tree.lookup(b"/usr/lib/y", false), Known::Absent);
        assert_eq!(tree.lookup(b"/usr/lib/a/b/c", true), Known::Absent);
    }

    #[test]
    fn a_tree_has_no_directory_deeper_or_longer_than_its_bounds() {
        let deep = format!("/x{}/f", "/a".repeat(TREE_DEPTH + 10));
        let long = format!("/y/{}/z/f", "b".repeat(TREE_DIRECTORY_BYTES));
        let img = image(vec![vec![
            entry('f', &deep, 3, None),
            entry('f', &long, 4, None),
        ]]);
        let tree = PathTree::of(&img, &analyze(&img));
        let dirs: Vec<&Node> = tree.nodes.iter().filter(|n| n.dir).collect();
        assert_eq!(dirs.len(), TREE_DEPTH + 1);
        assert!(dirs.iter().all(|d| depth(d.path()) as usize <= TREE_DEPTH));
        assert_eq!(tree.lookup(b"/y", true), Known::Size(4));
        assert_eq!(tree.lookup(long.as_bytes(), false), Known::Size(4));
        assert_eq!(tree.lookup(deep.as_bytes(), false), Known::Size(3));
        assert_eq!(tree.get(b"/x").map(|n| n.size), Some(3));
    }

    #[test]
    fn a_report_is_complete_to_no_more_than_the_depth_sizegate_saves() {
        let saved = SavedPaths {
            directory_depth: u32::MAX,
            ..SavedPaths::default()
        };
        assert_eq!(
            PathTree::from_saved(&saved, 1).complete_to,
            Some(SAVED_DEPTH)
        );
    }

    #[test]
    fn too_many_directories_lower_the_saved_depth() {
        let files: Vec<String> = (0..SAVED_DIRECTORIES)
            .map(|i| format!("/top/d{i}/f"))
            .collect();
        let img = image(vec![files.iter().map(|p| entry('f', p, 1, None)).collect()]);
        let saved = SavedPaths::of(&img, &analyze(&img));
        assert_eq!(saved.directory_depth, 1);
        assert_eq!(saved.directories.len(), 1);
        assert_eq!(saved.largest_files.len(), SAVED_FILES);
    }

    #[test]
    fn depth_counts_levels_below_the_root() {
        assert_eq!(depth(b"/"), 0);
        assert_eq!(depth(b"/usr"), 1);
        assert_eq!(depth(b"/usr/lib/x"), 3);
    }
}
