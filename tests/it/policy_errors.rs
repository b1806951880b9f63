//! Mistakes in a policy: each is reported at its exact `file:line:column` with the line shown and
//! the bad part underlined, every problem of the file at once, and exit code 2.

use crate::support::{check_in, workdir, TINY};

/// Runs `check` with `policy` as ./sizegate.yml; asserts exit code 2 and returns stderr.
fn errors_of(policy: &str) -> String {
    let dir = workdir(&[("sizegate.yml", policy)]);
    let run = check_in(dir.path(), TINY, &["--policy", "sizegate.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "nothing on stdout for a bad policy");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run.stderr
}

/// The `error: …` heading lines, in order.
fn headings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect()
}

fn assert_one(policy: &str, heading: &str) -> String {
    let stderr = errors_of(policy);
    assert_eq!(headings(&stderr), [heading], "{stderr}");
    assert!(
        stderr.ends_with("sizegate.yml: 1 problem in the policy\n"),
        "{stderr}"
    );
    stderr
}

#[test]
fn unknown_key_suggests_the_closest_and_lists_the_valid_ones() {
    let stderr = assert_one(
        "version: 1\nimage:\n  max_szie: 450MB\n",
        "error: sizegate.yml:3:3: unknown key `max_szie` in `image`",
    );
    assert!(stderr.contains("3 |   max_szie: 450MB\n"), "{stderr}");
    assert!(
        stderr.contains("^^^^^^^^ did you mean `max_size`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: valid keys: max_size, max_compressed_size, max_final_size, max_layers, max_wasted, max_wasted_percent, max_files"),
        "{stderr}"
    );
}

#[test]
fn unknown_top_level_key_is_reported_without_a_far_fetched_guess() {
    let stderr = assert_one(
        "version: 1\ncolour: red\n",
        "error: sizegate.yml:2:1: unknown key `colour` in `policy`",
    );
    assert!(stderr.contains("^^^^^^ not a key of `policy`"), "{stderr}");
}

#[test]
fn list_where_a_size_belongs() {
    assert_one(
        "image:\n  max_final_size: [1, 2]\n",
        "error: sizegate.yml:2:19: `image.max_final_size` must be a size such as 450MB, 1.5GiB or a byte count, found a list",
    );
}

#[test]
fn unknown_size_unit() {
    let stderr = assert_one(
        "image:\n  max_wasted: 450 parsecs\n",
        "error: sizegate.yml:2:15: `image.max_wasted`: unknown size unit `parsecs`: use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)",
    );
    assert!(
        stderr.contains("^^^^^^^^^^^"),
        "the whole value is underlined: {stderr}"
    );
}

#[test]
fn negative_size() {
    assert_one(
        "image:\n  max_size: -5MB\n",
        "error: sizegate.yml:2:13: `image.max_size`: `-5MB` is negative: sizes are 0 or more",
    );
}

#[test]
fn fraction_where_a_count_belongs() {
    assert_one(
        "image:\n  max_layers: 2.5\n",
        "error: sizegate.yml:2:15: `image.max_layers` must be a whole number, found `2.5`",
    );
}

#[test]
fn ratio_that_is_not_a_number() {
    assert_one(
        "image:\n  max_wasted_percent: lots\n",
        "error: sizegate.yml:2:23: `image.max_wasted_percent`: `lots` is not a ratio: write a percentage (95%) or a number (0.95)",
    );
}

#[test]
fn empty_layer_range() {
    assert_one(
        "layers:\n  - select: { index: \"5..2\" }\n    max_size: 10MB\n",
        "error: sizegate.yml:2:22: `layers[0].select.index`: `5..2` is an empty range: the end must be above the start (ends are exclusive; `..=` includes the end)",
    );
}

#[test]
fn layer_budget_without_a_limit() {
    let stderr = assert_one(
        "layers:\n  - select: { created_by: \"*apt*\" }\n",
        "error: sizegate.yml:2:5: `layers[0]` sets no budget",
    );
    assert!(
        stderr.contains("help: add `max_size` and/or `max_files`"),
        "{stderr}"
    );
}

#[test]
fn select_that_selects_nothing() {
    assert_one(
        "layers:\n  - select: {}\n    max_size: 1MB\n",
        "error: sizegate.yml:2:13: `layers[0].select` selects nothing",
    );
}

#[test]
fn bad_glob_syntax() {
    assert_one(
        "paths:\n  - glob: \"/usr/[lib\"\n    max_size: 1MB\n",
        "error: sizegate.yml:2:11: `paths[0].glob`: bad glob `/usr/[lib`: unclosed character class; missing ']'",
    );
}

#[test]
fn relative_path_glob() {
    assert_one(
        "forbid:\n  - glob: [\"/ok/**\", \"usr/lib/**\"]\n",
        "error: sizegate.yml:2:22: `forbid[0].glob`: bad glob `usr/lib/**`: path globs are absolute: write `/usr/lib/**`, or `**/usr/lib/**` to match at any depth",
    );
}

#[test]
fn forbid_without_glob() {
    assert_one(
        "forbid:\n  - reason: no glob here\n",
        "error: sizegate.yml:2:5: `forbid[0]` has no `glob`",
    );
}

#[test]
fn unknown_severity() {
    assert_one(
        "forbid:\n  - glob: \"**/*.pem\"\n    severity: fatal\n",
        "error: sizegate.yml:3:15: `forbid[0].severity` must be `error` or `warn`, found `fatal`",
    );
}

#[test]
fn misspelled_preset() {
    let stderr = assert_one(
        "extends: [recomended]\n",
        "error: sizegate.yml:1:11: unknown preset `recomended`",
    );
    assert!(stderr.contains("did you mean `recommended`?"), "{stderr}");
}

#[test]
fn unknown_preset_rule_in_disable() {
    let stderr = assert_one(
        "extends: [recommended]\ndisable: [doc]\n",
        "error: sizegate.yml:2:11: `disable`: `doc` is not a rule of the `recommended` preset",
    );
    assert!(stderr.contains("did you mean `docs`?"), "{stderr}");
    assert!(
        stderr.contains("help: preset rules: apt-lists, apt-cache,"),
        "{stderr}"
    );
}

#[test]
fn disable_without_extends() {
    assert_one(
        "disable: [docs]\n",
        "error: sizegate.yml:1:10: `disable` and `severity` adjust a preset, but the policy `extends` none",
    );
}

#[test]
fn unsupported_version() {
    assert_one(
        "version: 2\n",
        "error: sizegate.yml:1:10: unsupported policy `version`: this sizegate reads `version: 1`",
    );
}

#[test]
fn repeated_key() {
    assert_one(
        "image:\n  max_size: 1MB\n  max_size: 2MB\n",
        "error: sizegate.yml:3:3: invalid YAML: duplicate key `max_size`",
    );
}

#[test]
fn long_form_limit_without_limit() {
    assert_one(
        "image:\n  max_size: { severity: warn }\n",
        "error: sizegate.yml:2:13: `image.max_size` has no `limit`",
    );
}

#[test]
fn yaml_syntax_error() {
    assert_one(
        "image:\n  max_size: [1, 2\n",
        "error: sizegate.yml:2:13: invalid YAML: unclosed bracket '['",
    );
}

#[test]
fn empty_policy() {
    assert_one("", "error: sizegate.yml:1:1: the policy is empty");
}

#[test]
fn every_problem_of_the_file_is_reported_in_file_order() {
    let policy =
        "version: 2\nimage:\n  max_szie: 1MB\n  max_layers: many\nforbid:\n  - glob: relative\n";
    let stderr = errors_of(policy);
    assert_eq!(
        headings(&stderr),
        [
            "error: sizegate.yml:1:10: unsupported policy `version`: this sizegate reads `version: 1`",
            "error: sizegate.yml:3:3: unknown key `max_szie` in `image`",
            "error: sizegate.yml:4:15: `image.max_layers` must be a whole number, found the string `many`",
            "error: sizegate.yml:6:11: `forbid[0].glob`: bad glob `relative`: path globs are absolute: write `/relative`, or `**/relative` to match at any depth",
        ]
    );
    assert!(
        stderr.ends_with("sizegate.yml: 4 problems in the policy\n"),
        "{stderr}"
    );
}

#[test]
fn bad_dive_ci_value_points_at_its_line() {
    let dir = workdir(&[(".dive-ci", "rules:\n  lowestEfficiency: high\n")]);
    let run = check_in(dir.path(), TINY, &["--dive-ci", ".dive-ci"]);
    assert_eq!(run.code, 2);
    let stderr = run.stderr;
    assert_eq!(
        headings(&stderr),
        ["error: .dive-ci:2:21: `rules.lowestEfficiency`: `high` is not a ratio: write a percentage (95%) or a number (0.95)"]
    );
}
