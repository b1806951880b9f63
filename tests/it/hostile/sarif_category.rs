//! `--sarif-category` and `SIZEGATE_SARIF_CATEGORY` come from a CI variable or the action's
//! `category` input, which a pull request can set to anything: however long it is, the SARIF
//! run's `automationDetails.id` stays short (code scanning shows and stores it per upload).

use crate::support::{fixture, path_str, run, sizegate_in, workdir, Run, TINY};

/// The `automationDetails.id` of a SARIF run.
fn id(run: &Run) -> String {
    run.json()["runs"][0]["automationDetails"]["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

#[test]
fn a_category_of_100_kb_is_cut_to_255_characters() {
    let dir = workdir(&[("sizegate.yml", "image:\n  max_size: 1GB\n")]);
    let tiny = fixture(TINY);
    // Multi-byte characters too (each is sanitised to `-`), under the kernel's 128 KiB limit of
    // one argument or variable.
    let long = "team/\u{e9}pp+".repeat(100 * 1024 / 12);
    let want = format!(
        "{}/",
        "team/-pp+".repeat(29).get(..255).expect("long enough")
    );
    let flag = run(sizegate_in(dir.path()).args([
        "check",
        path_str(&tiny),
        "--format",
        "sarif",
        "--sarif-category",
        &long,
    ]));
    assert_eq!(flag.code, 0, "{}", flag.stderr);
    assert_eq!(id(&flag), want);
    let env = run(sizegate_in(dir.path())
        .args(["check", path_str(&tiny), "--format", "sarif"])
        .env("SIZEGATE_SARIF_CATEGORY", &long));
    assert_eq!(env.code, 0, "{}", env.stderr);
    assert_eq!(id(&env), want);
}
