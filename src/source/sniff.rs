//! What a file that is not an image archive looks like, from its first bytes, so that the user
//! who passes a Dockerfile, a policy or a screenshot as IMAGE hears that, and not a tar parser's
//! words about the numeric fields of a header that is not one.
//!
//! Only what is surely not a tar is named: a file whose first block is a valid tar header (its
//! checksum matches, or it carries the `ustar` magic) is a tar, however broken the rest, and gets
//! the tar reader's precise message; so does a file shorter than a header whose bytes are shaped
//! like the start of one (a name padded with NULs, octal numbers), which is a tar cut inside its
//! first header. Text is told by being mostly printable, in any of the encodings a Dockerfile or
//! a policy is saved in (UTF-8, Latin-1 and its kin, UTF-16), so that a stray accented byte does
//! not make a Dockerfile "binary". Compressed files are left to the decompressor, and what they
//! decode to is sniffed again.

use std::borrow::Cow;

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
    /// Fewer bytes than a tar header (this many), not text and not shaped like the start of a
    /// header: no tar, not even a cut one, so the tar reader's "failed to read entire block" would
    /// only puzzle.
    TooShort(usize),
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
            Looks::TooShort(n) => {
                let unit = if n == 1 { "byte" } else { "bytes" };
                return match compression {
                    Some(c) => format!(
                        "is {c}-compressed and too short to be a tar ({n} {unit} decompressed)"
                    ),
                    None => format!("is too short to be a tar ({n} {unit})"),
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
/// is surely not an image archive; `None` when it is a tar, a compressed file, or a tar cut short
/// inside its first header (the tar reader then says what is wrong with it).
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
    if block.is_none() && header_start(head) {
        return None;
    }
    if let Some(text) = as_text(head) {
        return Some(text_kind(&text));
    }
    Some(match block {
        Some(_) => Looks::Binary,
        None => Looks::TooShort(head.len()),
    })
}

/// Whether `head`, shorter than a tar header, is shaped like the start of one, as a tar cut
/// inside its first header is: the `ustar` magic where it belongs, or a name padded with NULs
/// (or filling its 100 bytes) followed by the numeric fields (mode, uid, gid, size, mtime,
/// checksum) as far as they reach, each octal digits, blanks and NULs (or, for the numbers GNU
/// tar writes in base 256, a first byte with its high bit set).
fn header_start(head: &[u8]) -> bool {
    if head.get(257..262) == Some(b"ustar") {
        return true;
    }
    let name = &head[..head.len().min(100)];
    let padded = match name.iter().position(|&b| b == 0) {
        // A name, then NULs to the end of its field (or of what is there of it).
        Some(end) => end > 0 && plausible_name(&name[..end]) && name[end..].iter().all(|&b| b == 0),
        // A name of all 100 bytes: only the numbers after it can tell it from text.
        None => head.len() > 100 && plausible_name(name),
    };
    if !padded {
        return false;
    }
    const NUMBERS: [(usize, usize); 6] = [
        (100, 108),
        (108, 116),
        (116, 124),
        (124, 136),
        (136, 148),
        (148, 156),
    ];
    NUMBERS.iter().all(|&(start, end)| {
        let field = head.get(start..end.min(head.len())).unwrap_or_default();
        let octal = |b: &u8| matches!(b, b'0'..=b'7' | b' ' | 0);
        match field.split_first() {
            None => true,
            Some((first, rest)) => (octal(first) || first & 0x80 != 0) && rest.iter().all(octal),
        }
    })
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

/// Whether `name` could be a member's name: no control bytes (names are paths, in UTF-8 or
/// another encoding, but never with a line break or ESC in a tar `docker save` wrote).
fn plausible_name(name: &[u8]) -> bool {
    name.iter().all(|&b| b >= 0x20 && b != 0x7f)
}

/// `head` as text, when it is text: no NUL byte (UTF-16 aside) and mostly printable. UTF-8 is
/// read as such (a character cut at the end of the sniffed bytes is allowed, a byte-order mark is
/// dropped); other bytes as Latin-1 when they are mostly ASCII, as a Latin-1 or Windows-1252
/// Dockerfile is; UTF-16 by its byte-order mark or by the NUL of every other byte that its ASCII
/// characters have. A few control characters (a colour escape in a log saved by mistake) do not
/// make text binary.
fn as_text(head: &[u8]) -> Option<Cow<'_, str>> {
    if let Some(text) = utf16(head) {
        return mostly_printable(&text).then_some(Cow::Owned(text));
    }
    if head.contains(&0) {
        return None;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A multi-byte character cut by the sniff's end (at most 3 bytes of it) is still text.
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => {
            std::str::from_utf8(&head[..e.valid_up_to()]).ok()?
        }
        Err(_) => {
            // An 8-bit encoding: the bytes from 0x80 are its letters, but most of a Dockerfile's
            // or a policy's bytes are still ASCII, which most of random bytes are not.
            let ascii = head.iter().filter(|&&b| is_text_ascii(b)).count();
            let high = head.iter().filter(|&&b| b >= 0x80).count();
            if ascii <= head.len() / 2 || !at_least_95_percent(ascii + high, head.len()) {
                return None;
            }
            return Some(Cow::Owned(head.iter().map(|&b| char::from(b)).collect()));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    mostly_printable(text).then_some(Cow::Borrowed(text))
}

/// `head` decoded as UTF-16 when it is UTF-16: it starts with a byte-order mark, or, without
/// one, every other byte is NUL (the high bytes of ASCII characters) and the bytes between are
/// not. Unpaired surrogates become U+FFFD, which [`mostly_printable`] counts against it.
fn utf16(head: &[u8]) -> Option<String> {
    let (big_endian, body) = match head {
        [0xff, 0xfe, rest @ ..] => (false, rest),
        [0xfe, 0xff, rest @ ..] => (true, rest),
        _ if head.len() >= 4 => {
            let pairs = head.chunks_exact(2);
            let units = pairs.len();
            let even_zeros = pairs.clone().filter(|pair| pair[0] == 0).count();
            let odd_zeros = pairs.filter(|pair| pair[1] == 0).count();
            // Nearly every high byte NUL, nearly no low byte.
            if odd_zeros * 10 >= units * 9 && even_zeros * 10 <= units {
                (false, head)
            } else if even_zeros * 10 >= units * 9 && odd_zeros * 10 <= units {
                (true, head)
            } else {
                return None;
            }
        }
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// A printable ASCII byte or the white space of text (tab, line breaks, vertical tab, form feed).
fn is_text_ascii(b: u8) -> bool {
    matches!(b, b' '..=b'~' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Whether `part` is at least 95 % of `whole`.
fn at_least_95_percent(part: usize, whole: usize) -> bool {
    part * 100 >= whole * 95
}

/// Whether at least 95 % of the characters of `text` are printable or white space: no NUL, and
/// few other controls or U+FFFD (which stands for bytes that were not characters).
fn mostly_printable(text: &str) -> bool {
    if text.contains('\0') {
        return false;
    }
    let (mut all, mut printable) = (0, 0);
    for c in text.chars() {
        all += 1;
        if c.is_whitespace() || !(c.is_control() || c == char::REPLACEMENT_CHARACTER) {
            printable += 1;
        }
    }
    all > 0 && at_least_95_percent(printable, all)
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
    }

    #[test]
    fn a_tar_cut_anywhere_in_its_first_header_is_left_to_the_tar_reader() {
        let full = header("manifest.json");
        for cut in [
            1, 13, 14, 50, 100, 101, 108, 130, 156, 157, 257, 262, 300, 511,
        ] {
            let head = &full[..cut];
            let want = if cut <= 13 {
                // Only the name's letters so far: no telling it from text.
                Some(Looks::Text)
            } else {
                None
            };
            assert_eq!(not_an_archive(head), want, "cut at {cut}");
        }
        // A name of all its 100 bytes, told from text by the numbers after it.
        let long = header(&"n".repeat(100));
        assert_eq!(not_an_archive(&long[..120]), None);
        // GNU's base-256 size (high bit set) is a number too.
        let mut big = header("layer.tar");
        big[124] = 0x80;
        assert_eq!(not_an_archive(&big[..200]), None);
    }

    #[test]
    fn short_bytes_that_are_neither_text_nor_a_header_are_too_short() {
        let cases: [&[u8]; 6] = [
            &[7u8; 100],
            b"\x8f\x03\xd1\x1c\x9e",
            b"\x01\x02\x03\0\0\0",
            // A name with a control byte, or numbers that are not octal, is no header.
            b"a\x1bname\0\0\0",
            &[b"name".as_slice(), &[0u8; 96], b"0009xyz\0"].concat(),
            &[0xabu8; 511],
        ];
        for head in cases {
            assert_eq!(
                not_an_archive(head),
                Some(Looks::TooShort(head.len())),
                "{head:?}"
            );
        }
        assert_eq!(
            Looks::TooShort(5).describe(None),
            "is too short to be a tar (5 bytes)"
        );
        assert_eq!(
            Looks::TooShort(1).describe(Some("gzip")),
            "is gzip-compressed and too short to be a tar (1 byte decompressed)"
        );
    }

    #[test]
    fn text_in_8_bit_encodings_and_utf16_is_text() {
        let latin1 = b"FROM caf\xe9\n".to_vec();
        assert_eq!(not_an_archive(&latin1), Some(Looks::Dockerfile));
        let long = b"# r\xe9sum\xe9 \x93quoted\x94\nFROM debian\nRUN true\n".repeat(40);
        assert!(long.len() > 512);
        assert_eq!(not_an_archive(&long), Some(Looks::Dockerfile));
        let utf16 = |text: &str, bom: bool, big: bool| -> Vec<u8> {
            let mut out = Vec::new();
            if bom {
                out.extend(if big { [0xfe, 0xff] } else { [0xff, 0xfe] });
            }
            for unit in text.encode_utf16() {
                out.extend(if big {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
            out
        };
        for (bom, big) in [(true, false), (true, true), (false, false), (false, true)] {
            let short = utf16("FROM caf\u{e9}\n", bom, big);
            assert_eq!(
                not_an_archive(&short),
                Some(Looks::Dockerfile),
                "{bom} {big}"
            );
            let long = utf16(
                &"image:\n  max_size: 100MB # \u{e9}t\u{e9}\n".repeat(40),
                bom,
                big,
            );
            assert!(long.len() > 512);
            assert_eq!(not_an_archive(&long), Some(Looks::Yaml), "{bom} {big}");
        }
        // Mostly bytes from 0x80, as random bytes are, is no text.
        assert_eq!(
            not_an_archive(b"\xe9\xe8\xe0a\xf4\n"),
            Some(Looks::TooShort(6))
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
            Some(Looks::Text),
            "a few control characters do not make text binary"
        );
        assert_eq!(
            not_an_archive(b"\x1b[31m\x1b[0m\x1b[1m\n"),
            Some(Looks::TooShort(14)),
            "many do"
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
