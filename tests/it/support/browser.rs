//! A real browser for the HTML reports: Debian's `chromium`, headless, loads a page from a file
//! with the network shut (every host name resolves to nothing), and gives back the DOM after its
//! scripts ran and what the page logged to its console. And a reader of the elements of that DOM,
//! enough for the markup sizegate writes (no HTML parser among the dependencies).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::tempdir;

/// Longest a page may take to load and run.
const LOAD: Duration = Duration::from_secs(60);

/// Where `chromium` is; the test fails, saying how to install it, when it is not there: .ci/run
/// installs it, so a missing browser is a broken machine, not a test to skip.
pub(crate) fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not installed, and the HTML report is tested in a real browser: \
             install Debian's package (`apt-get install chromium`; .ci/run does it when missing)"
        )
    })
}

/// What the browser made of a page.
pub(crate) struct Loaded {
    /// The DOM after the page's scripts ran, serialized.
    pub dom: String,
    /// What the page wrote to its console (script errors, refused loads, policy violations), one
    /// message per line.
    pub console: Vec<String>,
}

/// Loads `page` in headless chromium, offline, and dumps its DOM.
pub(crate) fn load(page: &Path) -> Loaded {
    let profile = tempdir();
    let url = format!("file://{}", page.display());
    let mut child = Command::new(chromium())
        .args([
            "--headless=new",
            // As root (CI is) chromium refuses its sandbox; the page is the test's own.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            // Without these, chromium reaches for Google's hosts at every start.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            // The network off: no name resolves, and any proxied request goes nowhere.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=http://127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes while waiting, so that a full pipe cannot stall the browser.
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("chromium is waited for") {
            break status;
        }
        if start.elapsed() > LOAD {
            let _ = child.kill();
            panic!("chromium did not load {url} within {LOAD:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (dom, log) = (
        out.join().expect("stdout is read"),
        err.join().expect("stderr is read"),
    );
    assert!(
        status.success(),
        "chromium failed ({status}) on {url}:\n{log}"
    );
    assert!(dom.contains("</html>"), "no DOM dumped for {url}:\n{log}");
    let console = log
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Loaded { dom, console }
}

/// One element of a DOM: its attributes (values unescaped) and the text up to its closing tag.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub attrs: HashMap<String, String>,
    /// The markup between the opening tag and the first closing tag of the same name, as
    /// serialized (still escaped).
    pub inner: String,
}

impl Element {
    /// The attribute `name`; panics when it is missing.
    pub(crate) fn attr(&self, name: &str) -> &str {
        self.attrs
            .get(name)
            .unwrap_or_else(|| panic!("no attribute {name} in {:?}", self.attrs))
    }

    /// The attribute `name` as a number.
    pub(crate) fn num(&self, name: &str) -> f64 {
        let v = self.attr(name);
        v.parse()
            .unwrap_or_else(|_| panic!("attribute {name}={v:?} is not a number"))
    }

    /// Whether its `class` has `class`.
    pub(crate) fn has_class(&self, class: &str) -> bool {
        self.attrs
            .get("class")
            .is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }
}

/// Every element `tag` of `dom`, in document order.
pub(crate) fn elements(dom: &str, tag: &str) -> Vec<Element> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(at) = rest.find(&open) {
        rest = &rest[at + open.len()..];
        // `<rect` must not match `<rectangle`.
        if !rest.starts_with([' ', '>', '/', '\n']) {
            continue;
        }
        let (attrs, after) = attributes(rest);
        let inner = after.find(&close).map_or("", |end| &after[..end]);
        out.push(Element {
            attrs,
            inner: inner.to_string(),
        });
        rest = after;
    }
    out
}

/// The attributes of an opening tag whose name has been read, and the text after the tag. Values
/// are double-quoted as chromium serializes them, and may hold `>`.
fn attributes(tag: &str) -> (HashMap<String, String>, &str) {
    let mut attrs = HashMap::new();
    let mut rest = tag;
    loop {
        rest = rest.trim_start_matches([' ', '\n', '/']);
        if let Some(after) = rest.strip_prefix('>') {
            return (attrs, after);
        }
        let name_end = rest.find(['=', ' ', '>', '/']).unwrap_or(rest.len());
        let name = rest[..name_end].to_string();
        rest = &rest[name_end..];
        let value = match rest.strip_prefix("=\"") {
            Some(quoted) => {
                let end = quoted.find('"').expect("the attribute's quote is closed");
                rest = &quoted[end + 1..];
                unescape(&quoted[..end])
            }
            None => String::new(),
        };
        if name.is_empty() {
            return (attrs, rest);
        }
        attrs.insert(name, value);
    }
}

/// Text as the DOM serializes it, unescaped.
pub(crate) fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
