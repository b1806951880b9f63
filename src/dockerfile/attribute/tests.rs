use super::*;

fn dockerfile(text: &str) -> Dockerfile {
    match Dockerfile::parse("Dockerfile", text) {
        Ok(df) => df,
        Err(e) => panic!("{e}"),
    }
}

/// Each layer's attribution, short: `3:RUN` (line and keyword), `base IMAGE`, `unknown`.
fn short(df: &Dockerfile, layers: &[Option<&str>]) -> Vec<String> {
    attribute_stage(df, df.final_stage(), layers)
        .into_iter()
        .map(|a| match a {
            Attribution::Instruction { line, keyword, .. } => format!("{line}:{keyword}"),
            Attribution::BaseImage { from } => format!("base {from}"),
            Attribution::Unknown => "unknown".to_string(),
        })
        .collect()
}

fn all(layers: &[&'static str]) -> Vec<Option<&'static str>> {
    layers.iter().copied().map(Some).collect()
}

/// The Dockerfile of dive's test image (`Dockerfile.test-image` in dive's repository), written
/// out again: busybox, one ADD of a file, RUNs that copy, move and delete it, one ADD of a
/// directory, more RUNs.
const DIVE: &str = "FROM busybox:latest
ADD README.md /somefile.txt
RUN mkdir -p /root/example/really/nested
RUN cp /somefile.txt /root/example/somefile1.txt
RUN chmod 444 /root/example/somefile1.txt
RUN cp /somefile.txt /root/example/somefile2.txt
RUN cp /somefile.txt /root/example/somefile3.txt
RUN mv /root/example/somefile3.txt /root/saved.txt
RUN cp /root/saved.txt /root/.saved.txt
RUN rm -rf /root/example/
ADD .scripts/ /root/.data/
RUN cp /root/saved.txt /tmp/saved.again1.txt
RUN cp /root/saved.txt /root/.data/saved.again2.txt
RUN chmod +x /root/saved.txt
";

/// Line 1 is the base image; lines 2 to 14 made one layer each.
fn dive_expected() -> Vec<String> {
    let mut expected = vec!["base busybox:latest".to_string()];
    expected.extend((2..=14).map(|line| {
        let keyword = if line == 2 || line == 11 {
            "ADD"
        } else {
            "RUN"
        };
        format!("{line}:{keyword}")
    }));
    expected
}

#[test]
fn dive_test_image_built_by_the_classic_builder() {
    // The created_by of the 14 layers of dive's test-docker-image.tar, as `docker save` wrote
    // them (the empty `CMD ["sh"]` entry of busybox has no layer).
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ",
        "/bin/sh -c #(nop) ADD file:139c3708fb6261126453e34483abd8bf7b26ed16d952fd976994d68e72d93be2 in /somefile.txt ",
        "/bin/sh -c mkdir -p /root/example/really/nested",
        "/bin/sh -c cp /somefile.txt /root/example/somefile1.txt",
        "/bin/sh -c chmod 444 /root/example/somefile1.txt",
        "/bin/sh -c cp /somefile.txt /root/example/somefile2.txt",
        "/bin/sh -c cp /somefile.txt /root/example/somefile3.txt",
        "/bin/sh -c mv /root/example/somefile3.txt /root/saved.txt",
        "/bin/sh -c cp /root/saved.txt /root/.saved.txt",
        "/bin/sh -c rm -rf /root/example/",
        "/bin/sh -c #(nop) ADD dir:7ec14b81316baa1a31c38c97686a8f030c98cba2035c968412749e33e0c4427e in /root/.data/ ",
        "/bin/sh -c cp /root/saved.txt /tmp/saved.again1.txt",
        "/bin/sh -c cp /root/saved.txt /root/.data/saved.again2.txt",
        "/bin/sh -c chmod +x /root/saved.txt",
    ]);
    assert_eq!(short(&dockerfile(DIVE), &layers), dive_expected());
}

