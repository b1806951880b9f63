//! Policy values that can never be met, or that say something the check would silently ignore:
//! a ratio over 100 % where the metric cannot pass 100 %, a `.dive-ci` whose `rules` is not a
//! mapping, limits too large for 64 bits, empty layer ranges. Each is a policy error (exit 2) at
//! its `file:line:column`, with the line shown and the value underlined. What is valid but likely
//! a mistake (`max_layers: 0`, a misspelled `.dive-ci` key dive ignores, a user wasted percent over
//! 1, which dive refuses) is a warning on stderr, and the check goes on.

use crate::support::{check_in, check_json, rules, workdir, Run, TINY};

/// The help under every refused ratio.
const RATIO_HELP: &str =
    "  = help: a ratio is a percentage (95%) or a fraction (0.95); a plain 95 means 9500 %";

/// Runs `check` on the tiny image with `name` holding `text`, passed as `--flag name`.
fn check_with(flag: &str, name: &str, text: &str) -> Run {
    let dir = workdir(&[(name, text)]);
    check_in(dir.path(), TINY, &[flag, name])
}

/// Asserts that the run refused the file with exactly `expected` (the rendered diagnostics and
/// the count line), exit code 2 and nothing on stdout.
fn assert_refused(run: &Run, expected: &[&str]) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout for a bad policy");
    assert_eq!(run.stderr, expected.join("\n") + "\n");
}

fn policy(text: &str) -> Run {
    check_with("--policy", "sizegate.yml", text)
}

fn dive_ci(text: &str) -> Run {
    check_with("--dive-ci", ".dive-ci", text)
}

#[test]
fn a_minimum_efficiency_over_100_percent_is_refused() {
    assert_refused(
        &policy("dive:\n  min_efficiency: 150%\n"),
        &[
            "error: sizegate.yml:2:19: `dive.min_efficiency` is 150 %, but dive's efficiency is at most 100 %: no image can pass",
            " --> sizegate.yml:2:19",
            "  |",
            "2 |   min_efficiency: 150%",
            "  |                   ^^^^ over 100 %",
            "  |",
            RATIO_HELP,
            "",
            "sizegate.yml: 1 problem in the policy",
        ],
    );
}

#[test]
fn a_percentage_written_as_a_plain_number_is_refused_in_the_long_form_too() {
    // `95` is 9500 %: the long form's `limit` is underlined.
    assert_refused(
        &policy("dive:\n  min_efficiency: {limit: 95, severity: warn}\n"),
        &[
            "error: sizegate.yml:2:27: `dive.min_efficiency` is 9500 %, but dive's efficiency is at most 100 %: no image can pass",
            " --> sizegate.yml:2:27",
            "  |",
            "2 |   min_efficiency: {limit: 95, severity: warn}",
            "  |                           ^^ over 100 %",
            "  |",
            RATIO_HELP,
            "",
            "sizegate.yml: 1 problem in the policy",
        ],
    );
}

#[test]
fn a_maximum_wasted_share_over_100_percent_is_refused() {
    // No image wastes more than its size: this maximum could never fail.
    assert_refused(
        &policy("image:\n  max_wasted_percent: 15\n"),
        &[
            "error: sizegate.yml:2:23: `image.max_wasted_percent` is 1500 %, but an image wastes at most 100 % of its size: no image can fail it",
            " --> sizegate.yml:2:23",
            "  |",
            "2 |   max_wasted_percent: 15",
            "  |                       ^^ over 100 %",
            "  |",
            RATIO_HELP,
            "",
            "sizegate.yml: 1 problem in the policy",
        ],
    );
}

