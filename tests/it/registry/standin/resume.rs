//! A connection that breaks in the middle of a blob: the layer is asked for again from the byte
//! it stopped at (`Range: bytes=N-`), and read whole whether the registry honours the range (a
//! 206 with the rest) or ignores it (a 200 with the whole blob again, whose start is skipped).
//! The number of new attempts is bounded. A manifest or a config cut off is asked for again too
//! (the "retries on connection resets").

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{
    assert_fails, assert_requests, assert_tiny_numbers, blob_path, gets, image, layers, one_read,
    Tiny, MANIFEST,
};
use crate::support::http::{Response, Server};

/// How a stand-in answers the GETs of one blob after the first, which it cuts.
#[derive(Clone, Copy)]
enum Again {
    /// As a registry does: from the byte the `Range` asks for, with a 206.
    Honour,
    /// As a server without ranges does: the whole blob again, with a 200.
    Ignore,
    /// Cut again, `CUT` bytes into what it sends.
    Cut,
}

/// Bytes sent of each answer cut by [`Again::Cut`].
const CUT: usize = 1000;

/// A stand-in whose first GET of `digest` sends half the blob, then closes; the next ones are
/// answered as `again` says. Everything else is the tiny image's registry.
fn cutting(tiny: &Tiny, digest: &str, again: Again) -> Server {
    let half = tiny.blobs[digest].len() / 2;
    let blob = tiny.blobs[digest].clone();
    let seen = AtomicUsize::new(0);
    tiny.serve_with(&blob_path(digest), move |tiny, request| {
        let whole = || Response::bytes(200, blob.clone());
        match (seen.fetch_add(1, Ordering::SeqCst), again) {
            (0, _) => whole().cut_after(half),
            (_, Again::Honour) => tiny.answer(request),
            (_, Again::Ignore) => whole(),
            (_, Again::Cut) => tiny.answer(request).cut_after(CUT),
        }
    })
}

/// The `Range` headers of the GETs of `digest`, in order (`None` where there was none).
fn ranges(server: &Server, digest: &str) -> Vec<Option<String>> {
    let path = blob_path(digest);
    server.header_values("range", |r| r.path == path)
}

#[test]
fn a_layer_cut_off_halfway_is_asked_for_from_the_byte_it_stopped_at() {
    let tiny = Tiny::load();
    let digest = tiny.largest_layer();
    let half = tiny.blobs[&digest].len() / 2;
    let server = cutting(&tiny, &digest, Again::Honour);
    assert_tiny_numbers(&layers(&image(&server)), "resumed with a 206");
    assert_eq!(
        ranges(&server, &digest),
        [None, Some(format!("bytes={half}-"))]
    );
    let mut expected = one_read(&tiny);
    expected.push(format!("GET {}", blob_path(&digest)));
    assert_requests(&server, &tiny, &expected);
}

#[test]
fn a_registry_that_ignores_the_range_sends_the_whole_blob_and_its_start_is_skipped() {
    let tiny = Tiny::load();
    let digest = tiny.largest_layer();
    let half = tiny.blobs[&digest].len() / 2;
    let server = cutting(&tiny, &digest, Again::Ignore);
    assert_tiny_numbers(&layers(&image(&server)), "resumed from a 200");
    assert_eq!(
        ranges(&server, &digest),
        [None, Some(format!("bytes={half}-"))]
    );
}

#[test]
fn a_layer_cut_off_every_time_fails_after_four_new_attempts() {
    let tiny = Tiny::load();
    let digest = tiny.largest_layer();
    let half = tiny.blobs[&digest].len() / 2;
    let server = cutting(&tiny, &digest, Again::Cut);
    let image = image(&server);
    let stderr = assert_fails(&layers(&image), &image);
    // The layer is named by its member of the layout, `blobs/sha256/HEX`.
    let member = format!("blobs/{}", digest.replacen(':', "/", 1));
    assert!(stderr.contains(&member), "{stderr}");
    // The first answer and four new attempts, each from where the last one stopped.
    let starts: Vec<Option<String>> = (0..5)
        .map(|n| (n > 0).then(|| format!("bytes={}-", half + (n - 1) * CUT)))
        .collect();
    assert_eq!(ranges(&server, &digest), starts);
    assert_eq!(gets(&server, &blob_path(&digest)), 5);
}

#[test]
fn a_manifest_or_config_cut_off_halfway_is_asked_for_again() {
    let tiny = Tiny::load();
    for (what, path, whole) in [
        (
            "manifest",
            MANIFEST.to_string(),
            tiny.manifest_bytes().len(),
        ),
        (
            "config",
            blob_path(&tiny.config()),
            tiny.blobs[&tiny.config()].len(),
        ),
    ] {
        let seen = AtomicUsize::new(0);
        let server = tiny.serve_with(&path, move |tiny, request| {
            let answer = tiny.answer(request);
            match seen.fetch_add(1, Ordering::SeqCst) == 0 {
                true => answer.cut_after(whole / 2),
                false => answer,
            }
        });
        assert_tiny_numbers(&layers(&image(&server)), what);
        assert_eq!(gets(&server, &path), 2, "{what}");
    }
}
