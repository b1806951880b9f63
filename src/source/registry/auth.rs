//! How a registry is authenticated, learnt from its first 401: the challenge of its
//! `WWW-Authenticate` header, the credentials found for it (looked up then, and only then, so
//! that an anonymous registry never runs a credential helper), and the `Authorization` header
//! sent with each request (basic credentials, or a bearer token from the challenge's realm).

use base64::Engine as _;

use super::challenge::Challenge;
use super::credentials::{self, Credential, Found, Places};

/// What the client knows of a registry's authentication.
#[derive(Default)]
pub(super) struct Auth {
    /// How the registry asked, at its last 401.
    pub(super) challenge: Option<Challenge>,
    /// The credential found for it, and where.
    pub(super) credential: Option<(Credential, String)>,
    /// Where credentials were looked for (for the message of a refusal); empty until looked.
    pub(super) searched: Vec<String>,
    /// Credentials have been looked for.
    looked_up: bool,
    /// What is sent with each request.
    pub(super) header: Option<String>,
}

impl Auth {
    /// Looks the credentials of `registry`/`repository` up, once.
    pub(super) fn look_up(&mut self, registry: &str, repository: &str) -> Result<(), String> {
        if self.looked_up {
            return Ok(());
        }
        let Found {
            credential,
            source,
            searched,
        } = credentials::lookup(&Places::from_env(), registry, repository)?;
        self.credential = credential.zip(source);
        self.searched = searched;
        self.looked_up = true;
        Ok(())
    }

    /// Where the credential came from, when there is one.
    pub(super) fn source(&self) -> Option<&str> {
        self.credential.as_ref().map(|(_, s)| s.as_str())
    }

    /// `Basic base64(user:secret)` of the credential found; `None` for an identity token,
    /// which is never sent as a password.
    pub(super) fn basic(&self) -> Option<String> {
        let (credential, _) = self.credential.as_ref()?;
        credential
            .refresh_token()
            .is_none()
            .then(|| basic(credential))
    }

    /// The identity token found, when that is the credential.
    pub(super) fn refresh_token(&self) -> Option<&str> {
        let (credential, _) = self.credential.as_ref()?;
        credential.refresh_token().map(|t| t.expose())
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

/// The token of a token server's answer (`token`, or OAuth's `access_token`).
pub(super) fn token_of(body: &[u8]) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Token {
        token: Option<String>,
        access_token: Option<String>,
    }
    let token: Token = serde_json::from_slice(body).map_err(|e| format!("no token: {e}"))?;
    token
        .token
        .or(token.access_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "no token in its answer".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_read_from_either_key() {
        assert_eq!(token_of(br#"{"token":"a"}"#), Ok("a".into()));
        assert_eq!(
            token_of(br#"{"access_token":"b","expires_in":300}"#),
            Ok("b".into())
        );
        assert!(token_of(br#"{"token":""}"#).is_err());
        assert!(token_of(b"<html>").is_err());
    }
}
