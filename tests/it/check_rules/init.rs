//! `sizegate init` writes a policy that today's image passes.

use serde_json::{json, Value};

use crate::support::{
    bytes, check_in, count, fixture_arg, rules, run_in, workdir, write_file, TINY, TINY_OCI,
};

/// Every image fixture of tests/fixtures.
const ALL_FIXTURES: &[&str] = &[
    "tiny.docker.tar",
    "tiny.docker25.tar",
    "tiny.containerd.tar",
    "tiny.oci",
    "tiny.oci-zstd",
    "tiny.oci-uncompressed",
    "tiny.oci-mislabeled-gzip",
    "tiny.oci-archive.tar",
    "tiny-multitag.docker.tar",
    "tiny-multi.docker.tar",
    "tiny-umoci-insert.docker.tar",
    "tiny-index.oci",
];

/// `sizegate init FIXTURE ARGS > sizegate.yml`, then `sizegate check FIXTURE --policy
/// sizegate.yml --format json`: the report.
fn init_then_check(name: &str, init_args: &[&str]) -> Value {
    let dir = workdir(&[]);
    let image = fixture_arg(name);
    let mut args = vec!["init", image.as_str()];
    args.extend_from_slice(init_args);
    let init = run_in(dir.path(), &args);
    assert_eq!(init.code, 0, "{name}: init: {}", init.stderr);
    write_file(dir.path(), "sizegate.yml", init.stdout.as_bytes());
    let run = check_in(
        dir.path(),
        name,
        &["--policy", "sizegate.yml", "--format", "json"],
    );
    assert_eq!(
        run.code, 0,
        "{name}: check of its own init policy:\n{}\n{}\n{}",
        init.stdout, run.stdout, run.stderr
    );
    let report = run.json();
    assert_eq!(report["verdict"], "pass", "{name}");
    assert_eq!(report["errors"], 0, "{name}");
    report
}

#[test]
fn init_policy_passes_check_on_every_fixture_image_with_default_and_no_headroom() {
    for init_args in [&[][..], &["--headroom", "0%"]] {
        for name in ALL_FIXTURES {
            let report = init_then_check(name, init_args);
            for img in report["images"].as_array().expect("images") {
                for rule in img["rules"].as_array().expect("rules") {
                    if rule["rule"].as_str().expect("rule").starts_with("image.") {
                        assert_eq!(rule["status"], "pass", "{name} {init_args:?}: {rule}");
                    }
                }
            }
        }
    }
}

#[test]
fn init_policy_with_no_headroom_sets_count_limits_to_todays_numbers() {
    let report = init_then_check(TINY, &["--headroom", "0%"]);
    let rules = rules(&report);
    let find = |name: &str| {
        rules
            .iter()
            .find(|r| r["rule"] == name)
            .unwrap_or_else(|| panic!("{name} in {rules:#?}"))
    };
    assert_eq!(
        find("image.max_layers"),
        &json!({"rule": "image.max_layers", "actual": count(6), "limit": count(6), "detail": null, "status": "pass"})
    );
    assert_eq!(
        find("image.max_files"),
        &json!({"rule": "image.max_files", "actual": count(18), "limit": count(18), "detail": null, "status": "pass"})
    );
    for (name, today) in [
        ("image.max_size", 25982),
        ("image.max_final_size", 11856),
        ("image.max_wasted", 14126),
    ] {
        let limit = find(name)["limit"]["value"].as_u64().expect("limit");
        assert!(
            (today..today + 100).contains(&limit),
            "{name}: {limit} rounds {today} up"
        );
    }
    // Plain-tar layers: no compressed limit is written, so none can be unknown.
    assert!(rules
        .iter()
        .all(|r| r["rule"] != "image.max_compressed_size"));
}

#[test]
fn init_policy_limits_the_compressed_size_of_compressed_images() {
    let report = init_then_check(TINY_OCI, &[]);
    let rule = rules(&report)
        .iter()
        .find(|r| r["rule"] == "image.max_compressed_size")
        .expect("max_compressed_size written for gzip layers");
    assert_eq!(rule["actual"], bytes(29163));
    assert_eq!(rule["status"], "pass");
}

#[test]
fn init_on_a_multi_image_archive_writes_one_policy_covering_every_image() {
    let dir = workdir(&[]);
    let image = fixture_arg("tiny-multi.docker.tar");
    let init = run_in(dir.path(), &["init", image.as_str()]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert_eq!(
        init.stdout.matches("\nversion: 1\n").count(),
        1,
        "one policy document:\n{}",
        init.stdout
    );
    let report = init_then_check("tiny-multi.docker.tar", &["--headroom", "0%"]);
    let images = report["images"].as_array().expect("images");
    assert_eq!(images.len(), 2);
    // tiny has the most layers and waste, tiny-app the largest final filesystem and most files:
    // the limits are the largest of each.
    let limit = |img: &Value, rule: &str| -> Value {
        img["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["rule"] == rule)
            .map(|r| r["limit"].clone())
            .unwrap_or_else(|| panic!("{rule}"))
    };
    for img in images {
        assert_eq!(limit(img, "image.max_layers"), count(6));
        assert_eq!(limit(img, "image.max_files"), count(24));
    }
}

/// The `image:` lines of `init TINY --headroom ARG`.
fn image_limits(headroom: &str) -> String {
    let dir = workdir(&[]);
    let image = fixture_arg(TINY);
    let init = run_in(
        dir.path(),
        &["init", image.as_str(), "--headroom", headroom],
    );
    assert_eq!(init.code, 0, "--headroom {headroom}: {}", init.stderr);
    let (head, rest) = init
        .stdout
        .split_once("\nimage:\n")
        .expect("an image section");
    let limits: Vec<&str> = rest.lines().take_while(|l| l.starts_with("  ")).collect();
    format!(
        "{}\n{}",
        head.lines().next().unwrap_or_default(),
        limits.join("\n")
    )
}

#[test]
fn init_headroom_20_is_20_percent_written_any_of_three_ways() {
    let want = format!(
        "# sizegate policy for {}: today's numbers plus 20 % \
                headroom, written by `sizegate init`.\n\
                \x20 max_size: 31.2kB           # today 25.98 kB\n\
                \x20 max_final_size: 14.3kB     # today 11.86 kB\n\
                \x20 max_layers: 8              # today 6\n\
                \x20 max_wasted: 17.0kB         # today 14.13 kB\n\
                \x20 max_files: 22              # today 18",
        super::TINY_NAME
    );
    for headroom in ["20", "20%", "20 %", "0.2"] {
        assert_eq!(image_limits(headroom), want, "--headroom {headroom}");
    }
    // The default is 10 %; `1` is 1 %, not 100 %.
    assert!(image_limits("10%").contains("max_layers: 7 "));
    assert!(image_limits("1").contains("plus 1 % headroom"));
    assert!(image_limits("100%").contains("max_layers: 12 "));
}

#[test]
fn init_refuses_a_headroom_that_is_none_naming_the_flag() {
    let image = fixture_arg(TINY);
    for (headroom, why) in [
        ("-3", "`-3` is negative"),
        ("-5%", "`-5%` is negative"),
        ("NaN", "`NaN` is not a finite number"),
        ("inf", "`inf` is not a finite number"),
        ("5000%", "`5000%` is over 1000 %"),
        ("twenty", "`twenty` is not a headroom"),
    ] {
        let stderr = crate::support::fails(
            headroom,
            &["init", image.as_str(), "--headroom", headroom],
            None,
        );
        assert!(
            stderr.starts_with(&format!("error: --headroom: {why}")),
            "{headroom}: {stderr}"
        );
    }
}
