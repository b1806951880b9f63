//! Dockerfiles whose `ARG` and `ENV` values refer to each other grow geometrically: a kilobyte of
//! Dockerfile once asked for gigabytes and aborted the process (`memory allocation … failed`, no
//! `error:` line). Each is now refused at the line that crosses 1 MiB, with exit code 2, inside a
//! 256 MiB address space and 20 seconds; a Dockerfile that expands normally still attributes.

use crate::support::{bounded, fixture, path_str, shown, workdir, TINY};

/// `KEYWORD A=xxxxxxxx`, then `KEYWORD B=…` to `KEYWORD M=…`, each value `each(previous)`: eight
/// times the one before, so M would be 8^13 bytes (512 GiB).
fn chain(keyword: &str, each: impl Fn(char) -> String) -> String {
    let names: Vec<char> = ('A'..='M').collect();
    let mut text = format!("{keyword} A=xxxxxxxx\n");
    for pair in names.windows(2) {
        text.push_str(&format!("{keyword} {}={}\n", pair[1], each(pair[0])));
    }
    text
}

/// Runs `check` on the tiny image with `dockerfile`, bounded; asserts exit code 2, nothing on
/// stdout, and the one error line `PATH:MESSAGE`.
fn refused(dockerfile: &str, message: &str) {
    let dir = workdir(&[("Dockerfile", dockerfile)]);
    let path = dir.path().join("Dockerfile");
    let tiny = fixture(TINY);
    let policy = fixture("formats.yml");
    let args = [
        "check",
        path_str(&tiny),
        "--policy",
        path_str(&policy),
        "--dockerfile",
        path_str(&path),
    ];
    let r = bounded(&args, None, 256, 20);
    assert_eq!(r.run.code, 2, "{}", r.run.stderr);
    assert_eq!(r.run.stdout, "");
    assert_eq!(r.run.stderr, format!("error: {}:{message}\n", shown(&path)));
}

#[test]
fn a_doubling_arg_chain_is_refused_at_the_line_past_a_mebibyte() {
    // A is 8 bytes, B 64, … G 2 MiB: line 8.
    let dockerfile = format!(
        "FROM alpine\n{}",
        chain("ARG", |p| format!("${p}").repeat(8))
    );
    refused(
        &dockerfile,
        "8: ARG G expands to more than 1 MiB; sizegate stops there",
    );
}

#[test]
fn a_doubling_global_arg_chain_is_refused_before_any_stage() {
    let dockerfile = format!(
        "{}FROM alpine\n",
        chain("ARG", |p| format!("${{{p}}}").repeat(8))
    );
    refused(
        &dockerfile,
        "7: ARG G expands to more than 1 MiB; sizegate stops there",
    );
}

#[test]
fn a_doubling_env_chain_is_refused_the_same_way() {
    let dockerfile = format!(
        "FROM alpine\n{}",
        chain("ENV", |p| format!("${p}").repeat(8))
    );
    refused(
        &dockerfile,
        "8: ENV G expands to more than 1 MiB; sizegate stops there",
    );
}

#[test]
fn a_doubling_chain_through_nested_defaults_is_refused_the_same_way() {
    // With Z empty, `${Z:-${Z:-$A}$A}` is `$A$A`: four of them make eight.
    let nested = |p: char| format!("${{Z:-${{Z:-${p}}}${p}}}").repeat(4);
    let dockerfile = format!("FROM alpine\nARG Z=\n{}", chain("ARG", nested));
    refused(
        &dockerfile,
        "9: ARG G expands to more than 1 MiB; sizegate stops there",
    );
}

#[test]
fn defaults_nested_past_32_levels_are_refused() {
    let mut word = String::from("/app");
    for _ in 0..5_000 {
        word = format!("${{Z:-{word}}}");
    }
    let dockerfile = format!("FROM alpine\nARG Z=\nCOPY app {word}\n");
    refused(
        &dockerfile,
        "3: the destination of COPY nests `${…}` more than 32 deep; sizegate stops there",
    );
}

#[test]
fn a_dockerfile_with_ordinary_expansions_still_attributes_every_layer() {
    let dockerfile = "ARG BASE=debian:12-slim\nFROM ${BASE}\nARG LIB=/usr/lib\n\
        ENV LANG=C.UTF-8 APP=/opt/app\nCOPY libfoo.so.1.2.3 ${LIB}/libfoo.so.1.2.3\n\
        COPY rootfs/ /\n\
        RUN rm -rf /opt/app/conf && mkdir /opt/app/conf \\\n \
        && printf 'mode=prod\\nworkers=2\\n' > /opt/app/conf/app.conf && chmod 0700 /usr/bin/foo\n\
        RUN rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/share/doc/foo/examples /opt/app/data /root/.cache/pip/wheel.bin\n\
        COPY app/ $APP/\n";
    let dir = workdir(&[("Dockerfile", dockerfile)]);
    let path = dir.path().join("Dockerfile");
    let tiny = fixture(TINY);
    let policy = fixture("formats.yml");
    let args = [
        "check",
        path_str(&tiny),
        "--policy",
        path_str(&policy),
        "--dockerfile",
        path_str(&path),
        "--format",
        "json",
    ];
    let r = bounded(&args, None, 256, 20);
    assert_eq!(r.run.code, 1, "{}", r.run.stderr);
    let report = r.run.json();
    let origins: Vec<String> = report["images"][0]["origins"]
        .as_array()
        .expect("origins")
        .iter()
        .map(|o| match o["origin"].as_str() {
            Some("base-image") => format!("base {}", o["from"].as_str().unwrap_or("?")),
            Some("instruction") => format!("line {}", o["location"]["line"]),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        origins,
        [
            "base debian:12-slim",
            "line 5",
            "line 6",
            "line 7",
            "line 9",
            "line 10"
        ]
    );
}
