//! The HTML reports (`explain --format html`, `check --format html`) loaded in a real browser,
//! offline: the treemap's rectangles read back from the DOM have areas proportional to their bytes
//! and do not overlap, the labels and tooltips are there, the page's script ran without a console
//! error, nothing was fetched, and names holding markup stayed text.

use std::collections::HashMap;
use std::path::Path;

use crate::support::browser::{elements, load, unescape, Element, Loaded};
use crate::support::{
    fixture_arg, path_str, root, run, sizegate, sizegate_in, tempdir, write_file, DockerArchive,
    Layer, TINY,
};

/// Writes `explain IMAGE --format html` (plus `extra`) to a file in `dir` and returns its text.
fn explain_html(dir: &Path, image: &str, extra: &[&str]) -> (String, std::path::PathBuf) {
    let page = dir.join("explain.html");
    let r = run(sizegate_in(root())
        .args(["explain", image, "--format", "html", "-o", path_str(&page)])
        .args(extra));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "", "-o writes the page to the file only");
    let html = std::fs::read_to_string(&page).expect("the page is UTF-8");
    (html, page)
}

/// The page ran its script to the end and logged nothing.
fn assert_clean(loaded: &Loaded) {
    assert!(
        loaded.console.is_empty(),
        "console messages: {:#?}",
        loaded.console
    );
    let body = &elements(&loaded.dom, "body")[0];
    assert_eq!(body.attrs.get("data-ok").map(String::as_str), Some("1"));
}

/// The page loads nothing from anywhere: no source, link, import or URL but its own pattern.
fn assert_self_contained(html: &str) {
    for needle in ["src=", "href=", "<link", "@import", "http://", "https://"] {
        assert!(!html.contains(needle), "the page holds {needle:?}");
    }
    let urls: Vec<&str> = html
        .match_indices("url(")
        .map(|(i, _)| &html[i..i + 5])
        .collect();
    assert!(
        html.matches("url(").count() == html.matches("url(#").count(),
        "{urls:?}"
    );
}

/// The tiles of the treemap(s) of a DOM.
fn tiles(dom: &str) -> Vec<Element> {
    elements(dom, "rect")
        .into_iter()
        .filter(|r| r.has_class("tile"))
        .collect()
}

fn area(r: &Element) -> f64 {
    r.num("width") * r.num("height")
}

/// Every directory's tiles share its bytes out by area, and the root's fill the whole map: each
/// child's area is its share of the children's bytes times their area, within the rounding of
/// coordinates to hundredths.
fn assert_areas_proportional(tiles: &[Element], map_area: f64) {
    // Across the whole map: every leaf has the root's area per byte.
    let root = tiles.iter().find(|t| t.has_class("root")).expect("a root");
    let per_byte = map_area / root.num("data-bytes");
    for leaf in tiles
        .iter()
        .filter(|t| !t.has_class("frame") && !t.has_class("root"))
    {
        let want = per_byte * leaf.num("data-bytes");
        let slack = 0.02 * (leaf.num("width") + leaf.num("height")) + 1e-3 * want + 0.5;
        assert!(
            (area(leaf) - want).abs() <= slack,
            "{} has {} px² for {} bytes, not {want}",
            leaf.attr("data-path"),
            area(leaf),
            leaf.attr("data-bytes")
        );
    }
    let mut children: HashMap<&str, Vec<&Element>> = HashMap::new();
    for t in tiles.iter().filter(|t| !t.has_class("root")) {
        children.entry(t.attr("data-parent")).or_default().push(t);
    }
    let by_id: HashMap<&str, &Element> = tiles.iter().map(|t| (t.attr("data-id"), t)).collect();
    assert!(!children.is_empty());
    for (parent, kids) in &children {
        let parent = by_id[parent];
        let bytes: f64 = kids.iter().map(|k| k.num("data-bytes")).sum();
        assert_eq!(bytes, parent.num("data-bytes"), "{:?}", parent.attrs);
        let areas: f64 = kids.iter().map(|k| area(k)).sum();
        // Children fill their directory, whatever its depth: so every area of the map, not only
        // those of one directory, is proportional to its bytes.
        let room = if parent.has_class("root") {
            map_area
        } else {
            area(parent)
        };
        // Coordinates are written to 0.01: each edge may be off by half of that.
        let rounding: f64 = kids
            .iter()
            .map(|k| 0.01 * (k.num("width") + k.num("height")))
            .sum();
        assert!(
            (areas - room).abs() <= 1.0 + rounding,
            "{areas} of {room}: {:?}",
            parent.attrs
        );
        for k in kids {
            let want = areas * k.num("data-bytes") / bytes;
            let slack = 0.02 * (k.num("width") + k.num("height")) + 1e-4 * want;
            assert!(
                (area(k) - want).abs() <= slack,
                "{} has {} px² for {} bytes, not {want}",
                k.attr("data-path"),
                area(k),
                k.attr("data-bytes")
            );
        }
    }
}

