use super::*;

/// Parses `arg` where nothing exists on disk.
fn nothing(arg: &str) -> Parsed<'_> {
    parse(arg, &|_| false)
}

#[test]
fn dash_is_stdin_and_an_existing_path_is_that_path_whatever_it_looks_like() {
    assert_eq!(nothing("-"), Parsed::Stdin);
    for arg in ["app:1.2", "oci:dir", "docker://app", "C:\\x.tar"] {
        assert_eq!(parse(arg, &|p| p == arg), Parsed::Path(arg), "{arg}");
    }
}

#[test]
fn every_transport_sizegate_reads_names_its_path() {
    let explicit = |transport, path, reference| Parsed::Explicit {
        transport,
        path,
        reference,
    };
    assert_eq!(
        nothing("docker-archive:app.tar"),
        explicit(Transport::DockerArchive, "app.tar", None)
    );
    assert_eq!(
        nothing("oci-archive:/tmp/app.tar"),
        explicit(Transport::OciArchive, "/tmp/app.tar", None)
    );
    assert_eq!(nothing("oci:dir"), explicit(Transport::Oci, "dir", None));
    // A path with colons in an archive transport is the whole rest.
    assert_eq!(
        nothing("docker-archive:a:b.tar"),
        explicit(Transport::DockerArchive, "a:b.tar", None)
    );
}

#[test]
fn oci_dir_ref_splits_at_the_first_colon_unless_the_whole_directory_is_there() {
    let oci = |path, reference| Parsed::Explicit {
        transport: Transport::Oci,
        path,
        reference,
    };
    assert_eq!(nothing("oci:dir:1.0"), oci("dir", Some("1.0")));
    assert_eq!(nothing("oci:dir:app:1.0"), oci("dir", Some("app:1.0")));
    assert_eq!(nothing("oci:dir:"), oci("dir", None));
    assert_eq!(parse("oci:a:b", &|p| p == "a:b"), oci("a:b", None));
}

#[test]
fn a_transport_without_a_path_is_refused() {
    for arg in ["docker-archive:", "oci:", "oci-archive:"] {
        let Parsed::Unsupported(message) = nothing(arg) else {
            panic!("{arg}");
        };
        assert!(message.ends_with("needs a path after it"), "{message}");
    }
}

#[test]
fn every_transport_names_its_source() {
    assert_eq!(
        nothing("docker://registry.example/app:1"),
        Parsed::Registry {
            name: "registry.example/app:1"
        }
    );
    assert!(
        matches!(nothing("docker:app"), Parsed::Unsupported(m) if m.contains("docker://app, with two slashes"))
    );
    assert!(matches!(nothing("docker://"), Parsed::Unsupported(_)));
    assert!(
        matches!(nothing("containers-storage:app"), Parsed::Unsupported(m) if m.contains("not supported yet"))
    );
    assert!(
        matches!(nothing("dir:x"), Parsed::Unsupported(m) if m.contains("does not read the dir: transport"))
    );
    assert_eq!(
        nothing("docker-daemon:app:1"),
        Parsed::Daemon {
            name: "app:1",
            bare: false
        }
    );
    assert!(matches!(nothing("docker-daemon:"), Parsed::Unsupported(_)));
    assert_eq!(nothing("podman:app"), Parsed::Podman { name: "app" });
    assert!(matches!(nothing("podman:"), Parsed::Unsupported(_)));
}

#[test]
fn image_names_that_are_no_path_are_looked_up_in_the_daemon() {
    for arg in [
        "app",
        "app:1.2",
        "team/app:latest",
        "team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "localhost:5000/app:1",
        "registry.example/team/app",
        "[::1]:5000/app",
        "app.tar:1",
    ] {
        assert_eq!(
            nothing(arg),
            Parsed::Daemon {
                name: arg,
                bare: true
            },
            "{arg}"
        );
    }
}

#[test]
fn missing_files_and_windows_paths_stay_paths() {
    for arg in [
        "./missing.tar",
        "x/y.tar",
        "app.tar",
        "app.tar.gz",
        "../images/app",
        "/abs/app",
        "C:\\x.tar",
        "C:/x.tar",
        "c:\\images\\app",
        "App",
        "app:",
        "app:-bad",
        "team//app",
        "app@sha256:short",
        "",
    ] {
        assert_eq!(nothing(arg), Parsed::Path(arg), "{arg}");
    }
}

#[test]
fn the_reference_grammar_is_dockers() {
    assert!(is_image_reference("a-b__c.d_e"));
    assert!(is_image_reference("a---b"));
    assert!(!is_image_reference("a___b"));
    assert!(!is_image_reference("a..b"));
    assert!(!is_image_reference("-a"));
    assert!(is_image_reference(&format!("app:{}", "t".repeat(128))));
    assert!(!is_image_reference(&format!("app:{}", "t".repeat(129))));
    assert!(!is_image_reference("localhost:port/app"));
    assert!(!is_image_reference("-host.example/app"));
}
