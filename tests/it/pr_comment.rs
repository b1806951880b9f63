//! The action's `comment: true` (action/comment.sh): one pull-request comment, created or found
//! again by its marker and updated, through a stand-in of GitHub's REST API on 127.0.0.1 that
//! records what the action sends. The check itself is the real one, on the tiny fixture.

use std::path::Path;

use serde_json::Value;

use crate::support::ci::{read, require_tools, run_action_in, ActionRun};
use crate::support::http::{no_proxy, Request, Response, Server};
use crate::support::{root, tempdir, write_file};

const MARKER: &str = "<!-- sizegate-report -->";
const TOKEN: &str = "ghs_test0123456789token";
/// Where the API lives under the server, as on GitHub Enterprise (`https://HOST/api/v3`).
const API: &str = "/api/v3";
const COMMENTS: &str = "/api/v3/repos/octo/app/issues/7/comments";

fn page(n: u32) -> String {
    format!("GET {COMMENTS}?per_page=100&page={n}")
}

/// Runs the action with `comment: true` on the fixture and `policy`, for pull request 7 of
/// octo/app (or for the event `event`, a JSON text), with the API at `server`.
fn run_commenting(server: &Server, policy: &str, event: &str) -> ActionRun {
    require_tools(&["curl", "jq"]);
    let dir = tempdir();
    let event_path = write_file(dir.path(), "event.json", event.as_bytes());
    let api = format!("{}{API}", server.url());
    run_action_in(
        root(),
        &[
            ("image", "tests/fixtures/tiny.docker.tar"),
            ("policy", policy),
            ("comment", "true"),
            ("github-token", TOKEN),
        ],
        |cmd| {
            cmd.env("GITHUB_API_URL", &api)
                .env("GITHUB_REPOSITORY", "octo/app")
                .env("GITHUB_EVENT_NAME", "pull_request")
                .env("GITHUB_EVENT_PATH", &event_path);
            no_proxy(cmd);
        },
    )
}

const PULL_REQUEST: &str = r#"{"action":"synchronize","pull_request":{"number":7}}"#;

/// The comment text a request carries.
fn comment_body(request: &Request) -> String {
    let body: Value = serde_json::from_str(&request.body).expect("the request body is JSON");
    body["body"].as_str().expect("a body string").to_string()
}

/// The markdown summary the check wrote, in the run's `$RUNNER_TEMP`.
fn markdown(run: &ActionRun) -> String {
    let dir = std::fs::read_dir(run.temp.path())
        .expect("runner temp")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("sizegate.md").is_file())
        .expect("a report directory with sizegate.md");
    read(&dir.join("sizegate.md"))
}

/// Every request carries the token and asks for GitHub's JSON; the token is printed nowhere.
fn assert_authorized(run: &ActionRun, requests: &[Request]) {
    for request in requests {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{}",
            request.line()
        );
        assert_eq!(
            request.header("accept"),
            Some("application/vnd.github+json")
        );
    }
    for (name, text) in [
        ("stdout", run.stdout()),
        ("stderr", run.stderr()),
        ("outputs", run.outputs.clone()),
        ("summary", run.summary.clone()),
    ] {
        assert!(!text.contains(TOKEN), "the token is in {name}:\n{text}");
    }
}

