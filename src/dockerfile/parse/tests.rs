use super::*;

fn parse_ok(text: &str) -> Dockerfile {
    match parse("Dockerfile", text) {
        Ok(df) => df,
        Err(e) => panic!("{e}"),
    }
}

fn parse_err(text: &str) -> ParseError {
    match parse("Dockerfile", text) {
        Ok(df) => panic!("parsed: {df:?}"),
        Err(e) => e,
    }
}

/// (keyword, args, line) of every instruction.
fn summary(df: &Dockerfile) -> Vec<(&str, &str, usize)> {
    df.instructions
        .iter()
        .map(|i| (i.keyword.as_str(), i.args.as_str(), i.line))
        .collect()
}

#[test]
fn continuation_lines_are_joined_as_buildkit_joins_them() {
    let df =
        parse_ok("FROM alpine\nRUN apk add --no-cache \\\n      curl \\\n      jq\nUSER app\n");
    assert_eq!(
        summary(&df),
        [
            ("FROM", "alpine", 1),
            ("RUN", "apk add --no-cache       curl       jq", 2),
            ("USER", "app", 5),
        ]
    );
}

#[test]
fn blanks_after_the_escape_character_still_continue_the_line() {
    let df = parse_ok("FROM alpine\nRUN a \\  \t\n b\n");
    assert_eq!(df.instructions[1].args, "a  b");
}

#[test]
fn comment_and_blank_lines_inside_a_continuation_are_dropped() {
    let df = parse_ok("FROM alpine\nRUN apt-get update \\\n  # refresh first\n\n    # and then\n  && apt-get install -y x\n");
    assert_eq!(
        df.instructions[1].args,
        "apt-get update   && apt-get install -y x"
    );
    assert_eq!(df.instructions.len(), 2);
}

#[test]
fn continuation_at_end_of_file_keeps_the_instruction() {
    let df = parse_ok("FROM alpine\nRUN echo \\");
    assert_eq!(summary(&df)[1], ("RUN", "echo", 2));
}

#[test]
fn comments_start_a_line_and_hash_inside_a_line_is_text() {
    let df = parse_ok("# a comment\n  # an indented comment\nFROM alpine\nRUN echo '# not a comment' # nor this\n");
    assert_eq!(
        summary(&df),
        [
            ("FROM", "alpine", 3),
            ("RUN", "echo '# not a comment' # nor this", 4)
        ]
    );
}

#[test]
fn escape_directive_makes_the_backtick_the_continuation_character() {
    let df = parse_ok("# escape=`\nFROM mcr.microsoft.com/windows/servercore\nCOPY testfile.txt C:\\\nRUN dir c:\\ `\n    && echo done\n");
    assert_eq!(df.escape, '`');
    assert_eq!(
        summary(&df)[1..],
        [
            ("COPY", "testfile.txt C:\\", 3),
            ("RUN", "dir c:\\     && echo done", 4)
        ]
    );
}

#[test]
fn syntax_and_escape_directives_are_read_in_any_case_and_spacing() {
    let df = parse_ok("#  Syntax = docker/dockerfile:1.7\n# ESCAPE=\\\nFROM alpine\n");
    assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1.7"));
    assert_eq!(df.escape, '\\');
}

#[test]
fn directives_after_a_comment_or_blank_line_are_plain_comments() {
    // The escape directive comes too late: the backslash still continues lines.
    let df = parse_ok("# a comment first\n# escape=`\nFROM alpine\nRUN a \\\n b\n");
    assert_eq!(df.escape, '\\');
    assert_eq!(df.instructions[1].args, "a  b");
    let df = parse_ok("\n# syntax=docker/dockerfile:1\nFROM alpine\n");
    assert_eq!(df.syntax, None);
    let df = parse_ok("FROM alpine\n# escape=`\n");
    assert_eq!(df.escape, '\\');
}

#[test]
fn unknown_directive_ends_the_directives() {
    let df = parse_ok("# foo=bar\n# syntax=docker/dockerfile:1\nFROM alpine\n");
    assert_eq!(df.syntax, None);
}

#[test]
fn a_directive_given_twice_is_an_error() {
    let e = parse_err("# escape=`\n# escape=`\nFROM alpine\n");
    assert_eq!(e.line, 2);
    assert_eq!(
        e.kind,
        ParseErrorKind::DuplicateDirective {
            name: "escape".into()
        }
    );
}

#[test]
fn an_invalid_escape_character_is_an_error() {
    let e = parse_err("# escape=x\nFROM alpine\n");
    assert_eq!(e.line, 1);
    assert_eq!(e.kind, ParseErrorKind::InvalidEscape { value: "x".into() });
    assert_eq!(
        e.to_string(),
        "Dockerfile:1: invalid escape character `x` (it must be `\\` or `` ` ``)"
    );
}