/// No two leaves (tiles drawn with nothing inside) overlap, and every one is inside the map.
fn assert_leaves_tile(tiles: &[Element], width: f64, height: f64) {
    let leaves: Vec<[f64; 4]> = tiles
        .iter()
        .filter(|t| !t.has_class("frame") && !t.has_class("root"))
        .map(|t| [t.num("x"), t.num("y"), t.num("width"), t.num("height")])
        .collect();
    for (i, a) in leaves.iter().enumerate() {
        assert!(a[0] >= -0.01 && a[1] >= -0.01, "{a:?}");
        assert!(
            a[0] + a[2] <= width + 0.02 && a[1] + a[3] <= height + 0.02,
            "{a:?}"
        );
        for b in &leaves[i + 1..] {
            let w = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
            let h = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
            // Coordinates are rounded to hundredths: neighbours may share a hundredth.
            assert!(w <= 0.011 || h <= 0.011, "{a:?} overlaps {b:?}");
        }
    }
}

/// The text of every `<text>` of class `class`, unescaped.
fn labels(dom: &str, class: &str) -> Vec<String> {
    elements(dom, "text")
        .into_iter()
        .filter(|t| t.has_class(class))
        .map(|t| unescape(&t.inner))
        .collect()
}

/// The `(width, height)` of the first treemap's view box.
fn map_size(dom: &str) -> (f64, f64) {
    let svg = elements(dom, "svg")
        .into_iter()
        .find(|s| s.has_class("treemap"))
        .expect("a treemap");
    let b: Vec<f64> = svg
        .attr("viewBox")
        .split(' ')
        .map(|v| v.parse().expect("numbers"))
        .collect();
    (b[2], b[3])
}

#[test]
fn explain_html_of_the_example_image_draws_every_final_byte_in_a_real_browser() {
    let dir = tempdir();
    let (html, page) = explain_html(
        dir.path(),
        "examples/tiny.docker.tar",
        &["--dockerfile", "examples/Dockerfile"],
    );
    assert_self_contained(&html);
    let loaded = load(&page);
    assert_clean(&loaded);
    let dom = &loaded.dom;
    let tiles = tiles(dom);
    let (width, height) = map_size(dom);
    let root_tile = tiles.iter().find(|t| t.has_class("root")).expect("a root");
    // The final size, as every other output says it.
    assert_eq!(root_tile.attr("data-bytes"), "11856");
    assert_eq!(area(root_tile), width * height);
    assert_areas_proportional(&tiles, width * height);
    assert_leaves_tile(&tiles, width, height);
    let file = |path: &str| {
        tiles
            .iter()
            .find(|t| t.attr("data-path") == path && t.has_class("file"))
            .unwrap_or_else(|| panic!("no tile for {path}"))
    };
    let lib = file("/usr/lib/libfoo.so.1.2.3");
    assert_eq!(
        (lib.attr("data-bytes"), lib.attr("data-layer")),
        ("4300", "1")
    );
    assert_eq!(file("/usr/bin/foo").attr("data-layer"), "3");
    let title = unescape(&elements(&lib.inner, "title")[0].inner);
    assert!(
        title.starts_with(
            "/usr/lib/libfoo.so.1.2.3\n4.30 kB\nlayer 1: /bin/sh -c #(nop) COPY file:"
        ),
        "{title}"
    );
    let names = labels(dom, "label");
    for name in ["libfoo.so.1.2.3", "foo", "foo-compat", "4.30 kB", "README"] {
        assert!(
            names.iter().any(|l| l == name),
            "no label {name}: {names:?}"
        );
    }
    let dirs = labels(dom, "dir-label");
    for name in ["usr/", "lib/", "bin/", "opt/app/"] {
        assert!(
            dirs.iter().any(|l| l == name),
            "no directory {name}: {dirs:?}"
        );
    }
    // The layer bar: every byte of every layer, kept or hidden, once.
    let kept: f64 = elements(dom, "rect")
        .iter()
        .filter(|r| r.has_class("seg"))
        .map(|r| r.num("data-bytes"))
        .sum();
    let hidden: f64 = elements(dom, "g")
        .iter()
        .filter(|g| g.has_class("waste"))
        .map(|g| g.num("data-bytes"))
        .sum();
    assert_eq!((kept, hidden), (11856.0, 25982.0 - 11856.0));
    // The savings, with the Dockerfile lines that added and removed their bytes.
    assert!(dom.contains("<td class=\"path\">/var/lib/apt/lists</td>"));
    assert!(dom.contains("(examples/Dockerfile:7)</span> → "));
    assert!(dom.contains("(examples/Dockerfile:10)"));
}

