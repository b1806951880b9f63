//! `IMAGE` written with its containers-image transport (`docker-archive:PATH`, `oci:DIR[:REF]`,
//! `oci-archive:PATH`) reads exactly as the path alone, in every command; a transport that does
//! not fit what is there, one this version does not read, and an image name that is no file are
//! exit 2 with a message that says what to do instead.

use crate::support::http::{Response, Server};
use crate::support::{assert_failed, fails, root, run, run_in, sizegate_in};

/// The fixtures, each with its explicit form, as typed from the repository root.
const FORMS: [(&str, &str); 4] = [
    (
        "tests/fixtures/tiny.docker.tar",
        "docker-archive:tests/fixtures/tiny.docker.tar",
    ),
    ("tests/fixtures/tiny.oci", "oci:tests/fixtures/tiny.oci"),
    (
        "tests/fixtures/tiny.oci",
        "oci:tests/fixtures/tiny.oci:latest",
    ),
    (
        "tests/fixtures/tiny.oci-archive.tar",
        "oci-archive:tests/fixtures/tiny.oci-archive.tar",
    ),
];

/// Runs `sizegate ARGS` from the repository root, with `{}` in ARGS replaced by `image`: its exit
/// code and stdout.
fn output(args: &[&str], image: &str) -> (i32, String) {
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "{}" { image } else { a })
        .collect();
    let run = run_in(root(), &args);
    (run.code, run.stdout)
}

#[test]
fn every_command_reads_the_explicit_forms_as_the_plain_paths() {
    let commands: [&[&str]; 9] = [
        &["layers", "{}", "--format", "json"],
        &["layers", "{}"],
        &["top", "{}", "--format", "json"],
        &["inventory", "{}"],
        &["explain", "{}", "--format", "json"],
        &["init", "{}"],
        &[
            "check",
            "{}",
            "--policy",
            "tests/fixtures/formats.yml",
            "--format",
            "json",
        ],
        &[
            "diff",
            "{}",
            "tests/fixtures/tiny.docker.tar",
            "--format",
            "json",
        ],
        &[
            "diff",
            "tests/fixtures/tiny.docker.tar",
            "{}",
            "--format",
            "json",
        ],
    ];
    for (plain, explicit) in FORMS {
        for args in commands {
            let expected = output(args, plain);
            assert!(expected.0 < 2, "{args:?} {plain}: {expected:?}");
            assert_eq!(output(args, explicit), expected, "{args:?} {explicit}");
        }
    }
}

#[test]
fn baseline_reads_the_explicit_forms_as_the_plain_paths() {
    for (plain, explicit) in FORMS {
        let check = |base| {
            output(
                &[
                    "check",
                    "tests/fixtures/tiny.docker.tar",
                    "--policy",
                    "tests/fixtures/formats.yml",
                    "--baseline",
                    base,
                    "--format",
                    "json",
                ],
                "",
            )
        };
        let expected = check(plain);
        assert!(expected.0 < 2, "{plain}: {expected:?}");
        assert_eq!(check(explicit), expected, "{explicit}");
    }
}

/// The error line `sizegate layers IMAGE` prints, run from the repository root.
fn layers_error(image: &str) -> String {
    assert_failed(&run_in(root(), &["layers", image]), image)
}

#[test]
fn a_transport_that_does_not_fit_the_content_is_refused() {
    let cases = [
        (
            "docker-archive:tests/fixtures/tiny.oci",
            "tests/fixtures/tiny.oci: docker-archive: names an archive file, but this is a directory; an OCI layout directory is read as oci:tests/fixtures/tiny.oci",
        ),
        (
            "oci-archive:tests/fixtures/tiny.oci",
            "tests/fixtures/tiny.oci: oci-archive: names an archive file, but this is a directory; an OCI layout directory is read as oci:tests/fixtures/tiny.oci",
        ),
        (
            "docker-archive:tests/fixtures/tiny.oci-archive.tar",
            "tests/fixtures/tiny.oci-archive.tar: docker-archive: names a docker save archive (with manifest.json), but this is an oci-archive (index.json, no manifest.json); read it as oci-archive:tests/fixtures/tiny.oci-archive.tar",
        ),
        (
            "oci-archive:tests/fixtures/tiny.docker.tar",
            "tests/fixtures/tiny.docker.tar: oci-archive: names an OCI archive (with index.json), but this is a docker-archive (manifest.json, no index.json); read it as docker-archive:tests/fixtures/tiny.docker.tar",
        ),
        (
            "oci:tests/fixtures/tiny.docker.tar",
            "tests/fixtures/tiny.docker.tar: oci: names an OCI layout directory, but this is a docker-archive (manifest.json, no index.json); read it as docker-archive:tests/fixtures/tiny.docker.tar",
        ),
        (
            "oci:tests/fixtures/tiny.oci-archive.tar",
            "tests/fixtures/tiny.oci-archive.tar: oci: names an OCI layout directory, but this is an archive file; read it as oci-archive:tests/fixtures/tiny.oci-archive.tar",
        ),
        (
            "oci:tests/fixtures/tiny.oci:nosuch",
            "tests/fixtures/tiny.oci: no image tagged nosuch; the archive has: latest",
        ),
        (
            "docker-archive:tests/fixtures/missing.tar",
            "tests/fixtures/missing.tar: No such file or directory (os error 2)",
        ),
    ];
    for (image, message) in cases {
        assert_eq!(
            layers_error(image),
            format!("error: {message}\n"),
            "{image}"
        );
    }
}

