//! The largest files, or directories, of the final filesystem.

use std::collections::HashMap;

use super::Analysis;
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

/// The `n` largest visible files, largest first (ties by path).
pub fn top_files(image: &Image, analysis: &Analysis, n: usize) -> Vec<TopItem> {
    let mut items: Vec<TopItem> = analysis
        .visible_files
        .iter()
        .map(|f| TopItem {
            path: image.layers[f.layer].contents.entries[f.entry]
                .path
                .to_vec(),
            size: f.size,
            files: 1,
            layer: Some(f.data_layer),
        })
        .collect();
    sort_and_cut(&mut items, n);
    items
}

/// The `n` largest directories of the final filesystem, each with the bytes of every distinct file
/// below it, at any depth. The root is left out: it is the final size.
pub fn top_dirs(image: &Image, analysis: &Analysis, n: usize) -> Vec<TopItem> {
    let mut dirs: HashMap<&[u8], (u64, u64)> = HashMap::new();
    for f in &analysis.visible_files {
        let mut path: &[u8] = &image.layers[f.layer].contents.entries[f.entry].path;
        loop {
            let (parent, _) = split_parent(path);
            if parent == b"/" {
                break;
            }
            let total = dirs.entry(parent).or_default();
            total.0 += f.size;
            total.1 += 1;
            path = parent;
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
}
