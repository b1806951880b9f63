//! The HTTP side of a registry: which scheme it speaks, how it authenticates, and requests that
//! are retried when the network or the registry fails for a moment.
//!
//! [`Client::connect`] asks `GET /v2/` (the distribution spec's version check) first, as docker
//! and skopeo do: its answer says whether HTTPS works, and its 401 says how to authenticate
//! (`WWW-Authenticate`). Credentials are looked up only then, so an anonymous registry never
//! runs a credential helper.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use ureq::http::{Response, StatusCode};
use ureq::Body;

use super::challenge::Challenge;
use super::credentials::{self, Credential, Found, Places};
use super::name::ImageName;
use super::RegistryOptions;
use crate::text::printable;

/// Attempts of a request that fails for a moment (a reset connection, a 429, a 503).
const ATTEMPTS: u32 = 4;
/// The first wait before a retry; each next one is twice as long.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait a `Retry-After` header is obeyed for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Bytes of an error body read for its message.
const MAX_ERROR_BODY: u64 = 64 * 1024;
/// Bytes of a token response read.
const MAX_TOKEN_BODY: u64 = 1024 * 1024;

/// The manifest types sizegate reads, as a registry is told in `Accept`: OCI's and Docker's
/// schema 2, each an image or an index.
pub(crate) const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// A connection to one repository of one registry.
pub(crate) struct Client {
    agent: ureq::Agent,
    name: ImageName,
    /// `https://HOST` or `http://HOST`: what answered the version check.
    base: String,
    /// How the registry asked to be authenticated; `None` for an anonymous one.
    challenge: Option<Challenge>,
    /// The credential found for the registry, and where it was found.
    credential: Option<(Credential, String)>,
    /// Where credentials were looked for, for the message of a refusal.
    searched: Vec<String>,
    /// The `Authorization` header sent with each request.
    authorization: Mutex<Option<String>>,
    /// Plain HTTP is allowed: a registry on this machine, or `--tls-verify=false`.
    plain_allowed: bool,
}

