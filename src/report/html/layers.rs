//! The layers of an image as a bar (width = bytes, bottom layer on the left) and as a table. Each
//! layer's part of the bar is split in two: the bytes still in the final filesystem, in the
//! layer's colour, and the bytes a later layer hid (deleted, overwritten), hatched red: the waste,
//! where it was added.

use std::fmt::Write as _;

use super::escape::escape;
use super::page::{colour, px, NEUTRAL};
use super::treemap::WIDTH;
use crate::analysis::summary::ImageSummary;
use crate::check::LayerOrigin;
use crate::report::ellipsize;
use crate::units::human_size;

/// Height of the bar in SVG units.
const BAR: f64 = 34.0;
/// Narrowest layer drawn on its own: narrower neighbours are drawn together, so that an image of
/// a thousand tiny layers is still a bar of at most a few hundred rectangles.
const NARROWEST: f64 = 3.0;
/// Layers listed in the table; the rest are counted.
pub(crate) const LAYER_ROWS: usize = 500;
/// Longest instruction shown in a cell (the whole one is in its tooltip, up to [`TOOLTIP`]).
const CELL: usize = 160;
/// Longest instruction in a tooltip.
const TOOLTIP: usize = 2000;

/// The layers' numbers: the summary's, with the bytes of each still in the final filesystem when
/// known (`kept`), and their Dockerfile lines (`origins`, possibly empty).
pub(crate) struct Layers<'a> {
    /// The image.
    pub summary: &'a ImageSummary,
    /// Per layer, its bytes visible at the end; `None` when the report was made without the image.
    pub kept: Option<&'a [u64]>,
    /// With `--dockerfile`: where each layer came from.
    pub origins: &'a [LayerOrigin],
}

