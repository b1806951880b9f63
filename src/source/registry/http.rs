//! The HTTP plumbing under the registry client: the agent (TLS, timeouts, proxy), one request
//! retried while the network or the registry fails for a moment, and the words of what failed.

use std::io::Read;
use std::time::{Duration, Instant};

use ureq::http::{Response, StatusCode};
use ureq::Body;

use super::name::ImageName;
use super::RegistryOptions;
use crate::text::printable_cut;

/// Attempts of a request that fails for a moment (a reset connection, a 429, a 503).
pub(super) const ATTEMPTS: u32 = 4;
/// The first wait before a retry; each next one is twice as long.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait a `Retry-After` header is obeyed for: a registry cannot park a CI job.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Bytes of an error body read for its message.
pub(super) const MAX_ERROR_BODY: u64 = 64 * 1024;
/// How many times `--timeout` a small document (a manifest, a config, a token) may take whole:
/// a server that sends one byte just before each read times out still ends.
pub(super) const DOCUMENT_TIMEOUTS: u32 = 4;

/// One request: where, with which query and headers, whether its body is a small document
/// (bounded in time as a whole) or a blob (bounded by its throughput), and the form it posts
/// (an OAuth token request) when it is a POST rather than a GET.
pub(super) struct Get<'a> {
    pub(super) url: &'a str,
    pub(super) query: &'a [(&'a str, &'a str)],
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) document: bool,
    pub(super) form: Option<&'a [(&'a str, &'a str)]>,
}

/// `request` with the query, headers and time bound of `get`.
fn dressed<B>(
    mut request: ureq::RequestBuilder<B>,
    get: &Get<'_>,
    timeout: Duration,
) -> ureq::RequestBuilder<B> {
    for (key, value) in get.query {
        request = request.query(*key, *value);
    }
    for (name, value) in &get.headers {
        request = request.header(*name, value);
    }
    if get.document {
        request = request
            .config()
            .timeout_recv_body(Some(timeout * DOCUMENT_TIMEOUTS))
            .build();
    }
    request
}

/// Sends `get`, retried with growing waits while the network or the registry fails for a
/// moment; the last failure or answer is returned.
pub(super) fn send(
    agent: &ureq::Agent,
    get: &Get<'_>,
    timeout: Duration,
) -> Result<Response<Body>, SendError> {
    let mut backoff = Backoff::new(ATTEMPTS - 1);
    loop {
        let outcome = match get.form {
            None => dressed(agent.get(get.url), get, timeout).call(),
            Some(form) => {
                dressed(agent.post(get.url), get, timeout).send_form(form.iter().copied())
            }
        };
        let asked = match &outcome {
            Ok(r) if is_transient_status(r.status()) => retry_after(r),
            Err(e) if SendError::is_transient(e) => None,
            _ => return outcome.map_err(SendError),
        };
        if !backoff.pause(asked) {
            return outcome.map_err(SendError);
        }
    }
}

/// The waits between attempts of one thing: [`FIRST_BACKOFF`], then twice as long each time
/// (or what the server asked for, up to [`MAX_RETRY_AFTER`]), a bounded number of times.
pub(super) struct Backoff {
    left: u32,
    wait: Duration,
}

impl Backoff {
    /// `pauses` waits before giving up.
    pub(super) fn new(pauses: u32) -> Backoff {
        Backoff {
            left: pauses,
            wait: FIRST_BACKOFF,
        }
    }

    /// Waits before the next attempt (`asked`, when the server said how long), or says there
    /// is none left.
    pub(super) fn pause(&mut self, asked: Option<Duration>) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        std::thread::sleep(asked.unwrap_or(self.wait).min(MAX_RETRY_AFTER));
        self.wait *= 2;
        true
    }
}

/// The HTTP agent of the registry of `name`: TLS with the system's roots (plus `--cert-dir` or
/// the registry's `certs.d`), or none checked with
/// `--tls-verify=false`; `--timeout` for connecting, for each answer and for each read. A
/// registry on this machine is never reached through a proxy (Go's clients, docker and skopeo
/// among them, never send loopback through one either).
pub(super) fn agent(options: &RegistryOptions, name: &ImageName) -> Result<ureq::Agent, String> {
    let local = name.is_local();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(super::roots::roots(options, &name.registry)?)
        .disable_verification(!options.tls_verify)
        .build();
    let timeout = Some(options.timeout);
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls)
        .timeout_resolve(timeout)
        .timeout_connect(timeout)
        .timeout_recv_response(timeout)
        .timeout_per_read(timeout)
        .user_agent(concat!("sizegate/", env!("CARGO_PKG_VERSION")));
    if local {
        config = config.proxy(None);
    }
    Ok(config.build().into())
}

/// The `errors` of a registry's error body (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":…}]}`),
/// escaped and cut: the registry is not trusted to write a short or clean message.
pub(super) fn registry_errors(body: &[u8]) -> Option<String> {
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
    (!text.is_empty()).then(|| printable_cut(&text, 300))
}

/// The registry's error of `response`, read from its body: ` (CODE: message)`, or nothing.
/// The body is read for at most `deadline` (and one `--timeout` more for the read under way),
/// however slowly it comes: an error's words are not worth a stuck job.
pub(super) fn detail(response: &mut Response<Body>, deadline: Duration) -> String {
    let until = Instant::now() + deadline;
    let mut reader = response.body_mut().as_reader();
    let mut body = Vec::new();
    let mut chunk = [0u8; 8192];
    while Instant::now() < until && (body.len() as u64) < MAX_ERROR_BODY {
        match reader.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    registry_errors(&body)
        .map(|e| format!(" ({e})"))
        .unwrap_or_default()
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
pub(super) struct SendError(ureq::Error);

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

    /// Whether the failure is TLS's.
    pub(super) fn is_tls(&self) -> bool {
        matches!(self.0, ureq::Error::Rustls(_) | ureq::Error::Tls(_)) || self.rustls().is_some()
    }

    /// Whether the server's certificate was refused (the server speaks TLS).
    pub(super) fn is_certificate(&self) -> bool {
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
    pub(super) fn describe(&self) -> String {
        printable_cut(&self.0.to_string(), 300)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_errors_are_quoted_short_and_escaped() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown\u001b[31m"},{"code":"DENIED"}]}"#;
        let text = registry_errors(body).unwrap_or_default();
        assert!(
            text.starts_with("MANIFEST_UNKNOWN: manifest unknown"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.ends_with("; DENIED"), "{text}");
        assert_eq!(registry_errors(b"<html>"), None);
        let long = format!(r#"{{"errors":[{{"message":"{}"}}]}}"#, "x".repeat(5000));
        assert!(
            registry_errors(long.as_bytes())
                .unwrap_or_default()
                .chars()
                .count()
                <= 301
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let response = Response::builder()
            .header("retry-after", " 3 ")
            .body(())
            .expect("a response");
        assert_eq!(retry_after(&response), Some(Duration::from_secs(3)));
        assert!(is_transient_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(is_transient_status(StatusCode::BAD_GATEWAY));
        assert!(!is_transient_status(StatusCode::NOT_FOUND));
        assert!(!is_transient_status(StatusCode::UNAUTHORIZED));
    }
}
