//! Text that comes from outside sizegate (an image's tags, platform, paths, link targets and build
//! instructions; a policy's globs and reasons; a Dockerfile's lines; file names) as sizegate
//! prints it. Such text is whatever a pull request put there, and it is printed into terminals and
//! CI logs, which obey some of what they print: a line break starts a new log line, ESC starts a
//! terminal sequence, and a GitHub runner reads a line that starts with `::` (after blanks) as a
//! workflow command, and `##[` anywhere in a line as one in the older form, so a tag could add an
//! annotation, mask text or stop the runner from reading sizegate's own commands.
//!
//! [`printable`] is the one function every output for people (and every error message) passes
//! such text through; [`printable_bytes`] is the same for names that need not be UTF-8 (the
//! inventory's CSV); [`defuse_json`] is the JSON outputs' form, which keeps every string exact.

use std::borrow::Cow;

/// `text` shown safely: every control character (line breaks, ESC, the C1 controls), every
/// Unicode mark that breaks a line or reorders the text around it, and every character that is
/// not seen (zero-width and other format characters) is written as its escape (`\n`, `\r`,
/// `\t`, `\u{1b}`, `\u{202e}`, `\u{200b}`); a `::` that would start a line (after blanks) is
/// written `\u{3a}:`, and the second `#` of `##[` as `\u{23}`. Text with none of these is returned
/// as it is. Escaping twice changes nothing more.
pub fn printable(text: &str) -> Cow<'_, str> {
    match printable_bytes(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        // The escapes are ASCII and the input was UTF-8, so the output is too: the fallback is
        // never taken.
        Cow::Owned(bytes) => Cow::Owned(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    }
}

/// At most `max` characters of `text`, then `…` when there were more, [`printable`]: a value from
/// outside quoted in a message (a registry's error, a helper's stderr), whose length the outside
/// decides.
pub(crate) fn printable_cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", printable(&text[..end])),
        None => printable(text).into_owned(),
    }
}

/// [`printable`] for bytes that need not be UTF-8 (file names as stored): what is UTF-8 is escaped
/// as there, the other bytes are kept as they are.
pub(crate) fn printable_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let command = command_start(bytes);
    let escapes = |i: usize, c: char| {
        escaped(c) || Some(i) == command || (c == '#' && opens_old_command(bytes, i))
    };
    if !chars(bytes).any(|(i, c)| escapes(i, c)) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut start = 0;
    for chunk in bytes.utf8_chunks() {
        for (offset, c) in chunk.valid().char_indices() {
            if !escapes(start + offset, c) {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            } else if c.is_ascii_graphic() {
                // `:` and `#` have no short escape.
                out.extend(c.escape_unicode().map(|e| e as u8));
            } else {
                out.extend(c.escape_default().map(|e| e as u8));
            }
        }
        out.extend_from_slice(chunk.invalid());
        start += chunk.valid().len() + chunk.invalid().len();
    }
    Cow::Owned(out)
}

/// JSON that sizegate wrote, made safe to print in a CI log without changing what it says: `##[`
/// (which only occurs inside strings, as `#` is no JSON syntax) becomes `#\u0023[`, the same
/// string to every JSON reader. serde_json already writes every control character as an escape,
/// and pretty-printed lines start with blanks and JSON syntax, never with `::`.
pub(crate) fn defuse_json(json: Vec<u8>) -> Vec<u8> {
    if !json.windows(3).any(|w| w == b"##[") {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 16);
    for (i, &b) in json.iter().enumerate() {
        if b == b'#' && opens_old_command(&json, i) {
            out.extend_from_slice(b"\\u0023");
        } else {
            out.push(b);
        }
    }
    out
}

/// Whether `c` is always shown as an escape: control characters (C0, DEL and C1, which hold the
/// line breaks, ESC and the one-byte CSI), the marks that end a line (U+2028, U+2029), and the
/// characters that are not seen, which would make a line read other than it is: every Unicode
/// format character (see [`is_format`]: the bidirectional embeddings, overrides and isolates that
/// reorder the text around them, and the zero-width ones that make `/etc/pass\u{200b}wd` look like
/// `/etc/passwd`) and the Hangul fillers, letters drawn as nothing.
fn escaped(c: char) -> bool {
    c.is_control()
        || is_format(c)
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
        )
}

/// Whether `c` is of Unicode's general category `Cf` (format), as of Unicode 16: the soft hyphen,
/// the Arabic and Syriac marks, the Mongolian vowel separator, the zero-width space, non-joiner
/// and joiner, the direction marks, embeddings, overrides and isolates, the word joiner and the
/// invisible operators, the byte-order mark (zero-width no-break space), the interlinear
/// annotation marks, the tag characters (which spell ASCII no one sees) and a few more. std has
/// no general categories, and one list here is lighter than a crate of Unicode tables; a
/// character added to `Cf` later is shown as it is, as before, until it is added here.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// Where the `::` of a workflow command starts, when `bytes` start with one after blanks (the
/// runner trims leading white space before it looks).
fn command_start(bytes: &[u8]) -> Option<usize> {
    let valid = bytes.utf8_chunks().next()?.valid();
    let trimmed = valid.trim_start();
    trimmed
        .starts_with("::")
        .then_some(valid.len() - trimmed.len())
}

