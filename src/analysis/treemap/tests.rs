use super::*;
use crate::analysis::analyze;
use crate::analysis::tests::{entry, image};

fn map(img: &Image, min_share: f64, max_tiles: usize) -> Treemap {
    Treemap::with_limits(img, &analyze(img), min_share, max_tiles)
}

/// `(kind, path, bytes, files, layer)` of each child of `tile`.
fn rows(tile: &Tile) -> Vec<(TileKind, String, u64, u64, Option<u32>)> {
    tile.children
        .iter()
        .map(|t| {
            let path = String::from_utf8_lossy(&t.path).into_owned();
            (t.kind, path, t.bytes, t.files, t.layer)
        })
        .collect()
}

/// Every directory's children add up to it.
fn assert_adds_up(tile: &Tile) {
    if tile.children.is_empty() {
        return;
    }
    let bytes: u64 = tile.children.iter().map(|c| c.bytes).sum();
    assert_eq!(
        bytes,
        tile.bytes,
        "{:?}",
        String::from_utf8_lossy(&tile.path)
    );
    tile.children.iter().for_each(assert_adds_up);
}

#[test]
fn small_files_join_their_directorys_rest_with_their_count() {
    let mut files = vec![entry('f', "/usr/lib/big.so", 10_000, None)];
    let names: Vec<String> = (0..100).map(|i| format!("/usr/lib/small{i:03}")).collect();
    files.extend(names.iter().map(|p| entry('f', p, 5, None)));
    let srv: Vec<String> = (0..40).map(|i| format!("/srv/s{i:02}")).collect();
    files.extend(srv.iter().map(|p| entry('f', p, 5, None)));
    let img = image(vec![files]);
    let tm = map(&img, 0.01, 100);
    use TileKind::*;
    let s = |k, p: &str, b, f, l| (k, p.to_string(), b, f, l);
    assert_eq!(
        rows(&tm.root),
        [
            s(Dir, "/usr", 10_500, 101, Some(0)),
            s(Dir, "/srv", 200, 40, Some(0))
        ]
    );
    let usr = &tm.root.children[0];
    assert_eq!(rows(usr), [s(Dir, "/usr/lib", 10_500, 101, Some(0))]);
    assert_eq!(
        rows(&usr.children[0]),
        [
            s(File, "/usr/lib/big.so", 10_000, 1, Some(0)),
            s(Rest, "/usr/lib", 500, 100, Some(0))
        ]
    );
    // A directory whose children are all too small is one tile.
    assert!(tm.root.children[1].children.is_empty());
    assert_adds_up(&tm.root);
}

#[test]
fn a_directory_takes_the_colour_of_the_layer_holding_most_of_its_bytes_and_so_does_its_rest() {
    let img = image(vec![
        vec![
            entry('f', "/app/a", 40, None),
            entry('f', "/app/tiny0", 1, None),
            entry('f', "/app/tiny1", 1, None),
        ],
        vec![
            entry('f', "/app/b", 60, None),
            entry('f', "/app/tiny2", 1, None),
        ],
        vec![entry('f', "/app/tiny3", 1, None)],
    ]);
    let tm = map(&img, 0.1, 100);
    let app = &tm.root.children[0];
    assert_eq!(app.layer, Some(1));
    assert_eq!(tm.root.layer, Some(1));
    let rest = app.children.last().expect("a rest");
    // The rest holds two bytes of layer 0, one of each other: layer 0.
    assert_eq!(
        (rest.kind, rest.bytes, rest.layer),
        (TileKind::Rest, 4, Some(0))
    );
}

#[test]
fn a_tie_between_layers_goes_to_the_lower_one() {
    let img = image(vec![
        vec![entry('f', "/d/a", 50, None)],
        vec![entry('f', "/d/b", 50, None)],
    ]);
    assert_eq!(map(&img, 0.9, 100).root.children[0].layer, Some(0));
}

#[test]
fn hidden_bytes_are_not_in_the_map_and_kept_bytes_add_up_to_the_final_size() {
    let img = image(vec![
        vec![
            entry('f', "/bin/foo", 2048, None),
            entry('h', "/bin/foo-compat", 0, Some("/bin/foo")),
            entry('f', "/tmp/wheel", 9000, None),
        ],
        vec![
            entry('w', "/tmp/.wh.wheel", 0, None),
            entry('f', "/etc/x", 100, None),
        ],
    ]);
    let analysis = analyze(&img);
    let tm = Treemap::of(&img, &analysis);
    assert_eq!(tm.kept, [2048, 100]);
    assert_eq!(tm.kept.iter().sum::<u64>(), analysis.final_size);
    assert_eq!(tm.root.bytes, analysis.final_size);
    // Two names, one file: its bytes once, under its own name.
    assert_eq!((tm.root.files, tm.root.children[0].files), (3, 2));
    let bin = &tm.root.children[0];
    assert_eq!(rows(bin)[0].1, "/bin/foo");
    assert_adds_up(&tm.root);
}

#[test]
fn the_largest_tiles_are_kept_when_there_are_too_many() {
    let names: Vec<String> = (0..20).map(|i| format!("/d/f{i:02}")).collect();
    let img = image(vec![names
        .iter()
        .enumerate()
        .map(|(i, p)| entry('f', p, 100 + i as u64, None))
        .collect()]);
    let tm = map(&img, 0.0, 4);
    let d = &tm.root.children[0];
    let paths: Vec<String> = rows(d).into_iter().map(|r| r.1).collect();
    // `/d` is one tile; the three largest files are the others.
    assert_eq!(paths, ["/d", "/d/f19", "/d/f18", "/d/f17"]);
    assert_eq!(d.children[0].kind, TileKind::Rest);
    assert_eq!(d.children[0].files, 17);
    assert_adds_up(&tm.root);
}

#[test]
fn ties_are_broken_by_path_so_the_map_is_the_same_every_time() {
    let img = image(vec![vec![
        entry('f', "/b", 10, None),
        entry('f', "/a", 10, None),
        entry('f', "/c", 10, None),
    ]]);
    let tm = map(&img, 0.0, 2);
    let paths: Vec<String> = rows(&tm.root).into_iter().map(|r| r.1).collect();
    assert_eq!(paths, ["/a", "/b", "/"]);
    assert_eq!(tm, map(&img, 0.0, 2));
}

#[test]
fn an_empty_image_is_an_empty_root() {
    let img = image(vec![vec![
        entry('d', "/etc", 0, None),
        entry('f', "/etc/empty", 0, None),
    ]]);
    let tm = Treemap::of(&img, &analyze(&img));
    assert_eq!((tm.root.bytes, tm.root.files, tm.root.layer), (0, 1, None));
    assert!(tm.root.children.is_empty());
}
