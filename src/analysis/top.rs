//! The largest files, or directories, of the final filesystem.

use rustc_hash::FxHashMap as HashMap;

use super::{Analysis, VisibleFile};
use crate::image::{split_parent, Image};

/// One row of `sizegate top`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopItem {
    /// Absolute path, raw bytes.
    pub path: Vec<u8>,
    /// Bytes (for a directory: of the distinct files below it).
    pub size: u64,
    /// Files counted (1 for a file).
    pub files: u64,
    /// The layer holding the file's bytes; `None` for directories.
    pub layer: Option<usize>,
}

/// The visible paths grouped by the file they name: hard links to one file form one group.
fn by_inode(analysis: &Analysis) -> HashMap<(u32, u32), Vec<&VisibleFile>> {
    let mut groups: HashMap<(u32, u32), Vec<&VisibleFile>> = HashMap::default();
    for f in &analysis.visible_files {
        groups.entry(f.inode).or_default().push(f);
    }
    groups
}

/// The `n` largest visible files, largest first (ties by path). A file with hard links is listed
/// once, under its original name when that is still visible.
pub fn top_files(image: &Image, analysis: &Analysis, n: usize) -> Vec<TopItem> {
    let mut items: Vec<TopItem> = by_inode(analysis)
        .into_values()
        .filter_map(|paths| {
            let original = paths
                .iter()
                .find(|f| (f.layer, f.entry) == f.inode)
                .or(paths.first())?;
            Some(TopItem {
                path: original.path(image).to_vec(),
                size: original.size,
                files: 1,
                layer: Some(original.inode.0 as usize),
            })
        })
        .collect();
    sort_and_cut(&mut items, n);
    items
}

/// The `n` largest directories of the final filesystem, each with the bytes of every distinct file
/// below it, at any depth (a file hard-linked into two directories counts in both, once each).
/// The root is left out: it is the final size.
pub fn top_dirs(image: &Image, analysis: &Analysis, n: usize) -> Vec<TopItem> {
    let mut dirs: HashMap<&[u8], (u64, u64)> = HashMap::default();
    let mut ancestors: Vec<&[u8]> = Vec::new();
    for paths in by_inode(analysis).into_values() {
        ancestors.clear();
        for f in &paths {
            let mut path = f.path(image);
            loop {
                let (parent, _) = split_parent(path);
                if parent == b"/" {
                    break;
                }
                ancestors.push(parent);
                path = parent;
            }
        }
        ancestors.sort_unstable();
        ancestors.dedup();
        let size = paths.first().map_or(0, |f| f.size);
        for dir in &ancestors {
            let total = dirs.entry(dir).or_default();
            total.0 = total.0.saturating_add(size);
            total.1 += 1;
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
    sort_and_cut(&mut items, n);
    items
}

fn sort_and_cut(items: &mut Vec<TopItem>, n: usize) {
    items.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    items.truncate(n);
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
