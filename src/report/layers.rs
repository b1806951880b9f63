//! `sizegate layers`: one row per layer, then the image totals; or the JSON contract.

use std::io::{self, Write};

use super::fit::write_wrapped;
use super::view::{created_by, image_title};
use super::{human_size, Fit, FitTable};
use crate::analysis::summary::{ImageSummary, Report, SCHEMA_VERSION};

/// Writes the layer tables of every image, each at most `width` columns wide (`created_by` is cut
/// to fit; JSON and CSV keep it whole) under its name (cut in the middle to the same width), and
/// the totals under each, wrapped to it.
pub fn write_table(out: &mut dyn Write, images: &[ImageSummary], width: usize) -> io::Result<()> {
    for (i, img) in images.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", image_title(img).fit(width))?;
        let mut table = FitTable::new(&[
            ("#", Fit::Whole),
            ("size", Fit::Whole),
            ("files", Fit::Whole),
            ("created_by", Fit::Start),
        ]);
        for l in &img.layers {
            table.add_row([
                l.index.to_string(),
                human_size(l.size),
                l.files.to_string(),
                created_by(l.created_by.as_deref()),
            ]);
        }
        table.right_align(&[1, 2]);
        writeln!(out, "{}", table.render(width))?;
        let compressed = img
            .compressed_size
            .map(|c| format!(", {} compressed", human_size(c)))
            .unwrap_or_default();
        let totals = format!(
            "image {} in {} layers{compressed}; final {} in {} files; wasted {}",
            human_size(img.image_size),
            img.layer_count,
            human_size(img.final_size),
            img.final_files,
            human_size(img.wasted_bytes),
        );
        write_wrapped(out, &totals, width)?;
        // dive divides by the bytes above layer 0: x/0 is +Inf, 0/0 NaN (shown as n/a).
        let user = match img.dive.user_wasted_percent {
            Some(p) if p.is_finite() => format!("{:.4} %", p * 100.0),
            Some(_) => "infinite (no bytes above layer 0)".into(),
            None => "n/a".into(),
        };
        let dive = format!(
            "dive: efficiency {:.4} %, wasted {}, user wasted {user}",
            img.dive.efficiency * 100.0,
            human_size(img.dive.wasted_bytes),
        );
        write_wrapped(out, &dive, width)?;
    }
    Ok(())
}

/// Writes the JSON contract: `{"schema_version":1,"images":[…]}`.
pub fn write_json(out: &mut dyn Write, images: Vec<ImageSummary>) -> io::Result<()> {
    let report = Report {
        schema_version: SCHEMA_VERSION,
        images,
    };
    super::write_json(out, &report)
}
