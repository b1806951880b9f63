//! The token flow of the distribution spec, as Docker Hub and most cloud registries speak it:
//! `GET /v2/` answers 401 with `WWW-Authenticate: Bearer realm=…,service=…`; the token server
//! at the realm hands out a token for `scope=repository:tiny:pull` (to anyone, or to the
//! credentials sent in `Authorization: Basic`); every request then carries `Authorization:
//! Bearer TOKEN`. A token that expires is renewed once; credentials the token server refuses
//! are exit 2, naming the registry, and never printed. Blobs redirected to a storage server
//! are fetched from it without the token.

use std::sync::Mutex;

use super::super::{assert_no_secret, auths, auths_with, basic, layers_with, PASS, USER};
use super::{assert_fails, assert_tiny_numbers, blob_path, image, layers, Tiny, MANIFEST};
use crate::support::http::{Request, Response, Server};
use crate::support::{path_str, tempdir, write_file, Run};

/// The `service` the challenge names, which the token request must send back.
const SERVICE: &str = "stand-in";

/// What the token server does with a request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tokens {
    /// Hands a token to anyone, with or without credentials.
    Grant,
    /// Refuses every request with a 401, as a token server refuses wrong credentials.
    Refuse,
    /// Hands tokens to anyone, and the first one expires once it has served the manifest.
    Expire,
    /// Hands tokens to anyone in OAuth2's field, `access_token`, rather than `token`.
    AccessToken,
    /// Answers the first token request with a 503, then hands tokens to anyone.
    BusyOnce,
}

/// The token server's count of tokens handed out, and whether the last one has expired.
#[derive(Default)]
struct Issued {
    count: usize,
    expired: bool,
    /// Whether the 503 of [`Tokens::BusyOnce`] was answered.
    busy: bool,
}

/// The `n`th token handed out (from 1): `t0k3n`, then `t0k3n-2`, `t0k3n-3`…
fn token(n: usize) -> String {
    match n {
        1 => "t0k3n".to_string(),
        n => format!("t0k3n-{n}"),
    }
}

/// `Authorization: Bearer` with the `n`th token, as a request carries it.
fn bearer(n: usize) -> Option<String> {
    Some(format!("Bearer {}", token(n)))
}

