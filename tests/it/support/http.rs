//! A stand-in HTTP/1.1 server on 127.0.0.1 for the scripts that call an API or download: the
//! action's pull-request comment (GitHub's REST API), the GitLab recipe's artifact download, and
//! the release binaries that the action, the hooks and the recipes fetch; and a registry that
//! fails on purpose for the registry client (registry/standin.rs). It records
//! every request and answers each from a route function of the test. One connection at a time,
//! each closed after its answer; the server stops when dropped, or after a minute on its own.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A request as the server read it.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub method: String,
    /// The path with its query (`/repos/o/r/issues/7/comments?per_page=100&page=1`).
    pub path: String,
    /// Names in lower case, as sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    /// The value of header `name` (any case), if sent.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `METHOD path`, the way the tests compare requests.
    pub(crate) fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// An answer: a status, extra headers, a JSON (or any) body.
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Bytes, so that a release archive is served as it is.
    pub body: Vec<u8>,
    /// Send only this many bytes of the body, then close: see [`Response::cut_after`].
    pub cut: Option<usize>,
    /// Send nothing at all, and close: see [`Response::hang_up`].
    pub hang_up: bool,
}

impl Response {
    pub(crate) fn new(status: u16, body: impl Into<String>) -> Self {
        Self::bytes(status, body.into().into_bytes())
    }

    /// An answer with a binary body (an archive).
    pub(crate) fn bytes(status: u16, body: Vec<u8>) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body,
            cut: None,
            hang_up: false,
        }
    }

    /// No answer at all: the connection is closed once the request is read, as a server that
    /// crashed or a proxy that dropped it does.
    pub(crate) fn hang_up() -> Self {
        Response {
            hang_up: true,
            ..Self::bytes(502, Vec::new())
        }
    }

    /// The answer with the header `name: value` added; a `Content-Type` given here replaces the
    /// default `application/json`.
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The answer with its whole `Content-Length` announced but only the first `n` bytes of the
    /// body sent before the connection is closed: a connection reset in the middle of a download.
    pub(crate) fn cut_after(mut self, n: usize) -> Self {
        self.cut = Some(n);
        self
    }
}

type Route = dyn Fn(&Request) -> Response + Send + 'static;

/// The running server; dropping it stops it.
pub(crate) struct Server {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How long a server lives at most, should a test never drop it (a hung script, say).
const LIFETIME: Duration = Duration::from_secs(60);

impl Server {
    /// Listens on a free port of 127.0.0.1 and answers every request with `route`.
    pub(crate) fn start(route: impl Fn(&Request) -> Response + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        // Non-blocking, so that the loop sees `stop` without a connection to wake it.
        listener.set_nonblocking(true).expect("non-blocking");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, stop) = (Arc::clone(&requests), Arc::clone(&stop));
            let route: Box<Route> = Box::new(route);
            std::thread::spawn(move || {
                let start = Instant::now();
                while !stop.load(Ordering::Relaxed) && start.elapsed() < LIFETIME {
                    match listener.accept() {
                        Ok((stream, _)) => serve(stream, &route, &requests),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => break,
                    }
                }
            })
        };
        Server {
            url,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// `127.0.0.1:PORT`: the server's name in an image reference, a credential or `DOCKER_HOST`.
    pub(crate) fn host(&self) -> &str {
        self.url
            .strip_prefix("http://")
            .expect("the URL is http://HOST:PORT")
    }

    /// Every request answered so far, in order.
    pub(crate) fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("requests").clone()
    }

    /// Every request answered so far as `METHOD path` (see [`Request::line`]), in order.
    pub(crate) fn request_lines(&self) -> Vec<String> {
        self.requests().iter().map(Request::line).collect()
    }

    /// The header `name` of each request answered so far that `which` picks, in order: `None`
    /// where it was not sent, so that a request without it counts too.
    pub(crate) fn header_values(
        &self,
        name: &str,
        which: impl Fn(&Request) -> bool,
    ) -> Vec<Option<String>> {
        self.requests()
            .iter()
            .filter(|r| which(r))
            .map(|r| r.header(name).map(str::to_string))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request from `stream`, records it, and answers it; what is not a request is dropped.
fn serve(stream: TcpStream, route: &Route, requests: &Mutex<Vec<Request>>) {
    let _ = answer(stream, route, requests);
}

/// [`serve`]; the request is recorded before it is answered, so that a test that reads the
/// requests after the client has its answer finds them all.
fn answer(stream: TcpStream, route: &Route, requests: &Mutex<Vec<Request>>) -> Option<()> {
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    // A request line starts with a method in capitals. Anything else (a TLS client hello, from a
    // client that tries HTTPS first) gets the 400 a real HTTP server sends, at once: waiting for
    // a line end that a binary handshake may never contain would hold the client until the read
    // timeout.
    if !reader.fill_buf().ok()?.first()?.is_ascii_uppercase() {
        return refuse(stream, reader);
    }
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut request = Request {
        method,
        path,
        headers,
        body: String::new(),
    };
    let mut stream = stream;
    // curl asks before it sends a large body; a server that never says so costs it a second.
    if request
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let length: usize = request
        .header("content-length")
        .unwrap_or("0")
        .parse()
        .ok()?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    request.body = String::from_utf8_lossy(&body).into_owned();
    let response = route(&request);
    requests.lock().expect("requests").push(request);
    if response.hang_up {
        return None;
    }
    let mut head = format!(
        "HTTP/1.1 {} Answer\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        response.body.len()
    );
    let typed = response
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if !typed {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    let sent = response
        .cut
        .map_or(response.body.len(), |n| n.min(response.body.len()));
    stream.write_all(&response.body[..sent]).ok()
}

/// Answers what is not an HTTP request with a 400, as a real server does, and closes. The rest of
/// what the client sent is read first (until it closes, or for a second at most): a socket closed
/// with bytes unread sends a reset, which the client would see instead of the answer.
fn refuse(mut stream: TcpStream, mut reader: BufReader<TcpStream>) -> Option<()> {
    stream
        .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .ok()?;
    stream.shutdown(std::net::Shutdown::Write).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    std::io::copy(&mut reader, &mut std::io::sink())
        .ok()
        .map(drop)
}

/// Clears the proxy settings from `cmd`'s environment, so that curl talks to the server on
/// 127.0.0.1 directly on a machine that has a proxy set.
pub(crate) fn no_proxy(cmd: &mut std::process::Command) {
    for var in [
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1");
}
