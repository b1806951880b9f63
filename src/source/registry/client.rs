//! A connection to one repository of one registry: which scheme it speaks, and requests that
//! authenticate as the registry asks ([`super::auth`]) and are retried when the network or the
//! registry fails for a moment ([`super::http`]).
//!
//! [`Client::connect`] asks `GET /v2/` (the distribution spec's version check) first, as docker
//! and skopeo do: its answer says whether HTTPS works, and a 401 says how to authenticate. A
//! registry that answers the check without asking (some proxies of private repositories do) is
//! authenticated at the first 401 of a manifest or blob instead.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ureq::http::{Response, StatusCode};
use ureq::Body;

use super::auth::{token_of, Auth};
use super::challenge::Challenge;
use super::http::{self, detail, Backoff, Get, SendError, ATTEMPTS, DOCUMENT_TIMEOUTS};
use super::name::ImageName;
use super::RegistryOptions;
use crate::text::{printable, printable_cut};

/// Bytes of a token server's answer read.
const MAX_TOKEN_BODY: u64 = 1024 * 1024;
/// Times one request authenticates before its 401 is the answer: once for the credentials, once
/// more for a token that expired meanwhile.
const AUTHENTICATIONS: u32 = 2;

/// The manifest types sizegate reads, as a registry is told in `Accept`: OCI's and Docker's
/// schema 2, each an image or an index.
const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// What a request of the repository fetches: a manifest (or index), or a blob (a config, a
/// layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `/v2/REPOSITORY/manifests/REFERENCE`, in the types sizegate reads.
    Manifests,
    /// `/v2/REPOSITORY/blobs/DIGEST`.
    Blobs,
}

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Endpoint::Manifests => "manifests",
            Endpoint::Blobs => "blobs",
        }
    }
}

/// A connection to one repository of one registry.
pub(crate) struct Client {
    agent: ureq::Agent,
    name: ImageName,
    /// `https://HOST` or `http://HOST`: what answered the version check.
    base: String,
    /// How to authenticate, learnt at the first 401.
    auth: Mutex<Auth>,
    /// Plain HTTP is allowed: a registry on this machine, or `--tls-verify=false`.
    plain_allowed: bool,
    timeout: Duration,
}