#[test]
fn first_run_lists_the_comments_then_posts_one() {
    let server = Server::start(|r| match r.line().as_str() {
        l if l == page(1) => Response::new(200, r#"[{"id":1,"body":"Looks good"}]"#),
        l if l == format!("POST {COMMENTS}") => Response::new(201, r#"{"id":99}"#),
        _ => Response::new(404, r#"{"message":"Not Found"}"#),
    });
    let run = run_commenting(&server, "examples/fail.yml", PULL_REQUEST);
    assert_eq!(run.code(), Some(1), "the check's verdict: {}", run.stdout());
    let requests = server.requests();
    assert_eq!(
        server.request_lines(),
        [page(1), format!("POST {COMMENTS}")]
    );
    assert_authorized(&run, &requests);
    let body = comment_body(&requests[1]);
    assert!(body.starts_with(MARKER), "{body}");
    assert!(
        body.contains("sizegate FAIL: 3 errors, 0 warnings"),
        "{body}"
    );
    assert_eq!(body, markdown(&run), "the summary as written");
    assert_eq!(requests[1].header("content-type"), Some("application/json"));
    assert!(
        run.stdout()
            .contains("sizegate: posted the pull-request comment 99"),
        "{}",
        run.stdout()
    );
}

#[test]
fn later_runs_update_the_bot_s_marked_comment_found_on_a_later_page() {
    let next = |n: u32| format!("<{COMMENTS}?per_page=100&page={n}>; rel=\"next\"");
    let server = Server::start(move |r| {
        match r.line().as_str() {
        // A reply that quotes the report carries the marker too, but is not ours.
        // A marker typed by a person into their own comment is not ours either.
        l if l == page(1) => Response::new(
            200,
            format!(
                r#"[{{"id":1,"body":"Looks good","user":{{"type":"User"}}}},{{"id":2,"body":"> {MARKER}\n> quoted","user":{{"type":"Bot"}}}},{{"id":6,"body":"{MARKER}\nplanted","user":{{"login":"mallory","type":"User"}}}}]"#
            ),
        )
        .with_header("Link", &next(2)),
        l if l == page(2) => Response::new(
            200,
            format!(
                r#"[{{"id":3,"body":"ship it","user":{{"type":"User"}}}},{{"id":4242,"body":"{MARKER}\n## old report","user":{{"login":"github-actions[bot]","type":"Bot"}}}},{{"id":5,"body":"{MARKER} later","user":{{"type":"Bot"}}}}]"#
            ),
        ),
        "PATCH /api/v3/repos/octo/app/issues/comments/4242" => Response::new(200, r#"{"id":4242}"#),
        _ => Response::new(404, r#"{"message":"Not Found"}"#),
    }
    });
    let run = run_commenting(&server, "examples/pass.yml", PULL_REQUEST);
    assert_eq!(run.code(), Some(0), "{}", run.stdout());
    let requests = server.requests();
    assert_eq!(
        server.request_lines(),
        [
            page(1),
            page(2),
            "PATCH /api/v3/repos/octo/app/issues/comments/4242".to_string()
        ],
        "no POST: never a second comment"
    );
    assert_authorized(&run, &requests);
    let body = comment_body(&requests[2]);
    assert!(body.starts_with(MARKER), "{body}");
    assert!(body.contains("sizegate PASS"), "{body}");
}

#[test]
fn a_read_only_token_is_a_warning_and_the_verdict_stands() {
    let forbidden =
        r#"{"message":"Resource not accessible by integration","documentation_url":"x"}"#;
    for policy in ["examples/pass.yml", "examples/fail.yml"] {
        let server = Server::start(move |_| Response::new(403, forbidden));
        let run = run_commenting(&server, policy, PULL_REQUEST);
        let expected = if policy.ends_with("pass.yml") { 0 } else { 1 };
        assert_eq!(run.code(), Some(expected), "{policy}: {}", run.stdout());
        let requests = server.requests();
        assert_eq!(server.request_lines(), [page(1)], "nothing else is sent");
        assert_authorized(&run, &requests);
        let stdout = run.stdout();
        let warning = stdout
            .lines()
            .find(|l| l.starts_with("::warning title=sizegate comment::"))
            .unwrap_or_else(|| panic!("a warning: {stdout}"));
        assert!(warning.contains("403"), "{warning}");
        assert!(
            warning.contains("Resource not accessible by integration"),
            "{warning}"
        );
    }
}

#[test]
fn a_fork_that_may_read_but_not_write_gets_a_warning() {
    let server = Server::start(|r| match r.method.as_str() {
        "GET" => Response::new(200, "[]"),
        _ => Response::new(
            403,
            "{\"message\":\"Resource not accessible\\r\\n::error::forged%\"}",
        ),
    });
    let run = run_commenting(&server, "examples/fail.yml", PULL_REQUEST);
    assert_eq!(run.code(), Some(1), "{}", run.stdout());
    assert_eq!(
        server.request_lines(),
        [page(1), format!("POST {COMMENTS}")]
    );
    let stdout = run.stdout();
    // GitHub's message is escaped: it cannot start a workflow command of its own.
    assert!(
        stdout.contains("POST /repos/octo/app/issues/7/comments answered 403: Resource not accessible%0D%0A::error::forged%25"),
        "{stdout}"
    );
    assert!(!stdout.lines().any(|l| l.starts_with("::error::forged")));
}

#[test]
fn outside_a_pull_request_there_is_a_notice_and_no_request() {
    let server = Server::start(|_| Response::new(500, "{}"));
    let run = run_commenting(&server, "examples/pass.yml", r#"{"ref":"refs/heads/main"}"#);
    assert_eq!(run.code(), Some(0), "{}", run.stdout());
    assert!(server.requests().is_empty());
    assert!(
        run.stdout()
            .contains("::notice title=sizegate comment::no pull-request comment"),
        "{}",
        run.stdout()
    );
}

#[test]
fn an_unreachable_api_is_a_warning_and_the_verdict_stands() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    require_tools(&["curl", "jq"]);
    let dir = tempdir();
    let event = write_file(dir.path(), "event.json", PULL_REQUEST.as_bytes());
    let run = run_action_in(
        root(),
        &[
            ("image", "tests/fixtures/tiny.docker.tar"),
            ("policy", "examples/fail.yml"),
            ("comment", "true"),
            ("github-token", TOKEN),
        ],
        |cmd| {
            cmd.env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"))
                .env("GITHUB_REPOSITORY", "octo/app")
                .env("GITHUB_EVENT_PATH", &event);
            no_proxy(cmd);
        },
    );
    assert_eq!(run.code(), Some(1), "{}", run.stdout());
    assert!(
        run.stdout()
            .contains("::warning title=sizegate comment::no pull-request comment posted: GET"),
        "{}",
        run.stdout()
    );
    assert!(!run.stdout().contains(TOKEN) && !run.stderr().contains(TOKEN));
}

/// comment.sh on its own, with a summary file `markdown`.
fn run_comment_script(server: &Server, markdown: &Path) -> std::process::Output {
    require_tools(&["curl", "jq"]);
    let dir = tempdir();
    let event = write_file(dir.path(), "event.json", PULL_REQUEST.as_bytes());
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(root().join("action/comment.sh"))
        .arg(markdown)
        .env("GITHUB_API_URL", format!("{}{API}", server.url()))
        .env("GITHUB_REPOSITORY", "octo/app")
        .env("GITHUB_EVENT_PATH", &event)
        .env("INPUT_GITHUB_TOKEN", TOKEN)
        .env("RUNNER_TEMP", dir.path());
    no_proxy(&mut cmd);
    cmd.output().expect("bash runs")
}

#[test]
fn a_summary_over_github_s_limit_is_cut_and_keeps_its_marker() {
    let server = Server::start(|r| match r.method.as_str() {
        "GET" => Response::new(200, "[]"),
        _ => Response::new(201, r#"{"id":1}"#),
    });
    let dir = tempdir();
    // No marker of its own, quotes, backslashes, a NUL-free mix of scripts: all survive as JSON.
    let line = "| `a\"b\\c` | ▲ +5.00 MB | 日本語 |\n";
    let text = line.repeat(70_000 / line.chars().count() + 1);
    let markdown = write_file(dir.path(), "summary.md", text.as_bytes());
    let out = run_comment_script(&server, &markdown);
    assert!(out.status.success(), "{out:?}");
    let requests = server.requests();
    assert_eq!(
        server.request_lines(),
        [page(1), format!("POST {COMMENTS}")]
    );
    let body = comment_body(&requests[1]);
    assert!(
        body.starts_with(&format!("{MARKER}\n| `a\"b\\c` |")),
        "{}",
        &body[..80]
    );
    assert!(body.chars().count() <= 65_100, "{}", body.chars().count());
    assert!(body.ends_with("… (cut at 65000 characters)"));
    let kept: String = body.chars().skip(MARKER.len() + 1).take(60_000).collect();
    assert!(
        text.starts_with(&kept),
        "the text is kept as written up to the cut"
    );
}