/// A stand-in registry that wants bearer tokens, with its token server at `/token`; with
/// `redirect`, it answers the GET of a blob with a 307 to `/storage/HEX`, as a registry whose
/// blobs are in a bucket does.
fn registry(tokens: Tokens, redirect: bool) -> Server {
    let tiny = Tiny::load();
    let issued = Mutex::new(Issued::default());
    Server::start(move |request: &Request| {
        if let Some(hex) = request.path.strip_prefix("/storage/") {
            // The storage wants no token (in real life, the URL is signed): one sent there
            // leaked.
            return match request.header("authorization") {
                Some(_) => Response::new(400, r#"{"error":"a token was sent to the storage"}"#),
                None => tiny.answer(&with_path(request, &blob_path(&format!("sha256:{hex}")))),
            };
        }
        let mut issued = issued.lock().expect("the token count");
        if request.path.starts_with("/token") {
            match tokens {
                Tokens::Refuse => {
                    return Response::new(401, r#"{"details":"incorrect username or password"}"#)
                }
                Tokens::BusyOnce if !issued.busy => {
                    issued.busy = true;
                    return Response::new(503, r#"{"details":"try again"}"#);
                }
                _ => {}
            }
            issued.count += 1;
            issued.expired = false;
            let field = match tokens {
                Tokens::AccessToken => "access_token",
                _ => "token",
            };
            let body = serde_json::json!({ field: token(issued.count), "expires_in": 300 });
            return Response::new(200, body.to_string());
        }
        let valid = issued.count > 0
            && !issued.expired
            && request.header("authorization") == Some(&format!("Bearer {}", token(issued.count)));
        if !valid {
            return challenge(request);
        }
        if tokens == Tokens::Expire && issued.count == 1 && request.path == MANIFEST {
            issued.expired = true;
        }
        match request.path.strip_prefix("/v2/tiny/blobs/sha256:") {
            Some(hex) if redirect => {
                Response::new(307, "").with_header("Location", &format!("/storage/{hex}"))
            }
            _ => tiny.answer(request),
        }
    })
}

/// The registry's 401: the realm of the token server on the host the request was sent to, and
/// the scope a request for the repository needs.
fn challenge(request: &Request) -> Response {
    let host = request.header("host").unwrap_or_default();
    let mut value = format!(r#"Bearer realm="http://{host}/token",service="{SERVICE}""#);
    if request.path != "/v2/" {
        value.push_str(r#",scope="repository:tiny:pull",error="invalid_token""#);
    }
    Response::new(
        401,
        r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
    )
    .with_header("WWW-Authenticate", &value)
}

/// `request` as if it had been sent to `path`.
fn with_path(request: &Request, path: &str) -> Request {
    Request {
        path: path.to_string(),
        ..request.clone()
    }
}

/// The parameters of the query of `path`, percent-decoded, in order.
fn query(path: &str) -> Vec<(String, String)> {
    let Some((_, query)) = path.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

/// `text` with its `%XX` escapes (and `+` for a space) decoded.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("a UTF-8 query")
}

/// The requests to the token server.
fn token_requests(server: &Server) -> Vec<Request> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/token"))
        .collect()
}

/// Asserts that each request to the token server asked for a pull of `tiny` from the service
/// the challenge named.
#[track_caller]
fn assert_token_queries(server: &Server) {
    let asked = token_requests(server);
    assert!(!asked.is_empty(), "no token was asked for");
    for request in asked {
        let mut query = query(&request.path);
        query.sort();
        assert_eq!(
            query,
            [
                ("scope".to_string(), "repository:tiny:pull".to_string()),
                ("service".to_string(), SERVICE.to_string()),
            ],
            "{}",
            request.path
        );
    }
}

/// The `Authorization` of each request whose path is `path`, in order.
fn authorizations(server: &Server, path: &str) -> Vec<Option<String>> {
    server.header_values("authorization", |r| r.path == path)
}

/// The `Authorization` of every request to the registry's API but the first version check.
fn api_authorizations(server: &Server) -> Vec<Option<String>> {
    server.header_values("authorization", |r| r.path.starts_with("/v2/tiny/"))
}

/// `sizegate layers IMAGE --format json` with `REGISTRY_AUTH_FILE` naming a file that has
/// `USER:PASS` for the stand-in; the file's path is returned too.
fn layers_with_credentials(server: &Server) -> (Run, String) {
    let dir = tempdir();
    let file = write_file(
        dir.path(),
        "auth.json",
        auths(server.host(), USER, PASS).as_bytes(),
    );
    let run = layers_with(
        &image(server),
        &[("REGISTRY_AUTH_FILE", file.clone().into())],
    );
    (run, path_str(&file).to_string())
}

#[test]
fn an_anonymous_token_is_asked_for_without_credentials_and_sent_with_every_request() {
    let server = registry(Tokens::Grant, false);
    assert_tiny_numbers(&layers(&image(&server)), "anonymous token");
    assert_token_queries(&server);
    let asked = token_requests(&server);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].header("authorization"), None);
    // The version check, then the token, then the manifest: nothing was asked without it.
    let lines = server.request_lines();
    assert_eq!(lines[0], "GET /v2/");
    assert!(lines[1].starts_with("GET /token?"), "{lines:#?}");
    assert_eq!(lines[2], format!("GET {MANIFEST}"));
    // The manifest, the config and six layers, each once, each with the token.
    let sent = api_authorizations(&server);
    assert_eq!(sent, vec![bearer(1); 8]);
}

#[test]
fn a_token_in_the_oauth2_field_access_token_is_used_too() {
    let server = registry(Tokens::AccessToken, false);
    assert_tiny_numbers(&layers(&image(&server)), "access_token");
    assert_eq!(token_requests(&server).len(), 1);
    assert_eq!(api_authorizations(&server), vec![bearer(1); 8]);
}

#[test]
fn a_token_server_busy_for_a_moment_is_asked_again() {
    let server = registry(Tokens::BusyOnce, false);
    assert_tiny_numbers(&layers(&image(&server)), "a 503 of the token server");
    assert_token_queries(&server);
    assert_eq!(token_requests(&server).len(), 2);
    assert_eq!(api_authorizations(&server), vec![bearer(1); 8]);
}

#[test]
fn credentials_of_the_auth_file_are_sent_to_the_token_server_only() {
    let server = registry(Tokens::Grant, false);
    let (run, _) = layers_with_credentials(&server);
    assert_tiny_numbers(&run, "token for credentials");
    assert_no_secret(&run, &[PASS], "bearer");
    assert_token_queries(&server);
    let asked = token_requests(&server);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0].header("authorization"),
        Some(format!("Basic {}", basic(USER, PASS)).as_str())
    );
    let sent = api_authorizations(&server);
    assert_eq!(sent, vec![bearer(1); 8]);
}