impl Client {
    /// Checks that the registry of `name` answers, over HTTPS or (only for a registry on this
    /// machine, or with `--tls-verify=false`) plain HTTP, and authenticates when it asks to.
    pub(crate) fn connect(name: &ImageName, options: &RegistryOptions) -> Result<Client, String> {
        let host = name.api_host();
        let plain_allowed = name.is_local() || !options.tls_verify;
        let mut client = Client {
            agent: http::agent(options, name)?,
            name: name.clone(),
            base: format!("https://{host}"),
            auth: Mutex::new(Auth::default()),
            plain_allowed,
            timeout: options.timeout,
        };
        let ping = match client.send(&client.url("/v2/"), Vec::new(), true, None) {
            // A certificate that does not verify came from a server that speaks TLS: plain HTTP
            // would only hide the real problem.
            Err(e) if plain_allowed && !e.is_certificate() => {
                client.base = format!("http://{host}");
                client
                    .send(&client.url("/v2/"), Vec::new(), true, None)
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
        // Any other answer (a 404 behind some proxies) says nothing yet: the manifest's will.
        if ping.status() == StatusCode::UNAUTHORIZED {
            client.authenticate(&ping, &mut client.lock())?;
        }
        Ok(client)
    }

    /// How long a request may wait, as `--timeout` says.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn lock(&self) -> MutexGuard<'_, Auth> {
        self.auth.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `GET /v2/REPOSITORY/{endpoint}/{reference}` from byte `offset` on; only a 2xx answer is
    /// `Ok` (a 206 when `offset` > 0, or a 200 whose first bytes the caller skips). A `document`
    /// (a manifest, a config) must arrive whole within a few `--timeout`s.
    pub(crate) fn get(
        &self,
        endpoint: Endpoint,
        reference: &str,
        offset: u64,
        document: bool,
    ) -> Result<Response<Body>, String> {
        let url = self.url(&format!(
            "/v2/{}/{}/{reference}",
            self.name.repository,
            endpoint.path()
        ));
        let mut headers = Vec::new();
        if endpoint == Endpoint::Manifests {
            headers.push(("Accept", MANIFEST_TYPES.to_string()));
        }
        if offset > 0 {
            headers.push(("Range", format!("bytes={offset}-")));
        }
        let mut authentications = 0;
        loop {
            let sent = self.lock().header.clone();
            let response = self
                .send(&url, headers.clone(), document, sent.clone())
                .map_err(|e| format!("{}: {}", self.name.registry, e.describe()))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            if status == StatusCode::UNAUTHORIZED && authentications < AUTHENTICATIONS {
                authentications += 1;
                let mut auth = self.lock();
                // Another layer's request got a new token meanwhile: that one is tried.
                if auth.header != sent {
                    continue;
                }
                // Credentials the registry turned down are not sent again.
                let refused_basic =
                    matches!(auth.challenge, Some(Challenge::Basic)) && auth.header.is_some();
                if !refused_basic {
                    self.authenticate(&response, &mut auth)?;
                    continue;
                }
            }
            return Err(self.refusal(endpoint, reference, response));
        }
    }

    /// A small document (a manifest, a config) whole, at most `limit` bytes, and its
    /// `Content-Type`: asked for again when the connection breaks while its body comes.
    pub(crate) fn document(
        &self,
        endpoint: Endpoint,
        reference: &str,
        limit: u64,
    ) -> Result<(Vec<u8>, Option<String>), String> {
        let mut backoff = Backoff::new(ATTEMPTS - 1);
        loop {
            let mut response = self.get(endpoint, reference, 0, true)?;
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
            match response.body_mut().with_config().limit(limit).read_to_vec() {
                Ok(bytes) => return Ok((bytes, content_type)),
                Err(ureq::Error::Io(_) | ureq::Error::Timeout(_)) if backoff.pause(None) => {}
                Err(e) => {
                    return Err(format!(
                        "reading {}: {}",
                        printable(reference),
                        printable_cut(&e.to_string(), 300)
                    ))
                }
            }
        }
    }

    /// One request, with `authorization` (what the registry asked for, when it asked).
    fn send(
        &self,
        url: &str,
        mut headers: Vec<(&'static str, String)>,
        document: bool,
        authorization: Option<String>,
    ) -> Result<Response<Body>, SendError> {
        if let Some(header) = authorization {
            headers.push(("Authorization", header));
        }
        let get = Get {
            url,
            query: &[],
            headers,
            document,
            form: None,
        };
        http::send(&self.agent, &get, self.timeout)
    }

    /// Answers a 401: reads its challenge, finds the credentials (once), and sets the
    /// `Authorization` header (basic credentials, or a new bearer token); or says why there can
    /// be none.
    fn authenticate(&self, answer: &Response<Body>, auth: &mut Auth) -> Result<(), String> {
        let header = answer
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let challenge = Challenge::parse(header)
            .or_else(|| auth.challenge.clone())
            .ok_or_else(|| {
                format!(
                    "the registry {} asks for authentication in a way sizegate does not speak: {}",
                    self.name.registry,
                    printable_cut(header, 200)
                )
            })?;
        auth.look_up(&self.name.registry, &self.name.repository)?;
        auth.challenge = Some(challenge.clone());
        auth.header = Some(match challenge {
            Challenge::Basic => match (auth.basic(), auth.source()) {
                (Some(basic), _) => basic,
                (None, Some(source)) => {
                    return Err(format!(
                        "the registry {} asks for a user and password, and the credential of {source} is an identity token, which is only ever exchanged at a token server; log in with a password",
                        self.name.registry
                    ))
                }
                (None, None) => return Err(self.no_credentials(auth)),
            },
            Challenge::Bearer { realm, service } => {
                format!("Bearer {}", self.token(&realm, service.as_deref(), auth)?)
            }
        });
        Ok(())
    }

    /// A bearer token for pulling the repository, from `realm`, with the credentials when there
    /// are some.
    fn token(&self, realm: &str, service: Option<&str>, auth: &Auth) -> Result<String, String> {
        let registry = &self.name.registry;
        let realm_shown = printable_cut(realm, 200);
        let plain = match realm.split_once("://") {
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") => false,
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("http") => true,
            _ => {
                return Err(format!(
                "the registry {registry} names a token server that is no HTTP URL: {realm_shown}"
            ))
            }
        };
        let basic = auth.basic();
        // Credentials go over plain HTTP only where the registry itself may be spoken to so.
        if plain && auth.credential.is_some() && !self.plain_allowed {
            return Err(format!(
                "the registry {registry} asks for its token at {realm_shown}, over plain HTTP; sizegate does not send credentials there (--tls-verify=false allows it)"
            ));
        }
        let scope = format!("repository:{}:pull", self.name.repository);
        let mut query = vec![("scope", scope.as_str())];
        query.extend(service.map(|s| ("service", s)));
        // An identity token is exchanged as OAuth 2 says (RFC 6749, 6), posted as docker posts
        // it; user and password go as basic credentials with a GET, as the distribution spec's
        // token flow has them.
        let mut form = query.clone();
        let refresh = auth.refresh_token();
        if let Some(token) = refresh {
            form.extend([
                ("grant_type", "refresh_token"),
                ("refresh_token", token),
                ("client_id", "sizegate"),
            ]);
        }
        let headers = basic.map(|b| ("Authorization", b)).into_iter().collect();
        let get = Get {
            url: realm,
            query: if refresh.is_some() { &[] } else { &query },
            headers,
            document: true,
            form: refresh.map(|_| form.as_slice()),
        };
        let mut response = http::send(&self.agent, &get, self.timeout).map_err(|e| {
            format!(
                "the token server of {registry} did not answer: {}",
                e.describe()
            )
        })?;
        match response.status() {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                let detail = detail(&mut response, self.timeout * DOCUMENT_TIMEOUTS);
                return Err(match auth.source() {
                    Some(source) => self.refused(source, &detail),
                    None => self.no_credentials(auth),
                });
            }
            s => return Err(format!("the token server of {registry} answered {s}")),
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_TOKEN_BODY)
            .read_to_vec()
            .map_err(|e| format!("reading the token of {registry}: {e}"))?;
        token_of(&body).map_err(|e| format!("the token server of {registry} sent {e}"))
    }

    /// The message when the registry wants credentials and none were found.
    fn no_credentials(&self, auth: &Auth) -> String {
        let registry = &self.name.registry;
        format!(
            "the registry {registry} asks for credentials, and none were found for it (looked in: {}); log in with `docker login {registry}` or `podman login {registry}`, or set REGISTRY_AUTH_FILE",
            auth.searched.join("; "),
        )
    }

    /// The message when the registry refused the credentials found in `source`, with what it
    /// said (` (UNAUTHORIZED: …)`, or nothing).
    fn refused(&self, source: &str, detail: &str) -> String {
        let registry = &self.name.registry;
        format!(
            "the registry {registry} refused the credentials of {source}{detail}; log in again with `docker login {registry}`"
        )
    }

    /// The message of a non-2xx answer to a manifest or blob request.
    fn refusal(&self, endpoint: Endpoint, reference: &str, mut response: Response<Body>) -> String {
        let status = response.status();
        let detail = detail(&mut response, self.timeout * DOCUMENT_TIMEOUTS);
        let what = match endpoint {
            Endpoint::Manifests => format!("the manifest {}:{reference}", self.name.repository),
            Endpoint::Blobs => format!("the blob {reference}"),
        };
        let what = printable(&what);
        let registry = &self.name.registry;
        let auth = self.lock();
        match (status, auth.source(), &auth.challenge) {
            (StatusCode::NOT_FOUND, ..) => {
                format!("{what} is not found in the registry {registry}{detail}")
            }
            (StatusCode::UNAUTHORIZED, Some(source), Some(Challenge::Basic)) => {
                self.refused(source, &detail)
            }
            // A token was given, and it does not reach this repository: a registry such as
            // Docker Hub answers so for a repository that does not exist, too.
            (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, Some(source), _) => format!(
                "the registry {registry} denied {what} to the credentials of {source} ({status}){detail}: they have no pull access to {}, or it does not exist",
                self.name.repository
            ),
            (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, None, _) => format!(
                "{}; or {what} does not exist ({status}){detail}",
                self.no_credentials(&auth)
            ),
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
