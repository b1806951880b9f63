//! The frame of an HTML report: the document head with its inline style and its
//! Content-Security-Policy, the shared SVG definitions, the footer and the inline script; and the
//! colours of the layers, which every picture of the page shares.

use std::fmt::Write as _;

use super::escape::escape;

/// The page's style, inline: the report is one file that opens offline.
const STYLE: &str = include_str!("page.css");
/// The page's only script, inline (zoom on the treemaps).
pub(crate) const SCRIPT: &str = include_str!("page.js");
/// The SHA-256 of [`SCRIPT`], base64, as the Content-Security-Policy names it: the browser runs
/// that script and no other, so a name that escaped the escaping still could not run one. A unit
/// test keeps it in step with `page.js`.
pub(crate) const SCRIPT_SHA256: &str = "sha256-ulFTwFSylnctWlz367R1sWe8r59XE/uKQbD0mlaxZ6o=";

/// Nothing is fetched (`default-src 'none'`: no script, style, font or image from anywhere), the
/// inline style applies, and only the page's own script runs.
fn content_security_policy() -> String {
    format!("default-src 'none'; style-src 'unsafe-inline'; script-src '{SCRIPT_SHA256}'")
}

/// Layer colours, by layer index modulo their number: a fill and the text colour readable on it.
/// Red is left out: it marks waste.
const PALETTE: [(&str, &str); 12] = [
    ("#4e79a7", "#ffffff"),
    ("#f28e2b", "#1d1f21"),
    ("#59a14f", "#ffffff"),
    ("#b07aa1", "#ffffff"),
    ("#76b7b2", "#1d1f21"),
    ("#edc948", "#1d1f21"),
    ("#9c755f", "#ffffff"),
    ("#ff9da7", "#1d1f21"),
    ("#a0cbe8", "#1d1f21"),
    ("#ffbe7d", "#1d1f21"),
    ("#8cd17d", "#1d1f21"),
    ("#d4a6c8", "#1d1f21"),
];

/// The fill of what holds no byte, or of several small layers together.
pub(crate) const NEUTRAL: (&str, &str) = ("#c4c7cc", "#1d1f21");

/// The fill and text colour of layer `layer` (neutral without one).
pub(crate) fn colour(layer: Option<u32>) -> (&'static str, &'static str) {
    match layer {
        Some(l) => PALETTE[l as usize % PALETTE.len()],
        None => NEUTRAL,
    }
}

/// The start of the page, up to the opening of its body's content: `title` in the tab,
/// `heading` (HTML, already escaped) at the top.
pub(crate) fn start(out: &mut String, title: &str, heading: &str, subtitle: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"generator\" content=\"sizegate {version}\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <svg class=\"defs\" aria-hidden=\"true\" focusable=\"false\"><defs>\
         <pattern id=\"sg-waste\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f8d7d7\"/>\
         <rect width=\"2.5\" height=\"6\" fill=\"#c62828\"/></pattern></defs></svg>\n\
         <header>\n<h1>{heading}<span class=\"muted\">{subtitle}</span></h1>\n</header>\n",
        csp = content_security_policy(),
        version = env!("CARGO_PKG_VERSION"),
        title = escape(title),
    );
}

/// The end of the page: the footer and the script.
pub(crate) fn end(out: &mut String) {
    let _ = write!(
        out,
        "<footer>Made by sizegate {version}. One self-contained file: it loads nothing and opens \
         offline.</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
    );
}

/// A number of coordinates as SVG attributes carry them: two decimals, enough for a pixel.
pub(crate) fn px(v: f64) -> String {
    format!("{v:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Base64 (RFC 4648, padded), for the test alone.
    fn base64(bytes: &[u8]) -> String {
        const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn the_policy_names_the_hash_of_the_script_as_it_is() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        let hash = format!("sha256-{}", base64(&Sha256::digest(SCRIPT.as_bytes())));
        assert_eq!(SCRIPT_SHA256, hash, "page.js changed: update SCRIPT_SHA256");
    }

    #[test]
    fn layers_cycle_through_the_palette_and_none_is_neutral() {
        assert_eq!(colour(Some(0)), colour(Some(12)));
        assert_ne!(colour(Some(0)), colour(Some(1)));
        assert_eq!(colour(None), NEUTRAL);
    }
}
