//! The registry's access log, read back: which requests a run made.

use std::fs;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::Registry;

/// One request of the registry's access log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Access {
    pub method: String,
    /// The path with its query, as sent (`/v2/tiny/blobs/sha256:…`).
    pub path: String,
    pub status: u16,
}

impl Registry {
    /// Every request of the access log so far, in the order the registry finished them. A mark
    /// request is made first and waited for (and left out), so that a request the registry
    /// logged late (one a client dropped midway is logged when the registry gives up on it) is
    /// in the list all the same.
    pub(crate) fn requests(&self) -> Vec<Access> {
        let mark = self.marks.get() + 1;
        self.marks.set(mark);
        let mark_path = format!("/v2/sizegate-test-mark/manifests/m{mark}");
        // A request for a manifest nobody pushed: its 404 (401 without credentials) is logged.
        let _ = self.skopeo_raw(&format!("sizegate-test-mark:m{mark}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = fs::read_to_string(self.log()).expect("the registry's log");
            let requests: Vec<Access> = log.lines().filter_map(access).collect();
            if let Some(at) = requests.iter().position(|r| r.path == mark_path) {
                return requests[..at]
                    .iter()
                    .filter(|r| !r.path.starts_with("/v2/sizegate-test-mark/"))
                    .cloned()
                    .collect();
            }
            assert!(
                Instant::now() < deadline,
                "the mark is not in the log:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `skopeo inspect --raw` that may fail (the mark): its success.
    fn skopeo_raw(&self, repo_tag: &str) -> bool {
        let mut cmd = self.skopeo();
        cmd.args([
            "inspect",
            "--raw",
            "--retry-times",
            "0",
            "--tls-verify=false",
        ]);
        self.creds(&mut cmd, "--creds");
        cmd.arg(self.image(repo_tag))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The `GET`s of the blob `digest` in the access log, in any repository.
    pub(crate) fn blob_gets(&self, digest: &str) -> usize {
        let suffix = format!("/blobs/{digest}");
        self.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with(&suffix))
            .count()
    }
}

/// One access-log line (`127.0.0.1 - - [date] "GET /v2/ HTTP/1.1" 200 2 "" "agent"`) as an
/// [`Access`]; `None` for the registry's other messages.
pub(super) fn access(line: &str) -> Option<Access> {
    let (_, rest) = line.split_once("] \"")?;
    let (request, rest) = rest.split_once("\" ")?;
    let mut request = request.split(' ');
    let (method, path) = (request.next()?, request.next()?);
    request.next()?.starts_with("HTTP/").then_some(())?;
    let status = rest.split(' ').next()?.parse().ok()?;
    Some(Access {
        method: method.to_string(),
        path: path.to_string(),
        status,
    })
}
