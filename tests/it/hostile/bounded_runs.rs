//! The bounded runner itself: a normal run passes under the limits the hostile cases use, so a
//! hostile case that fails them fails for what it feeds the binary.

use crate::support::{bounded, fixture, path_str, TINY};

#[test]
fn a_normal_check_runs_within_the_limits_of_the_hostile_cases() {
    let tiny = fixture(TINY);
    let r = bounded(&["layers", path_str(&tiny)], None, 256, 20);
    assert_eq!(r.run.code, 0, "{}", r.run.stderr);
    assert!(
        r.run.stdout.contains("docker.io/tiny/tiny:latest"),
        "{}",
        r.run.stdout
    );
    assert!(r.elapsed.as_secs() < 20, "{:?}", r.elapsed);
}