impl Client {
    /// Checks that the registry of `name` answers, over HTTPS or (only for a registry on this
    /// machine, or with `--tls-verify=false`) plain HTTP, and authenticates when it asks to.
    pub(crate) fn connect(name: &ImageName, options: &RegistryOptions) -> Result<Client, String> {
        let agent = agent(options)?;
        let host = name.api_host();
        let plain_allowed = name.is_local() || !options.tls_verify;
        let mut client = Client {
            agent,
            name: name.clone(),
            base: format!("https://{host}"),
            challenge: None,
            credential: None,
            searched: Vec::new(),
            authorization: Mutex::new(None),
            plain_allowed,
        };
        let ping = match client.send(&client.url("/v2/"), None, None) {
            // A certificate that does not verify came from a server that speaks TLS: plain HTTP
            // would only hide the real problem.
            Err(e) if plain_allowed && !e.is_status() && !e.is_certificate() => {
                client.base = format!("http://{host}");
                client
                    .send(&client.url("/v2/"), None, None)
                    .map_err(|plain| {
                        format!(
                            "the registry {} answers neither HTTPS ({}) nor HTTP ({})",
                            name.registry,
                            e.describe(),
                            plain.describe()
                        )
                    })?
            }
            Err(e) => return Err(client.unreachable(&e, options)),
            Ok(response) => response,
        };
        match ping.status() {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED => client.authenticate(&ping)?,
            s => {
                return Err(format!(
                    "{} does not answer as a container registry: GET /v2/ gave {s}",
                    client.base
                ))
            }
        }
        Ok(client)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET /v2/REPOSITORY/{kind}/{reference}`, with `accept`, from byte `offset` on; only a 2xx
    /// answer is `Ok` (a 206 when `offset` > 0, or a 200 whose first bytes the caller skips).
    pub(crate) fn get(
        &self,
        kind: &str,
        reference: &str,
        accept: Option<&str>,
        offset: u64,
    ) -> Result<Response<Body>, String> {
        let url = self.url(&format!("/v2/{}/{kind}/{reference}", self.name.repository));
        let range = (offset > 0).then(|| format!("bytes={offset}-"));
        let mut renewed = false;
        loop {
            let response = self
                .send(&url, accept, range.as_deref())
                .map_err(|e| format!("{}: {}", self.name.registry, e.describe()))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            // A token expires (after 5 minutes on many registries): a new one, once.
            if status == StatusCode::UNAUTHORIZED
                && !renewed
                && matches!(self.challenge, Some(Challenge::Bearer { .. }))
            {
                renewed = true;
                let header = self.token(&response)?;
                *self.lock() = Some(header);
                continue;
            }
            return Err(self.refusal(kind, reference, response));
        }
    }

    /// The `Authorization` header, poisoned or not: a panic elsewhere cannot make it wrong.
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.authorization
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One request, retried with growing waits while the network or the registry fails for a
    /// moment; the last failure is returned.
    fn send(
        &self,
        url: &str,
        accept: Option<&str>,
        range: Option<&str>,
    ) -> Result<Response<Body>, SendError> {
        let mut wait = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            let mut request = self.agent.get(url);
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            if let Some(range) = range {
                request = request.header("Range", range);
            }
            if let Some(authorization) = self.lock().clone() {
                request = request.header("Authorization", authorization);
            }
            let outcome = request.call();
            let retry_after = match &outcome {
                Ok(r) if is_transient_status(r.status()) => retry_after(r).unwrap_or(wait),
                Err(e) if SendError::is_transient(e) => wait,
                _ => return outcome.map_err(SendError),
            };
            if attempt == ATTEMPTS {
                return outcome.map_err(SendError);
            }
            std::thread::sleep(retry_after.min(MAX_RETRY_AFTER));
            wait *= 2;
        }
        unreachable!("the last attempt returns")
    }

    /// Answers the 401 of the version check: finds the credentials and gets a token, or says
    /// why there can be none.
    fn authenticate(&mut self, ping: &Response<Body>) -> Result<(), String> {
        let header = ping
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let challenge = Challenge::parse(header).ok_or_else(|| {
            format!(
                "the registry {} asks for authentication in a way sizegate does not speak: {}",
                self.name.registry,
                printable(&cut(header, 200))
            )
        })?;
        let Found {
            credential,
            source,
            searched,
        } = credentials::lookup(
            &Places::from_env(),
            &self.name.registry,
            &self.name.repository,
        )?;
        self.searched = searched;
        self.credential = credential.zip(source);
        self.challenge = Some(challenge.clone());
        let header = match challenge {
            Challenge::Basic => match &self.credential {
                Some((c, _)) => basic(c),
                None => return Err(self.no_credentials()),
            },
            Challenge::Bearer { .. } => self.token(ping)?,
        };
        *self.lock() = Some(header);
        Ok(())
    }

    /// A bearer token for pulling the repository, from the realm of the challenge in `answer`
    /// (or of the first one), with the credentials when there are some.
    fn token(&self, answer: &Response<Body>) -> Result<String, String> {
        let fresh = answer
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .and_then(Challenge::parse);
        let Some(Challenge::Bearer { realm, service }) = fresh.or(self.challenge.clone()) else {
            return Err(self.no_credentials());
        };
        let realm_shown = printable(&cut(&realm, 200)).into_owned();
        let plain = match realm.split_once("://") {
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") => false,
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("http") => true,
            _ => {
                return Err(format!(
                    "the registry {} names a token server that is no HTTP URL: {realm_shown}",
                    self.name.registry
                ))
            }
        };
        // Credentials go over plain HTTP only where the registry itself may be spoken to so.
        if plain && self.credential.is_some() && !self.plain_allowed {
            return Err(format!(
                "the registry {} asks for its token at {realm_shown}, over plain HTTP; sizegate does not send credentials there (--tls-verify=false allows it)",
                self.name.registry
            ));
        }
        let scope = format!("repository:{}:pull", self.name.repository);
        let mut request = self.agent.get(&realm).query("scope", &scope);
        if let Some(service) = &service {
            request = request.query("service", service);
        }
        if let Some((c, _)) = &self.credential {
            request = request.header("Authorization", basic(c));
        }
        let mut response = request.call().map_err(|e| {
            format!(
                "the token server of {} did not answer: {}",
                self.name.registry,
                SendError(e).describe()
            )
        })?;
        match response.status() {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(match &self.credential {
                    Some((_, source)) => self.refused(source, ""),
                    None => self.no_credentials(),
                })
            }
            s => {
                return Err(format!(
                    "the token server of {} answered {s}",
                    self.name.registry
                ))
            }
        }
        #[derive(serde::Deserialize)]
        struct Token {
            token: Option<String>,
            access_token: Option<String>,
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_TOKEN_BODY)
            .read_to_vec()
            .map_err(|e| format!("reading the token of {}: {e}", self.name.registry))?;
        let token: Token = serde_json::from_slice(&body).map_err(|e| {
            format!(
                "the token server of {} sent no token: {e}",
                self.name.registry
            )
        })?;
        token
            .token
            .or(token.access_token)
            .filter(|t| !t.is_empty())
            .map(|t| format!("Bearer {t}"))
            .ok_or_else(|| format!("the token server of {} sent no token", self.name.registry))
    }

    /// The message when the registry wants credentials and none were found.
    fn no_credentials(&self) -> String {
        format!(
            "the registry {} asks for credentials, and none were found for it (looked in: {}); log in with `docker login {}` or `podman login {}`, or set REGISTRY_AUTH_FILE",
            self.name.registry,
            self.searched.join("; "),
            self.name.registry,
            self.name.registry,
        )
    }

    /// The message when the registry refused the credentials found in `source`, with what it
    /// said (` (UNAUTHORIZED: …)`, or nothing).
    fn refused(&self, source: &str, detail: &str) -> String {
        format!(
            "the registry {} refused the credentials of {source}{detail}; log in again with `docker login {}`",
            self.name.registry, self.name.registry
        )
    }

    /// The message of a non-2xx answer to a manifest or blob request.
    fn refusal(&self, kind: &str, reference: &str, mut response: Response<Body>) -> String {
        let status = response.status();
        let detail = response
            .body_mut()
            .with_config()
            .limit(MAX_ERROR_BODY)
            .read_to_vec()
            .ok()
            .and_then(|body| registry_errors(&body))
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        let what = match kind {
            "manifests" => format!("the manifest {}:{reference}", self.name.repository),
            _ => format!("the blob {reference}"),
        };
        let what = printable(&what);
        let registry = &self.name.registry;
        match status {
            StatusCode::NOT_FOUND => {
                format!("{what} is not found in the registry {registry}{detail}")
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => match &self.credential {
                Some((_, source)) if status == StatusCode::UNAUTHORIZED => {
                    self.refused(source, &detail)
                }
                Some((_, source)) => format!(
                    "the registry {registry} denied {what} to the credentials of {source} ({status}){detail}"
                ),
                None => format!(
                    "{}; or {what} does not exist ({status}){detail}",
                    self.no_credentials()
                ),
            },
            _ => format!("the registry {registry} answered {status} for {what}{detail}"),
        }
    }

    /// The message when the registry could not be reached over HTTPS.
    fn unreachable(&self, e: &SendError, options: &RegistryOptions) -> String {
        let hint = match (e.is_tls(), options.tls_verify) {
            (true, true) => "; for a registry with a private CA, give --cert-dir DIR (its *.crt files) or SSL_CERT_FILE, or skip verification with --tls-verify=false",
            _ => "",
        };
        format!(
            "cannot reach the registry {} at {}: {}{hint}",
            self.name.registry,
            self.base,
            e.describe()
        )
    }
}

/// `Basic base64(user:secret)`.
fn basic(credential: &Credential) -> String {
    let pair = format!("{}:{}", credential.username, credential.secret.expose());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The `errors` of a registry's error body (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":…}]}`),
/// escaped and cut: the registry is not trusted to write a short or clean message.
fn registry_errors(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<RegistryError>,
    }
    #[derive(serde::Deserialize)]
    struct RegistryError {
        code: Option<String>,
        message: Option<String>,
    }
    let errors: Errors = serde_json::from_slice(body).ok()?;
    let text = errors
        .errors
        .iter()
        .take(3)
        .map(|e| match (&e.code, &e.message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(t), None) | (None, Some(t)) => t.clone(),
            (None, None) => String::new(),
        })
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    (!text.is_empty()).then(|| printable(&cut(&text, 300)).into_owned())
}