#[test]
fn dive_test_image_built_by_buildkit() {
    // The same Dockerfile as BuildKit records it; busybox's own layer keeps its classic entry.
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ",
        "ADD README.md /somefile.txt # buildkit",
        "RUN /bin/sh -c mkdir -p /root/example/really/nested # buildkit",
        "RUN /bin/sh -c cp /somefile.txt /root/example/somefile1.txt # buildkit",
        "RUN /bin/sh -c chmod 444 /root/example/somefile1.txt # buildkit",
        "RUN /bin/sh -c cp /somefile.txt /root/example/somefile2.txt # buildkit",
        "RUN /bin/sh -c cp /somefile.txt /root/example/somefile3.txt # buildkit",
        "RUN /bin/sh -c mv /root/example/somefile3.txt /root/saved.txt # buildkit",
        "RUN /bin/sh -c cp /root/saved.txt /root/.saved.txt # buildkit",
        "RUN /bin/sh -c rm -rf /root/example/ # buildkit",
        "ADD .scripts/ /root/.data/ # buildkit",
        "RUN /bin/sh -c cp /root/saved.txt /tmp/saved.again1.txt # buildkit",
        "RUN /bin/sh -c cp /root/saved.txt /root/.data/saved.again2.txt # buildkit",
        "RUN /bin/sh -c chmod +x /root/saved.txt # buildkit",
    ]);
    assert_eq!(short(&dockerfile(DIVE), &layers), dive_expected());
}

#[test]
fn dive_test_image_built_by_kaniko() {
    // dive's test-kaniko-image.tar: Kaniko writes each instruction as written.
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:ab8940a9b8a62d2f2c4634bf5e63a87ea73736bd0313412e41be2351c4fbdf53 in / ",
        "ADD README.md /somefile.txt",
        "RUN mkdir -p /root/example/really/nested",
        "RUN cp /somefile.txt /root/example/somefile1.txt",
        "RUN chmod 444 /root/example/somefile1.txt",
        "RUN cp /somefile.txt /root/example/somefile2.txt",
        "RUN cp /somefile.txt /root/example/somefile3.txt",
        "RUN mv /root/example/somefile3.txt /root/saved.txt",
        "RUN cp /root/saved.txt /root/.saved.txt",
        "RUN rm -rf /root/example/",
        "ADD .scripts/ /root/.data/",
        "RUN cp /root/saved.txt /tmp/saved.again1.txt",
        "RUN cp /root/saved.txt /root/.data/saved.again2.txt",
        "RUN chmod +x /root/saved.txt",
    ]);
    assert_eq!(short(&dockerfile(DIVE), &layers), dive_expected());
}

#[test]
fn tiny_fixture_history_mixes_classic_and_buildkit_entries() {
    // tests/fixtures: the tiny image's six layers, made by buildah, umoci and BuildKit-style
    // entries, with a Dockerfile that would make them. From scratch: every layer is explained.
    let df = dockerfile(
        "FROM scratch
ADD base.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
LABEL org.opencontainers.image.title=\"tiny\"
COPY libfoo.so.1.2.3 /usr/lib/libfoo.so.1.2.3
COPY overlay/ /
RUN rm -rf /opt/app/conf && mkdir /opt/app/conf && \\
    printf 'mode=prod\\nworkers=2\\n' > /opt/app/conf/app.conf && chmod 0700 /usr/bin/foo
RUN rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/share/doc/foo/examples /opt/app/data /root/.cache/pip/wheel.bin
COPY app/ /opt/app/
CMD [\"/usr/bin/foo\"]
",
    );
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:04ebb88f27f54d13f383c4bd1b617defbaf069a96c00d0b6ad1094e6a85c199b in /",
        "/bin/sh -c #(nop) COPY file:2678f27a9f06a25fe942c92d65aa2fbe3f3bbb4e0814c468ec20ef8a66157a92 in /usr/lib/libfoo.so.1.2.3 ",
        "/bin/sh -c #(nop) COPY dir:521420286f378c8d5126bed3464c8f5e18b855acafa1a85e2917911bd1513347 in / ",
        "/bin/sh -c rm -rf /opt/app/conf && mkdir /opt/app/conf && printf 'mode=prod\\nworkers=2\\n' > /opt/app/conf/app.conf && chmod 0700 /usr/bin/foo",
        "RUN /bin/sh -c rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/share/doc/foo/examples /opt/app/data /root/.cache/pip/wheel.bin # buildkit",
        "COPY app/ /opt/app/ # buildkit",
    ]);
    assert_eq!(
        short(&df, &layers),
        ["2:ADD", "5:COPY", "6:COPY", "7:RUN", "9:RUN", "10:COPY"]
    );
}

