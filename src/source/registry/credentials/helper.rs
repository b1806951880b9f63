//! Docker's credential helper protocol: `docker-credential-NAME get`, found on `PATH`, reads the
//! server URL on its standard input and answers `{"ServerURL", "Username", "Secret"}` on its
//! standard output; a helper without a credential exits non-zero saying "credentials not found".
//!
//! The helper is the user's own program, but what it prints is still bounded (64 KiB per stream)
//! and its time too, and its output is never quoted where it could hold the secret.

use std::ffi::OsStr;
use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Credential, Places, Secret};
use crate::text::{printable, printable_cut};

/// The most bytes read from each of a helper's output streams.
const MAX_OUTPUT: u64 = 64 * 1024;

/// The most characters of a helper's error quoted in a message.
const MAX_QUOTED: usize = 200;

/// What a helper answered.
#[derive(Debug)]
pub(super) enum Answer {
    /// A user and password (or token used as one), or an identity token (its `Username`
    /// [`super::IDENTITY_TOKEN_USER`]).
    Credential(Credential),
    /// No credential for that server.
    NotFound,
}

/// The helper's program name: `docker-credential-NAME`, shown safely.
pub(super) fn program(name: &str) -> String {
    printable(&format!("docker-credential-{name}")).into_owned()
}

/// Asks the helper `name` (configured by `origin`, e.g. `credsStore of FILE`) for `server_url`'s
/// credential. `Err` when it cannot be found or run, fails, or answers something else than its
/// protocol: each message names the helper and where it was configured.
pub(super) fn get(
    places: &Places,
    name: &str,
    origin: &str,
    server_url: &str,
) -> Result<Answer, String> {
    let program = program(name);
    let who = format!("{program} ({origin})");
    // A name is only ever a suffix: one with a path in it would run whatever file it points to.
    if name.is_empty() || name.contains(['/', '\\', '\0']) {
        return Err(format!(
            "{origin} names {program}, which is not a helper name"
        ));
    }
    let Some(exe) = find_on_path(places.path.as_deref(), &format!("docker-credential-{name}"))
    else {
        return Err(format!("{program} is not on PATH ({origin})"));
    };
    let output = run(&exe, server_url, places.helper_timeout).map_err(|e| match e {
        RunError::Io(e) => format!("{who} could not be run: {e}"),
        RunError::TimedOut => format!(
            "{who} did not answer within {} and was stopped",
            seconds(places.helper_timeout)
        ),
        RunError::TooLong => {
            format!("{who} wrote more than {} KiB", MAX_OUTPUT / 1024)
        }
    })?;
    if !output.status.success() {
        let said = |bytes: &[u8]| String::from_utf8_lossy(bytes).to_lowercase();
        // docker-credential-helpers print this on standard output and exit 1.
        if said(&output.stdout).contains("credentials not found")
            || said(&output.stderr).contains("credentials not found")
        {
            return Ok(Answer::NotFound);
        }
        return Err(match first_line(&output) {
            Some(line) => format!("{who} failed ({}): {line}", output.status),
            None => format!("{who} failed ({})", output.status),
        });
    }
    parse_answer(&output.stdout).map_err(|what| format!("{who} answered {what}"))
}

/// `duration` as a message says it: `60 s`, or `0.25 s` below a second.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} s", duration.as_secs_f64())
    }
}

/// The credential in a helper's answer; `Err` says what was wrong with it, never its values.
fn parse_answer(stdout: &[u8]) -> Result<Answer, String> {
    // Into `Value` first: serde_json's type errors quote the value, and that could be the secret.
    let answer = serde_json::from_slice::<Value>(stdout)
        .map_err(|e| format!("something that is not JSON ({e})"))?;
    let field = |name: &str| match answer.get(name) {
        Some(Value::String(text)) => Ok(text.as_str()),
        _ => Err(format!("JSON without a {name} string")),
    };
    let (username, secret) = (field("Username")?, field("Secret")?);
    if username.is_empty() && secret.is_empty() {
        return Ok(Answer::NotFound);
    }
    Ok(Answer::Credential(Credential {
        username: username.to_string(),
        secret: Secret::new(secret.to_string()),
    }))
}

/// The first line of what a failed helper said: its standard error, else its standard output
/// unless that looks like an answer (JSON, which could hold the secret); cut to [`MAX_QUOTED`]
/// characters with control characters escaped.
fn first_line(output: &Output) -> Option<String> {
    let pick = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
        Some(line.to_string())
    };
    let line = pick(&output.stderr)
        .or_else(|| pick(&output.stdout).filter(|line| !line.starts_with(['{', '['])))?;
    Some(printable_cut(&line, MAX_QUOTED))
}

