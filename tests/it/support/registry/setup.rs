//! How a test registry is set up: its configuration file, its htpasswd file, and the
//! throw-away CA and server certificate of a TLS registry.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{path_str, write_file};

/// How the registry lets clients in.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Setup {
    /// Plain HTTP, no credentials asked.
    Anonymous,
    /// Plain HTTP, every request needs `user:pass` (htpasswd, bcrypt).
    Basic {
        user: &'static str,
        pass: &'static str,
    },
    /// HTTPS with a certificate for `localhost` and `127.0.0.1` signed by a CA of the test's own,
    /// which no client trusts unless told to.
    Tls,
}

/// The registry's configuration: storage and log in `dir`, the access log on.
pub(super) fn config(dir: &Path, port: u16, htpasswd: Option<&Path>, setup: Setup) -> String {
    let mut config = format!(
        "version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: {storage}
health:
  storagedriver:
    enabled: false
http:
  addr: 127.0.0.1:{port}
  # Set, so that the registry does not warn that it made one up.
  secret: sizegate-tests
",
        storage = path_str(&dir.join("storage")),
    );
    if let Setup::Tls = setup {
        config.push_str(&format!(
            "  tls:\n    certificate: {}\n    key: {}\n",
            path_str(&dir.join("server.crt")),
            path_str(&dir.join("server.key")),
        ));
    }
    if let Some(htpasswd) = htpasswd {
        config.push_str(&format!(
            "auth:\n  htpasswd:\n    realm: sizegate-tests\n    path: {}\n",
            path_str(htpasswd)
        ));
    }
    config
}

/// Writes `dir/htpasswd` with `user`'s bcrypt entry (`htpasswd -Bbn`) and returns its path.
pub(super) fn htpasswd(dir: &Path, user: &str, pass: &str) -> PathBuf {
    let out = Command::new("htpasswd")
        .args(["-Bbn", user, pass])
        .output()
        .expect("htpasswd runs");
    assert!(out.status.success(), "htpasswd -Bbn failed");
    write_file(dir, "htpasswd", &out.stdout)
}

/// Makes the throw-away CA (`dir/ca/ca.crt`, its key in `dir/ca.key`) and the server's
/// certificate for `localhost` and `127.0.0.1` it signs (`dir/server.crt`, `dir/server.key`).
/// P-256 keys: made in milliseconds, and read by every TLS stack. The CA is an explicit v3 CA
/// (basicConstraints, keyUsage), as strict verifiers (webpki) require.
pub(super) fn make_certificates(dir: &Path) {
    fs::create_dir(dir.join("ca")).expect("the CA directory");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &[
                "req",
                "-x509",
                "-days",
                "2",
                "-subj",
                "/CN=sizegate test CA",
            ][..],
            &key,
            &["-keyout", "ca.key", "-out", "ca/ca.crt"],
            &["-addext", "basicConstraints=critical,CA:TRUE"],
            &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req", "-subj", "/CN=localhost"][..],
            &key,
            &["-keyout", "server.key", "-out", "server.csr"],
        ]
        .concat(),
    );
    write_file(
        dir,
        "server.ext",
        b"subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    openssl(&[
        "x509",
        "-req",
        "-days",
        "2",
        "-in",
        "server.csr",
        "-CA",
        "ca/ca.crt",
        "-CAkey",
        "ca.key",
        "-set_serial",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    ]);
}
