//! The bounds on what a Dockerfile can make the reader build: expanded values, nesting, the
//! total of all expansions, the instruction count. Each hostile file is a few kilobytes and is
//! refused at the line that crosses a bound, with what it expands.

use super::*;
use crate::dockerfile::attribute::chain;
use crate::dockerfile::expect::{expectations, Expect};

fn message(text: &str) -> String {
    match parse("Dockerfile", text) {
        Ok(_) => panic!("parsed"),
        Err(e) => e.to_string(),
    }
}

/// `KEYWORD NAME=$PREV×8` lines after a first `KEYWORD A=xxxxxxxx`: each value eight times the
/// one before (A 8 bytes, B 64, C 512, … H 16 MiB).
fn doubling(keyword: &str, names: &str, each: impl Fn(&str) -> String) -> String {
    let mut text = format!("{keyword} A=xxxxxxxx\n");
    let names: Vec<char> = names.chars().collect();
    for pair in names.windows(2) {
        text.push_str(&format!(
            "{keyword} {}={}\n",
            pair[1],
            each(&pair[0].to_string())
        ));
    }
    text
}

fn eight(name: &str) -> String {
    format!("${name}").repeat(8)
}

#[test]
fn a_doubling_arg_chain_stops_at_the_line_past_a_mebibyte() {
    // G would be 2 MiB.
    let text = format!("FROM alpine\n{}", doubling("ARG", "ABCDEFG", eight));
    assert_eq!(
        message(&text),
        "Dockerfile:8: ARG G expands to more than 1 MiB; sizegate stops there"
    );
    // The same before the first FROM, among the global ARGs.
    let text = format!("{}FROM alpine\n", doubling("ARG", "ABCDEFGH", eight));
    assert_eq!(
        message(&text),
        "Dockerfile:7: ARG G expands to more than 1 MiB; sizegate stops there"
    );
}

#[test]
fn a_doubling_env_chain_stops_too() {
    let text = format!("FROM alpine\n{}", doubling("ENV", "ABCDEFGH", eight));
    assert_eq!(
        message(&text),
        "Dockerfile:8: ENV G expands to more than 1 MiB; sizegate stops there"
    );
}

#[test]
fn a_doubling_chain_through_default_values_stops_too() {
    // `${Z:-…}` with Z empty takes the default: the same growth, one level of nesting deeper.
    let nested = |name: &str| format!("${{Z:-${{Z:-${name}}}${name}${name}${name}}}").repeat(2);
    let text = format!(
        "FROM alpine\nARG Z=\n{}",
        doubling("ARG", "ABCDEFGH", nested)
    );
    assert_eq!(
        message(&text),
        "Dockerfile:9: ARG G expands to more than 1 MiB; sizegate stops there"
    );
}

#[test]
fn nesting_past_32_levels_is_refused() {
    let mut word = String::from("x");
    for _ in 0..40 {
        word = format!("${{E:-{word}}}");
    }
    let text = format!("FROM alpine\nARG E=\nENV N={word}\n");
    assert_eq!(
        message(&text),
        "Dockerfile:3: ENV N nests `${…}` more than 32 deep; sizegate stops there"
    );
}

#[test]
fn copy_workdir_and_from_are_bounded_like_values() {
    // F is 256 KiB: five of it are past the bound.
    let five = |name: &str| format!("${name}").repeat(5);
    let copy = format!(
        "FROM alpine\n{}COPY app {}\n",
        doubling("ARG", "ABCDEF", eight),
        five("F")
    );
    assert_eq!(
        message(&copy),
        "Dockerfile:8: the destination of COPY expands to more than 1 MiB; sizegate stops there"
    );
    let from = format!("{}FROM {}\n", doubling("ARG", "ABCDEF", eight), five("F"));
    assert_eq!(
        message(&from),
        "Dockerfile:7: FROM expands to more than 1 MiB; sizegate stops there"
    );
    let workdir = format!(
        "FROM alpine\n{}WORKDIR {}\n",
        doubling("ENV", "ABCDEF", eight),
        five("F")
    );
    assert_eq!(
        message(&workdir),
        "Dockerfile:8: WORKDIR expands to more than 1 MiB; sizegate stops there"
    );
}