#[test]
fn credentials_the_token_server_refuses_are_named_by_where_they_were_found_and_not_printed() {
    let server = registry(Tokens::Refuse, false);
    let image = image(&server);
    let (run, file) = layers_with_credentials(&server);
    let stderr = assert_fails(&run, &image);
    assert_no_secret(&run, &[PASS], "bearer");
    for part in ["refused", server.host(), file.as_str()] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    // Nothing but the version check and the one token request: no manifest without a token.
    let lines = server.request_lines();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0], "GET /v2/");
    assert!(lines[1].starts_with("GET /token?"), "{lines:#?}");

    // Without credentials, the refusal says none were found, and where they were looked for.
    let stderr = assert_fails(&layers(&image), &image);
    for part in ["credentials", server.host(), "config.json"] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
}

#[test]
fn a_token_that_expires_is_renewed_once_and_the_read_goes_on() {
    let server = registry(Tokens::Expire, false);
    assert_tiny_numbers(&layers(&image(&server)), "an expired token");
    assert_token_queries(&server);
    assert_eq!(token_requests(&server).len(), 2);
    assert_eq!(authorizations(&server, MANIFEST), [bearer(1)]);
    // The config came next: refused with the expired token, then served with the new one.
    let tiny = Tiny::load();
    assert_eq!(
        authorizations(&server, &blob_path(&tiny.config())),
        [bearer(1), bearer(2)]
    );
    for (digest, _) in tiny.layers() {
        assert_eq!(
            authorizations(&server, &blob_path(&digest)),
            [bearer(2)],
            "{digest}"
        );
    }
}

#[test]
fn blobs_redirected_to_storage_are_fetched_from_it_without_the_token() {
    let server = registry(Tokens::Grant, true);
    assert_tiny_numbers(&layers(&image(&server)), "redirected blobs");
    let tiny = Tiny::load();
    let mut blobs = vec![tiny.config()];
    blobs.extend(tiny.layers().into_iter().map(|(digest, _)| digest));
    for digest in blobs {
        let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
        assert_eq!(
            authorizations(&server, &blob_path(&digest)),
            [bearer(1)],
            "{digest}"
        );
        assert_eq!(
            authorizations(&server, &format!("/storage/{hex}")),
            [None],
            "{digest}"
        );
    }
}

#[test]
fn an_identity_token_is_exchanged_at_the_token_server_as_oauth_says() {
    const REFRESH: &str = "sgtest-r3fr3sh-7b2d";
    let server = registry(Tokens::Grant, false);
    // What `az acr login` writes: an identity token, beside a placeholder `auth`.
    let dir = tempdir();
    let placeholder = basic("00000000-0000-0000-0000-000000000000", "");
    let auths = auths_with(
        server.host(),
        serde_json::json!({ "auth": placeholder, "identitytoken": REFRESH }),
    );
    let file = write_file(dir.path(), "auth.json", auths.as_bytes());
    let run = layers_with(&image(&server), &[("REGISTRY_AUTH_FILE", file.into())]);
    assert_tiny_numbers(&run, "identity token");
    assert_no_secret(&run, &[REFRESH], "the identity token");
    let asked = token_requests(&server);
    assert_eq!(asked.len(), 1);
    // Posted as a form, never sent as a password.
    assert_eq!(asked[0].method, "POST");
    assert_eq!(asked[0].path, "/token");
    assert_eq!(asked[0].header("authorization"), None);
    let mut form = query(&format!("?{}", asked[0].body));
    form.sort();
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        form,
        [
            pair("client_id", "sizegate"),
            pair("grant_type", "refresh_token"),
            pair("refresh_token", REFRESH),
            pair("scope", "repository:tiny:pull"),
            pair("service", SERVICE),
        ]
    );
    assert_eq!(api_authorizations(&server), vec![bearer(1); 8]);
}
