//! The treemap as inline SVG: one `<rect>` per tile of [`Treemap`], laid out by [`squarify`]
//! inside its directory, filled with the colour of the layer holding most of its bytes, with a
//! `<title>` (the browser's tooltip: path, size, files, layer) and a label where it fits.
//!
//! A directory with tiles inside it is a frame: its children fill all of it, so that every area of
//! the map, at any depth, is proportional to its bytes; its name is a dark band drawn over the
//! top of them (clicks pass through it), and the labels of the tiles under the band start below
//! it. A
//! directory whose only tile is one directory is drawn as that one (`usr/lib/x86_64-linux-gnu`),
//! which spares a header per level. Every rect carries `data-id`, `data-parent`, `data-bytes`,
//! `data-files`, `data-layer` and `data-path`, for the zoom script and for tests.

use std::fmt::Write as _;

use super::escape::{escape, escape_bytes};
use super::page::{colour, px, NEUTRAL};
use super::squarify::{squarify, Rect};
use crate::analysis::summary::LayerSummary;
use crate::analysis::treemap::{Tile, TileKind, Treemap};
use crate::image::split_parent;
use crate::report::ellipsize;
use crate::units::human_size;

/// The picture's size in SVG units: 1:1 on a laptop screen, scaled to the page's width elsewhere.
pub(crate) const WIDTH: f64 = 1200.0;
/// See [`WIDTH`].
pub(crate) const HEIGHT: f64 = 600.0;
/// The band with a directory's name, drawn over the top of its frame.
const HEADER: f64 = 16.0;
/// Average advance of a character of the 11-unit label font (DejaVu Sans is among the widest).
const CHAR: f64 = 6.6;
/// Longest instruction quoted in a tooltip.
const TOOLTIP_INSTRUCTION: usize = 80;

/// Writes the treemap of one image.
pub(crate) fn write(out: &mut String, map: &Treemap, layers: &[LayerSummary], label: &str) {
    let _ = writeln!(
        out,
        "<svg class=\"treemap\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"{label}\" font-family=\"system-ui, 'DejaVu Sans', sans-serif\">",
        label = escape(label),
    );
    let mut svg = Svg {
        out,
        layers,
        next_id: 1,
    };
    let frame = Rect {
        x: 0.0,
        y: 0.0,
        w: WIDTH,
        h: HEIGHT,
    };
    svg.rect(&map.root, "tile root", frame, 0, None, NEUTRAL.0);
    if map.root.bytes == 0 {
        let _ = writeln!(
            svg.out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">The final filesystem holds no bytes.</text>",
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
    }
    svg.children(&map.root, frame, 0, 0.0);
    svg.out.push_str("</svg>\n");
}

/// The SVG being written.
struct Svg<'a> {
    out: &'a mut String,
    layers: &'a [LayerSummary],
    next_id: usize,
}

