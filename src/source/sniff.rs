//! What a file that is not an image archive looks like, from its first bytes, so that the user
//! who passes a Dockerfile, a policy or a screenshot as IMAGE hears that, and not a tar parser's
//! words about the numeric fields of a header that is not one.
//!
//! Only what is surely not a tar is named: a file whose first block is a valid tar header (its
//! checksum matches, or it carries the `ustar` magic) is a tar, however broken the rest, and gets
//! the tar reader's precise message; so does a short file with binary bytes, which may be a tar
//! cut inside its first header. Compressed files are left to the decompressor, and what they
//! decode to is sniffed again.

use crate::source::io::records::is_tar_header;
use crate::source::layer::{sniff_compression, unsupported_compression};

/// How many bytes are sniffed: a tar header, and enough text to pass a Dockerfile's license
/// comment and reach its first instruction.
pub(crate) const SNIFF_BYTES: usize = 4096;

/// What a file looks like when it is not a tar, named in "FILE looks like …".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Looks {
    /// No bytes at all.
    Empty,
    /// A Dockerfile: its first instruction is `FROM` or `ARG`.
    Dockerfile,
    /// JSON: text starting with `{` or `[`.
    Json,
    /// YAML: a `---` start or a `key:` line (a policy, a `.dive-ci`, a CI file).
    Yaml,
    /// Other text.
    Text,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
    /// A GIF image.
    Gif,
    /// A ZIP archive.
    Zip,
    /// An ELF executable or library.
    Elf,
    /// A PDF document.
    Pdf,
    /// Bytes that are none of the above and not a tar.
    Binary,
}

impl Looks {
    /// What follows "FILE ": `looks like text (a Dockerfile?)`, `is empty`; `compression` names
    /// the compression the bytes were found under (`gzip`), if any.
    pub(crate) fn describe(self, compression: Option<&str>) -> String {
        let (noun, hint) = match self {
            Looks::Empty => {
                return match compression {
                    Some(c) => format!("is {c}-compressed and empty"),
                    None => "is empty".to_string(),
                };
            }
            Looks::Dockerfile => ("text", " (a Dockerfile?)"),
            Looks::Json => (
                "JSON",
                " (a saved report? `diff` and `--baseline` read those from a file)",
            ),
            Looks::Yaml => ("YAML", " (a policy?)"),
            Looks::Text => ("text", ""),
            Looks::Png => ("a PNG image", ""),
            Looks::Jpeg => ("a JPEG image", ""),
            Looks::Gif => ("a GIF image", ""),
            Looks::Zip => ("a ZIP archive", ""),
            Looks::Elf => ("an ELF executable", ""),
            Looks::Pdf => ("a PDF document", ""),
            Looks::Binary => ("binary data", " that is not a tar"),
        };
        let noun = match compression {
            None => noun.to_string(),
            Some(c) => {
                let bare = noun.strip_prefix("a ").or_else(|| noun.strip_prefix("an "));
                match bare {
                    Some(bare) => format!("a {c}-compressed {bare}"),
                    None => format!("{c}-compressed {noun}"),
                }
            }
        };
        format!("looks like {noun}{hint}")
    }
}

/// What `head` (the first [`SNIFF_BYTES`] of a file, or all of a shorter one) looks like when it
/// is surely not an image archive; `None` when it is a tar, a compressed file, or may be a tar cut
/// short (the tar reader then says what is wrong with it).
pub(crate) fn not_an_archive(head: &[u8]) -> Option<Looks> {
    if head.is_empty() {
        return Some(Looks::Empty);
    }
    if unsupported_compression(head).is_some()
        || sniff_compression(head) != crate::image::Compression::None
    {
        return None;
    }
    let block = head.get(..512);
    // A valid header, a damaged one that still says `ustar`, or the zero blocks of an empty tar.
    if block
        .is_some_and(|b| is_tar_header(b) || &b[257..262] == b"ustar" || b.iter().all(|&x| x == 0))
    {
        return None;
    }
    if let Some(looks) = magic(head) {
        return Some(looks);
    }
    if let Some(text) = as_text(head) {
        return Some(text_kind(text));
    }
    // Binary bytes shorter than a tar header may be a tar cut inside it.
    block.map(|_| Looks::Binary)
}

/// The formats named by their magic bytes.
fn magic(head: &[u8]) -> Option<Looks> {
    const MAGIC: [(&[u8], Looks); 8] = [
        (b"\x89PNG\r\n\x1a\n", Looks::Png),
        (b"\xff\xd8\xff", Looks::Jpeg),
        (b"GIF87a", Looks::Gif),
        (b"GIF89a", Looks::Gif),
        (b"PK\x03\x04", Looks::Zip),
        (b"PK\x05\x06", Looks::Zip),
        (b"\x7fELF", Looks::Elf),
        (b"%PDF-", Looks::Pdf),
    ];
    MAGIC
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|&(_, looks)| looks)
}

