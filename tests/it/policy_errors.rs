//! Mistakes in a policy: each is reported at its exact `file:line:column` with the line shown and
//! the bad part underlined, every problem of the file at once, and exit code 2.
//!
//! Policies with one mistake are tables of [`Case`]s, grouped by the kind of mistake and checked by
//! [`assert_case`], which names the case in every failed assertion.

use crate::support::{check_in, workdir, TINY};

/// Runs `check` with `policy` as ./sizegate.yml; asserts exit code 2, nothing on stdout and no
/// panic, naming `what` in each assertion, and returns stderr.
fn errors_of(what: &str, policy: &str) -> String {
    let dir = workdir(&[("sizegate.yml", policy)]);
    let run = check_in(dir.path(), TINY, &["--policy", "sizegate.yml"]);
    assert_eq!(run.code, 2, "{what}: exit code; stderr: {}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "{what}: nothing on stdout for a bad policy"
    );
    assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
    run.stderr
}

/// The `error: …` heading lines, in order.
fn headings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect()
}

/// A policy with one mistake, and how `check` must report it (the tables of other modules use it
/// too, for the mistakes of their rule kind).
pub(crate) struct Case {
    /// What the case pins; every failed assertion names it.
    pub(crate) name: &'static str,
    /// The text of sizegate.yml.
    pub(crate) policy: &'static str,
    /// The one `error: …` heading stderr must have.
    pub(crate) heading: &'static str,
    /// More text stderr must hold: the line shown, the underline and its label, the help.
    pub(crate) shows: &'static [&'static str],
}

/// Runs the case: exit code 2, nothing on stdout, no panic, exactly the case's heading, the
/// `1 problem` summary last, and each text of `shows` somewhere in stderr.
pub(crate) fn assert_case(case: &Case) {
    let name = case.name;
    let stderr = errors_of(name, case.policy);
    assert_eq!(headings(&stderr), [case.heading], "{name}: {stderr}");
    assert!(
        stderr.ends_with("sizegate.yml: 1 problem in the policy\n"),
        "{name}: one problem summed up last: {stderr}"
    );
    for text in case.shows {
        assert!(
            stderr.contains(text),
            "{name}: stderr shows {text:?}: {stderr}"
        );
    }
}