#[test]
fn a_user_wasted_percent_over_100_percent_is_a_real_limit() {
    // dive's user wasted percent sets all wasted bytes against the bytes above the base layer:
    // the tiny image's is 194.69 %, so 150 % fails it and 250 % passes it.
    let run = policy("dive:\n  max_user_wasted_percent: 150%\n");
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    let run = policy("dive:\n  max_user_wasted_percent: 250%\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn limits_too_large_for_64_bits_are_refused_as_too_large() {
    assert_refused(
        &policy("image:\n  max_files: 99999999999999999999\nlayers:\n  - select: {index: 0}\n    max_size: -99999999999999999999\n"),
        &[
            "error: sizegate.yml:2:14: `image.max_files` is too large: the largest limit is 9223372036854775807",
            " --> sizegate.yml:2:14",
            "  |",
            "2 |   max_files: 99999999999999999999",
            "  |              ^^^^^^^^^^^^^^^^^^^^",
            "",
            "error: sizegate.yml:5:15: `layers[0].max_size` is negative: limits are 0 or more",
            " --> sizegate.yml:5:15",
            "  |",
            "5 |     max_size: -99999999999999999999",
            "  |               ^^^^^^^^^^^^^^^^^^^^^",
            "",
            "sizegate.yml: 2 problems in the policy",
        ],
    );
}

#[test]
fn a_layer_or_path_budget_past_2_pow_53_keeps_every_digit() {
    // It went through a float, and came back as 9007199254740992.
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: 0}\n    max_size: 9007199254740993\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        rules(&report)[0]["limit"],
        serde_json::json!({"unit": "bytes", "value": 9007199254740993u64})
    );
}

#[test]
fn negative_counts_are_refused() {
    assert_refused(
        &policy("paths:\n  - glob: /usr/**\n    max_files: -1\n"),
        &[
            "error: sizegate.yml:3:16: `paths[0].max_files` is negative: counts are 0 or more",
            " --> sizegate.yml:3:16",
            "  |",
            "3 |     max_files: -1",
            "  |                ^^",
            "",
            "sizegate.yml: 1 problem in the policy",
        ],
    );
}

#[test]
fn layer_ranges_that_select_nothing_in_any_image_are_refused() {
    let empty = "is an empty range: the end must be above the start (ends are exclusive; `..=` includes the end)";
    assert_refused(
        &policy("layers:\n  - select: {index: \"..0\"}\n    max_size: 1MB\n  - select: {index: \"2..=1\"}\n    max_size: 1MB\n"),
        &[
            &format!("error: sizegate.yml:2:21: `layers[0].select.index`: `..0` {empty}"),
            " --> sizegate.yml:2:21",
            "  |",
            "2 |   - select: {index: \"..0\"}",
            "  |                     ^^^^^",
            "",
            &format!("error: sizegate.yml:4:21: `layers[1].select.index`: `2..=1` {empty}"),
            " --> sizegate.yml:4:21",
            "  |",
            "4 |   - select: {index: \"2..=1\"}",
            "  |                     ^^^^^^^",
            "",
            "sizegate.yml: 2 problems in the policy",
        ],
    );
}

#[test]
fn a_limit_of_zero_that_only_an_empty_image_meets_is_a_warning() {
    // An image without layers exists (`FROM scratch` with only metadata), so `max_layers: 0` is
    // a limit, not an error; but it is more likely meant as "no limit".
    let run = policy("image:\n  max_layers: 0\n");
    assert_eq!(run.code, 1, "the limit is applied: {}", run.stderr);
    assert_eq!(
        run.stderr,
        [
            "warning: sizegate.yml:2:15: `image.max_layers` is 0: only an image without layers passes",
            " --> sizegate.yml:2:15",
            "  |",
            "2 |   max_layers: 0",
            "  |               ^",
            "  |",
            "  = help: to set no limit, leave `max_layers` out",
            "",
        ]
        .join("\n")
    );
    assert!(
        run.stdout
            .contains("│ image.max_layers ┆ 6      ┆ 0     ┆ error  │"),
        "{}",
        run.stdout
    );
}

#[test]
fn dive_ci_rules_as_a_list_are_refused_not_ignored() {
    assert_refused(
        &dive_ci("rules:\n  - lowestEfficiency: 0.99\n"),
        &[
            "error: .dive-ci:2:3: `rules` must be a mapping of dive's rules, found a list",
            " --> .dive-ci:2:3",
            "  |",
            "2 |   - lowestEfficiency: 0.99",
            "  |   ^^^^^^^^^^^^^^^^^^^^^^^^",
            "  |",
            "  = help: dive's rules: lowestEfficiency, highestWastedBytes, highestUserWastedPercent; a list or a scalar sets none of them",
            "",
            ".dive-ci: 1 problem in the policy",
        ],
    );
}