/// `head` as text: UTF-8 (a character cut at the end of the sniffed bytes is allowed) without
/// NUL or other control characters than tab, line breaks and form feed; a byte-order mark is
/// dropped.
fn as_text(head: &[u8]) -> Option<&str> {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A multi-byte character cut by the sniff's end (at most 3 bytes of it) is still text.
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => {
            std::str::from_utf8(&head[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c');
    (!text.chars().any(control)).then_some(text)
}

/// Which kind of text: JSON, a Dockerfile, YAML, or other.
fn text_kind(text: &str) -> Looks {
    if text.trim_start().starts_with(['{', '[']) {
        return Looks::Json;
    }
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if text.starts_with("---") || text.starts_with("%YAML") {
        return Looks::Yaml;
    }
    // The first line that is not a comment (a Dockerfile's `# syntax=` directive is one).
    let Some(first) = lines.find(|l| !l.starts_with('#')) else {
        return Looks::Text;
    };
    let keyword = first.split_whitespace().next().unwrap_or_default();
    if keyword.eq_ignore_ascii_case("FROM") || keyword.eq_ignore_ascii_case("ARG") {
        return Looks::Dockerfile;
    }
    if is_yaml_line(first) {
        return Looks::Yaml;
    }
    Looks::Text
}

/// `key: value`, `key:` or `- item`: a line as YAML starts.
fn is_yaml_line(line: &str) -> bool {
    if line.starts_with("- ") {
        return true;
    }
    let Some((key, rest)) = line.split_once(':') else {
        return false;
    };
    let key = key.trim_matches(['"', '\'']);
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && (rest.is_empty() || rest.starts_with([' ', '\t']))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 512-byte tar header for `name` with a valid checksum, as `tar` writes one.
    fn header(name: &str) -> Vec<u8> {
        let mut h = tar::Header::new_gnu();
        h.set_path(name).expect("short name");
        h.set_size(0);
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    #[test]
    fn tars_and_compressed_files_are_left_to_their_readers() {
        let mut tar = header("manifest.json");
        tar.extend([0u8; 1024]);
        assert_eq!(not_an_archive(&tar), None, "a tar");
        let mut damaged = header("manifest.json");
        damaged[0] ^= 1;
        assert_eq!(
            not_an_archive(&damaged),
            None,
            "a damaged header saying ustar"
        );
        assert_eq!(
            not_an_archive(&[0u8; 1024]),
            None,
            "an empty tar's zero blocks"
        );
        assert_eq!(
            not_an_archive(&header("a")[..300]),
            None,
            "a tar cut in its header"
        );
        assert_eq!(not_an_archive(b"\x1f\x8b\x08\x00"), None, "gzip");
        assert_eq!(not_an_archive(b"\x28\xb5\x2f\xfd"), None, "zstd");
        assert_eq!(
            not_an_archive(b"BZh91AY&SY"),
            None,
            "bzip2 has its own message"
        );
        assert_eq!(
            not_an_archive(&[7u8; 100]),
            None,
            "short binary may be a cut tar"
        );
    }

    #[test]
    fn files_that_are_not_tars_are_named_by_their_content() {
        let cases: [(&[u8], Looks); 17] = [
            (b"", Looks::Empty),
            (b"FROM alpine:3.20\nRUN apk add curl\n", Looks::Dockerfile),
            (
                b"# syntax=docker/dockerfile:1\n# licensed\n\nARG BASE=debian\nFROM $BASE\n",
                Looks::Dockerfile,
            ),
            (b"from alpine\n", Looks::Dockerfile),
            (b"image:\n  max_size: 100MB\n", Looks::Yaml),
            (b"# policy\nversion: 1\n", Looks::Yaml),
            (b"---\nrules:\n  lowestEfficiency: 0.9\n", Looks::Yaml),
            (b"\xef\xbb\xbf{\"schema_version\": 1}", Looks::Json),
            (b"  [1, 2]\n", Looks::Json),
            (b"hello world\n", Looks::Text),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Looks::Png),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", Looks::Jpeg),
            (b"GIF89a\x01\0\x01\0", Looks::Gif),
            (b"PK\x03\x04\x14\0\0\0", Looks::Zip),
            (b"\x7fELF\x02\x01\x01\0", Looks::Elf),
            (b"%PDF-1.7\n", Looks::Pdf),
            (&[0xabu8; 600], Looks::Binary),
        ];
        for (head, want) in cases {
            assert_eq!(
                not_an_archive(head),
                Some(want),
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn long_text_cut_inside_a_character_is_still_text() {
        let mut text = "FROM alpine\n# é\n".repeat(300).into_bytes();
        text.truncate(SNIFF_BYTES);
        // Cut inside the two bytes of `é`.
        while std::str::from_utf8(&text).is_ok() {
            text.pop();
        }
        assert_eq!(not_an_archive(&text), Some(Looks::Dockerfile));
        assert_eq!(
            not_an_archive(b"text with a \x1b[31mcolour escape\n"),
            None,
            "short text with control characters may be anything: left to the tar reader"
        );
    }

    #[test]
    fn descriptions_read_as_english_with_and_without_compression() {
        assert_eq!(
            Looks::Dockerfile.describe(None),
            "looks like text (a Dockerfile?)"
        );
        assert_eq!(Looks::Png.describe(None), "looks like a PNG image");
        assert_eq!(Looks::Elf.describe(None), "looks like an ELF executable");
        assert_eq!(
            Looks::Elf.describe(Some("gzip")),
            "looks like a gzip-compressed ELF executable"
        );
        assert_eq!(
            Looks::Yaml.describe(Some("zstd")),
            "looks like zstd-compressed YAML (a policy?)"
        );
        assert_eq!(Looks::Empty.describe(None), "is empty");
        assert_eq!(
            Looks::Empty.describe(Some("gzip")),
            "is gzip-compressed and empty"
        );
        assert_eq!(
            Looks::Binary.describe(None),
            "looks like binary data that is not a tar"
        );
    }
}
