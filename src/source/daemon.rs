//! `docker-daemon:NAME` and `podman:NAME`: the image as the Docker Engine API saves it (`GET /images/get?names=NAME`,
//! what `docker save` asks for), streamed straight into the single-pass reader: no temporary file
//! and no `docker` CLI. The daemon is `DOCKER_HOST` (`unix:///var/run/docker.sock` when unset, or
//! `tcp://HOST:PORT`, plain HTTP as docker speaks it there without TLS variables). Podman's
//! compatible service answers the same request.
//!
//! One HTTP/1.1 request, `Connection: close`; the response's head is bounded (a daemon is a local
//! peer, but whatever answers on the socket is not trusted), its body read as the length says,
//! chunked, or to the end.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
#[cfg(unix)]
use std::os::unix::net::UnixStream;

use crate::report::source_links::percent_encode;

/// Where the Docker Engine API listens when `DOCKER_HOST` is unset.
const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// The most header lines, and bytes per line, read from the daemon's answer.
const MAX_HEADERS: usize = 100;
const MAX_LINE: usize = 8 * 1024;

/// A Docker Engine API endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DaemonHost {
    /// `unix://PATH`.
    Unix(String),
    /// `tcp://HOST:PORT` (plain HTTP).
    Tcp(String),
}

impl DaemonHost {
    /// The daemon `DOCKER_HOST` names (`docker_host`), or docker's default socket.
    pub(crate) fn from_env(docker_host: Option<&str>) -> std::result::Result<DaemonHost, String> {
        let host = docker_host
            .filter(|h| !h.is_empty())
            .unwrap_or(DEFAULT_HOST);
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(DaemonHost::Unix(path.to_string()));
        }
        if let Some(addr) = host.strip_prefix("tcp://") {
            let addr = addr.trim_end_matches('/');
            return match addr.rsplit_once(':') {
                Some((_, port)) if port.parse::<u16>().is_ok() => Ok(DaemonHost::Tcp(addr.into())),
                _ => Ok(DaemonHost::Tcp(format!("{addr}:2375"))),
            };
        }
        Err(format!(
            "DOCKER_HOST={host}: sizegate reaches the daemon at unix://PATH or tcp://HOST:PORT"
        ))
    }

    /// As `DOCKER_HOST` writes it.
    pub(crate) fn url(&self) -> String {
        match self {
            DaemonHost::Unix(path) => format!("unix://{path}"),
            DaemonHost::Tcp(addr) => format!("tcp://{addr}"),
        }
    }
}

/// Why the daemon gave no image.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Nothing answers at the host (no daemon there).
    Unreachable(io::Error),
    /// The daemon has no image of that name.
    NoSuchImage,
    /// Any other answer: the status and the start of the body.
    Failed(u16, String),
}

impl Refusal {
    /// The sentence for the user; `service` is what answers at `host` (`Docker daemon`,
    /// `podman service`).
    pub(crate) fn describe(&self, service: &str, host: &DaemonHost, name: &str) -> String {
        let host = host.url();
        match self {
            Refusal::Unreachable(e) => format!("no {service} answers at {host} ({e})"),
            Refusal::NoSuchImage => format!("the {service} at {host} has no image {name}"),
            Refusal::Failed(status, body) => format!(
                "the {service} at {host} answered {status}: {}",
                crate::text::printable(body.trim())
            ),
        }
    }
}

/// The `docker save` tar of `name` from the daemon at `host`, as a stream.
pub(crate) fn save(
    host: &DaemonHost,
    name: &str,
) -> std::result::Result<Box<dyn BufRead>, Refusal> {
    let request = format!(
        "GET /images/get?names={} HTTP/1.1\r\nHost: docker\r\nUser-Agent: sizegate/{}\r\nConnection: close\r\n\r\n",
        percent_encode(name, b""),
        env!("CARGO_PKG_VERSION")
    );
    let mut stream = connect(host).map_err(Refusal::Unreachable)?;
    stream
        .write_all(request.as_bytes())
        .map_err(Refusal::Unreachable)?;
    let mut reader = BufReader::with_capacity(1 << 20, stream);
    let head = read_head(&mut reader).map_err(Refusal::Unreachable)?;
    let body: Box<dyn Read> = match (head.chunked, head.length) {
        (true, _) => Box::new(Chunked::new(reader)),
        (false, Some(length)) => Box::new(reader.take(length)),
        (false, None) => Box::new(reader),
    };
    match head.status {
        200 => Ok(Box::new(BufReader::with_capacity(1 << 20, body))),
        404 => Err(Refusal::NoSuchImage),
        status => {
            let mut text = Vec::new();
            // The start of the body is enough to say what went wrong.
            let _ = body.take(1024).read_to_end(&mut text);
            Err(Refusal::Failed(
                status,
                String::from_utf8_lossy(&text).into_owned(),
            ))
        }
    }
}