#[test]
fn attribution_carries_the_instruction_text_and_place() {
    let df = dockerfile("FROM alpine\n  RUN apk add \\\n    curl\n");
    let got = attribute_stage(
        &df,
        df.final_stage(),
        &[None, Some("RUN /bin/sh -c apk add     curl # buildkit")],
    );
    assert_eq!(
        got,
        [
            Attribution::BaseImage {
                from: "alpine".into()
            },
            Attribution::Instruction {
                line: 2,
                column: 3,
                keyword: "RUN".into(),
                text: "apk add     curl".into(),
            }
        ]
    );
}

const MULTI_STAGE: &str = "# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
USER nonroot
ENTRYPOINT [\"/app\"]
";

#[test]
fn multi_stage_only_the_final_stage_counts() {
    let df = dockerfile(MULTI_STAGE);
    // The middle entry is the build stage's RUN: it is not in the final image's stage, so it
    // is not attributed to line 5 (and, below the lowest match, it counts as the base image).
    let layers = [
        Some("bazel build //base:static"),
        None,
        Some("RUN /bin/sh -c go build -o /out/app ./cmd/app # buildkit"),
        Some("COPY /out/app /app # buildkit"),
    ];
    let base = "base gcr.io/distroless/static-debian12";
    assert_eq!(short(&df, &layers), [base, base, base, "8:COPY"]);
    // The same image from the classic builder: COPY --from keeps only the destination.
    let layers = [None, Some("/bin/sh -c #(nop) COPY file:9f2c in /app ")];
    assert_eq!(short(&df, &layers), [base, "8:COPY"]);
}

#[test]
fn target_stage_is_attributed_on_request() {
    let df = dockerfile(MULTI_STAGE);
    let build = df.stage_named("BUILD").expect("a stage named build");
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:debian in / ",
        "WORKDIR /src",
        "COPY . . # buildkit",
        "RUN /bin/sh -c go build -o /out/app ./cmd/app # buildkit",
    ]);
    let got: Vec<_> = attribute_stage(&df, build, &layers)
        .into_iter()
        .map(|a| match a {
            Attribution::Instruction { line, .. } => line,
            _ => 0,
        })
        .collect();
    assert_eq!(got, [0, 3, 4, 5]);
    assert_eq!(
        attribute_stage(&df, 7, &layers),
        vec![Attribution::Unknown; 4]
    );
}

#[test]
fn stage_built_from_a_stage_takes_its_instructions_too() {
    let df = dockerfile(
        "FROM python:3.12-slim AS base
RUN pip install --no-cache-dir poetry
FROM base AS app
COPY . /app
",
    );
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:py in / ",
        "RUN /bin/sh -c pip install --no-cache-dir poetry # buildkit",
        "COPY . /app # buildkit",
    ]);
    assert_eq!(
        short(&df, &layers),
        ["base python:3.12-slim", "2:RUN", "4:COPY"]
    );
}

#[test]
fn build_args_prefix_before_the_shell() {
    let df = dockerfile(
        "FROM alpine
ARG A=b
ARG C
RUN make
ARG VERSION=1.0
RUN echo $VERSION > /version
",
    );
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:alpine in / ",
        "RUN |2 A=b C=d /bin/sh -c make # buildkit",
        "|3 A=b C=d VERSION=1.0 /bin/sh -c echo $VERSION > /version",
    ]);
    assert_eq!(short(&df, &layers), ["base alpine", "4:RUN", "6:RUN"]);
}

#[test]
fn heredoc_run_is_attributed() {
    let df = dockerfile(
        "FROM debian:bookworm
RUN <<EOF
set -e
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF
COPY <<EOF /etc/app.conf
mode=prod
EOF
",
    );
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:debian in / ",
        "RUN /bin/sh -c set -e\napt-get update\napt-get install -y --no-install-recommends curl\nrm -rf /var/lib/apt/lists/*\n # buildkit",
        "COPY <<EOF /etc/app.conf # buildkit",
    ]);
    assert_eq!(
        short(&df, &layers),
        ["base debian:bookworm", "2:RUN", "8:COPY"]
    );
}