/// The executable `program` in the directories of `path` (empty entries, which would mean the
/// current directory, are skipped: a credential helper must not come from the checkout).
fn find_on_path(path: Option<&OsStr>, program: &str) -> Option<PathBuf> {
    let suffixes: &[&str] = if cfg!(windows) {
        &[".exe", ".cmd", ".bat"]
    } else {
        &[""]
    };
    std::env::split_paths(path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| {
            suffixes
                .iter()
                .map(move |s| dir.join(format!("{program}{s}")))
        })
        .find(|candidate| is_executable(candidate))
}

/// Whether `path` is a file this user may run.
#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Whether `path` is a file (Windows runs files by their extension).
#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// What a helper did.
struct Output {
    /// How it ended.
    status: ExitStatus,
    /// Its standard output, at most [`MAX_OUTPUT`] bytes.
    stdout: Vec<u8>,
    /// Its standard error, at most [`MAX_OUTPUT`] bytes.
    stderr: Vec<u8>,
}

/// Why a helper gave no output to judge.
enum RunError {
    /// It could not be started, or its output read.
    Io(io::Error),
    /// It ran past the timeout.
    TimedOut,
    /// It wrote more than [`MAX_OUTPUT`] bytes to a stream.
    TooLong,
}

/// Which stream a reader thread read.
enum Stream {
    /// Standard output.
    Out,
    /// Standard error.
    Err,
}

/// What a reader thread sends: which stream, and what was read from it.
type Captured = (Stream, Result<Vec<u8>, RunError>);

/// Runs `exe get` with `server_url` on its standard input, within `timeout`.
fn run(exe: &Path, server_url: &str, timeout: Duration) -> Result<Output, RunError> {
    let deadline = Instant::now() + timeout;
    let mut child = Command::new(exe)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunError::Io)?;
    let result = collect(&mut child, server_url, deadline);
    if result.is_err() {
        // A helper that ran too long or wrote too much is not left running behind sizegate.
        let _ = child.kill();
        let _ = child.wait();
    }
    result
}

/// Feeds `child` its input and gathers its output and exit status, all before `deadline`.
fn collect(child: &mut Child, server_url: &str, deadline: Instant) -> Result<Output, RunError> {
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input closes the pipe: its exit status and
        // output say what happened, so a write error here is not the one to report. The URL is
        // a host name, far below a pipe's buffer, so the write cannot block. Dropping `stdin`
        // closes it, which ends the helper's input.
        let _ = stdin.write_all(server_url.as_bytes());
    }
    // Both streams are read at once, each in its own thread: a helper that fills one pipe while
    // sizegate waits on the other would otherwise never finish.
    let (sender, receiver) = mpsc::channel::<Captured>();
    let missing = || RunError::Io(io::Error::other("its output could not be captured"));
    let stdout: ChildStdout = child.stdout.take().ok_or_else(missing)?;
    let stderr: ChildStderr = child.stderr.take().ok_or_else(missing)?;
    read_in_thread(stdout, Stream::Out, sender.clone())?;
    read_in_thread(stderr, Stream::Err, sender)?;
    let (mut out, mut err) = (None, None);
    while out.is_none() || err.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok((Stream::Out, read)) => out = Some(read?),
            Ok((Stream::Err, read)) => err = Some(read?),
            Err(mpsc::RecvTimeoutError::Timeout) => return Err(RunError::TimedOut),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(missing()),
        }
    }
    let status = wait_until(child, deadline)?;
    Ok(Output {
        status,
        stdout: out.unwrap_or_default(),
        stderr: err.unwrap_or_default(),
    })
}

/// Reads at most [`MAX_OUTPUT`] bytes (and one more, to know there were more) of `pipe` in a
/// thread, and sends them tagged `stream`. The pipe is closed when the thread ends, so a helper
/// still writing gets a broken pipe instead of blocking forever.
fn read_in_thread(
    pipe: impl io::Read + Send + 'static,
    stream: Stream,
    sender: mpsc::Sender<Captured>,
) -> Result<(), RunError> {
    let read = move || {
        let mut bytes = Vec::new();
        let result = match pipe.take(MAX_OUTPUT + 1).read_to_end(&mut bytes) {
            Err(e) => Err(RunError::Io(e)),
            Ok(_) if bytes.len() as u64 > MAX_OUTPUT => Err(RunError::TooLong),
            Ok(_) => Ok(bytes),
        };
        // Nobody receives any more once the helper has timed out: the result is not needed.
        let _ = sender.send((stream, result));
    };
    thread::Builder::new()
        .name("credential-helper".into())
        .spawn(read)
        .map(drop)
        .map_err(RunError::Io)
}

/// The exit status of `child`, whose streams are closed (so it is ending), before `deadline`.
fn wait_until(child: &mut Child, deadline: Instant) -> Result<ExitStatus, RunError> {
    loop {
        if let Some(status) = child.try_wait().map_err(RunError::Io)? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err(RunError::TimedOut);
        }
        thread::sleep(Duration::from_millis(2));
    }
}
