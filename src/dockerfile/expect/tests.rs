use super::*;

/// The expectations of the final stage's chain, shown with `*` for wildcards.
fn expect(text: &str) -> Vec<(usize, Expect)> {
    let df = Dockerfile::parse("Dockerfile", text).expect("parses");
    let last = df.stages.len() - 1;
    expectations(&df, &[last])
}

fn matches(text: &str, created_by: &str) -> bool {
    let all = expect(text);
    let (_, last) = all.last().expect("a layer-making instruction");
    last.matches(&Entry::parse(created_by))
}

const DF_RUN: &str = "FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl\n";

#[test]
fn shell_form_run_matches_every_builder() {
    for created_by in [
        "RUN /bin/sh -c apt-get update &&     apt-get install -y curl # buildkit",
        "/bin/sh -c apt-get update &&     apt-get install -y curl",
        "RUN apt-get update &&     apt-get install -y curl",
        "RUN |2 A=b C=d /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
        "|1 X=y /bin/sh -c apt-get update && apt-get install -y curl",
    ] {
        assert!(matches(DF_RUN, created_by), "{created_by}");
    }
}

#[test]
fn run_does_not_match_a_longer_or_other_command() {
    for created_by in [
        "RUN /bin/sh -c apt-get install -y curl # buildkit",
        "/bin/sh -c echo x && apt-get update && apt-get install -y curl",
        "COPY apt-get update && apt-get install -y curl # buildkit",
        "/bin/sh -c #(nop) COPY file:ab in /x ",
    ] {
        assert!(!matches(DF_RUN, created_by), "{created_by}");
    }
}

#[test]
fn run_flags_are_not_part_of_the_command() {
    let df = "FROM rust\nRUN --mount=type=cache,target=/usr/local/cargo/registry cargo build --release\n";
    assert!(matches(
        df,
        "RUN /bin/sh -c cargo build --release # buildkit"
    ));
}

#[test]
fn exec_form_run_is_joined_with_spaces() {
    let df = "FROM alpine\nRUN [\"apk\", \"add\", \"curl\"]\n";
    assert!(matches(df, "RUN apk add curl # buildkit"));
    assert!(matches(df, "apk add curl"));
    assert!(matches(df, "|1 V=2 apk add curl"));
    assert!(!matches(df, "/bin/sh -c apk add curl && true apk add curl"));
}

#[test]
fn run_after_shell_uses_that_shell() {
    let df = "FROM debian\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl x | sh\n";
    assert!(matches(
        df,
        "RUN /bin/bash -o pipefail -c curl x | sh # buildkit"
    ));
    let df =
        "FROM mcr.microsoft.com/powershell\nSHELL [\"pwsh\", \"-NoProfile\"]\nRUN Get-Item x\n";
    assert!(matches(df, "RUN pwsh -NoProfile Get-Item x # buildkit"));
}

#[test]
fn heredoc_run_matches_the_content_buildkit_runs() {
    let df = "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n";
    assert!(matches(
        df,
        "RUN /bin/sh -c apt-get update\napt-get install -y curl\n # buildkit"
    ));
    let df = "FROM python\nRUN <<EOF\n#!/usr/bin/env python3\nprint('hi')\nEOF\n";
    assert!(matches(df, "RUN /bin/sh -c /dev/pipes/EOF # buildkit"));
    let df = "FROM python\nRUN python3 <<EOF\nprint('hi')\nEOF\n";
    assert!(matches(
        df,
        "RUN /bin/sh -c python3 <<EOF\nprint('hi')\nEOF # buildkit"
    ));
}

#[test]
fn copy_compares_the_destination_only() {
    let df = "FROM alpine\nCOPY --from=build --chown=app:app /src/target/app /usr/local/bin/app\n";
    assert!(matches(
        df,
        "COPY /src/target/app /usr/local/bin/app # buildkit"
    ));
    assert!(matches(
        df,
        "/bin/sh -c #(nop) COPY file:c0ffee in /usr/local/bin/app "
    ));
    assert!(!matches(
        df,
        "COPY /src/target/app /usr/local/bin/ # buildkit"
    ));
    assert!(!matches(
        df,
        "ADD /src/target/app /usr/local/bin/app # buildkit"
    ));
    assert!(!matches(
        df,
        "/bin/sh -c #(nop) COPY file:c0ffee in /usr/local/bin/app2 "
    ));
}

#[test]
fn copy_heredoc_and_exec_form_destinations() {
    let df = "FROM nginx\nCOPY <<EOF /etc/nginx/conf.d/app.conf\nserver {}\nEOF\n";
    assert!(matches(
        df,
        "COPY <<EOF /etc/nginx/conf.d/app.conf # buildkit"
    ));
    let df = "FROM alpine\nADD [\"my file.txt\", \"/opt/my dir/\"]\n";
    assert!(matches(df, "ADD my file.txt /opt/my dir/ # buildkit"));
}

#[test]
fn copy_destination_variables_are_expanded() {
    let df = "FROM eclipse-temurin\nARG NAME=app\nENV APP_HOME=/opt/$NAME\nCOPY target/*.jar $APP_HOME/\n";
    assert!(matches(df, "COPY target/*.jar /opt/app/ # buildkit"));
    // A variable of the base image is not known: it matches any text.
    let df = "FROM eclipse-temurin\nCOPY app.jar ${JAVA_HOME}/lib/\n";
    assert!(matches(
        df,
        "COPY app.jar /opt/java/openjdk/lib/ # buildkit"
    ));
    assert!(!matches(
        df,
        "COPY app.jar /opt/java/openjdk/bin/ # buildkit"
    ));
}

#[test]
fn global_args_need_a_declaration_in_the_stage() {
    let df = "ARG DIR=/srv\nFROM alpine\nARG DIR\nCOPY x $DIR\n";
    assert!(matches(df, "COPY x /srv # buildkit"));
    assert!(!matches(df, "COPY x /other # buildkit"));
}

#[test]
fn workdir_is_resolved_against_the_previous_one() {
    let df = "FROM node\nWORKDIR /usr/src\nWORKDIR app/../app/\n";
    assert!(matches(df, "WORKDIR /usr/src/app"));
    assert!(matches(df, "/bin/sh -c #(nop) WORKDIR /usr/src/app"));
    assert!(!matches(df, "WORKDIR /app"));
    // Relative to the base image's directory, which is not known here.
    let df = "FROM node\nWORKDIR app\n";
    assert!(matches(df, "WORKDIR /app"));
    assert!(matches(df, "WORKDIR /home/node/app"));
    // From scratch the directory is `/`.
    let df = "FROM scratch\nWORKDIR app\n";
    assert!(!matches(df, "WORKDIR /home/node/app"));
}

#[test]
fn only_layer_making_instructions_are_expected() {
    let df = "FROM alpine\nENV A=1\nLABEL x=y\nEXPOSE 80\nUSER app\nVOLUME /data\nCMD [\"sh\"]\nRUN true\nHEALTHCHECK CMD true\nONBUILD RUN make\n";
    let keywords: Vec<usize> = expect(df).into_iter().map(|(i, _)| i).collect();
    assert_eq!(keywords, [7]);
}

#[test]
fn build_args_prefix_is_read_exactly() {
    assert_eq!(
        strip_build_args("|2 A=b C=d /bin/sh -c"),
        Some("/bin/sh -c")
    );
    assert_eq!(strip_build_args("|1 A=b"), Some(""));
    assert_eq!(strip_build_args("|2 A=b /bin/sh -c"), None);
    assert_eq!(strip_build_args("/bin/sh -c"), None);
}
