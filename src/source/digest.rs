//! Digests as the OCI image spec writes them (descriptor.md, "Digests"), checked before one
//! becomes a path: `blobs/<algorithm>/<encoded>` must stay a file below `blobs/`, so `..:x`
//! (`blobs/../x`) or `sha256:a/../../b` are refused rather than followed.
//!
//! ```text
//! digest    ::= algorithm ":" encoded
//! algorithm ::= [a-z0-9]+ ([+._-] [a-z0-9]+)*
//! encoded   ::= [a-zA-Z0-9=_-]+
//! ```
//! and for the registered algorithms: sha256 is 64, sha512 128 lowercase hex digits. Neither part
//! can then hold a `/`, and the algorithm cannot be `.` or `..`.

/// Longest part of a malformed digest quoted in a message: the rest is cut, so that a megabyte of
/// junk in a manifest does not become a megabyte of log.
const QUOTED_CHARS: usize = 80;

/// Splits a well-formed digest into its algorithm and encoded part, or says what is wrong.
pub(crate) fn parse(digest: &str) -> Result<(&str, &str), String> {
    let (algorithm, encoded) = digest
        .split_once(':')
        .filter(|(a, e)| valid_algorithm(a) && valid_encoded(e))
        .ok_or_else(|| {
            malformed(
                digest,
                "a digest is ALGORITHM:ENCODED, such as sha256: and 64 hex digits",
            )
        })?;
    let hex_digits = match algorithm {
        "sha256" => Some(64),
        "sha512" => Some(128),
        _ => None,
    };
    if let Some(len) = hex_digits {
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if encoded.len() != len || !encoded.bytes().all(lower_hex) {
            return Err(malformed(
                digest,
                &format!("a {algorithm} digest is {len} lowercase hex digits"),
            ));
        }
    }
    Ok((algorithm, encoded))
}

/// `malformed digest "…": why`, the digest quoted with its odd characters escaped and cut short.
fn malformed(digest: &str, why: &str) -> String {
    match digest.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!(
            "malformed digest {:?}… ({} bytes): {why}",
            &digest[..cut],
            digest.len()
        ),
        None => format!("malformed digest {digest:?}: {why}"),
    }
}

/// `[a-z0-9]+ ([+._-] [a-z0-9]+)*`: components separated by single separators.
fn valid_algorithm(algorithm: &str) -> bool {
    algorithm.split(['+', '.', '_', '-']).all(|c| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// `[a-zA-Z0-9=_-]+`.
fn valid_encoded(encoded: &str) -> bool {
    !encoded.is_empty()
        && encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_and_other_well_formed_digests_parse() {
        let hex = "ab".repeat(32);
        assert_eq!(
            parse(&format!("sha256:{hex}")),
            Ok(("sha256", hex.as_str()))
        );
        let long = "0f".repeat(64);
        assert_eq!(
            parse(&format!("sha512:{long}")),
            Ok(("sha512", long.as_str()))
        );
        assert_eq!(
            parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"),
            Ok((
                "multihash+base58",
                "QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"
            ))
        );
        assert_eq!(parse("blake3:a=_-Z"), Ok(("blake3", "a=_-Z")));
    }

    #[test]
    fn path_tricks_are_malformed() {
        let grammar = "a digest is ALGORITHM:ENCODED, such as sha256: and 64 hex digits";
        for bad in [
            "..:x",
            ".:x",
            "sha256:../../etc/passwd",
            "a/b:c",
            "sha256/abc",
            "sha256:",
            ":abc",
            "a..b:c",
            "-a:c",
            "SHA256:abc",
        ] {
            assert_eq!(
                parse(bad),
                Err(format!("malformed digest {bad:?}: {grammar}")),
                "{bad}"
            );
        }
    }

    #[test]
    fn registered_algorithms_take_their_length_of_lowercase_hex() {
        let upper = format!("sha256:{}", "AB".repeat(32));
        assert_eq!(
            parse(&upper),
            Err(format!(
                "malformed digest {upper:?}: a sha256 digest is 64 lowercase hex digits"
            ))
        );
        assert!(parse("sha256:abc123").is_err());
        assert!(parse(&format!("sha512:{}", "ab".repeat(32))).is_err());
    }

    #[test]
    fn a_long_malformed_digest_is_quoted_cut_short_and_escaped() {
        let long = format!("sha256:\x1b[2J{}", "x".repeat(1000));
        let message = parse(&long).err().unwrap_or_default();
        assert!(
            message.starts_with("malformed digest \"sha256:\\u{1b}[2Jxxx"),
            "{message}"
        );
        assert!(message.contains("xxx\"… (1011 bytes): "), "{message}");
        assert!(message.len() < 200, "{message}");
    }
}