impl Layers<'_> {
    /// The bytes of layer `i` hidden by later layers, when known.
    fn hidden(&self, i: usize) -> Option<u64> {
        let size = self.summary.layers.get(i)?.size;
        Some(size.saturating_sub(*self.kept?.get(i)?))
    }

    /// The Dockerfile line of layer `i`, `Dockerfile:7`, when known.
    fn origin(&self, i: usize) -> Option<String> {
        self.origins.get(i).map(LayerOrigin::label)
    }

    /// Writes the bar.
    pub(crate) fn write_bar(&self, out: &mut String) {
        let total = self.summary.image_size;
        let _ = writeln!(
            out,
            "<svg class=\"layerbar\" viewBox=\"0 0 {WIDTH} {BAR}\" role=\"img\" \
             aria-label=\"layers by size\" font-family=\"system-ui, 'DejaVu Sans', sans-serif\">"
        );
        if total == 0 {
            out.push_str("<text x=\"4\" y=\"21\">No layer holds any byte.</text>\n</svg>\n");
            return;
        }
        let scale = WIDTH / total as f64;
        let mut x = 0.0;
        // Consecutive narrow layers, drawn together: (first, last, bytes).
        let mut narrow: Option<(usize, usize, u64)> = None;
        for (i, layer) in self.summary.layers.iter().enumerate() {
            let w = layer.size as f64 * scale;
            if w <= 0.0 {
                continue;
            }
            if w < NARROWEST {
                let (first, _, bytes) = narrow.unwrap_or((i, i, 0));
                narrow = Some((first, i, bytes.saturating_add(layer.size)));
                continue;
            }
            if let Some(group) = narrow.take() {
                x += narrow_group(out, group, x, scale);
            }
            self.segment(out, i, x, w);
            x += w;
        }
        if let Some(group) = narrow {
            narrow_group(out, group, x, scale);
        }
        out.push_str("</svg>\n");
        if self.kept.is_some() {
            out.push_str(
                "<p class=\"legend\"><span><span class=\"swatch waste\"></span>hidden by a later \
                 layer (deleted or overwritten): shipped, never used</span></p>\n",
            );
        }
    }

    /// One layer's part of the bar, from `x`, `w` wide.
    fn segment(&self, out: &mut String, i: usize, x: f64, w: f64) {
        let Some(layer) = self.summary.layers.get(i) else {
            return;
        };
        let (fill, ink) = colour(u32::try_from(i).ok());
        let hidden = self.hidden(i).unwrap_or(0);
        let kept_w = w * (layer.size.saturating_sub(hidden)) as f64 / layer.size.max(1) as f64;
        let instruction = layer
            .created_by
            .as_deref()
            .unwrap_or("(unknown instruction)");
        let origin = self
            .origin(i)
            .map(|o| format!(" ({})", escape(&o)))
            .unwrap_or_default();
        let title = format!(
            "layer {i}: {} of which {} hidden later{origin}\n{}",
            human_size(layer.size),
            human_size(hidden),
            escape(&ellipsize(instruction, TOOLTIP))
        );
        let _ = writeln!(
            out,
            "<rect class=\"seg kept\" data-layer=\"{i}\" data-bytes=\"{kept}\" x=\"{x}\" y=\"0\" \
             width=\"{w}\" height=\"{BAR}\" fill=\"{fill}\" stroke=\"#ffffff\" \
             stroke-width=\"0.8\"><title>{title}</title></rect>",
            kept = layer.size.saturating_sub(hidden),
            x = px(x),
            w = px(kept_w),
        );
        if hidden > 0 {
            // Hatched, over a band of the layer's colour: the waste, and whose it is.
            let _ = writeln!(
                out,
                "<g class=\"seg waste\" data-layer=\"{i}\" data-bytes=\"{hidden}\"><title>{title}</title>\
                 <rect x=\"{x}\" y=\"0\" width=\"{w}\" height=\"{BAR}\" fill=\"{fill}\" \
                 stroke=\"#ffffff\" stroke-width=\"0.8\"/><rect x=\"{x}\" y=\"0\" width=\"{w}\" \
                 height=\"{hatch}\" fill=\"url(#sg-waste)\"/></g>",
                x = px(x + kept_w),
                w = px(w - kept_w),
                hatch = BAR - 7.0,
            );
        }
        if kept_w >= 8.0 + 7.0 * i.to_string().len() as f64 {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"21\" fill=\"{ink}\">{i}</text>",
                px(x + 4.0)
            );
        }
    }

    /// Writes the table of layers.
    pub(crate) fn write_table(&self, out: &mut String) {
        let known = self.kept.is_some();
        let dockerfile = !self.origins.is_empty();
        out.push_str(
            "<table class=\"layers\">\n<thead><tr><th></th><th class=\"num\">#</th>\
                      <th class=\"num\">size</th>",
        );
        if known {
            out.push_str("<th class=\"num\">in final</th><th class=\"num\">hidden later</th>");
        }
        out.push_str("<th>created by</th>");
        if dockerfile {
            out.push_str("<th>Dockerfile</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, layer) in self.summary.layers.iter().enumerate().take(LAYER_ROWS) {
            let (fill, _) = colour(u32::try_from(i).ok());
            let instruction = layer.created_by.as_deref().unwrap_or("(unknown)");
            let _ = write!(
                out,
                "<tr><td><span class=\"swatch\" style=\"background:{fill}\"></span></td>\
                 <td class=\"num\">{i}</td><td class=\"num\">{}</td>",
                human_size(layer.size)
            );
            if let Some(hidden) = self.hidden(i) {
                let class = if hidden > 0 { "num sev-error" } else { "num" };
                let _ = write!(
                    out,
                    "<td class=\"num\">{}</td><td class=\"{class}\">{}</td>",
                    human_size(layer.size.saturating_sub(hidden)),
                    human_size(hidden)
                );
            } else if known {
                out.push_str("<td></td><td></td>");
            }
            let _ = write!(
                out,
                "<td class=\"cmd\" title=\"{}\">{}</td>",
                escape(&ellipsize(instruction, TOOLTIP)),
                escape(&ellipsize(instruction, CELL))
            );
            if dockerfile {
                let origin = self.origin(i).unwrap_or_default();
                let _ = write!(out, "<td class=\"mono\">{}</td>", escape(&origin));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        let more = self.summary.layers.len().saturating_sub(LAYER_ROWS);
        if more > 0 {
            let _ = writeln!(out, "<p class=\"muted\">… and {more} more layers.</p>");
        }
    }
}

/// Draws consecutive narrow layers as one grey part; returns its width.
fn narrow_group(
    out: &mut String,
    (first, last, bytes): (usize, usize, u64),
    x: f64,
    scale: f64,
) -> f64 {
    let w = bytes as f64 * scale;
    let which = if first == last {
        format!("layer {first}")
    } else {
        format!("layers {first} to {last}")
    };
    let _ = writeln!(
        out,
        "<rect class=\"seg narrow\" data-bytes=\"{bytes}\" x=\"{}\" y=\"0\" width=\"{}\" \
         height=\"{BAR}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.8\"><title>{which}: {} \
         (too narrow to draw apart)</title></rect>",
        px(x),
        px(w),
        NEUTRAL.0,
        human_size(bytes)
    );
    w
}
