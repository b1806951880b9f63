//! Words of an instruction line, as BuildKit's lexer sees them where attribution needs them: the
//! `--flags` before the arguments, heredoc markers (`<<EOF`), and quote removal.

/// Byte ranges of the words of `text`: split at whitespace outside quotes, quotes and backslashes
/// kept inside the words. This is BuildKit's lexer in its "raw" mode, the one it uses to find
/// heredoc markers, so `'<<EOF'` stays one quoted word and is not a marker.
pub(super) fn word_spans(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut start = None;
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            // Only double quotes honour a backslash inside them, as in the shell.
            Some('"') if c == '\\' => escaped = true,
            Some(_) => {}
            None if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    spans.push(Span { start: s, end: i });
                }
                continue;
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '\\' => escaped = true,
            None => {}
        }
        start.get_or_insert(i);
    }
    if let Some(s) = start {
        spans.push(Span {
            start: s,
            end: text.len(),
        });
    }
    spans
}

/// A word's place in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
}

/// Splits the leading `--flag` words off an instruction's arguments, as BuildKit does before it
/// reads them (`RUN --mount=… cmd`, `COPY --from=build a b`): the flags with quotes removed, and
/// the rest of the text. A lone `--` ends the flags.
pub(super) fn split_flags(args: &str) -> (Vec<String>, &str) {
    let mut flags = Vec::new();
    for span in word_spans(args) {
        let word = &args[span.start..span.end];
        if !word.starts_with("--") {
            return (flags, &args[span.start..]);
        }
        if word == "--" {
            return (flags, args[span.end..].trim_start());
        }
        flags.push(unquote(word, '\\').0);
    }
    (flags, "")
}

/// Removes quotes and escapes from one word; also says whether there were quotes.
pub(super) fn unquote(word: &str, escape: char) -> (String, bool) {
    let mut out = String::with_capacity(word.len());
    let mut quoted = false;
    let mut quote = None;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == escape && matches!(chars.peek(), Some('"' | '$')) => {
                out.extend(chars.next());
            }
            Some(_) => out.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                quoted = true;
            }
            None if c == escape => out.extend(chars.next()),
            None => out.push(c),
        }
    }
    (out, quoted)
}

/// A heredoc marker found on an instruction line: `<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Marker {
    /// The terminator word, quotes removed.
    pub name: String,
    /// `<<-`: leading tabs do not count.
    pub chomp: bool,
    /// No quotes around the word: the content's variables are expanded.
    pub expand: bool,
}

/// Reads one raw word as a heredoc marker, as BuildKit's `^(\d*)<<(-?)([^<]*)$` does: `<<<` (a
/// here-string) and a bare `<<` are not markers, and the word after `<<` must be one word.
pub(super) fn heredoc_marker(word: &str) -> Option<Marker> {
    let digits = word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(word.len());
    let rest = word[digits..].strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') || word_spans(rest).len() != 1 {
        return None;
    }
    let (name, quoted) = unquote(rest, '\\');
    Some(Marker {
        name,
        chomp,
        expand: !quoted,
    })
}

/// Every heredoc marker on an instruction line, in order.
pub(super) fn heredoc_markers(line: &str) -> Vec<Marker> {
    word_spans(line)
        .into_iter()
        .filter_map(|s| heredoc_marker(&line[s.start..s.end]))
        .collect()
}

/// Reads an exec-form argument list (`["a", "b c"]`) as BuildKit does: a JSON array of strings,
/// and nothing else on the line. `None` means the shell form.
pub(super) fn json_args(rest: &str) -> Option<Vec<String>> {
    let rest = rest.trim();
    if !rest.starts_with('[') || !rest.ends_with(']') {
        return None;
    }
    serde_json::from_str(rest).ok()
}

/// Collapses every run of whitespace (spaces, tabs, line breaks) into one space, as attribution
/// compares texts: builders rejoin continuation lines and heredocs differently.
pub(super) fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        word_spans(text)
            .into_iter()
            .map(|s| &text[s.start..s.end])
            .collect()
    }

    #[test]
    fn words_split_at_unquoted_whitespace_and_keep_quotes() {
        assert_eq!(
            words(r#"RUN  echo "a b" 'c d'  e\ f"#),
            ["RUN", "echo", r#""a b""#, "'c d'", r"e\ f"]
        );
        assert_eq!(words("  "), Vec::<&str>::new());
    }

    #[test]
    fn flags_are_split_off_the_arguments() {
        let (flags, rest) = split_flags("--from=build --chown=\"app:app\" /src /dst");
        assert_eq!(flags, ["--from=build", "--chown=app:app"]);
        assert_eq!(rest, "/src /dst");
        let (flags, rest) = split_flags("--mount=type=cache,target=/root/.cache -- --weird");
        assert_eq!(flags, ["--mount=type=cache,target=/root/.cache"]);
        assert_eq!(rest, "--weird");
        assert_eq!(split_flags("make -j4"), (vec![], "make -j4"));
        assert_eq!(
            split_flags("--network=none"),
            (vec!["--network=none".into()], "")
        );
    }

    #[test]
    fn unquote_removes_quotes_and_escapes() {
        assert_eq!(
            unquote(r#""/opt/my app""#, '\\'),
            ("/opt/my app".into(), true)
        );
        assert_eq!(unquote(r"a\ b", '\\'), ("a b".into(), false));
        assert_eq!(
            unquote(r#""say \"hi\"""#, '\\'),
            ("say \"hi\"".into(), true)
        );
        assert_eq!(unquote("C:\\dir", '`'), ("C:\\dir".into(), false));
    }

    #[test]
    fn heredoc_markers_of_every_shape() {
        let m = |name: &str, chomp, expand| Marker {
            name: name.into(),
            chomp,
            expand,
        };
        assert_eq!(heredoc_marker("<<EOF"), Some(m("EOF", false, true)));
        assert_eq!(heredoc_marker("<<-EOT"), Some(m("EOT", true, true)));
        assert_eq!(heredoc_marker(r#"<<"EOF""#), Some(m("EOF", false, false)));
        assert_eq!(heredoc_marker("<<'EOF'"), Some(m("EOF", false, false)));
        assert_eq!(heredoc_marker("3<<EOF"), Some(m("EOF", false, true)));
        for not_a_marker in ["<<", "<<<word", "cat<<EOF", "'<<EOF'", "<<-", "x"] {
            assert_eq!(heredoc_marker(not_a_marker), None, "{not_a_marker}");
        }
    }

    #[test]
    fn several_markers_on_one_line() {
        let names: Vec<String> = heredoc_markers("COPY <<one <<-'two' /dst/")
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, ["one", "two"]);
    }

    #[test]
    fn exec_form_is_a_json_array_of_strings() {
        assert_eq!(
            json_args(r#" ["sh", "-c", "echo hi"] "#),
            Some(vec!["sh".into(), "-c".into(), "echo hi".into()])
        );
        assert_eq!(json_args("[ -f x ] && echo"), None);
        assert_eq!(json_args("[1, 2]"), None);
        assert_eq!(json_args("echo [a]"), None);
    }

    #[test]
    fn squash_collapses_whitespace() {
        assert_eq!(squash(" a \t b\n\nc  "), "a b c");
    }
}
