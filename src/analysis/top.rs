//! The largest files, or directories, of the final filesystem.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{Analysis, VisibleFile};
use crate::image::{ancestors_or_self, split_parent, Image};

/// One row of `sizegate top`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopItem {
    /// Absolute path, raw bytes.
    pub(crate) path: Vec<u8>,
    /// Bytes (for a directory: of the distinct files below it).
    pub(crate) size: u64,
    /// Files counted (1 for a file).
    pub(crate) files: u64,
    /// The layer holding the file's bytes; `None` for directories.
    pub(crate) layer: Option<usize>,
}

/// The inodes of the final filesystem named by a hard link (a visible path that is not the
/// file's own entry): few in most images, so the common case skips the work links need.
fn linked(analysis: &Analysis) -> HashSet<(u32, u32)> {
    analysis
        .visible_files
        .iter()
        .filter(|f| (f.layer, f.entry) != f.inode)
        .map(|f| f.inode)
        .collect()
}

/// Every file of the final filesystem once, in path order: under its original name when that
/// is still visible, else under its first visible name. Hard links to a listed file are left
/// out.
pub(crate) fn distinct_files(analysis: &Analysis) -> Vec<&VisibleFile> {
    let linked = linked(analysis);
    let originals_visible: HashSet<(u32, u32)> = if linked.is_empty() {
        HashSet::default()
    } else {
        analysis
            .visible_files
            .iter()
            .filter(|f| (f.layer, f.entry) == f.inode && linked.contains(&f.inode))
            .map(|f| f.inode)
            .collect()
    };
    let mut named: HashSet<(u32, u32)> = HashSet::default();
    analysis
        .visible_files
        .iter()
        .filter(|f| {
            (f.layer, f.entry) == f.inode
                || (!originals_visible.contains(&f.inode) && named.insert(f.inode))
        })
        .collect()
}

/// The `n` largest files of the image's final filesystem, or with `dirs` its `n` largest
/// directories (by the bytes of the files below them).
pub fn largest(image: &Image, n: usize, dirs: bool) -> Vec<TopItem> {
    let analysis = super::analyze(image);
    if dirs {
        top_dirs(image, &analysis, n)
    } else {
        top_files(image, &analysis, n)
    }
}

/// The `n` largest visible files, largest first (ties by path). A file with hard links is listed
/// once, under its original name when that is still visible.
pub(crate) fn top_files(image: &Image, analysis: &Analysis, n: usize) -> Vec<TopItem> {
    largest_of(image, distinct_files(analysis), n)
}

/// The `n` largest of `files`, largest first (ties by path), as rows.
pub(crate) fn largest_of(image: &Image, mut files: Vec<&VisibleFile>, n: usize) -> Vec<TopItem> {
    let order = |a: &&VisibleFile, b: &&VisibleFile| {
        b.size
            .cmp(&a.size)
            .then_with(|| a.path(image).cmp(b.path(image)))
    };
    if n == 0 {
        return Vec::new();
    }
    if files.len() > n {
        files.select_nth_unstable_by(n - 1, order);
        files.truncate(n);
    }
    files.sort_unstable_by(order);
    files
        .into_iter()
        .map(|f| TopItem {
            path: f.path(image).to_vec(),
            size: f.size,
            files: 1,
            layer: Some(f.inode.0 as usize),
        })
        .collect()
}

