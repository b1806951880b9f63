//! The certificate authorities a registry's TLS certificate is checked against: the system's
//! (its trust store, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set, as OpenSSL reads them), plus
//! every `*.crt` of `--cert-dir` (skopeo's and podman's flag), or else of the registry's own
//! directory where docker and podman keep them: `/etc/containers/certs.d/HOST[:PORT]/`,
//! `$XDG_CONFIG_HOME/containers/certs.d/HOST[:PORT]/` (`~/.config` by default) and `/etc/docker/certs.d/HOST[:PORT]/`. A system
//! without a trust store (a scratch container) falls back to Mozilla's roots, built in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ureq::tls::{parse_pem, Certificate, PemItem, RootCerts};

use super::credentials::Places;
use super::RegistryOptions;
use crate::input::{read_input, Input};

/// The roots for `options` and the registry `host` (`host[:port]`); none are loaded when
/// verification is off.
pub(crate) fn roots(options: &RegistryOptions, host: &str) -> Result<RootCerts, String> {
    if !options.tls_verify {
        return Ok(RootCerts::WebPki);
    }
    let mut roots: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    let system = roots.len();
    match &options.cert_dir {
        Some(dir) => roots.extend(cert_dir(dir)?),
        None => {
            // The directories docker and podman read for the host, when they hold certificates.
            for dir in certs_d(host) {
                if let Ok(certs) = cert_dir(&dir) {
                    roots.extend(certs);
                }
            }
        }
    }
    Ok(match (system, roots.is_empty()) {
        (0, true) => RootCerts::WebPki,
        _ => RootCerts::Specific(Arc::new(roots)),
    })
}

/// Where docker and podman keep the CAs of the registry `host`: its directory under each
/// `certs.d`.
fn certs_d(host: &str) -> Vec<PathBuf> {
    // A name with a separator would leave the directory.
    if host.contains(['/', '\\']) || host.starts_with('.') {
        return Vec::new();
    }
    let mut bases = vec![PathBuf::from("/etc/containers/certs.d")];
    bases.extend(
        Places::from_env()
            .config_home()
            .map(|config| config.join("containers/certs.d")),
    );
    bases.push(PathBuf::from("/etc/docker/certs.d"));
    bases.into_iter().map(|base| base.join(host)).collect()
}

/// The certificates of every `*.crt` file in `dir`, as containers/image reads a certs.d
/// directory (`*.cert` and `*.key` are client certificates, which sizegate does not send).
fn cert_dir(dir: &Path) -> Result<Vec<Certificate<'static>>, String> {
    let shown = dir.display();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("--cert-dir {shown}: {e}"))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "crt"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!(
            "--cert-dir {shown}: no *.crt file in it (a CA certificate in PEM, such as ca.crt)"
        ));
    }
    let mut certs = Vec::new();
    for path in paths {
        let file = path.display();
        let pem = read_input(&path, &Input::CERTIFICATE).map_err(|e| format!("{file}: {e}"))?;
        let before = certs.len();
        for item in parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(e) => return Err(format!("{file}: not a PEM certificate: {e}")),
            }
        }
        if certs.len() == before {
            return Err(format!("{file}: holds no PEM certificate"));
        }
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cert_dir_without_certificates_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = cert_dir(dir.path()).err().unwrap_or_default();
        assert!(err.contains("no *.crt file"), "{err}");
        std::fs::write(dir.path().join("ca.crt"), "not pem").expect("write");
        let err = cert_dir(dir.path()).err().unwrap_or_default();
        assert!(err.ends_with("ca.crt: holds no PEM certificate"), "{err}");
        let missing = cert_dir(&dir.path().join("nope")).err().unwrap_or_default();
        assert!(missing.starts_with("--cert-dir "), "{missing}");
    }
}