impl Svg<'_> {
    /// Lays out the children of `dir` (drawn with id `id`) in `rect`, and draws them; labels
    /// start at `clear` or below (under the bands of the directories above).
    fn children(&mut self, dir: &Tile, rect: Rect, id: usize, clear: f64) {
        let weights: Vec<f64> = dir.children.iter().map(|c| c.bytes as f64).collect();
        for (child, r) in dir.children.iter().zip(squarify(&weights, rect)) {
            if r.w > 0.0 && r.h > 0.0 {
                self.tile(child, r, id, &dir.path, clear);
            }
        }
    }

    /// Draws one tile (and what is inside it) in `r`; `parent` is the drawn directory's id and
    /// `parent_path` its path; its label starts at `clear` or below.
    fn tile(&mut self, tile: &Tile, r: Rect, parent: usize, parent_path: &[u8], clear: f64) {
        // A directory holding one directory and nothing else is drawn as that one.
        let mut tile = tile;
        while tile.kind == TileKind::Dir
            && tile.children.len() == 1
            && tile.children[0].kind == TileKind::Dir
        {
            tile = &tile.children[0];
        }
        let id = self.next_id;
        self.next_id += 1;
        let framed = tile.kind == TileKind::Dir && !tile.children.is_empty();
        // Where this tile's text may start: below the bands of the directories above.
        let top = r.y.max(clear);
        let header = framed && r.w >= 40.0 && top + HEADER + 12.0 <= r.y + r.h;
        let (fill, ink) = colour(tile.layer);
        let name = name(tile, parent_path);
        if framed {
            self.rect(tile, "tile dir frame", r, parent, Some(id), NEUTRAL.0);
            let below = if header { top + HEADER } else { clear };
            self.children(tile, r, id, below);
            if header {
                // Over the children, drawn last; clicks go through it to the tile below.
                let _ = writeln!(
                    self.out,
                    "<rect class=\"dir-band\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{HEADER}\" \
                     fill=\"#4a4d52\" fill-opacity=\"0.92\" pointer-events=\"none\"/>",
                    px(r.x),
                    px(top),
                    px(r.w),
                );
                self.label(
                    &name,
                    r.x + 4.0,
                    top + 12.0,
                    r.w - 6.0,
                    "dir-label",
                    "#ffffff",
                );
            }
            return;
        }
        let class = match tile.kind {
            TileKind::Dir => "tile dir",
            TileKind::File => "tile file",
            TileKind::Rest => "tile rest",
        };
        self.rect(tile, class, r, parent, Some(id), fill);
        // The room under the bands above, for the name and the size.
        let room = r.y + r.h - top;
        if room >= 14.0 {
            let y = if room >= 30.0 {
                top + 14.0
            } else {
                top + room / 2.0 + 4.0
            };
            if self.label(&name, r.x + 3.0, y, r.w - 5.0, "label", ink) && room >= 30.0 {
                let size = human_size(tile.bytes);
                self.label(&size, r.x + 3.0, y + 13.0, r.w - 5.0, "label size", ink);
            }
        }
    }

    /// A `<rect>` with its data and its tooltip; `id` is `None` for the root, whose id is 0.
    fn rect(
        &mut self,
        tile: &Tile,
        class: &str,
        r: Rect,
        parent: usize,
        id: Option<usize>,
        fill: &str,
    ) {
        let layer = tile.layer.map(|l| l.to_string()).unwrap_or_default();
        let opacity = if tile.kind == TileKind::Rest {
            " fill-opacity=\"0.6\""
        } else {
            ""
        };
        let _ = writeln!(
            self.out,
            "<rect class=\"{class}\" data-id=\"{id}\" data-parent=\"{parent}\" data-bytes=\"{bytes}\" \
             data-files=\"{files}\" data-layer=\"{layer}\" data-path=\"{path}\" x=\"{x}\" y=\"{y}\" \
             width=\"{w}\" height=\"{h}\" fill=\"{fill}\"{opacity} stroke=\"#ffffff\" \
             stroke-width=\"0.6\"><title>{title}</title></rect>",
            id = id.unwrap_or(0),
            bytes = tile.bytes,
            files = tile.files,
            path = escape_bytes(&tile.path),
            x = px(r.x),
            y = px(r.y),
            w = px(r.w),
            h = px(r.h),
            title = self.tooltip(tile),
        );
    }

    /// `/usr/lib/libLLVM.so.1` / `84.2 MB · 1 file` / `layer 3: RUN apt-get install …`, escaped.
    fn tooltip(&self, tile: &Tile) -> String {
        let path = escape_bytes(&tile.path);
        let what = match tile.kind {
            TileKind::Rest => format!("{} small files in {path}", tile.files),
            TileKind::Dir => format!("{path}/ ({} files)", tile.files),
            TileKind::File => path,
        };
        let layer = match tile.layer {
            Some(l) => {
                let made_by = self
                    .layers
                    .get(l as usize)
                    .and_then(|s| s.created_by.as_deref())
                    .map(|c| format!(": {}", escape(&ellipsize(c, TOOLTIP_INSTRUCTION))))
                    .unwrap_or_default();
                let most = if tile.kind == TileKind::File {
                    ""
                } else {
                    " (most of it)"
                };
                format!("\nlayer {l}{most}{made_by}")
            }
            None => String::new(),
        };
        format!("{what}\n{}{layer}", human_size(tile.bytes))
    }

    /// A label cut to `width` (with `…`), if at least three characters of it fit; says whether
    /// one was written.
    fn label(&mut self, text: &str, x: f64, y: f64, width: f64, class: &str, ink: &str) -> bool {
        let fits = (width / CHAR).floor().max(0.0) as usize;
        if fits < 3 {
            return false;
        }
        let shown = if text.chars().count() > fits {
            let mut cut: String = text.chars().take(fits - 1).collect();
            cut.push('…');
            cut
        } else {
            text.to_string()
        };
        let _ = writeln!(
            self.out,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" fill=\"{ink}\">{}</text>",
            px(x),
            px(y),
            escape(&shown)
        );
        true
    }
}

