//! One credentials file, docker's `config.json` or podman's `auth.json` (the same format): read
//! within bounds, and its `auths` entries decoded. Errors name the file and the field, never a
//! value, since any value may be a password.

use std::path::Path;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::{Credential, Secret};
use crate::input::{read_input, Input};

/// What an `auths` entry holds.
pub(super) enum Entry {
    /// A user and password (`auth`, or `username` and `password`), or an identity token.
    Credential(Credential),
    /// Nothing usable.
    Empty,
}

/// The credential in an `auths` entry; `at` names it in messages (which never quote its values).
pub(super) fn decode_entry(entry: &Value, at: &str) -> Result<Entry, String> {
    let Value::Object(entry) = entry else {
        return Err(format!("{at} is not a JSON object"));
    };
    let field = |name: &str| string_field(entry, name, at);
    // An OAuth refresh token (`identitytoken`) wins over `auth`, as in docker: `az acr login`
    // writes both, its `auth` a placeholder user with no password.
    if let Some(token) = field("identitytoken")?.filter(|token| !token.is_empty()) {
        return Ok(Entry::Credential(Credential::identity_token(
            token.to_string(),
        )));
    }
    if let Some(auth) = field("auth")?
        .map(str::trim)
        .filter(|auth| !auth.is_empty())
    {
        return decode_auth(auth, at).map(Entry::Credential);
    }
    if let (Some(username), Some(password)) = (field("username")?, field("password")?) {
        if !username.is_empty() && !password.is_empty() {
            return Ok(Entry::Credential(Credential {
                username: username.to_string(),
                secret: Secret::new(password.to_string()),
            }));
        }
    }
    Ok(Entry::Empty)
}

/// The user and password in an `auth` field: base64 of `user:password`, split at the first colon
/// (a password may hold colons, a user name may not). The decoder's own error is not passed on:
/// it names the offending byte, which is part of the secret.
fn decode_auth(auth: &str, at: &str) -> Result<Credential, String> {
    let bytes = base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(auth)
        .map_err(|_| format!("{at}: its auth field is not base64"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{at}: its auth field does not decode to UTF-8 text"))?;
    let Some((username, password)) = text.split_once(':') else {
        return Err(format!(
            "{at}: its auth field does not decode to user:password"
        ));
    };
    Ok(Credential {
        username: username.to_string(),
        // Some writers pad the password with NULs; containers/image trims them too.
        secret: Secret::new(password.trim_matches('\0').to_string()),
    })
}

/// The file at `path` as a JSON object, `None` when there is no such file; `label` names it in
/// errors, which give the JSON parser's position but never the content.
pub(super) fn read_config(path: &Path, label: &str) -> Result<Option<Map<String, Value>>, String> {
    let bytes = match read_input(path, &Input::CREDENTIALS) {
        Ok(bytes) => bytes,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(format!("{label}: {e}")),
    };
    // docker reads an empty config.json as an empty configuration.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Some(Map::new()));
    }
    // Parsed into `Value` first: serde_json's syntax errors give only a position, whereas its type
    // errors quote the value, which may be a password. The shape is then checked here.
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(config)) => Ok(Some(config)),
        Ok(_) => Err(format!("{label}: is not a JSON object")),
        Err(e) => Err(format!("{label}: is not valid JSON: {e}")),
    }
}

/// `object[field]` as an object: `None` when absent or null; `Err` naming it when another type.
pub(super) fn object_field<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    at: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(format!("{at}: {field} is not a JSON object")),
    }
}

/// `object[field]` as a string: `None` when absent or null; `Err` naming it (never its value)
/// when another type.
pub(super) fn string_field<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    at: &str,
) -> Result<Option<&'a str>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("{at}: {field} is not a string")),
    }
}