/// A connection to either kind of host.
trait Connection: Read + Write {}
impl<T: Read + Write> Connection for T {}

/// Connects to `host`.
fn connect(host: &DaemonHost) -> io::Result<Box<dyn Connection>> {
    Ok(match host {
        #[cfg(unix)]
        DaemonHost::Unix(path) => Box::new(UnixStream::connect(path)?),
        #[cfg(not(unix))]
        DaemonHost::Unix(_) => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "unix sockets need a unix system",
            ))
        }
        DaemonHost::Tcp(addr) => Box::new(TcpStream::connect(addr)?),
    })
}

/// The `docker save` stream of `name` from the daemon `DOCKER_HOST` names, or the sentence that
/// says why there is none.
pub(crate) fn open(name: &str) -> std::result::Result<Box<dyn BufRead>, String> {
    let host = DaemonHost::from_env(std::env::var("DOCKER_HOST").ok().as_deref())?;
    // A daemon that wants TLS would get plain HTTP and answer with noise: said plainly instead.
    let tls = std::env::var_os("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty());
    if tls && matches!(host, DaemonHost::Tcp(_)) {
        return Err(format!(
            "DOCKER_TLS_VERIFY is set: sizegate does not speak TLS to the daemon at {} yet; unset it for a plain tcp:// daemon, or pipe a saved image in: docker save {name} | sizegate … -",
            host.url()
        ));
    }
    save(&host, name).map_err(|refusal| refusal.describe("Docker daemon", &host, name))
}

/// The `podman save` stream of `name` from podman's API socket: `CONTAINER_HOST` (podman's own
/// variable, `unix://PATH`), else the user's socket (`$XDG_RUNTIME_DIR/podman/podman.sock`), else
/// the system's (`/run/podman/podman.sock`); the first that exists, or the sentence that says
/// what was tried.
pub(crate) fn open_podman(name: &str) -> std::result::Result<Box<dyn BufRead>, String> {
    let host = podman_host(
        std::env::var("CONTAINER_HOST").ok().as_deref(),
        std::env::var("XDG_RUNTIME_DIR").ok().as_deref(),
        &|path| std::path::Path::new(path).exists(),
    )?;
    save(&host, name).map_err(|refusal| {
        let why = refusal.describe("podman service", &host, name);
        match refusal {
            Refusal::Unreachable(_) => format!(
                "{why}; start it with `systemctl --user start podman.socket` or `podman system service --time=0 &`"
            ),
            _ => why,
        }
    })
}

/// Podman's socket, as [`open_podman`] looks for it; `exists` tells which paths are there.
fn podman_host(
    container_host: Option<&str>,
    xdg_runtime_dir: Option<&str>,
    exists: &dyn Fn(&str) -> bool,
) -> std::result::Result<DaemonHost, String> {
    if let Some(host) = container_host.filter(|h| !h.is_empty()) {
        return match host.strip_prefix("unix://") {
            Some(path) => Ok(DaemonHost::Unix(path.to_string())),
            None => Err(format!(
                "CONTAINER_HOST={host}: sizegate reaches podman at unix://PATH"
            )),
        };
    }
    let user = xdg_runtime_dir
        .filter(|d| !d.is_empty())
        .map(|dir| format!("{dir}/podman/podman.sock"));
    let system = "/run/podman/podman.sock".to_string();
    let tried: Vec<String> = user.into_iter().chain([system]).collect();
    match tried.iter().find(|path| exists(path)) {
        Some(path) => Ok(DaemonHost::Unix(path.clone())),
        None => Err(format!(
            "no podman socket at {}; start one with `systemctl --user start podman.socket` or `podman system service --time=0 &`, or set CONTAINER_HOST",
            tried.join(" nor ")
        )),
    }
}

/// The parts of a response's head sizegate needs.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    chunked: bool,
    length: Option<u64>,
}

/// Reads the status line and the headers, up to the blank line.
fn read_head(reader: &mut impl BufRead) -> io::Result<Head> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let status_line = read_line(reader)?;
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| bad("not an HTTP response"))?;
    let mut head = Head {
        status,
        chunked: false,
        length: None,
    };
    for _ in 0..MAX_HEADERS {
        let line = read_line(reader)?;
        if line.is_empty() {
            return Ok(head);
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("a header line without a colon"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("content-length") {
            head.length = Some(value.parse().map_err(|_| bad("a bad Content-Length"))?);
        }
    }
    Err(bad("more than 100 header lines"))
}

/// One line of the head, without its line break; at most [`MAX_LINE`] bytes.
fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    reader
        .take(MAX_LINE as u64 + 2)
        .read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a header line too long, or the answer ended in its head",
        ));
    }
    let text = String::from_utf8_lossy(&line);
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