#[test]
fn a_dive_ci_that_is_not_a_mapping_is_refused() {
    assert_refused(
        &dive_ci("- rules\n"),
        &[
            "error: .dive-ci:1:1: a dive CI file must be a mapping with a `rules` section, found a list",
            " --> .dive-ci:1:1",
            "  |",
            "1 | - rules",
            "  | ^^^^^^^",
            "  |",
            "  = help: write `rules:` and under it lowestEfficiency, highestWastedBytes, highestUserWastedPercent",
            "",
            ".dive-ci: 1 problem in the policy",
        ],
    );
}

#[test]
fn dive_ci_rule_values_of_the_wrong_type_are_refused() {
    assert_refused(
        &dive_ci("rules:\n  lowestEfficiency: {value: 0.9}\n  highestWastedBytes: [20MB]\n"),
        &[
            "error: .dive-ci:2:21: `rules.lowestEfficiency` must be a percentage (95%) or a fraction (0.95), found a mapping",
            " --> .dive-ci:2:21",
            "  |",
            "2 |   lowestEfficiency: {value: 0.9}",
            "  |                     ^",
            "",
            "error: .dive-ci:3:23: `rules.highestWastedBytes` must be a size such as 450MB, 1.5GiB or a byte count, found a list",
            " --> .dive-ci:3:23",
            "  |",
            "3 |   highestWastedBytes: [20MB]",
            "  |                       ^",
            "",
            ".dive-ci: 2 problems in the policy",
        ],
    );
}

#[test]
fn a_dive_ci_lowest_efficiency_over_one_is_refused() {
    assert_refused(
        &dive_ci("rules:\n  lowestEfficiency: 1.5\n"),
        &[
            "error: .dive-ci:2:21: `rules.lowestEfficiency` is 150 %, but dive's efficiency is at most 100 %: no image can pass",
            " --> .dive-ci:2:21",
            "  |",
            "2 |   lowestEfficiency: 1.5",
            "  |                     ^^^ over 100 %",
            "  |",
            RATIO_HELP,
            "",
            ".dive-ci: 1 problem in the policy",
        ],
    );
}

#[test]
fn a_dive_ci_user_wasted_percent_over_one_is_kept_with_a_warning() {
    // dive refuses it (its range is 0 to 1), but the metric can pass 100 %: tiny's is 194.69 %.
    let run = dive_ci("rules:\n  lowestEfficiency: off\n  highestUserWastedPercent: 2.5\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        [
            "warning: .dive-ci:3:29: `rules.highestUserWastedPercent` is 250 %: dive itself refuses a value over 1 (its range is 0 to 1)",
            " --> .dive-ci:3:29",
            "  |",
            "3 |   highestUserWastedPercent: 2.5",
            "  |                             ^^^ sizegate applies it",
            "  |",
            "  = help: dive's user wasted percent can pass 100 %, so the limit is kept; dive would stop with `CI Misconfigured`",
            "",
        ]
        .join("\n")
    );
}

#[test]
fn a_misspelled_dive_ci_key_is_ignored_as_dive_does_with_a_warning() {
    // dive ignores the key, so lowestEfficiency keeps its default (0.9), which tiny fails.
    let run = dive_ci("rules:\n  lowestEfficency: 0.4\n  highestUserWastedPercent: off\n");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        [
            "warning: .dive-ci:2:3: unknown key `lowestEfficency` in `rules`: dive ignores it",
            " --> .dive-ci:2:3",
            "  |",
            "2 |   lowestEfficency: 0.4",
            "  |   ^^^^^^^^^^^^^^^ did you mean `lowestEfficiency`?",
            "  |",
            "  = help: known keys: lowestEfficiency, highestWastedBytes, highestUserWastedPercent",
            "",
        ]
        .join("\n")
    );
    assert!(
        run.stdout
            .contains("│ dive-ci.lowestEfficiency ┆ 48.81 % ┆ 90.00 % ┆ error  │"),
        "{}",
        run.stdout
    );
}