#[test]
fn keywords_are_case_insensitive_and_upper_cased() {
    let df = parse_ok("from alpine As Build\n  run echo hi\nCopy --from=build / /\n");
    assert_eq!(
        summary(&df),
        [
            ("FROM", "alpine As Build", 1),
            ("RUN", "echo hi", 2),
            ("COPY", "--from=build / /", 3)
        ]
    );
    assert_eq!(df.instructions[1].column, 3);
    assert_eq!(df.stages[0].name.as_deref(), Some("Build"));
    assert_eq!(df.stage_named("build"), Some(0));
}

#[test]
fn heredoc_run_reads_the_lines_up_to_the_terminator() {
    let df = parse_ok(
        "FROM debian\nRUN <<EOF\napt-get update\n# this is script text, not a comment\napt-get install -y curl\nEOF\nUSER app\n",
    );
    let run = &df.instructions[1];
    assert_eq!((run.args.as_str(), run.line), ("<<EOF", 2));
    assert_eq!(
        run.heredocs,
        [Heredoc {
            name: "EOF".into(),
            content:
                "apt-get update\n# this is script text, not a comment\napt-get install -y curl\n"
                    .into(),
            chomp: false,
            expand: true,
        }]
    );
    assert_eq!(summary(&df)[2], ("USER", "app", 7));
}

#[test]
fn heredoc_body_lines_are_never_instructions() {
    let df =
        parse_ok("FROM alpine\nCOPY <<EOF /Dockerfile.inner\nFROM scratch\nBOGUS line \\\nEOF\n");
    assert_eq!(df.instructions.len(), 2);
    assert_eq!(df.stages.len(), 1);
    assert_eq!(
        df.instructions[1].heredocs[0].content,
        "FROM scratch\nBOGUS line \\\n"
    );
}

#[test]
fn chomped_heredoc_accepts_a_tab_indented_terminator() {
    let df = parse_ok("FROM alpine\nRUN <<-EOT\n\techo hi\n\tEOT\nUSER x\n");
    let h = &df.instructions[1].heredocs[0];
    assert!(h.chomp);
    assert_eq!(h.content, "\techo hi\n");
    assert_eq!(df.instructions[2].line, 5);
}

#[test]
fn without_chomp_an_indented_terminator_is_content() {
    let e = parse_err("FROM alpine\nRUN <<EOT\n\techo hi\n\tEOT\n");
    assert_eq!(e.line, 2);
}

#[test]
fn quoted_heredoc_words_turn_expansion_off() {
    let df = parse_ok("FROM alpine\nRUN <<\"EOF\" bash\necho $HOME\nEOF\nRUN <<'X'\nls\nX\n");
    let first = &df.instructions[1].heredocs[0];
    assert_eq!((first.name.as_str(), first.expand), ("EOF", false));
    let second = &df.instructions[2].heredocs[0];
    assert_eq!((second.name.as_str(), second.expand), ("X", false));
}

#[test]
fn several_heredocs_on_one_line_are_read_in_order() {
    let df = parse_ok("FROM alpine\nCOPY <<robots.txt <<humans.txt /usr/share/www/\nUser-agent: *\nrobots.txt\nhello\nhumans.txt\nRUN <<A cat > /a && <<B cat > /b\n1\nA\n2\nB\nCMD [\"sh\"]\n");
    let copy = &df.instructions[1];
    assert_eq!(copy.args, "<<robots.txt <<humans.txt /usr/share/www/");
    let docs: Vec<(&str, &str)> = copy
        .heredocs
        .iter()
        .map(|h| (h.name.as_str(), h.content.as_str()))
        .collect();
    assert_eq!(
        docs,
        [("robots.txt", "User-agent: *\n"), ("humans.txt", "hello\n")]
    );
    assert_eq!(df.instructions[2].heredocs.len(), 2);
    assert_eq!(summary(&df)[3], ("CMD", "[\"sh\"]", 12));
}

#[test]
fn copy_heredoc_to_a_destination() {
    let df =
        parse_ok("FROM nginx\nCOPY --chmod=644 <<EOF /etc/nginx/conf.d/app.conf\nserver {}\nEOF\n");
    let copy = &df.instructions[1];
    assert_eq!(copy.args, "--chmod=644 <<EOF /etc/nginx/conf.d/app.conf");
    assert_eq!(copy.heredocs[0].content, "server {}\n");
}