/// What a tile is called on the map: a file's name, a directory's path below the directory it is
/// drawn in (`lib/x86_64-linux-gnu`), or `(N small files)`. Not yet escaped.
fn name(tile: &Tile, parent_path: &[u8]) -> String {
    match tile.kind {
        TileKind::Rest => format!("({} small files)", tile.files),
        TileKind::File => String::from_utf8_lossy(split_parent(&tile.path).1).into_owned(),
        TileKind::Dir => {
            let below = tile
                .path
                .strip_prefix(parent_path)
                .map(|p| p.strip_prefix(b"/").unwrap_or(p))
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| split_parent(&tile.path).1);
            format!("{}/", String::from_utf8_lossy(below))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::analysis::tests::{entry, image};

    fn tile(kind: TileKind, path: &str, files: u64) -> Tile {
        Tile {
            kind,
            path: path.as_bytes().to_vec(),
            bytes: 1,
            files,
            layer: None,
            children: Vec::new(),
        }
    }

    #[test]
    fn tiles_are_named_below_the_directory_they_are_drawn_in() {
        use TileKind::*;
        assert_eq!(name(&tile(Dir, "/usr", 1), b"/"), "usr/");
        assert_eq!(name(&tile(Dir, "/usr/lib/x86", 1), b"/usr"), "lib/x86/");
        assert_eq!(
            name(&tile(File, "/usr/lib/libc.so", 1), b"/usr/lib"),
            "libc.so"
        );
        assert_eq!(
            name(&tile(Rest, "/usr/lib", 42), b"/usr"),
            "(42 small files)"
        );
    }

    #[test]
    fn names_and_instructions_are_escaped_in_rects_titles_and_labels() {
        let mut img = image(vec![vec![
            entry('f', "/a/<script>x", 600, None),
            entry('f', "/a/\"q'&", 400, None),
        ]]);
        let mut layer = img.layers[0].clone();
        layer.created_by = Some("RUN </title><b>".into());
        img.layers[0] = layer;
        let map = Treemap::of(&img, &analyze(&img));
        let summary = crate::analysis::summary::ImageSummary::of(&img);
        let mut out = String::new();
        write(&mut out, &map, &summary.layers, "map of <x>");
        for raw in ["<script", "<b>", "RUN </title>", "\"q'", "<x>"] {
            assert!(!out.contains(raw), "{raw} written raw");
        }
        assert!(out.contains("data-path=\"/a/&lt;script&gt;x\""));
        assert!(out.contains(">&lt;script&gt;x</text>"), "{out}");
        assert!(out.contains("layer 0 (most of it): RUN &lt;/title&gt;&lt;b&gt;</title>"));
        assert!(out.contains("&quot;q&#39;&amp;"));
    }
}
