//! The HTML reports: `explain --format html` and `check --format html` (or `--output html=PATH`).
//! One self-contained page per run, for a CI artifact that must open offline: the style and the
//! small zoom script are inline, nothing is fetched (its Content-Security-Policy forbids it), and
//! every picture is inline SVG, complete without the script.
//!
//! Each image gets its totals, the bar of its layers (waste apart), the treemap of its final
//! filesystem by directory ([`Treemap`]: area = bytes, colour = the layer holding them), then
//! `explain`'s savings or `check`'s findings, and the table of its layers. Every string that comes
//! from the image or an input file goes through [`escape::escape`].

mod escape;
mod layers;
mod page;
mod squarify;
mod tables;
mod treemap;

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::analysis::summary::ImageSummary;
use crate::analysis::treemap::Treemap;
use crate::check::{CheckReport, LayerOrigin, Verdict};
use crate::explain::Explanation;
use crate::units::human_size;
use escape::escape;
use layers::Layers;

/// Writes the page of `sizegate explain --format html`. An image explained without its treemap
/// (`ExplainOptions::treemap` off) is shown without one.
pub fn write_explain(out: &mut dyn Write, explanation: &Explanation) -> io::Result<()> {
    let mut html = String::new();
    let names: Vec<&str> = explanation
        .images
        .iter()
        .map(|i| i.summary.name.as_str())
        .collect();
    page::start(
        &mut html,
        &format!("sizegate explain: {}", names.join(", ")),
        "Why is it big?",
        "Where the bytes of each image are, which layer put them there, and what could be saved.",
    );
    for img in &explanation.images {
        let picture = Picture {
            summary: &img.summary,
            treemap: img.treemap.as_ref(),
            origins: &img.origins,
        };
        picture.start(&mut html);
        tables::write_savings(&mut html, &img.savings);
        picture.end(&mut html);
    }
    page::end(&mut html);
    out.write_all(html.as_bytes())
}

/// Writes the page of `sizegate check --format html`: the verdict, then for each image its
/// pictures and findings. The treemap and the hidden bytes per layer come from the image the
/// check kept; a report made without it has the layer sizes only.
pub(crate) fn write_check(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    let mut html = String::new();
    let names: Vec<&str> = report
        .images
        .iter()
        .map(|i| i.summary.name.as_str())
        .collect();
    let class = match report.verdict() {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
    };
    page::start(
        &mut html,
        &format!("sizegate check: {}", names.join(", ")),
        "sizegate check",
        &format!("Policy: {}", escape(&report.policy.join(", "))),
    );
    let _ = writeln!(
        html,
        "<p class=\"verdict {class}\">{}</p>",
        escape(&report.verdict_line())
    );
    for check in &report.images {
        let treemap = check
            .inventory
            .as_ref()
            .map(|inv| Treemap::of(inv.image(), inv.analysis()));
        let picture = Picture {
            summary: &check.summary,
            treemap: treemap.as_ref(),
            origins: &check.origins,
        };
        picture.start(&mut html);
        tables::write_findings(&mut html, check);
        picture.end(&mut html);
    }
    page::end(&mut html);
    out.write_all(html.as_bytes())
}

/// What both pages show of one image.
struct Picture<'a> {
    summary: &'a ImageSummary,
    treemap: Option<&'a Treemap>,
    origins: &'a [LayerOrigin],
}

impl Picture<'_> {
    fn layers(&self) -> Layers<'_> {
        Layers {
            summary: self.summary,
            kept: self.treemap.map(|t| t.kept.as_slice()),
            origins: self.origins,
        }
    }

    /// The heading, the totals, the layer bar and the treemap.
    fn start(&self, out: &mut String) {
        let s = self.summary;
        let heading = match &s.platform {
            Some(p) => format!(
                "{} <span class=\"muted\">({})</span>",
                escape(&s.name),
                escape(p)
            ),
            None => escape(&s.name).into_owned(),
        };
        let _ = writeln!(out, "<section class=\"image\">\n<h2>{heading}</h2>");
        let share = if s.image_size > 0 {
            format!(
                " ({:.1} %)",
                s.wasted_bytes as f64 * 100.0 / s.image_size as f64
            )
        } else {
            String::new()
        };
        let compressed = s
            .compressed_size
            .map(|c| format!("<span>compressed <b>{}</b></span>", human_size(c)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<p class=\"totals\"><span>image <b>{}</b></span><span>final filesystem <b>{}</b></span>\
             <span class=\"waste\">hidden by later layers <b>{}</b>{share}</span>\
             <span><b>{}</b> files</span><span><b>{}</b> layers</span>{compressed}</p>",
            human_size(s.image_size),
            human_size(s.final_size),
            human_size(s.wasted_bytes),
            s.final_files,
            s.layer_count,
        );
        out.push_str(
            "<h3>Layers <span class=\"hint\">bottom first, each as wide as its bytes; hover for \
             its instruction</span></h3>\n",
        );
        self.layers().write_bar(out);
        match self.treemap {
            Some(map) => {
                out.push_str(
                    "<h3>Final filesystem <span class=\"hint\">area = bytes, colour = the layer \
                     holding them (most of them, for a directory); files under 0.1 % grouped per \
                     directory; hover for details; a click zooms in, a click inside goes up, \
                     Escape shows it all</span></h3>\n",
                );
                let label = format!("treemap of the final filesystem of {}", s.name);
                treemap::write(out, map, &s.layers, &label);
                write_legend(out, s);
            }
            None => out.push_str(
                "<h3>Final filesystem</h3>\n<p class=\"muted\">No treemap: the report was made \
                 without the image.</p>\n",
            ),
        }
    }

    /// The table of layers, and the end of the section.
    fn end(&self, out: &mut String) {
        out.push_str("<h3>Layer by layer</h3>\n");
        self.layers().write_table(out);
        out.push_str("</section>\n");
    }
}

/// The colours of the layers that hold bytes, for the treemap.
fn write_legend(out: &mut String, summary: &ImageSummary) {
    out.push_str("<p class=\"legend\">");
    for (i, layer) in summary.layers.iter().enumerate().take(layers::LAYER_ROWS) {
        if layer.size == 0 {
            continue;
        }
        let (fill, _) = page::colour(u32::try_from(i).ok());
        let _ = write!(
            out,
            "<span><span class=\"swatch\" style=\"background:{fill}\"></span>layer {i}</span>"
        );
    }
    out.push_str("</p>\n");
}