#[test]
fn heredoc_after_continuation_lines_starts_after_the_last_one() {
    let df = parse_ok("FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk \\\n    <<EOF\napk add curl\nEOF\n");
    let run = &df.instructions[1];
    assert_eq!(run.heredocs[0].content, "apk add curl\n");
    assert_eq!(run.line, 2);
}

#[test]
fn exec_form_and_other_instructions_have_no_heredocs() {
    let df = parse_ok("FROM alpine\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nLABEL x=\"<<EOF\"\nRUN echo $((1 << 2))\n");
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
}

#[test]
fn unterminated_heredoc_names_the_instruction_line() {
    let e = parse_err("FROM alpine\n\nRUN <<EOF\necho hi\n");
    assert_eq!(e.line, 3);
    assert_eq!(
        e.kind,
        ParseErrorKind::UnterminatedHeredoc { name: "EOF".into() }
    );
    assert_eq!(
        e.to_string(),
        "Dockerfile:3: unterminated heredoc: no line `EOF` ends it"
    );
}

#[test]
fn stages_split_the_instructions() {
    let df = parse_ok("ARG GO=1.22\nFROM --platform=$BUILDPLATFORM golang:${GO} AS build\nRUN go build -o /app .\n\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n");
    assert_eq!(df.instructions[0].stage, None);
    let stages: Vec<(usize, Option<usize>)> =
        df.instructions.iter().map(|i| (i.line, i.stage)).collect();
    assert_eq!(
        stages,
        [
            (1, None),
            (2, Some(0)),
            (3, Some(0)),
            (5, Some(1)),
            (6, Some(1))
        ]
    );
    assert_eq!(
        df.stages[0],
        Stage {
            // The global ARG GO=1.22 is in scope for FROM.
            from: "golang:1.22".into(),
            name: Some("build".into()),
            platform: Some("$BUILDPLATFORM".into()),
            line: 2,
            instructions: 1..3,
        }
    );
    assert_eq!(df.stages[1].from, "gcr.io/distroless/static");
    assert_eq!(df.stages[1].instructions, 3..5);
    let last: Vec<&str> = df.instructions[df.stages[1].instructions.clone()]
        .iter()
        .map(|i| i.keyword.as_str())
        .collect();
    assert_eq!(last, ["FROM", "COPY"]);
}

#[test]
fn instruction_before_the_first_from_is_an_error() {
    let e = parse_err("ARG V=1\n# set up\nRUN echo\nFROM alpine\n");
    assert_eq!(e.line, 3);
    assert_eq!(
        e.kind,
        ParseErrorKind::BeforeFrom {
            keyword: "RUN".into()
        }
    );
}

#[test]
fn empty_and_comment_only_files_are_errors() {
    for text in [
        "",
        "\n\n",
        "# syntax=docker/dockerfile:1\n# nothing else\n",
        "\u{feff}",
    ] {
        let e = parse_err(text);
        assert_eq!((e.line, e.kind), (1, ParseErrorKind::Empty), "{text:?}");
    }
    let e = parse_err("\nARG A=1\n");
    assert_eq!((e.line, e.kind), (2, ParseErrorKind::NoFrom));
}

#[test]
fn unknown_instruction_is_an_error() {
    let e = parse_err("FROM alpine\nRUNN echo\n");
    assert_eq!(e.line, 2);
    assert_eq!(e.to_string(), "Dockerfile:2: unknown instruction `RUNN`");
}

#[test]
fn from_needs_an_image_and_at_most_a_name() {
    for text in ["FROM\n", "FROM a b\n", "FROM a AS\n", "FROM a AS b c\n"] {
        let e = parse_err(text);
        assert!(matches!(e.kind, ParseErrorKind::BadFrom { .. }), "{text:?}");
    }
}

#[test]
fn crlf_line_ends_and_a_byte_order_mark_are_accepted() {
    let df = parse_ok("\u{feff}# escape=`\r\nFROM alpine\r\nRUN a `\r\n b\r\n");
    assert_eq!(df.escape, '`');
    assert_eq!(summary(&df), [("FROM", "alpine", 2), ("RUN", "a  b", 3)]);
}

#[test]
fn from_takes_the_global_arg_defaults() {
    let df = Dockerfile::parse(
        "Dockerfile",
        "ARG PY=3.12\nARG BASE=python:${PY}-slim\nFROM ${BASE} AS build\nRUN make\nARG UNKNOWN\nFROM $UNKNOWN\n",
    )
    .expect("parses");
    assert_eq!(df.stages[0].from, "python:3.12-slim");
    assert_eq!(df.stages[1].from, "$UNKNOWN");
}
