//! Links from the places a report names (`sizegate.yml:8:13`, `Dockerfile:6`) to those files at the
//! commit that was checked, as GitHub shows them: `{server}/{repository}/blob/{sha}/{path}#L{line}`.
//! The binary reads the three parts from GitHub Actions' variables (`GITHUB_SERVER_URL`,
//! `GITHUB_REPOSITORY`, `GITHUB_SHA`); a part that does not look like one gives no links at all,
//! and every part of a link is percent-encoded, so no path can break out of the markdown link.

/// Where the files of the checked commit are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLinks {
    /// `https://github.com`, without a trailing `/`.
    server: String,
    /// `owner/name`, each part encoded.
    repository: String,
    /// The commit, in hex.
    sha: String,
}

impl SourceLinks {
    /// The links of a server, repository and commit; `None` unless the server is an `http(s)`
    /// URL of plain characters (no query, fragment, spaces or quotes), the repository is
    /// `owner/name` and the commit is 7 to 64 hex digits.
    pub fn new(server: &str, repository: &str, sha: &str) -> Option<SourceLinks> {
        let server = server.trim_end_matches('/');
        let rest = server
            .strip_prefix("https://")
            .or_else(|| server.strip_prefix("http://"))?;
        let plain = |c: char| c.is_ascii_alphanumeric() || "-._~:/%".contains(c);
        if rest.is_empty() || !rest.chars().all(plain) {
            return None;
        }
        let (owner, name) = repository.split_once('/')?;
        let part = |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains('/');
        if !part(owner) || !part(name) {
            return None;
        }
        let hex = sha.len() >= 7 && sha.len() <= 64 && sha.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            return None;
        }
        Some(SourceLinks {
            server: server.to_string(),
            repository: format!("{}/{}", encode(owner), encode(name)),
            sha: sha.to_ascii_lowercase(),
        })
    }

    /// The link to `file` (named from the repository root, `/` between its parts) at `line`, or
    /// to the whole file; `None` for a file the repository cannot hold: an absolute path, or one
    /// that climbs out of the root (`../x`).
    pub(crate) fn url(&self, file: &str, line: Option<u64>) -> Option<String> {
        let parts: Vec<&str> = file.split('/').collect();
        let inside = parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != ".." && !p.contains('\\'))
            // `C:` starts a Windows path, not a directory of the repository.
            && !parts.first().is_some_and(|p| p.contains(':'));
        if !inside {
            return None;
        }
        let path: Vec<String> = parts.iter().map(|p| encode(p)).collect();
        let anchor = line.map(|l| format!("#L{l}")).unwrap_or_default();
        Some(format!(
            "{}/{}/blob/{}/{}{anchor}",
            self.server,
            self.repository,
            self.sha,
            path.join("/")
        ))
    }
}

/// One segment of a URL path: every byte but RFC 3986's unreserved characters percent-encoded.
fn encode(segment: &str) -> String {
    percent_encode(segment, b"")
}

/// `text` with every byte percent-encoded (`%2F`) but RFC 3986's unreserved characters (ASCII
/// letters and digits, `-._~`) and those of `keep` (`/` for a whole path). The one encoder of
/// the links here and of SARIF's file URIs.
pub(crate) fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> SourceLinks {
        SourceLinks::new("https://github.com/", "org/app", "0123abcd").expect("valid")
    }

    #[test]
    fn a_place_links_to_its_line_at_the_commit() {
        assert_eq!(
            links().url("ci/sizegate.yml", Some(8)).as_deref(),
            Some("https://github.com/org/app/blob/0123abcd/ci/sizegate.yml#L8")
        );
        assert_eq!(
            links().url("Dockerfile", None).as_deref(),
            Some("https://github.com/org/app/blob/0123abcd/Dockerfile")
        );
    }

    #[test]
    fn every_segment_is_percent_encoded() {
        assert_eq!(
            links().url("my dir/a)b|c[d].yml", Some(1)).as_deref(),
            Some("https://github.com/org/app/blob/0123abcd/my%20dir/a%29b%7Cc%5Bd%5D.yml#L1")
        );
        assert_eq!(
            links().url("café/x\ny.yml", None).as_deref(),
            Some("https://github.com/org/app/blob/0123abcd/caf%C3%A9/x%0Ay.yml")
        );
    }

    #[test]
    fn percent_encoding_keeps_the_unreserved_characters_and_those_asked_for() {
        assert_eq!(percent_encode("a-b._~Z9", b""), "a-b._~Z9");
        assert_eq!(percent_encode("a/b c", b""), "a%2Fb%20c");
        assert_eq!(percent_encode("a/b c", b"/"), "a/b%20c");
        assert_eq!(percent_encode("é%:", b"/"), "%C3%A9%25%3A");
    }

    #[test]
    fn files_outside_the_repository_have_no_link() {
        for file in [
            "/etc/size.yml",
            "../size.yml",
            "a/../../b",
            "C:/x.yml",
            "a\\..\\b",
            "",
        ] {
            assert_eq!(links().url(file, Some(1)), None, "{file}");
        }
    }

    #[test]
    fn odd_variables_give_no_links() {
        let ok = |server, repo, sha| SourceLinks::new(server, repo, sha).is_some();
        assert!(ok("http://ghe.example:8443", "o/r", "abcdef0"));
        assert!(!ok("javascript:alert(1)", "o/r", "abcdef0"));
        assert!(!ok("https://x.example/\"onmouseover", "o/r", "abcdef0"));
        assert!(!ok("https://x.example/a b", "o/r", "abcdef0"));
        assert!(!ok("https://x.example?q", "o/r", "abcdef0"));
        assert!(!ok("https://", "o/r", "abcdef0"));
        assert!(!ok("https://github.com", "o", "abcdef0"));
        assert!(!ok("https://github.com", "o/r/x", "abcdef0"));
        assert!(!ok("https://github.com", "../r", "abcdef0"));
        assert!(!ok("https://github.com", "o/r", "main"));
        assert!(!ok("https://github.com", "o/r", "abc"));
        let encoded = SourceLinks::new("https://github.com", "o w/r(1)", "ABCDEF0").expect("ok");
        assert_eq!(
            encoded.url("f", None).as_deref(),
            Some("https://github.com/o%20w/r%281%29/blob/abcdef0/f")
        );
    }
}
