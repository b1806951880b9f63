//! A real registry for the `docker://` tests: Debian's `docker-registry` (the CNCF distribution
//! registry, API v2) on 127.0.0.1 with a free port, its storage, configuration and log in a
//! temporary directory of its own, so that tests run in parallel, each with its own registry.
//! Images are pushed into it with `skopeo copy` from the fixtures; the access log tells the tests
//! which requests a run of sizegate made ([`access`]). Anonymous, with htpasswd basic auth, or over
//! TLS with a throw-away CA made with `openssl` ([`setup`]).

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use super::ci::require_tools;
use super::{path_str, root, sha256_hex, tempdir, write_file};

mod access;
mod setup;

pub(crate) use setup::Setup;

/// The programs the registry tests run: a machine without one of them fails those tests, saying
/// what to install (see [`require_tools`]).
const TOOLS: [&str; 4] = ["docker-registry", "skopeo", "htpasswd", "openssl"];

/// A running registry; dropping it stops it.
pub(crate) struct Registry {
    setup: Setup,
    port: u16,
    /// Holds the configuration, storage, log and certificates; deleted after the registry stops.
    dir: TempDir,
    /// The `sh` that runs the registry and kills it when this pipe closes (see [`SUPERVISOR`]).
    child: Child,
    lifeline: Option<ChildStdin>,
    /// How many times [`Registry::requests`] has marked the log, so that each mark is new.
    marks: std::cell::Cell<u32>,
}

/// Runs `docker-registry serve CONFIG` with its output in LOG and stops it when the test's pipe on
/// stdin closes: when the [`Registry`] is dropped, and also when the test process dies without
/// dropping it (a panic with `panic = abort`, a signal), so that no registry outlives its test.
/// The registry's own exit (its port taken meanwhile) ends the script, which the start sees.
const SUPERVISOR: &str = r#"exec 3<&0
docker-registry serve "$0" > "$1" 2>&1 < /dev/null &
pid=$!
(read -r _ <&3; kill -KILL "$pid" 2> /dev/null) &
exec 3<&-
wait "$pid""#;

impl Registry {
    /// Starts a registry set up as `setup` and waits until it answers; fails the test when a
    /// program it needs is not installed.
    pub(crate) fn start(setup: Setup) -> Registry {
        require_tools(&TOOLS);
        let mut dir = tempdir();
        let auth = match setup {
            Setup::Basic { user, pass } => Some(setup::htpasswd(dir.path(), user, pass)),
            Setup::Anonymous | Setup::Tls => None,
        };
        if let Setup::Tls = setup {
            setup::make_certificates(dir.path());
        }
        // The free port is found by binding port 0 and letting it go: another test may take it
        // before the registry binds it, and then the registry exits at once; a new port is tried.
        for _ in 0..5 {
            let port = free_port();
            let config = setup::config(dir.path(), port, auth.as_deref(), setup);
            let config = write_file(dir.path(), "config.yml", config.as_bytes());
            let log = dir.path().join("registry.log");
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(SUPERVISOR)
                .arg(&config)
                .arg(&log)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("sh starts the registry");
            let lifeline = child.stdin.take();
            let mut registry = Registry {
                setup,
                port,
                dir,
                child,
                lifeline,
                marks: std::cell::Cell::new(0),
            };
            match registry.wait_until_it_answers() {
                Ok(()) => return registry,
                Err(exited) => {
                    let log = fs::read_to_string(registry.log()).unwrap_or_default();
                    assert!(exited, "the registry did not answer in 30 s:\n{log}");
                    assert!(
                        log.contains("address already in use"),
                        "the registry exited:\n{log}"
                    );
                    dir = registry.stop();
                }
            }
        }
        panic!("the registry found no free port in 5 tries");
    }

    /// Polls `GET /v2/` until an HTTP answer comes (a 401 counts: the registry is up; over TLS,
    /// the plain request's 400 counts too). `Err(true)` if the registry exited, `Err(false)` if it
    /// did not answer in 30 s.
    fn wait_until_it_answers(&mut self) -> Result<(), bool> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let answered = plain_get(self.port, "/v2/").is_some();
            // Checked after the answer too: a registry that lost the port to another process
            // exits at once, and the answer was that other process's.
            if self.exited() {
                return Err(true);
            }
            if answered {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(false)
    }

    /// Whether the supervisor has exited, which it does when the registry does.
    fn exited(&mut self) -> bool {
        self.child.try_wait().is_ok_and(|status| status.is_some())
    }

    /// Stops the registry and gives its directory back (to try again on another port).
    fn stop(mut self) -> TempDir {
        self.shut_down();
        // Drop still runs on what is left: a fresh empty directory, and a child already waited.
        std::mem::replace(&mut self.dir, tempdir())
    }

    fn shut_down(&mut self) {
        // Closing the pipe makes the supervisor kill the registry; then it exits.
        drop(self.lifeline.take());
        let _ = self.child.wait();
    }

    /// `127.0.0.1:PORT`, the registry's host as image references name it.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `docker://127.0.0.1:PORT/REPO_TAG` (`REPO:TAG` or `REPO@sha256:…`).
    pub(crate) fn image(&self, repo_tag: &str) -> String {
        format!("docker://{}/{repo_tag}", self.host())
    }

    /// `docker://localhost:PORT/REPO_TAG`: the same image, named by the host name the TLS
    /// certificate also holds.
    pub(crate) fn image_on_localhost(&self, repo_tag: &str) -> String {
        format!("docker://localhost:{}/{repo_tag}", self.port)
    }

