//! `docker://NAME`: an image read where it was pushed, through the registry API of the OCI
//! distribution spec, with nothing written to disk.
//!
//! - [`name`]: what `NAME` names, completed as docker completes it (Docker Hub, `library/`,
//!   `:latest`);
//! - [`client`]: HTTPS (or plain HTTP for a registry on this machine), authentication
//!   ([`auth`], [`challenge`], [`credentials`]), retries ([`http`]); [`roots`]: the certificate
//!   authorities trusted; [`blob`]: a layer's body, resumed where a broken connection left it;
//! - [`store`]: the image as a `Store` the OCI planner reads like a layout directory, every
//!   blob checked against its digest ([`verify`]) while it streams through the layer scanner,
//!   downloaded and hashed on a thread beside the scanner's ([`pipe`]).

mod auth;
mod blob;
mod challenge;
mod client;
mod credentials;
mod http;
mod name;
mod pipe;
mod roots;
mod store;
mod verify;

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
pub(crate) use name::ImageName;
pub(crate) use store::RegistryStore;

/// How registries are reached: skopeo's `--tls-verify` and `--cert-dir`, and a timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryOptions {
    /// Check the registry's TLS certificate; when `false`, plain HTTP is allowed too.
    pub tls_verify: bool,
    /// A directory of `*.crt` CA certificates trusted besides the system's.
    pub cert_dir: Option<PathBuf>,
    /// How long connecting, waiting for an answer, or waiting for the next bytes of one may take.
    pub timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            tls_verify: true,
            cert_dir: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Connects to the registry of `name` and fetches the manifest it names; `label` is how errors
/// name the image (`docker://…` as typed).
pub(crate) fn open(
    label: &str,
    name: &ImageName,
    options: &RegistryOptions,
) -> Result<RegistryStore> {
    let client = client::Client::connect(name, options)
        .map_err(|m| Error::new(label, ErrorKind::Invalid(m)))?;
    RegistryStore::open(label.to_string(), client, name)
}