#[test]
fn oci_ref_and_a_different_image_option_are_refused() {
    let run = run_in(
        root(),
        &[
            "layers",
            "oci:tests/fixtures/tiny.oci:latest",
            "--image",
            "other",
        ],
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: tests/fixtures/tiny.oci: oci:DIR:latest and --image other name different images; give one of them\n"
    );
}

#[test]
fn an_image_name_that_is_no_file_and_no_daemon_s_says_what_was_tried() {
    for image in [
        "app",
        "app:1.2",
        "team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "localhost:5000/app:1",
    ] {
        for command in ["layers", "top", "inventory", "explain", "init"] {
            assert_eq!(
                fails(image, &[command, image], None),
                format!("error: {image}: no such file or directory, and no Docker daemon answers at unix:///nonexistent/sizegate-tests/docker.sock (No such file or directory (os error 2)); for an image of another daemon, set DOCKER_HOST; for a registry's, give docker://NAME; or pipe a saved image in: docker save {image} | sizegate … -\n"),
                "{command} {image}"
            );
        }
    }
    let diff = fails("diff", &["diff", "app:1", "app:2"], None);
    assert!(diff.contains("docker save app:"), "{diff}");
    let baseline = fails(
        "--baseline",
        &[
            "check",
            "tests/fixtures/tiny.docker.tar",
            "--policy",
            "tests/fixtures/formats.yml",
            "--baseline",
            "app:main",
        ],
        None,
    );
    assert!(
        baseline.starts_with("error: --baseline: app:main: no such file or directory, and no Docker daemon answers at unix:///nonexistent/sizegate-tests/docker.sock"),
        "{baseline}"
    );
}

#[test]
fn malformed_registry_references_say_what_is_wrong_before_any_request() {
    let cases = [
        ("docker:tiny", "a registry image is written docker://tiny, with two slashes"),
        ("docker://", "docker:// needs an image reference after it"),
        (
            "docker://App:1",
            "\"App:1\" is not an image reference: the path component \"App\" is not lowercase letters and digits joined by . _ __ or -",
        ),
        (
            "docker://localhost:5000/app:-1",
            "\"localhost:5000/app:-1\" is not an image reference: the tag \"-1\" is not [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}",
        ),
        (
            "docker://localhost:5000/app@sha256:12",
            "malformed digest \"sha256:12\": a sha256 digest is 64 lowercase hex digits",
        ),
    ];
    for (image, message) in cases {
        assert_eq!(
            fails(image, &["layers", image], None),
            format!("error: {image}: {message}\n")
        );
    }
}

#[test]
fn a_missing_file_that_is_no_image_name_keeps_no_such_file() {
    for image in ["./missing.tar", "x/y.tar", "missing.tar.gz"] {
        assert_eq!(
            layers_error(image),
            format!("error: {image}: No such file or directory (os error 2)\n")
        );
    }
}