    /// The throw-away CA's certificate (PEM) of a [`Setup::Tls`] registry.
    pub(crate) fn ca_pem(&self) -> PathBuf {
        self.dir.path().join("ca/ca.crt")
    }

    /// A directory whose only file is the CA certificate as `ca.crt`: what `--cert-dir` takes.
    pub(crate) fn cert_dir(&self) -> PathBuf {
        self.dir.path().join("ca")
    }

    /// Copies the image `src` (a containers-image reference: `docker-archive:PATH`, `oci:DIR:REF`,
    /// paths from the repository root) into the registry as `REPO:TAG`.
    pub(crate) fn push(&self, src: &str, repo_tag: &str) {
        self.copy(src, repo_tag, false);
    }

    /// [`Registry::push`] of an image index with every image it lists (`skopeo copy --all`).
    pub(crate) fn push_all(&self, src: &str, repo_tag: &str) {
        self.copy(src, repo_tag, true);
    }

    fn copy(&self, src: &str, repo_tag: &str, all: bool) {
        let mut cmd = self.skopeo();
        cmd.args(["copy", "--dest-tls-verify=false"]);
        self.creds(&mut cmd, "--dest-creds");
        if all {
            cmd.arg("--all");
        }
        cmd.arg(src).arg(self.image(repo_tag));
        let out = cmd.output().expect("skopeo runs");
        assert!(
            out.status.success(),
            "skopeo copy {src} {repo_tag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Copies `REPO_TAG` out of the registry into a throw-away OCI layout with `skopeo copy`: a
    /// client that fetches every blob, for the tests of the access log itself.
    pub(crate) fn pull(&self, repo_tag: &str) {
        let out = tempdir();
        let mut cmd = self.skopeo();
        cmd.args(["copy", "--src-tls-verify=false"]);
        self.creds(&mut cmd, "--src-creds");
        cmd.arg(self.image(repo_tag))
            .arg(format!("oci:{}:pulled", path_str(out.path())));
        let out = cmd.output().expect("skopeo runs");
        assert!(
            out.status.success(),
            "skopeo copy {repo_tag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `skopeo` run from the repository root, with none of the user's credentials (as the tests'
    /// sizegate: support/cmd.rs) and without a signature policy (a bare machine has none).
    pub(crate) fn skopeo(&self) -> Command {
        let mut cmd = Command::new("skopeo");
        cmd.current_dir(root())
            .env_remove("REGISTRY_AUTH_FILE")
            .env("DOCKER_CONFIG", self.dir.path().join("no-docker-config"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("no-runtime-dir"))
            .arg("--insecure-policy");
        cmd
    }

    /// Gives `cmd` (a skopeo) the registry's credentials with `flag`, when it has some.
    fn creds(&self, cmd: &mut Command, flag: &str) {
        if let Setup::Basic { user, pass } = self.setup {
            cmd.arg(flag).arg(format!("{user}:{pass}"));
        }
    }

    /// `skopeo inspect --raw` of `REPO_TAG`: a stored manifest or index, as JSON.
    fn inspect(&self, extra: &[&str], repo_tag: &str) -> String {
        let mut cmd = self.skopeo();
        cmd.args(["inspect", "--tls-verify=false"]).args(extra);
        self.creds(&mut cmd, "--creds");
        let out = cmd.arg(self.image(repo_tag)).output().expect("skopeo runs");
        assert!(
            out.status.success(),
            "skopeo inspect {repo_tag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// The manifest (or index) stored as `REPO_TAG`, as the registry serves it.
    pub(crate) fn manifest(&self, repo_tag: &str) -> Value {
        serde_json::from_str(&self.inspect(&["--raw"], repo_tag)).expect("the manifest is JSON")
    }

    /// The digest of the manifest (or index) stored as `REPO_TAG` (`sha256:…`).
    pub(crate) fn digest(&self, repo_tag: &str) -> String {
        // --raw: the digest of the index itself for a multi-platform tag, not of one image's.
        let raw = self.inspect(&["--raw"], repo_tag);
        let digest = sha256_hex(raw.as_bytes());
        format!("sha256:{digest}")
    }

    /// The digests of the layer blobs of the image manifest stored as `REPO_TAG`, bottom first.
    pub(crate) fn layer_digests(&self, repo_tag: &str) -> Vec<String> {
        let manifest = self.manifest(repo_tag);
        let layers = manifest["layers"].as_array().expect("an image manifest");
        layers
            .iter()
            .map(|l| l["digest"].as_str().expect("a digest").to_string())
            .collect()
    }

    /// Changes the stored bytes of the blob `digest` in place, its length kept, so that the
    /// registry serves it as before under a digest it no longer has. Byte 4 is flipped: in a gzip
    /// blob that is the header's MTIME, which no reader checks, so the blob still decompresses to
    /// the same tar and only checking its digest can tell.
    pub(crate) fn corrupt_blob(&self, digest: &str) {
        let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
        let path = self
            .dir
            .path()
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data");
        let mut data = fs::read(&path).expect("the stored blob");
        assert!(data.len() > 4, "blob {digest} is too short to corrupt");
        data[4] ^= 0xff;
        fs::write(&path, data).expect("the blob is rewritten");
    }

    /// The registry's log: its messages and its access log.
    fn log(&self) -> PathBuf {
        self.dir.path().join("registry.log")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    listener.local_addr().expect("its address").port()
}

/// `GET PATH` in plain HTTP/1.0 to 127.0.0.1:PORT: the status line of the answer, if one came.
fn plain_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status = answer.lines().next()?;
    status.starts_with("HTTP/").then(|| status.to_string())
}
