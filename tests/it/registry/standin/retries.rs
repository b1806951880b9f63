//! A registry that fails for a moment (a 503, a 429 with `Retry-After`) is asked again, with
//! growing waits, a bounded number of times; one that says the image is not there (a 404) is
//! not asked again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{
    assert_fails, assert_requests, assert_tiny_numbers, gets, image, layers, one_read, Tiny,
    MANIFEST,
};
use crate::support::http::{Response, Server};

/// A stand-in that answers the first `failures` GETs of the manifest with `failure()`, and
/// everything else as the tiny image's registry.
fn failing_manifest(failures: usize, failure: fn() -> Response) -> (Server, Tiny) {
    let tiny = Tiny::load();
    let seen = AtomicUsize::new(0);
    let server = tiny.serve_with(MANIFEST, move |tiny, request| {
        match seen.fetch_add(1, Ordering::SeqCst) < failures {
            true => failure(),
            false => tiny.answer(request),
        }
    });
    (server, tiny)
}

/// A 503 with the error body of the distribution spec.
fn unavailable() -> Response {
    Response::new(
        503,
        r#"{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}"#,
    )
}

#[test]
fn a_manifest_that_answers_503_twice_is_read_at_the_third_attempt() {
    let (server, tiny) = failing_manifest(2, unavailable);
    let run = layers(&image(&server));
    assert_tiny_numbers(&run, "after two 503s");
    let mut expected = one_read(&tiny);
    let manifest = format!("GET {MANIFEST}");
    expected.splice(1..1, [manifest.clone(), manifest]);
    assert_requests(&server, &tiny, &expected);
    assert_eq!(gets(&server, MANIFEST), 3);
}

#[test]
fn a_429_is_asked_again_after_the_retry_after_it_gives() {
    let (server, tiny) = failing_manifest(1, || {
        Response::new(
            429,
            r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#,
        )
        .with_header("Retry-After", "1")
    });
    let start = Instant::now();
    let run = layers(&image(&server));
    let elapsed = start.elapsed();
    assert_tiny_numbers(&run, "after a 429");
    // The first backoff is a quarter of a second: a whole second is the registry's word obeyed.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    let mut expected = one_read(&tiny);
    expected.insert(1, format!("GET {MANIFEST}"));
    assert_requests(&server, &tiny, &expected);
}

#[test]
fn a_404_is_not_asked_again() {
    let (server, _) = failing_manifest(usize::MAX, || {
        Response::new(
            404,
            r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
        )
    });
    let image = image(&server);
    let stderr = assert_fails(&layers(&image), &image);
    for part in ["not found", "tiny:1", "MANIFEST_UNKNOWN: manifest unknown"] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    assert_eq!(
        server.request_lines(),
        ["GET /v2/".to_string(), format!("GET {MANIFEST}")]
    );
}

#[test]
fn four_503s_in_a_row_fail_after_four_attempts() {
    let (server, _) = failing_manifest(usize::MAX, unavailable);
    let image = image(&server);
    let stderr = assert_fails(&layers(&image), &image);
    for part in ["503", "tiny:1", "UNAVAILABLE: service unavailable"] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    let manifest = format!("GET {MANIFEST}");
    assert_eq!(
        server.request_lines(),
        [
            "GET /v2/".to_string(),
            manifest.clone(),
            manifest.clone(),
            manifest.clone(),
            manifest
        ]
    );
}

#[test]
fn a_connection_closed_before_the_answer_is_asked_again() {
    let (server, tiny) = failing_manifest(2, Response::hang_up);
    assert_tiny_numbers(&layers(&image(&server)), "after two hang-ups");
    let mut expected = one_read(&tiny);
    let manifest = format!("GET {MANIFEST}");
    expected.splice(1..1, [manifest.clone(), manifest]);
    assert_requests(&server, &tiny, &expected);
}