#[test]
fn many_values_under_the_bound_still_add_up_to_the_total_bound() {
    // F is 256 KiB: with A to F, 255 copies of it are past 64 MiB.
    let mut text = format!("FROM alpine\n{}", doubling("ARG", "ABCDEF", eight));
    for i in 0..300 {
        text.push_str(&format!("ARG X{i}=$F\n"));
    }
    assert_eq!(
        message(&text),
        "Dockerfile:262: ARG X254: the Dockerfile's expanded values add up to more than 64 MiB; sizegate stops there"
    );
}

#[test]
fn relative_workdirs_cannot_grow_the_path_without_bound() {
    // Each WORKDIR adds 1000 bytes to the path, and every resolved path is kept: the 365th
    // brings the total past 64 MiB.
    let dir = "d".repeat(1000);
    let text = format!("FROM alpine\n{}", format!("WORKDIR {dir}\n").repeat(1000));
    assert_eq!(
        message(&text),
        "Dockerfile:366: WORKDIR: the Dockerfile's expanded values add up to more than 64 MiB; sizegate stops there"
    );
}

#[test]
fn stages_built_on_one_stage_count_the_variables_they_inherit() {
    // Stage `big` holds 256 KiB of ENV; each stage built on it starts with a copy.
    let mut text = format!("FROM alpine AS big\n{}", doubling("ENV", "ABCDEF", eight));
    for _ in 0..300 {
        text.push_str("FROM big\nRUN true\n");
    }
    let e = message(&text);
    assert!(
        e.ends_with(": FROM: the Dockerfile's expanded values add up to more than 64 MiB; sizegate stops there"),
        "{e}"
    );
}

#[test]
fn a_deep_chain_of_stages_is_walked_once() {
    // Each stage is built on the one before and adds to a path: one walk, no copies.
    let mut text = String::from("FROM alpine AS s0\nENV P=/p\n");
    for i in 1..3000 {
        text.push_str(&format!("FROM s{} AS s{i}\nENV P=$P/x\nCOPY x $P\n", i - 1));
    }
    let df = parse_ok(&text);
    assert_eq!(df.stages.len(), 3000);
    let last = df.final_stage();
    let chain = chain(&df, last);
    assert_eq!(chain.len(), 3000);
    let all = expectations(&df, &chain);
    assert_eq!(all.len(), 2999);
    match &all[2998].1 {
        Expect::Copy { dest, .. } => assert_eq!(dest.len(), 2 + 2 * 2999),
        other => panic!("{other:?}"),
    }
}

#[test]
fn many_heredocs_cost_their_text() {
    let mut text = String::from("FROM alpine\nRUN cat");
    for i in 0..5000 {
        text.push_str(&format!(" <<E{i}"));
    }
    text.push('\n');
    for i in 0..5000 {
        text.push_str(&format!("line {i}\nE{i}\n"));
    }
    text.push_str("RUN true\n");
    let df = parse_ok(&text);
    assert_eq!(df.instructions[1].heredocs.len(), 5000);
    assert_eq!(df.instructions[2].line, 10_003);
}

#[test]
fn more_than_ten_thousand_instructions_are_refused() {
    let text = format!("FROM alpine\n{}", "RUN true\n".repeat(10_000));
    assert_eq!(
        message(&text),
        "Dockerfile:10001: more than 10000 instructions; sizegate stops there"
    );
    let text = format!("FROM alpine\n{}", "RUN true\n".repeat(9_999));
    assert_eq!(parse_ok(&text).instructions.len(), 10_000);
}

fn parse_ok(text: &str) -> Dockerfile {
    match parse("Dockerfile", text) {
        Ok(df) => df,
        Err(e) => panic!("{e}"),
    }
}