#[test]
fn instructions_that_made_no_layer_are_skipped() {
    let df = dockerfile(
        "FROM node:20
ENV NODE_ENV=production
WORKDIR /home/node
LABEL org.opencontainers.image.source=https://example.com/app
RUN echo this step's layer is not in the history
COPY package.json .
RUN npm ci
CMD [\"node\", \"server.js\"]
",
    );
    // The classic builder made no layer for WORKDIR (the directory existed), and the first RUN's
    // layer is missing: the RUN matches nothing and is passed over.
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:node in / ",
        "/bin/sh -c #(nop) COPY file:1a2b in . ",
        "/bin/sh -c npm ci",
    ]);
    assert_eq!(short(&df, &layers), ["base node:20", "6:COPY", "7:RUN"]);
}

#[test]
fn workdir_layers_of_both_builders_are_attributed() {
    let df = dockerfile("FROM alpine\nWORKDIR /app\nCOPY . .\n");
    let buildkit = all(&["base", "WORKDIR /app", "COPY . . # buildkit"]);
    assert_eq!(
        short(&df, &buildkit),
        ["base alpine", "2:WORKDIR", "3:COPY"]
    );
    let classic = all(&[
        "base",
        "/bin/sh -c #(nop) WORKDIR /app",
        "/bin/sh -c #(nop) COPY dir:77 in . ",
    ]);
    assert_eq!(short(&df, &classic), ["base alpine", "2:WORKDIR", "3:COPY"]);
}

#[test]
fn a_layer_no_instruction_explains_is_unknown() {
    let df = dockerfile("FROM alpine\nRUN apk add curl\nCOPY app /app\n");
    // A layer added after the build (buildah commit), and one without history, above the base.
    let layers = [
        Some("/bin/sh -c #(nop) ADD file:alpine in / "),
        Some("RUN /bin/sh -c apk add curl # buildkit"),
        None,
        Some("COPY app /app # buildkit"),
        Some("buildah commit --squash"),
    ];
    assert_eq!(
        short(&df, &layers),
        ["base alpine", "2:RUN", "unknown", "3:COPY", "unknown"]
    );
}

#[test]
fn every_layer_below_the_first_match_is_the_base_image() {
    let df = dockerfile("FROM ubuntu:24.04\nRUN apt-get update\n");
    // ubuntu's own layers include a RUN with the same text: the top one is this Dockerfile's.
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:ubuntu in / ",
        "/bin/sh -c apt-get update",
        "RUN /bin/sh -c apt-get update # buildkit",
    ]);
    assert_eq!(
        short(&df, &layers),
        ["base ubuntu:24.04", "base ubuntu:24.04", "2:RUN"]
    );
}

#[test]
fn no_match_at_all_says_unknown_unless_nothing_makes_a_layer() {
    let df = dockerfile("FROM alpine\nRUN apk add curl\n");
    let layers = all(&[
        "/bin/sh -c #(nop) ADD file:other in / ",
        "RUN /bin/sh -c make # buildkit",
    ]);
    assert_eq!(short(&df, &layers), ["unknown", "unknown"]);
    // A Dockerfile that only sets metadata: the image is the base image.
    let df = dockerfile("FROM alpine\nENV A=1\nCMD [\"sh\"]\n");
    assert_eq!(short(&df, &layers), ["base alpine", "base alpine"]);
}

#[test]
fn from_scratch_has_no_base_image_layers() {
    let df = dockerfile("FROM scratch\nCOPY rootfs/ /\nCOPY app /app\n");
    let layers = all(&["something else", "COPY app /app # buildkit"]);
    assert_eq!(short(&df, &layers), ["unknown", "3:COPY"]);
}

#[test]
fn no_layers_gives_no_attributions() {
    let df = dockerfile(DIVE);
    assert_eq!(attribute_stage(&df, df.final_stage(), &[]), []);
}
