//! Text from the image or an input file (names, paths, build instructions, Dockerfile lines,
//! hints) as the HTML reports write it: first made [`printable`] like every output for people
//! (control characters and line-breaking marks as visible escapes), then with the five characters
//! that HTML reads as markup written as character references. The result is safe both as text
//! and inside a double- or single-quoted attribute, so a tag named `<script>` stays text.

use std::borrow::Cow;

use crate::text::printable;

/// `text` safe as HTML text or a quoted attribute value.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    let text = printable(text);
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Longest path a page shows, in characters: a path can be 64 KiB, and each tile names its own
/// twice (its data and its tooltip), so 2,500 tiles of such names would make a page of hundreds
/// of megabytes.
pub(crate) const PATH_CHARS: usize = 1000;

/// A name as stored (raw bytes, need not be UTF-8), escaped: odd bytes are replaced, and the
/// middle of a name longer than [`PATH_CHARS`] is cut out (`…`), keeping its start and its file
/// name.
pub(crate) fn escape_bytes(bytes: &[u8]) -> String {
    escape(&shorten(&String::from_utf8_lossy(bytes))).into_owned()
}

/// `text` with its middle cut out when it is longer than [`PATH_CHARS`].
pub(crate) fn shorten(text: &str) -> Cow<'_, str> {
    let count = text.chars().count();
    if count <= PATH_CHARS {
        return Cow::Borrowed(text);
    }
    let half = PATH_CHARS / 2;
    let head: String = text.chars().take(half).collect();
    let tail: String = text.chars().skip(count - half).collect();
    Cow::Owned(format!("{head}…{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_name_stays_text() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(
            escape(r#""><img src=x onerror=alert(1)>"#),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("a&amp;b"), "a&amp;amp;b");
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(escape("a\nb\u{1b}[31m\u{0}"), "a\\nb\\u{1b}[31m\\u{0}");
        assert_eq!(escape("rtl\u{202e}txt"), "rtl\\u{202e}txt");
    }

    #[test]
    fn plain_text_is_borrowed_and_odd_bytes_are_replaced() {
        assert!(matches!(escape("/usr/lib/libc.so.6"), Cow::Borrowed(_)));
        assert_eq!(escape_bytes(b"/a\xffb<"), "/a\u{fffd}b&lt;");
        assert_eq!(escape("café 日本語"), "café 日本語");
    }

    #[test]
    fn a_very_long_name_keeps_its_start_and_its_end() {
        let long = format!("/{}/file.so", "d".repeat(70_000));
        let shown = escape_bytes(long.as_bytes());
        assert_eq!(shown.chars().count(), PATH_CHARS + 1);
        assert!(shown.starts_with("/ddd") && shown.ends_with("d/file.so"));
        assert!(shown.contains('…'));
    }
}