/// The `n` largest directories of the final filesystem, each with the bytes of every distinct
/// file below it, at any depth (a file hard-linked into two directories counts in both, once
/// each). The root is left out: it is the final size.
pub(crate) fn top_dirs(image: &Image, analysis: &Analysis, n: usize) -> Vec<TopItem> {
    let linked = linked(analysis);
    // The files directly in each directory first: files are in path order, so one directory's
    // files mostly come one after the other and cost one lookup.
    let mut direct: HashMap<&[u8], (u64, u64)> = HashMap::default();
    let mut run: Option<(&[u8], u64, u64)> = None;
    let mut with_links: HashMap<(u32, u32), Vec<&[u8]>> = HashMap::default();
    for f in &analysis.visible_files {
        let path = f.path(image);
        if linked.contains(&f.inode) {
            with_links.entry(f.inode).or_default().push(path);
            continue;
        }
        let (dir, _) = split_parent(path);
        match &mut run {
            Some((d, size, files)) if *d == dir => {
                *size = size.saturating_add(f.size);
                *files += 1;
            }
            _ => {
                if let Some((d, size, files)) = run.replace((dir, f.size, 1)) {
                    add(&mut direct, d, size, files);
                }
            }
        }
    }
    if let Some((d, size, files)) = run {
        add(&mut direct, d, size, files);
    }
    // Then up the tree, once per directory.
    let mut dirs: HashMap<&[u8], (u64, u64)> = HashMap::default();
    for (dir, (size, files)) in direct {
        for ancestor in ancestors(dir) {
            add(&mut dirs, ancestor, size, files);
        }
    }
    // A file with hard links counts once in each directory that holds any of its names.
    let mut seen: Vec<&[u8]> = Vec::new();
    for (inode, paths) in with_links {
        let size = image
            .layers
            .get(inode.0 as usize)
            .and_then(|l| l.contents.entries.get(inode.1 as usize))
            .map_or(0, |e| e.size);
        seen.clear();
        seen.extend(paths.iter().flat_map(|p| ancestors(split_parent(p).0)));
        seen.sort_unstable();
        seen.dedup();
        for dir in &seen {
            add(&mut dirs, dir, size, 1);
        }
    }
    let mut items: Vec<TopItem> = dirs
        .into_iter()
        .map(|(path, (size, files))| TopItem {
            path: path.to_vec(),
            size,
            files,
            layer: None,
        })
        .collect();
    items.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    items.truncate(n);
    items
}

/// Adds bytes and files to a directory's total.
fn add<'p>(totals: &mut HashMap<&'p [u8], (u64, u64)>, dir: &'p [u8], size: u64, files: u64) {
    let total = totals.entry(dir).or_default();
    total.0 = total.0.saturating_add(size);
    total.1 += files;
}

/// `dir` and every directory above it, the root left out.
fn ancestors(dir: &[u8]) -> impl Iterator<Item = &[u8]> {
    ancestors_or_self(dir).take_while(|d| *d != b"/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::analysis::tests::{entry, image};

    #[test]
    fn top_lists_each_inode_once_and_sums_directories() {
        let img = image(vec![
            vec![
                entry('f', "/usr/bin/big", 100, None),
                entry('h', "/usr/bin/big-alias", 0, Some("/usr/bin/big")),
                entry('f', "/usr/lib/small", 10, None),
                entry('f', "/etc/conf", 50, None),
            ],
            vec![entry('f', "/etc/conf", 5, None)],
        ]);
        let a = analyze(&img);
        let files = top_files(&img, &a, 2);
        assert_eq!(files[0].path, b"/usr/bin/big");
        assert_eq!((files[0].size, files[0].layer), (100, Some(0)));
        assert_eq!(files[1].path, b"/usr/lib/small");
        let dirs = top_dirs(&img, &a, 10);
        let summary: Vec<(&[u8], u64, u64)> = dirs
            .iter()
            .map(|d| (&d.path[..], d.size, d.files))
            .collect();
        assert_eq!(
            summary,
            vec![
                (&b"/usr"[..], 110, 2),
                (&b"/usr/bin"[..], 100, 1),
                (&b"/usr/lib"[..], 10, 1),
                (&b"/etc"[..], 5, 1)
            ]
        );
    }

    #[test]
    fn hard_link_in_another_directory_counts_in_both_and_the_original_name_is_shown() {
        let img = image(vec![vec![
            entry('f', "/usr/bin/a", 1000, None),
            entry('h', "/opt/app/b", 0, Some("/usr/bin/a")),
        ]]);
        let a = analyze(&img);
        assert_eq!(top_files(&img, &a, 5)[0].path, b"/usr/bin/a");
        let dirs: Vec<Vec<u8>> = top_dirs(&img, &a, 10).into_iter().map(|d| d.path).collect();
        assert_eq!(
            dirs,
            vec![
                b"/opt".to_vec(),
                b"/opt/app".to_vec(),
                b"/usr".to_vec(),
                b"/usr/bin".to_vec()
            ]
        );
    }
}