/// A stand-in Docker Engine API on 127.0.0.1 (`DOCKER_HOST=tcp://…`) that saves the fixture as
/// `tiny/tiny:latest` and knows no other image.
fn daemon() -> Server {
    let archive = std::fs::read(root().join("tests/fixtures/tiny.docker.tar")).expect("fixture");
    Server::start(move |request| {
        if request.path == "/images/get?names=tiny%2Ftiny%3Alatest" {
            Response::bytes(200, archive.clone())
        } else {
            Response::new(404, r#"{"message":"No such image"}"#)
        }
    })
}

#[test]
fn docker_daemon_and_a_bare_name_read_the_daemon_s_image() {
    let daemon = daemon();
    let host = format!("tcp://{}", daemon.host());
    let run_with_daemon = |args: &[&str]| {
        let mut cmd = sizegate_in(root());
        cmd.env("DOCKER_HOST", &host).args(args);
        run(&mut cmd)
    };
    let archive = run_in(root(), &["layers", "tests/fixtures/tiny.docker.tar"]);
    for image in ["docker-daemon:tiny/tiny:latest", "tiny/tiny:latest"] {
        let from_daemon = run_with_daemon(&["layers", image]);
        assert_eq!(from_daemon.code, 0, "{image}: {}", from_daemon.stderr);
        assert_eq!(from_daemon.stdout, archive.stdout, "{image}");
    }
    // The request is `docker save`'s: one GET of the image by name.
    assert!(daemon
        .requests()
        .iter()
        .all(|r| r.method == "GET" && r.path == "/images/get?names=tiny%2Ftiny%3Alatest"));
    let missing = run_with_daemon(&["layers", "docker-daemon:app:1"]);
    assert_eq!(missing.code, 2);
    assert_eq!(
        missing.stderr,
        format!("error: docker-daemon:app:1: the Docker daemon at {host} has no image app:1\n")
    );
    let mut cmd = sizegate_in(root());
    cmd.env("DOCKER_HOST", &host)
        .env("DOCKER_TLS_VERIFY", "1")
        .args(["layers", "docker-daemon:app:1"]);
    let tls = run(&mut cmd);
    assert_eq!(tls.code, 2);
    assert_eq!(
        tls.stderr,
        format!("error: docker-daemon:app:1: DOCKER_TLS_VERIFY is set: sizegate does not speak TLS to the daemon at {host} yet; unset it for a plain tcp:// daemon, or pipe a saved image in: docker save app:1 | sizegate … -\n")
    );
    let bare = run_with_daemon(&["layers", "app:1"]);
    assert_eq!(
        bare.stderr,
        format!("error: app:1: no such file or directory, and the Docker daemon at {host} has no image app:1; for an image of another daemon, set DOCKER_HOST; for a registry's, give docker://NAME; or pipe a saved image in: docker save app:1 | sizegate … -\n")
    );
}

/// Podman's Docker-compatible service (`podman system service`), with its own storage in a
/// temporary directory (vfs, as in a container), holding the fixture loaded with `podman load`;
/// fails the test where podman is not installed.
#[cfg(unix)]
fn podman_service(dir: &std::path::Path) -> (std::process::Child, String) {
    use std::process::{Command, Stdio};
    let podman = |args: &[&str]| {
        let mut cmd = Command::new("podman");
        cmd.args(["--root", &format!("{}/root", dir.display())])
            .args(["--runroot", &format!("{}/run", dir.display())])
            .args(["--storage-driver", "vfs"])
            .args(args);
        cmd
    };
    crate::support::ci::require_tools(&["podman"]);
    let fixture = root().join("tests/fixtures/tiny.docker.tar");
    let loaded = podman(&["load", "-i", &fixture.display().to_string()])
        .output()
        .expect("podman load runs");
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let socket = dir.join("podman.sock");
    let service = podman(&[
        "system",
        "service",
        "--time=0",
        &format!("unix://{}", socket.display()),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("podman system service starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !socket.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(socket.exists(), "podman's socket appeared");
    (service, format!("unix://{}", socket.display()))
}

#[cfg(unix)]
#[test]
fn podman_s_docker_api_gives_the_numbers_of_the_archive() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (mut service, host) = podman_service(dir.path());
    let archive = run_in(root(), &["layers", "tests/fixtures/tiny.docker.tar"]);
    let mut results = Vec::new();
    for image in [
        "docker-daemon:tiny/tiny:latest",
        "tiny/tiny:latest",
        "podman:tiny/tiny:latest",
    ] {
        let mut cmd = sizegate_in(root());
        cmd.env("DOCKER_HOST", &host)
            .env("CONTAINER_HOST", &host)
            .args(["layers", image]);
        results.push((image, run(&mut cmd)));
    }
    let mut cmd = sizegate_in(root());
    cmd.env("DOCKER_HOST", &host)
        .args(["layers", "docker-daemon:nosuch:1"]);
    let missing = run(&mut cmd);
    let _ = service.kill();
    let _ = service.wait();
    for (image, run) in results {
        assert_eq!(run.code, 0, "{image}: {}", run.stderr);
        assert_eq!(run.stdout, archive.stdout, "{image}");
    }
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.starts_with(&format!(
            "error: docker-daemon:nosuch:1: the Docker daemon at {host} "
        )),
        "{}",
        missing.stderr
    );
}

#[test]
fn podman_without_its_service_says_how_to_start_it() {
    let run = run_in(root(), &["layers", "podman:app:1"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: podman:app:1: no podman service answers at unix:///nonexistent/sizegate-tests/podman.sock (No such file or directory (os error 2)); start it with `systemctl --user start podman.socket` or `podman system service --time=0 &`\n"
    );
}
