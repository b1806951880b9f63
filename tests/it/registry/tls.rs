//! A registry over TLS with a certificate of a private CA: trusted with `--cert-dir` (skopeo's
//! meaning: every `*.crt` of the directory is a CA) or `SSL_CERT_FILE`, refused without either
//! (naming the certificate as the reason, never falling back to plain HTTP), and read without
//! checks with `--tls-verify=false`.

use std::ffi::OsString;

use super::{assert_same_without, json_run, NAMES};
use crate::support::registry::{Registry, Setup};
use crate::support::{path_str, root, run_in_env};

/// Variables set for one run.
type Env = Vec<(&'static str, OsString)>;

#[test]
fn a_private_ca_is_trusted_with_cert_dir_or_ssl_cert_file() {
    let registry = Registry::start(Setup::Tls);
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    let expected = json_run(&["layers", "tests/fixtures/tiny.oci", "--format", "json"]);
    let cert_dir = registry.cert_dir();
    let cert_dir = path_str(&cert_dir);
    let ca: OsString = registry.ca_pem().into();
    for image in [
        registry.image_on_localhost("tiny:1"),
        registry.image("tiny:1"),
    ] {
        let cases: [(&str, Vec<&str>, Env); 4] = [
            (
                "--cert-dir after the command",
                vec!["layers", &image, "--format", "json", "--cert-dir", cert_dir],
                vec![],
            ),
            (
                "--cert-dir before the command",
                vec!["--cert-dir", cert_dir, "layers", &image, "--format", "json"],
                vec![],
            ),
            (
                "SSL_CERT_FILE",
                vec!["layers", &image, "--format", "json"],
                vec![("SSL_CERT_FILE", ca.clone())],
            ),
            (
                "--tls-verify=false",
                vec!["layers", &image, "--format", "json", "--tls-verify=false"],
                vec![],
            ),
        ];
        for (what, args, env) in cases {
            let run = run_in_env(root(), &args, &env);
            assert_eq!(run.code, 0, "{what} {image}: {}", run.stderr);
            assert_same_without(&run.json(), &expected, &NAMES, &format!("{what} {image}"));
        }
    }
}

#[test]
fn a_certificate_no_trusted_ca_signed_is_refused() {
    let registry = Registry::start(Setup::Tls);
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    // localhost and 127.0.0.1 may fall back to plain HTTP when HTTPS is not spoken, but a
    // certificate that fails its check is an answer over HTTPS: refused, not retried in clear.
    for image in [
        registry.image_on_localhost("tiny:1"),
        registry.image("tiny:1"),
    ] {
        let stderr = crate::support::fails(&image, &["layers", &image], None);
        assert!(stderr.starts_with(&format!("error: {image}: ")), "{stderr}");
        assert!(stderr.contains("certificate"), "{stderr}");
    }
    // The refusal came at the handshake, before any request: no manifest was fetched.
    assert!(
        registry
            .requests()
            .iter()
            .all(|r| !(r.method == "GET" && r.path.contains("/tiny/manifests/"))),
        "a manifest was fetched without a trusted certificate"
    );
}

#[test]
fn a_ca_in_the_registry_s_own_certs_d_directory_is_trusted_without_flags() {
    let registry = Registry::start(Setup::Tls);
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    let expected = json_run(&["layers", "tests/fixtures/tiny.oci", "--format", "json"]);
    // podman's per-user place: ~/.config/containers/certs.d/HOST:PORT/*.crt.
    let home = crate::support::tempdir();
    let certs = home
        .path()
        .join(".config/containers/certs.d")
        .join(registry.host());
    std::fs::create_dir_all(&certs).expect("certs.d");
    std::fs::copy(registry.ca_pem(), certs.join("ca.crt")).expect("ca.crt");
    let image = registry.image("tiny:1");
    let home_env: Env = vec![("HOME", home.path().as_os_str().to_owned())];
    let run = run_in_env(root(), &["layers", &image, "--format", "json"], &home_env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_same_without(&run.json(), &expected, &NAMES, "certs.d");
    // Another registry's directory is not this one's.
    std::fs::rename(&certs, certs.with_file_name("127.0.0.1:1")).expect("moved");
    let run = run_in_env(root(), &["layers", &image], &home_env);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("certificate"), "{}", run.stderr);
}