/// A chunked body (RFC 9112, 7.1) as the bytes it carries; trailers are skipped.
struct Chunked<R> {
    inner: R,
    /// Bytes left in the current chunk.
    left: u64,
    /// The last chunk has been read.
    done: bool,
}

impl<R: BufRead> Chunked<R> {
    fn new(inner: R) -> Self {
        Chunked {
            inner,
            left: 0,
            done: false,
        }
    }

    /// Reads the next chunk's size line (after the previous chunk's CRLF).
    fn next_chunk(&mut self) -> io::Result<()> {
        let line = read_line(&mut self.inner)?;
        let size = line.split(';').next().unwrap_or("").trim();
        self.left = u64::from_str_radix(size, 16).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, "a bad chunk size in the answer")
        })?;
        if self.left == 0 {
            self.done = true;
            // The trailers, up to the blank line.
            for _ in 0..MAX_HEADERS {
                if read_line(&mut self.inner)?.is_empty() {
                    break;
                }
            }
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            self.next_chunk()?;
            if self.done {
                return Ok(0);
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the daemon's answer ended inside a chunk",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 {
            // The chunk's own CRLF.
            let mut crlf = [0u8; 2];
            self.inner.read_exact(&mut crlf)?;
            if &crlf != b"\r\n" {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a chunk of the answer does not end with CRLF",
                ));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_host_forms() {
        assert_eq!(
            DaemonHost::from_env(None),
            Ok(DaemonHost::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            DaemonHost::from_env(Some("")),
            Ok(DaemonHost::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            DaemonHost::from_env(Some("unix:///run/podman/podman.sock")),
            Ok(DaemonHost::Unix("/run/podman/podman.sock".into()))
        );
        assert_eq!(
            DaemonHost::from_env(Some("tcp://127.0.0.1:2376")),
            Ok(DaemonHost::Tcp("127.0.0.1:2376".into()))
        );
        assert_eq!(
            DaemonHost::from_env(Some("tcp://docker")),
            Ok(DaemonHost::Tcp("docker:2375".into()))
        );
        assert!(DaemonHost::from_env(Some("ssh://me@box")).is_err());
    }

    #[test]
    fn podman_s_socket_is_container_host_else_the_user_s_else_the_system_s() {
        let none = |_: &str| false;
        let user = |p: &str| p == "/run/user/1000/podman/podman.sock";
        assert_eq!(
            podman_host(Some("unix:///tmp/p.sock"), None, &none),
            Ok(DaemonHost::Unix("/tmp/p.sock".into()))
        );
        assert!(podman_host(Some("ssh://me@box"), None, &none).is_err());
        assert_eq!(
            podman_host(None, Some("/run/user/1000"), &user),
            Ok(DaemonHost::Unix("/run/user/1000/podman/podman.sock".into()))
        );
        assert_eq!(
            podman_host(None, Some("/run/user/1000"), &|p: &str| p
                == "/run/podman/podman.sock"),
            Ok(DaemonHost::Unix("/run/podman/podman.sock".into()))
        );
        assert_eq!(
            podman_host(None, Some("/run/user/1000"), &none),
            Err("no podman socket at /run/user/1000/podman/podman.sock nor /run/podman/podman.sock; start one with `systemctl --user start podman.socket` or `podman system service --time=0 &`, or set CONTAINER_HOST".into())
        );
    }

    #[test]
    fn a_chunked_body_is_its_bytes() {
        let body = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
        let mut out = String::new();
        Chunked::new(&body[..])
            .read_to_string(&mut out)
            .expect("a good body");
        assert_eq!(out, "hello world");
    }

    #[test]
    fn a_broken_chunked_body_is_an_error_not_a_short_read() {
        for body in [
            &b"5\r\nhel"[..],
            b"5\r\nhelloXX0\r\n\r\n",
            b"zz\r\nhello\r\n",
            b"5\r\nhello\r\n",
        ] {
            let mut out = Vec::new();
            assert!(
                Chunked::new(body).read_to_end(&mut out).is_err(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn the_head_says_status_length_and_encoding() {
        let mut r =
            &b"HTTP/1.1 200 OK\r\nContent-Type: x\r\nTransfer-Encoding: chunked\r\n\r\nrest"[..];
        assert_eq!(
            read_head(&mut r).expect("a head"),
            Head {
                status: 200,
                chunked: true,
                length: None
            }
        );
        assert_eq!(r, b"rest");
        let mut r = &b"HTTP/1.0 404 Not Found\r\ncontent-length: 12\r\n\r\n"[..];
        assert_eq!(read_head(&mut r).expect("a head").length, Some(12));
        let long = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(20_000));
        assert!(read_head(&mut long.as_bytes()).is_err());
        assert!(read_head(&mut &b"SSH-2.0-OpenSSH\r\n"[..]).is_err());
        let many = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X: y\r\n".repeat(200));
        assert!(read_head(&mut many.as_bytes()).is_err());
    }
}