#[test]
fn unknown_keys_and_names_are_reported_with_the_closest_valid_one_when_it_is_close() {
    let cases = [
        Case {
            name: "an unknown key in `image` suggests the closest and lists the valid ones",
            policy: "version: 1\nimage:\n  max_szie: 450MB\n",
            heading: "error: sizegate.yml:3:3: unknown key `max_szie` in `image`",
            shows: &[
                "3 |   max_szie: 450MB\n",
                "^^^^^^^^ did you mean `max_size`?",
                "help: valid keys: max_size, max_compressed_size, max_final_size, max_layers, \
                 max_wasted, max_wasted_percent, max_files",
            ],
        },
        Case {
            name: "an unknown top-level key is reported without a far-fetched guess",
            policy: "version: 1\ncolour: red\n",
            heading: "error: sizegate.yml:2:1: unknown key `colour` in `policy`",
            shows: &["^^^^^^ not a key of `policy`"],
        },
        Case {
            name: "a misspelled preset suggests the real one",
            policy: "extends: [recomended]\n",
            heading: "error: sizegate.yml:1:11: unknown preset `recomended`",
            shows: &["did you mean `recommended`?"],
        },
        Case {
            name: "an unknown preset rule in `disable` suggests the closest and lists the rules",
            policy: "extends: [recommended]\ndisable: [doc]\n",
            heading: "error: sizegate.yml:2:11: `disable`: `doc` is not a rule of the \
                      `recommended` preset",
            shows: &[
                "did you mean `docs`?",
                "help: preset rules: apt-lists, apt-cache,",
            ],
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn sizes_of_the_wrong_kind_unit_or_sign_are_reported_at_the_value() {
    let cases = [
        Case {
            name: "a list where a size belongs",
            policy: "image:\n  max_final_size: [1, 2]\n",
            heading: "error: sizegate.yml:2:19: `image.max_final_size` must be a size such as \
                      450MB, 1.5GiB or a byte count, found a list",
            shows: &[],
        },
        Case {
            name: "an unknown size unit lists the units and underlines the whole value",
            policy: "image:\n  max_wasted: 450 parsecs\n",
            heading: "error: sizegate.yml:2:15: `image.max_wasted`: unknown size unit `parsecs`: \
                      use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of \
                      1024)",
            shows: &["^^^^^^^^^^^"],
        },
        Case {
            name: "a negative size",
            policy: "image:\n  max_size: -5MB\n",
            heading: "error: sizegate.yml:2:13: `image.max_size`: `-5MB` is negative: sizes are \
                      0 or more",
            shows: &[],
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn counts_ratios_and_choices_of_the_wrong_kind_are_reported_at_the_value() {
    let cases = [
        Case {
            name: "a fraction where a count belongs",
            policy: "image:\n  max_layers: 2.5\n",
            heading: "error: sizegate.yml:2:15: `image.max_layers` must be a whole number, found \
                      `2.5`",
            shows: &[],
        },
        Case {
            name: "a ratio that is not a number says how to write one",
            policy: "image:\n  max_wasted_percent: lots\n",
            heading: "error: sizegate.yml:2:23: `image.max_wasted_percent`: `lots` is not a \
                      ratio: write a percentage (95%) or a number (0.95)",
            shows: &[],
        },
        Case {
            name: "a severity other than error or warn",
            policy: "forbid:\n  - glob: \"**/*.pem\"\n    severity: fatal\n",
            heading: "error: sizegate.yml:3:15: `forbid[0].severity` must be `error` or `warn`, \
                      found `fatal`",
            shows: &[],
        },
        Case {
            name: "an unsupported policy version names the one this sizegate reads",
            policy: "version: 2\n",
            heading: "error: sizegate.yml:1:10: unsupported policy `version`: this sizegate \
                      reads `version: 1`",
            shows: &[],
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn selectors_and_globs_that_cannot_match_are_reported_at_the_selector() {
    let cases = [
        Case {
            name: "an empty layer index range explains which ends are included",
            policy: "layers:\n  - select: { index: \"5..2\" }\n    max_size: 10MB\n",
            heading: "error: sizegate.yml:2:22: `layers[0].select.index`: `5..2` is an empty \
                      range: the end must be above the start (ends are exclusive; `..=` \
                      includes the end)",
            shows: &[],
        },
        Case {
            name: "a select that selects nothing",
            policy: "layers:\n  - select: {}\n    max_size: 1MB\n",
            heading: "error: sizegate.yml:2:13: `layers[0].select` selects nothing",
            shows: &[],
        },
        Case {
            name: "bad glob syntax quotes the glob matcher's reason",
            policy: "paths:\n  - glob: \"/usr/[lib\"\n    max_size: 1MB\n",
            heading: "error: sizegate.yml:2:11: `paths[0].glob`: bad glob `/usr/[lib`: unclosed \
                      character class; missing ']'",
            shows: &[],
        },
        Case {
            name: "a relative glob in a list is pointed at and the absolute forms suggested",
            policy: "forbid:\n  - glob: [\"/ok/**\", \"usr/lib/**\"]\n",
            heading: "error: sizegate.yml:2:22: `forbid[0].glob`: bad glob `usr/lib/**`: path \
                      globs are absolute: write `/usr/lib/**`, or `**/usr/lib/**` to match at \
                      any depth",
            shows: &[],
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn rules_missing_a_part_they_need_are_reported_at_the_rule() {
    let cases = [
        Case {
            name: "a layer budget without a limit says which limits to add",
            policy: "layers:\n  - select: { created_by: \"*apt*\" }\n",
            heading: "error: sizegate.yml:2:5: `layers[0]` sets no budget",
            shows: &["help: add `max_size` and/or `max_files`"],
        },
        Case {
            name: "a forbid rule without a glob",
            policy: "forbid:\n  - reason: no glob here\n",
            heading: "error: sizegate.yml:2:5: `forbid[0]` has no `glob`",
            shows: &[],
        },
        Case {
            name: "a long-form limit without `limit`",
            policy: "image:\n  max_size: { severity: warn }\n",
            heading: "error: sizegate.yml:2:13: `image.max_size` has no `limit`",
            shows: &[],
        },
        Case {
            name: "`disable` without `extends` has no preset to adjust",
            policy: "disable: [docs]\n",
            heading: "error: sizegate.yml:1:10: `disable` and `severity` adjust a preset, but \
                      the policy `extends` none",
            shows: &[],
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn yaml_that_does_not_parse_or_is_empty_is_reported_where_it_goes_wrong() {
    let cases = [
        Case {
            name: "a repeated key is invalid YAML at its second occurrence",
            policy: "image:\n  max_size: 1MB\n  max_size: 2MB\n",
            heading: "error: sizegate.yml:3:3: invalid YAML: duplicate key `max_size`",
            shows: &[],
        },
        Case {
            name: "a YAML syntax error is reported at the construct left open",
            policy: "image:\n  max_size: [1, 2\n",
            heading: "error: sizegate.yml:2:13: invalid YAML: unclosed bracket '['",
            shows: &[],
        },
        Case {
            name: "an empty policy",
            policy: "",
            heading: "error: sizegate.yml:1:1: the policy is empty",
            shows: &[],
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn every_problem_of_the_file_is_reported_in_file_order() {
    let policy =
        "version: 2\nimage:\n  max_szie: 1MB\n  max_layers: many\nforbid:\n  - glob: relative\n";
    let stderr = errors_of("four problems", policy);
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