/// `text` cut to `max` characters, with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Whether a status says "try again": too many requests, or a server or gateway failing.
fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// The `Retry-After` of a response, in seconds (the HTTP-date form is not used by registries).
fn retry_after<B>(response: &Response<B>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A request that got no answer.
pub(crate) struct SendError(ureq::Error);

impl SendError {
    /// A reset or a timeout; not a refused connection (nothing listens there) nor a failed TLS
    /// handshake, which a new attempt would only repeat.
    fn is_transient(e: &ureq::Error) -> bool {
        match e {
            ureq::Error::Io(io) => {
                io.kind() != std::io::ErrorKind::ConnectionRefused
                    && io
                        .get_ref()
                        .is_none_or(|inner| !inner.is::<rustls::Error>())
            }
            ureq::Error::Timeout(_) => true,
            _ => false,
        }
    }

    /// Whether an HTTP answer came back (only with `http_status_as_error`, never here).
    fn is_status(&self) -> bool {
        matches!(self.0, ureq::Error::StatusCode(_))
    }

    fn is_tls(&self) -> bool {
        matches!(self.0, ureq::Error::Rustls(_) | ureq::Error::Tls(_)) || self.rustls().is_some()
    }

    /// Whether the server's certificate was refused (the server speaks TLS).
    fn is_certificate(&self) -> bool {
        matches!(
            self.rustls(),
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
        ) || matches!(
            &self.0,
            ureq::Error::Rustls(rustls::Error::InvalidCertificate(_))
        )
    }

    /// The TLS error under an I/O error, as ureq hands a failed handshake on.
    fn rustls(&self) -> Option<&rustls::Error> {
        match &self.0 {
            ureq::Error::Io(e) => e.get_ref()?.downcast_ref::<rustls::Error>(),
            _ => None,
        }
    }

    /// The error in words, escaped (it may quote what the server sent).
    pub(crate) fn describe(&self) -> String {
        printable(&cut(&self.0.to_string(), 300)).into_owned()
    }
}

/// The HTTP agent: TLS with the system's roots (plus `--cert-dir`), or none checked with
/// `--tls-verify=false`; `--timeout` for connecting, for each answer and for each read.
fn agent(options: &RegistryOptions) -> Result<ureq::Agent, String> {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(super::roots::roots(options)?)
        .disable_verification(!options.tls_verify)
        .build();
    let timeout = Some(options.timeout);
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls)
        .timeout_resolve(timeout)
        .timeout_connect(timeout)
        .timeout_recv_response(timeout)
        .timeout_per_read(timeout)
        .user_agent(concat!("sizegate/", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(config.into())
}

/// A blob's body from byte `offset` on, reopened from where it stopped when the connection
/// breaks (a bounded number of times): a reset in the middle of a gigabyte layer costs a new
/// request, not the whole layer.
pub(crate) struct BlobBody<'c> {
    client: &'c Client,
    digest: String,
    offset: u64,
    body: Option<ureq::BodyReader<'static>>,
    reopens_left: u32,
}

impl<'c> BlobBody<'c> {
    /// Opens the blob `digest`.
    pub(crate) fn open(client: &'c Client, digest: &str) -> Result<BlobBody<'c>, String> {
        let mut body = BlobBody {
            client,
            digest: digest.to_string(),
            offset: 0,
            body: None,
            reopens_left: ATTEMPTS,
        };
        body.reopen()?;
        Ok(body)
    }

    /// Asks for the rest of the blob, and skips what a registry without ranges sends again.
    fn reopen(&mut self) -> Result<(), String> {
        let response = self.client.get("blobs", &self.digest, None, self.offset)?;
        let resumed = response.status() == StatusCode::PARTIAL_CONTENT;
        let mut reader = response.into_body().into_reader();
        if self.offset > 0 && !resumed {
            let skipped = std::io::copy(&mut (&mut reader).take(self.offset), &mut std::io::sink())
                .map_err(|e| e.to_string())?;
            if skipped < self.offset {
                return Err(format!("the blob {} ended early on a retry", self.digest));
            }
        }
        self.body = Some(reader);
        Ok(())
    }
}

impl Read for BlobBody<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some(body) = self.body.as_mut() else {
                self.reopen().map_err(std::io::Error::other)?;
                continue;
            };
            match body.read(buf) {
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if self.reopens_left > 0 => {
                    self.reopens_left -= 1;
                    self.body = None;
                    std::thread::sleep(FIRST_BACKOFF);
                    // Dropped: the next loop reopens from `offset`.
                    let _ = e;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
