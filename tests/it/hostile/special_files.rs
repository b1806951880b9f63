//! Files that are not regular files: a policy, `.dive-ci` or Dockerfile that is (a link to) a
//! device would be read until memory runs out, an IMAGE or a layout file that is a FIFO would
//! block the open forever. Each is refused, before it is opened, with what it is; text inputs are
//! read up to a cap (a policy or `.dive-ci` 1 MiB, a Dockerfile 4 MiB). Every case runs under an
//! address-space and time limit, so a regression fails instead of eating the machine.

use std::path::{Path, PathBuf};

use crate::support::{
    bounded, bounded_in, fixture, path_str, shown, tempdir, write_file, BoundedRun, Layer,
    OciLayout, OCI_LAYER_TAR, TINY,
};

/// The limits of every case here: far above what reading the tiny fixture takes, far below what
/// reading `/dev/zero` to the end would.
const MAX_MIB: u64 = 256;
const MAX_SECS: u64 = 20;

/// The run failed with exit code 2 and exactly this one error line.
fn assert_refused(r: &BoundedRun, message: &str) {
    assert_eq!(r.run.code, 2, "stderr: {}", r.run.stderr);
    assert_eq!(r.run.stderr, format!("error: {message}\n"));
    assert!(r.run.stdout.is_empty(), "stdout: {}", r.run.stdout);
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink is created");
}

/// Makes a FIFO at `path` with the `mkfifo` command.
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A policy every image passes, to get past the policy to the file under test.
fn passing_policy(dir: &Path) -> PathBuf {
    write_file(dir, "ok.yml", b"version: 1\n")
}

#[test]
fn default_policy_linked_to_dev_zero_is_refused_not_read() {
    let dir = tempdir();
    symlink(Path::new("/dev/zero"), &dir.path().join("sizegate.yml"));
    let tiny = fixture(TINY);
    let r = bounded_in(
        Some(dir.path()),
        &["check", path_str(&tiny)],
        None,
        MAX_MIB,
        MAX_SECS,
    );
    assert_refused(
        &r,
        "sizegate.yml: not a regular file (a character device); sizegate reads policies from \
         regular files",
    );
}

#[test]
fn policy_flag_linked_to_dev_zero_is_refused_not_read() {
    let dir = tempdir();
    let policy = dir.path().join("policy.yml");
    symlink(Path::new("/dev/zero"), &policy);
    let tiny = fixture(TINY);
    let r = bounded(
        &["check", path_str(&tiny), "--policy", path_str(&policy)],
        None,
        MAX_MIB,
        MAX_SECS,
    );
    assert_refused(
        &r,
        &format!(
            "{}: not a regular file (a character device); sizegate reads policies from regular \
             files",
            shown(&policy)
        ),
    );
}

#[test]
fn dockerfile_that_is_dev_zero_is_refused_not_read() {
    let dir = tempdir();
    let policy = passing_policy(dir.path());
    let tiny = fixture(TINY);
    let r = bounded(
        &[
            "check",
            path_str(&tiny),
            "--policy",
            path_str(&policy),
            "--dockerfile",
            "/dev/zero",
        ],
        None,
        MAX_MIB,
        MAX_SECS,
    );
    assert_refused(
        &r,
        "/dev/zero: not a regular file (a character device); sizegate reads Dockerfiles from \
         regular files",
    );
}

#[test]
fn dive_ci_that_is_dev_zero_is_refused_not_read() {
    let tiny = fixture(TINY);
    let r = bounded(
        &["check", path_str(&tiny), "--dive-ci", "/dev/zero"],
        None,
        MAX_MIB,
        MAX_SECS,
    );
    assert_refused(
        &r,
        "/dev/zero: not a regular file (a character device); sizegate reads .dive-ci files from \
         regular files",
    );
}

#[test]
fn image_that_is_a_fifo_is_refused_not_opened() {
    let dir = tempdir();
    let fifo = dir.path().join("app.tar");
    mkfifo(&fifo);
    let r = bounded(&["layers", path_str(&fifo)], None, MAX_MIB, MAX_SECS);
    assert_refused(
        &r,
        &format!(
            "{}: not a regular file (a FIFO); sizegate reads an image from a regular file or a \
             layout directory (or from stdin, as `-`)",
            shown(&fifo)
        ),
    );
}

#[test]
fn image_that_is_a_device_is_refused_not_read() {
    let r = bounded(&["layers", "/dev/zero"], None, MAX_MIB, MAX_SECS);
    assert_refused(
        &r,
        "/dev/zero: not a regular file (a character device); sizegate reads an image from a \
         regular file or a layout directory (or from stdin, as `-`)",
    );
}

/// A one-layer OCI layout in `dir/layout`.
fn layout(dir: &Path) -> PathBuf {
    OciLayout::new()
        .layer(Layer::new().file("app/bin", 100).tar(), OCI_LAYER_TAR)
        .write(&dir.join("layout"))
}

#[test]
fn layout_blob_that_is_a_fifo_is_refused_not_opened() {
    let dir = tempdir();
    let root = layout(dir.path());
    let blob = OciLayout::layer_blob_path(&root, 0);
    std::fs::remove_file(&blob).expect("blob is removed");
    mkfifo(&blob);
    let r = bounded(&["layers", path_str(&root)], None, MAX_MIB, MAX_SECS);
    let hex = OciLayout::layer_digest(0).replace("sha256:", "");
    assert_refused(
        &r,
        &format!(
            "{}: blobs/sha256/{hex}: not a regular file (a FIFO); sizegate reads the files of a \
             layout from regular files",
            shown(&root)
        ),
    );
}

#[test]
fn layout_index_that_is_a_fifo_is_refused_not_opened() {
    let dir = tempdir();
    let root = layout(dir.path());
    let index = root.join("index.json");
    std::fs::remove_file(&index).expect("index.json is removed");
    mkfifo(&index);
    let r = bounded(&["layers", path_str(&root)], None, MAX_MIB, MAX_SECS);
    assert_refused(
        &r,
        &format!(
            "{}: index.json: not a regular file (a FIFO); sizegate reads the files of a layout \
             from regular files",
            shown(&root)
        ),
    );
}

#[test]
fn policy_over_one_mib_is_refused_with_its_size() {
    let dir = tempdir();
    // A valid policy padded with a comment to one byte over the cap.
    let mut text = b"version: 1\n#".to_vec();
    text.resize(1024 * 1024 + 1, b'x');
    let policy = write_file(dir.path(), "sizegate.yml", &text);
    let tiny = fixture(TINY);
    let r = bounded(
        &["check", path_str(&tiny), "--policy", path_str(&policy)],
        None,
        MAX_MIB,
        MAX_SECS,
    );
    assert_refused(
        &r,
        &format!(
            "{}: 1048577 bytes is over the 1 MiB a policy may have",
            shown(&policy)
        ),
    );
}

#[test]
fn dockerfile_over_four_mib_is_refused_with_its_size() {
    let dir = tempdir();
    let policy = passing_policy(dir.path());
    let mut text = b"FROM scratch\n#".to_vec();
    text.resize(5_000_000, b'x');
    write_file(dir.path(), "Dockerfile", &text);
    let tiny = fixture(TINY);
    let r = bounded_in(
        Some(dir.path()),
        &[
            "check",
            path_str(&tiny),
            "--policy",
            path_str(&policy),
            "--dockerfile",
            "Dockerfile",
        ],
        None,
        MAX_MIB,
        MAX_SECS,
    );
    assert_refused(
        &r,
        "Dockerfile: 5000000 bytes is over the 4 MiB a Dockerfile may have",
    );
}