/// Whether the `#` at `i` is the second of a `##[`, the runner's older command form, which it
/// finds anywhere in a line.
fn opens_old_command(bytes: &[u8], i: usize) -> bool {
    i > 0 && bytes[i - 1] == b'#' && bytes.get(i + 1) == Some(&b'[')
}

/// The UTF-8 characters of `bytes` with their offsets, skipping bytes that are not UTF-8.
fn chars(bytes: &[u8]) -> impl Iterator<Item = (usize, char)> + '_ {
    bytes
        .utf8_chunks()
        .scan(0, |start, chunk| {
            let at = *start;
            *start += chunk.valid().len() + chunk.invalid().len();
            Some((at, chunk.valid()))
        })
        .flat_map(|(at, valid)| valid.char_indices().map(move |(i, c)| (at + i, c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_cut_then_escaped() {
        assert_eq!(printable_cut("abc", 3), "abc");
        assert_eq!(printable_cut("abcd", 3), "abc…");
        assert_eq!(printable_cut("a\u{1b}cd", 2), "a\\u{1b}…");
        assert_eq!(printable_cut("ééé", 1), "é…");
    }

    #[test]
    fn plain_text_is_borrowed_as_it_is() {
        for text in [
            "docker.io/app:1",
            "/usr/lib/a::b",
            "RUN echo ## [x] # y",
            "a: b",
        ] {
            assert!(
                matches!(printable(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(printable("\x1b[31mred"), "\\u{1b}[31mred");
        assert_eq!(
            printable("csi\u{9b}2J del\u{7f}"),
            "csi\\u{9b}2J del\\u{7f}"
        );
    }

    #[test]
    fn marks_that_break_or_reorder_a_line_are_escaped() {
        assert_eq!(
            printable("a\u{2028}b\u{202e}c\u{2067}d"),
            "a\\u{2028}b\\u{202e}c\\u{2067}d"
        );
    }

    #[test]
    fn characters_that_are_not_seen_are_escaped() {
        assert_eq!(printable("/etc/pass\u{200b}wd"), "/etc/pass\\u{200b}wd");
        let invisible = [
            '\u{ad}',
            '\u{61c}',
            '\u{180e}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{2060}',
            '\u{2061}',
            '\u{2064}',
            '\u{206a}',
            '\u{206f}',
            '\u{feff}',
            '\u{fff9}',
            '\u{3164}',
            '\u{115f}',
            '\u{ffa0}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}',
        ];
        for c in invisible {
            let text = format!("a{c}b");
            assert_eq!(
                printable(&text),
                format!("a\\u{{{:x}}}b", u32::from(c)),
                "{c:?}"
            );
            assert_eq!(
                printable_bytes(text.as_bytes()).as_ref(),
                format!("a\\u{{{:x}}}b", u32::from(c)).as_bytes(),
                "{c:?} in bytes"
            );
        }
        // What is seen stays as it is: letters of every script, accents, emoji with their
        // variation selector, the no-break and ideographic spaces.
        for text in [
            "caf\u{e9}",
            "\u{5d0}\u{5d1}",
            "\u{2764}\u{fe0f}",
            "a\u{a0}b\u{3000}c",
            "\u{65e5}\u{672c}",
        ] {
            assert!(matches!(printable(text), Cow::Borrowed(_)), "{text:?}");
        }
    }

    #[test]
    fn a_workflow_command_at_the_start_is_defused_even_after_blanks() {
        assert_eq!(
            printable("::error title=x::forged"),
            "\\u{3a}:error title=x::forged"
        );
        assert_eq!(printable("  ::warning::x"), "  \\u{3a}:warning::x");
        // Only at the start: further in, `::` starts nothing.
        assert_eq!(printable("tag::x"), "tag::x");
        // A line break inside is escaped, so what follows it is no line of its own.
        assert_eq!(
            printable("v1\n::error title=x::forged"),
            "v1\\n::error title=x::forged"
        );
    }

    #[test]
    fn the_old_command_form_is_defused_anywhere() {
        assert_eq!(printable("a ##[error]b"), "a #\\u{23}[error]b");
        assert_eq!(printable("###[x"), "##\\u{23}[x");
    }

    #[test]
    fn escaping_twice_changes_nothing_more() {
        for text in [
            "\x1b[1m::x",
            "::error::y",
            "a##[b\n",
            " ::x\u{202e}",
            "\u{feff}::x\u{200b}",
        ] {
            let once = printable(text).into_owned();
            assert_eq!(printable(&once), once, "{text:?}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_kept() {
        assert_eq!(printable_bytes(b"/caf\xe9\n::x"), &b"/caf\xe9\\n::x"[..]);
        assert_eq!(printable_bytes(b"\xff::x"), &b"\xff::x"[..]);
        assert_eq!(printable_bytes(b"::\xff"), &b"\\u{3a}:\xff"[..]);
        assert!(matches!(printable_bytes(b"/a\xffb"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_keeps_its_strings_and_loses_the_old_command_form() {
        let json = serde_json::to_vec(&serde_json::json!({"a": "x ##[error]y"})).expect("JSON");
        let defused = defuse_json(json);
        assert_eq!(defused, br#"{"a":"x #\u0023[error]y"}"#);
        let back: serde_json::Value = serde_json::from_slice(&defused).expect("still JSON");
        assert_eq!(back["a"], "x ##[error]y");
    }
}
