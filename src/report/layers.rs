//! `sizegate layers`: one row per layer, then the image totals; or the JSON contract.

use std::io::{self, Write};

use super::view::{created_by, image_heading};
use super::{ellipsize, human_size, new_table, right_align};
use crate::analysis::summary::{ImageSummary, Report, SCHEMA_VERSION};

/// Longest `created_by` shown in a table cell; JSON and CSV keep it whole.
const CREATED_BY_WIDTH: usize = 80;

/// Writes the layer tables of every image.
pub fn write_table(out: &mut dyn Write, images: &[ImageSummary]) -> io::Result<()> {
    for (i, img) in images.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", image_heading(img))?;
        let mut table = new_table(&["#", "size", "files", "created_by"]);
        for l in &img.layers {
            table.add_row(vec![
                l.index.to_string(),
                human_size(l.size),
                l.files.to_string(),
                ellipsize(&created_by(l.created_by.as_deref()), CREATED_BY_WIDTH),
            ]);
        }
        right_align(&mut table, &[1, 2]);
        writeln!(out, "{table}")?;
        let compressed = img
            .compressed_size
            .map(|c| format!(", {} compressed", human_size(c)))
            .unwrap_or_default();
        writeln!(
            out,
            "image {} in {} layers{compressed}; final {} in {} files; wasted {}",
            human_size(img.image_size),
            img.layer_count,
            human_size(img.final_size),
            img.final_files,
            human_size(img.wasted_bytes),
        )?;
        // dive divides by the bytes above layer 0: x/0 is +Inf, 0/0 NaN (shown as n/a).
        let user = match img.dive.user_wasted_percent {
            Some(p) if p.is_finite() => format!("{:.4} %", p * 100.0),
            Some(_) => "infinite (no bytes above layer 0)".into(),
            None => "n/a".into(),
        };
        writeln!(
            out,
            "dive: efficiency {:.4} %, wasted {}, user wasted {user}",
            img.dive.efficiency * 100.0,
            human_size(img.dive.wasted_bytes),
        )?;
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
