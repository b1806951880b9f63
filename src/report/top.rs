//! `sizegate top`: the largest files or directories of the final filesystem.

use std::io::{self, Write};

use serde::Serialize;

use super::fit::Heading;
use super::view::created_by as created_by_text;
use super::{human_size, printable, Fit, FitTable};
use crate::analysis::summary::SCHEMA_VERSION;
use crate::analysis::top::TopItem;
use crate::image::Image;

/// The largest entries of one image.
#[derive(Debug, Clone)]
pub struct ImageTop<'a> {
    /// The image.
    pub image: &'a Image,
    /// Its largest files or directories, largest first.
    pub items: Vec<TopItem>,
}

/// Writes one table per image, each at most `width` columns wide (paths and the image's name cut in
/// the middle, `created_by` at the end).
pub fn write_table(
    out: &mut dyn Write,
    tops: &[ImageTop<'_>],
    dirs: bool,
    width: usize,
) -> io::Result<()> {
    for (i, top) in tops.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let title = Heading::default().name(printable(&top.image.name));
        writeln!(out, "{}", title.fit(width))?;
        let mut table = if dirs {
            FitTable::new(&[
                ("size", Fit::Whole),
                ("files", Fit::Whole),
                ("directory", Fit::Middle),
            ])
        } else {
            FitTable::new(&[
                ("size", Fit::Whole),
                ("layer", Fit::Whole),
                ("path", Fit::Middle),
                ("created_by", Fit::Start),
            ])
        };
        for item in &top.items {
            let path = printable(&String::from_utf8_lossy(&item.path)).into_owned();
            match item.layer {
                Some(layer) if !dirs => {
                    // Blank, not `(unknown)`, when the history does not say.
                    let created_by = match &top.image.layers[layer].created_by {
                        Some(c) => created_by_text(Some(c)),
                        None => String::new(),
                    };
                    table.add_row([human_size(item.size), layer.to_string(), path, created_by]);
                }
                _ => {
                    table.add_row([human_size(item.size), item.files.to_string(), path]);
                }
            }
        }
        table.right_align(&[0, 1]);
        writeln!(out, "{}", table.render(width))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonTop<'a> {
    schema_version: u32,
    images: Vec<JsonImageTop<'a>>,
}

#[derive(Serialize)]
struct JsonImageTop<'a> {
    name: &'a str,
    items: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonItem {
    path: String,
    size: u64,
    files: u64,
    layer: Option<usize>,
}

/// Writes `{"schema_version":1,"images":[{"name","items":[{"path","size","files","layer"}]}]}`.
pub fn write_json(out: &mut dyn Write, tops: &[ImageTop<'_>]) -> io::Result<()> {
    let doc = JsonTop {
        schema_version: SCHEMA_VERSION,
        images: tops
            .iter()
            .map(|t| JsonImageTop {
                name: &t.image.name,
                items: t
                    .items
                    .iter()
                    .map(|i| JsonItem {
                        path: String::from_utf8_lossy(&i.path).into_owned(),
                        size: i.size,
                        files: i.files,
                        layer: i.layer,
                    })
                    .collect(),
            })
            .collect(),
    };
    super::write_json(out, &doc)
}