#[test]
fn check_html_shows_the_verdict_the_findings_and_the_map_and_escapes_the_policys_markup() {
    let dir = tempdir();
    let page = dir.path().join("check.html");
    let r = run(sizegate().args([
        "check",
        &fixture_arg(TINY),
        "--policy",
        &fixture_arg("formats.yml"),
        "--no-github",
        "--output",
        &format!("html={}", path_str(&page)),
        "--format",
        "html",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let html = std::fs::read_to_string(&page).expect("the page is written");
    assert_eq!(r.stdout, html, "--format html prints the same page");
    assert_self_contained(&html);
    let loaded = load(&page);
    assert_clean(&loaded);
    let dom = &loaded.dom;
    assert!(dom.contains(
        "<p class=\"verdict fail\">FAIL: 3 errors, 1 warning (image 25.98 kB of 20 kB)</p>"
    ));
    for code in [
        "image-too-large",
        "layer-over-budget",
        "path-over-budget",
        "forbidden-path",
    ] {
        assert!(dom.contains(&format!("<code>{code}</code>")), "no {code}");
    }
    // The policy's reason holds `<optional>`: text, not an element.
    assert!(elements(dom, "optional").is_empty());
    assert!(dom.contains("&lt;optional&gt; &amp; *free*"));
    let tiles = tiles(dom);
    let (width, height) = map_size(dom);
    assert_areas_proportional(&tiles, width * height);
    assert_leaves_tile(&tiles, width, height);
}

/// Names and an instruction that would be markup, script, or terminal control if written raw.
const HOSTILE: [&[u8]; 6] = [
    b"opt/<script>alert(1)</script>",
    b"opt/\"><img src=x onerror=alert(2)>",
    b"opt/it's & \"quoted\" </title>",
    b"opt/esc\x1b[31mred\nline",
    b"opt/\xe2\x80\xaegnp.exe",
    b"opt/\xff\xfe-not-utf8",
];

#[test]
fn names_holding_markup_stay_text_in_both_pages() {
    let dir = tempdir();
    let layer = HOSTILE
        .iter()
        .enumerate()
        .fold(Layer::new(), |l, (i, name)| l.file(name, 1000 * (i + 1)));
    let archive = DockerArchive::new()
        .layer(layer.tar())
        .history(&["RUN echo '</title><script>alert(3)</script>' \u{1b}]0;pwned\u{7}"])
        .build();
    let image = write_file(dir.path(), "hostile.tar", &archive);
    let (html, page) = explain_html(dir.path(), path_str(&image), &[]);
    let policy = write_file(
        dir.path(),
        "p.yml",
        b"version: 1\nimage:\n  max_size: 1kB\n",
    );
    let check_page = dir.path().join("check.html");
    let r = run(sizegate().args([
        "check",
        path_str(&image),
        "--policy",
        path_str(&policy),
        "--no-github",
        "--output",
        &format!("html={}", path_str(&check_page)),
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    for page in [page, check_page] {
        let loaded = load(&page);
        assert_clean(&loaded);
        let dom = &loaded.dom;
        assert_eq!(
            elements(dom, "script").len(),
            1,
            "only the page's own script"
        );
        assert!(elements(dom, "img").is_empty());
        let paths: Vec<String> = tiles(dom)
            .iter()
            .map(|t| t.attr("data-path").to_string())
            .collect();
        for want in [
            "/opt/<script>alert(1)</script>",
            "/opt/\"><img src=x onerror=alert(2)>",
            "/opt/it's & \"quoted\" </title>",
            // Control and reordering characters are shown as escapes, as in every output.
            "/opt/esc\\u{1b}[31mred\\nline",
            "/opt/\\u{202e}gnp.exe",
            "/opt/\u{fffd}\u{fffd}-not-utf8",
        ] {
            assert!(
                paths.iter().any(|p| p == want),
                "no tile {want:?} in {paths:?}"
            );
        }
        assert!(
            dom.contains("RUN echo &#39;&lt;/title&gt;&lt;script&gt;")
                || dom.contains("RUN echo '&lt;/title&gt;&lt;script&gt;")
        );
        assert!(dom.contains("\\u{1b}]0;pwned\\u{7}"));
    }
    assert!(!html.contains('\u{1b}'));
}

#[test]
fn a_large_image_gives_a_page_of_bounded_size_with_the_small_files_grouped() {
    // 20,000 files in 400 directories of 50, sizes spread from 1 byte to 40 kB (the tar holds
    // their bytes: about 30 MB, made in memory).
    let dir = tempdir();
    let mut layer = Layer::new();
    let mut total = 0u64;
    for d in 0..400 {
        for f in 0..50 {
            let size = 1 + (d * 50 + f) * 7919 % 2_000;
            let size = if f == 0 { size * 20 } else { size };
            total += size as u64;
            layer = layer.file(format!("srv/d{:03}/sub{}/f{f:02}", d, d % 7), size);
        }
    }
    let archive = DockerArchive::new().layer(layer.tar()).build();
    let image = write_file(dir.path(), "many.tar", &archive);
    let (html, page) = explain_html(dir.path(), path_str(&image), &[]);
    assert!(html.len() < 2_000_000, "the page is {} bytes", html.len());
    let loaded = load(&page);
    assert_clean(&loaded);
    let tiles = tiles(&loaded.dom);
    assert!(tiles.len() <= 2_501, "{} tiles", tiles.len());
    assert_eq!(tiles[0].num("data-bytes"), total as f64);
    let (width, height) = map_size(&loaded.dom);
    assert_areas_proportional(&tiles, width * height);
    let rests: Vec<&Element> = tiles.iter().filter(|t| t.has_class("rest")).collect();
    assert!(!rests.is_empty(), "small files are grouped");
    // The other files are in tiles of many: rests and directories drawn whole.
    let alone = tiles.iter().filter(|t| t.has_class("file")).count();
    assert!(alone < 2_500, "{alone} files drawn alone");
}

#[test]
fn a_click_zooms_into_the_directory_of_a_tile_a_second_goes_up_and_escape_shows_it_all() {
    let dir = tempdir();
    let (html, _) = explain_html(dir.path(), "examples/tiny.docker.tar", &[]);
    // The page's policy runs its own script only: the harness drops it to run its clicks after.
    let policy_start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("a policy");
    let policy_end = policy_start + html[policy_start..].find('>').expect("its end") + 1;
    let harness = r#"<script>
var svg = document.querySelector("svg.treemap");
var lib = svg.querySelector('rect.file[data-path="/usr/lib/libfoo.so.1.2.3"]');
var seen = [];
lib.dispatchEvent(new MouseEvent("click", {bubbles: true}));
seen.push(svg.getAttribute("viewBox"));
lib.dispatchEvent(new MouseEvent("click", {bubbles: true}));
seen.push(svg.getAttribute("viewBox"));
document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape"}));
seen.push(svg.getAttribute("viewBox"));
document.body.setAttribute("data-zoom", seen.join("|"));
</script>
</body>"#;
    let page =
        format!("{}{}", &html[..policy_start], &html[policy_end..]).replace("</body>", harness);
    let page = write_file(dir.path(), "harness.html", page.as_bytes());
    let loaded = load(&page);
    assert_clean(&loaded);
    let tiles = tiles(&loaded.dom);
    let frame = |path: &str| {
        let f = tiles
            .iter()
            .find(|t| t.has_class("frame") && t.attr("data-path") == path)
            .unwrap_or_else(|| panic!("no frame {path}"));
        ["x", "y", "width", "height"]
            .map(|a| f.attr(a).to_string())
            .join(" ")
    };
    let (width, height) = map_size(&loaded.dom);
    let body = &elements(&loaded.dom, "body")[0];
    assert_eq!(
        body.attr("data-zoom"),
        [
            frame("/usr/lib"),
            frame("/usr"),
            format!("0 0 {width} {height}")
        ]
        .join("|")
    );
}
