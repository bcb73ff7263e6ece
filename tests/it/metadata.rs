//! How core metadata is obtained (PEP 658, whole wheels, sdists) and when it is unusable.

use tw_test_index::{IndexOptions, Pep658, TestIndex, Universe};

use crate::common::{Project, index, index_with};

fn chain(universe: &mut Universe) {
    universe.version("app", "1.0.0").requires("lib>=1");
    universe.version("lib", "1.0.0");
    universe.version("lib", "1.1.0");
}

#[test]
fn pep658_metadata_files_are_used_instead_of_wheels() {
    let index = index_with(IndexOptions::default(), chain);
    let project = Project::new(&index);
    let out = project.resolve_in("app\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n");

    let requests = index.requests();
    let files: Vec<&str> = requests
        .iter()
        .filter(|request| request.path.starts_with("/files/"))
        .map(|request| request.path.as_str())
        .collect();
    assert!(
        files.contains(&"/files/app-1.0.0-py3-none-any.whl.metadata")
            && files.contains(&"/files/lib-1.1.0-py3-none-any.whl.metadata"),
        "{files:?}"
    );
    assert!(
        files.iter().all(|path| path.ends_with(".metadata")),
        "no wheel or sdist was downloaded: {files:?}"
    );
    assert!(requests.iter().all(|request| request.status == 200));
}

#[test]
fn without_pep658_the_whole_wheel_is_read() {
    let index = index_with(
        IndexOptions {
            pep658: Pep658::Off,
            ranges: false,
            ..IndexOptions::default()
        },
        chain,
    );
    let project = Project::new(&index);
    let out = project.resolve_in(
        "app\n",
        &["--no-header", "--no-annotate", "--probe-metadata", "off"],
    );
    assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n");

    let requests = index.requests();
    assert!(
        requests
            .iter()
            .all(|request| !request.path.ends_with(".metadata")),
        "no `.metadata` file was asked for"
    );
    for wheel in ["app-1.0.0-py3-none-any.whl", "lib-1.1.0-py3-none-any.whl"] {
        let size = index.file_bytes(wheel).expect("served").len() as u64;
        let downloaded: u64 = requests
            .iter()
            .filter(|request| request.path == format!("/files/{wheel}"))
            .map(|request| request.bytes)
            .sum();
        assert_eq!(downloaded, size, "all of {wheel} was downloaded");
    }
}

/// The `chain` universe on an index that serves `.metadata` files without advertising them.
fn unadvertised_index() -> TestIndex {
    index_with(
        IndexOptions {
            pep658: Pep658::Unadvertised,
            ..IndexOptions::default()
        },
        chain,
    )
}

#[test]
fn unadvertised_metadata_is_found_by_the_default_probe() {
    let index = unadvertised_index();
    let project = Project::new(&index);
    let out = project.resolve_in("app\n", &["--no-header", "--no-annotate", "--stats"]);
    assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n");
    let requests = index.requests();
    let wheel_requests: Vec<_> = requests
        .iter()
        .filter(|request| request.path.ends_with(".whl"))
        .collect();
    assert!(wheel_requests.is_empty(), "{wheel_requests:?}");
    let probes = requests
        .iter()
        .filter(|request| request.path.ends_with(".whl.metadata") && request.status == 200)
        .count();
    assert_eq!(probes, 2);
    assert!(
        out.stderr
            .contains("metadata via pep658: 2 files, 2 requests, 2 round trips"),
        "{}",
        out.stderr
    );

    // Without probing, the wheels themselves are read.
    let index = unadvertised_index();
    let project = Project::new(&index);
    let out = project.resolve_in(
        "app\n",
        &["--no-header", "--no-annotate", "--probe-metadata", "off"],
    );
    assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n");
    let wheel_requests = index
        .requests()
        .into_iter()
        .filter(|request| request.path.ends_with(".whl"))
        .count();
    assert_eq!(wheel_requests, 2);
}

#[test]
fn probing_a_host_without_metadata_files_stops_after_three_misses() {
    let index = index_with(no_pep658(), |universe| {
        let app = universe.version("app", "1.0.0");
        for index in 0..6 {
            app.requires(&format!("dep{index}"));
        }
        for index in 0..6 {
            universe
                .version(&format!("dep{index}"), "1.0.0")
                .requires(&format!("leaf{index}"));
            universe.version(&format!("leaf{index}"), "1.0.0");
        }
    });
    let project = Project::new(&index);
    let out = project.resolve_in("app\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.pins().len(), 13);
    let requests = index.requests();
    let probes: Vec<_> = requests
        .iter()
        .filter(|request| request.path.ends_with(".metadata"))
        .map(|request| request.path.clone())
        .collect();
    // `app`, then the burst of its six dependencies. A leaf is found once its dependency's
    // probe has missed, so at most the first one or two leaves are probed before the host has
    // three misses; the other leaves are not.
    let leaves = probes.iter().filter(|path| path.contains("leaf")).count();
    assert!(leaves <= 2 && probes.len() <= 9, "{probes:?}");
    let tails = requests
        .iter()
        .filter(|request| request.path.ends_with(".whl") && request.status == 206)
        .count();
    assert_eq!(tails, 13, "every wheel was read through its tail");
}

#[test]
fn sdist_only_package_with_static_metadata_resolves() {
    let index = index(|universe| {
        universe
            .version("legacy", "1.0.0")
            .no_wheel()
            .requires("lib<1.1");
        universe.version("lib", "1.0.0");
        universe.version("lib", "1.1.0");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("legacy\n", &["--no-header", "--generate-hashes"]);
    let sdist_hash = index.file_sha256("legacy-1.0.0.tar.gz").expect("served");
    assert!(out.success().contains(&sdist_hash), "{}", out.stdout);
    assert_eq!(out.pins(), ["legacy==1.0.0", "lib==1.0.0"]);
    assert!(
        index
            .requests()
            .iter()
            .any(|request| request.path == "/files/legacy-1.0.0.tar.gz"),
        "the sdist was read for its PKG-INFO"
    );
}

#[test]
fn sdist_with_dynamic_dependencies_needs_an_interpreter_to_build() {
    let index = index(|universe| {
        universe
            .version("needs-build", "1.0.0")
            .no_wheel()
            .dynamic_sdist()
            .requires("lib");
        universe.version("lib", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "needs-build\n");
    // No interpreter on `PATH` (issue 14: otherwise `python3` would build it).
    let mut command = project.command();
    command.arg("requirements.in").env("PATH", project.path());
    let out = project.run_command(command);
    out.assert_code(1);
    insta::assert_snapshot!(out.stderr, @"
    error: no solution found:
    Because needs-build==1.0.0 cannot be used (its dependencies are only known after building its source distribution, and no Python interpreter was found to build it with; pass `--python`, or put `python3` on `PATH`) and you require needs-build, we can conclude that your requirements are unsatisfiable.
    ");
}

#[test]
fn only_binary_refuses_sdist_only_packages_and_no_build_keeps_static_ones() {
    let index = index(|universe| {
        universe.version("legacy", "1.0.0").no_wheel();
        universe.version("modern", "1.0.0");
    });
    let project = Project::new(&index);
    let ok = project.resolve_in("modern\n", &["--no-header", "--no-annotate", "--no-build"]);
    assert_eq!(ok.success(), "modern==1.0.0\n");
    // `--no-build` runs no backend, but a static PKG-INFO (metadata 2.2) needs none.
    let ok = project.resolve_in("legacy\n", &["--no-header", "--no-annotate", "--no-build"]);
    assert_eq!(ok.success(), "legacy==1.0.0\n");
    for flag in [
        &["--only-binary", ":all:"][..],
        &["--only-binary", "legacy"][..],
    ] {
        let out = project.resolve_in("legacy\n", flag);
        out.assert_code(1);
        assert!(
            out.stderr.contains(
                "legacy==1.0.0 cannot be used (it has only a source distribution and `--only-binary` excludes those)"
            ),
            "{}",
            out.stderr
        );
    }
}

/// Issue 13: METADATA for another name or version than the file is an integrity failure
/// that stops the run (exit 3); it never makes the resolver fall back to an older version.
#[test]
fn metadata_name_mismatch_stops_the_run() {
    let index = index(|universe| {
        universe.version("honest", "0.9.0");
        universe
            .version("honest", "1.0.0")
            .metadata_name("impostor");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("honest\n", &["--no-header", "--no-annotate"]);
    out.assert_code(3);
    assert_eq!(out.stdout, "");
    insta::assert_snapshot!(out.stderr, @r"
    error: cannot use the metadata of `honest` `1.0.0` from `[INDEX]/files/honest-1.0.0-py3-none-any.whl`; not falling back to another version
      caused by: metadata of `honest-1.0.0-py3-none-any.whl` is for `impostor 1.0.0`, but the file name says `honest 1.0.0`
    ");

    let pinned = project.resolve_in("honest==1.0.0\n", &[]);
    pinned.assert_code(3);
}

#[test]
fn metadata_version_mismatch_stops_the_run() {
    let index = index(|universe| {
        universe.version("drifty", "1.0.0");
        universe
            .version("drifty", "2.0.0")
            .metadata_version_field("3.0.0");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("drifty\n", &["--no-header", "--no-annotate"]);
    out.assert_code(3);
    assert!(out.stderr.contains("`drifty` `2.0.0`"), "{}", out.stderr);
}

fn no_pep658() -> IndexOptions {
    IndexOptions {
        pep658: Pep658::Off,
        ..IndexOptions::default()
    }
}

#[test]
fn without_pep658_one_tail_range_request_per_wheel() {
    let index = index_with(no_pep658(), chain);
    let project = Project::new(&index);
    let out = project.resolve_in(
        "app\n",
        &[
            "--no-header",
            "--no-annotate",
            "--stats",
            "--probe-metadata",
            "off",
        ],
    );
    assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n");
    let files: Vec<_> = index
        .requests()
        .into_iter()
        .filter(|request| request.path.starts_with("/files/"))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files.iter().all(|request| request.method == "GET"
            && request.status == 206
            && request.range.is_some()),
        "{files:?}"
    );
    assert!(
        out.stderr
            .contains("metadata via wheel-tail: 2 files, 2 requests, 2 round trips"),
        "{}",
        out.stderr
    );
}

#[test]
fn no_lazy_wheel_downloads_whole_wheels() {
    let index = index_with(no_pep658(), chain);
    let project = Project::new(&index);
    let out = project.resolve_in(
        "app\n",
        &["--no-header", "--no-annotate", "--no-lazy-wheel"],
    );
    assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n");
    let requests = index.requests();
    assert!(
        requests.iter().all(|request| request.range.is_none()),
        "{requests:?}"
    );

    let index = index_with(no_pep658(), chain);
    let project = Project::new(&index);
    let mut command = project.command();
    command.env("TAILWHEEL_NO_LAZY_WHEEL", "1");
    project.write("requirements.in", "app\n");
    command.args(["requirements.in", "--no-header", "--no-annotate"]);
    let out = project.run_command(command);
    assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n");
    let requests = index.requests();
    assert!(
        requests.iter().all(|request| request.range.is_none()),
        "{requests:?}"
    );
}

#[test]
fn a_second_run_reads_metadata_from_the_cache() {
    let index = index_with(no_pep658(), chain);
    let project = Project::new(&index);
    let cache = project.join("cache");
    let cache = cache.to_str().expect("utf-8 temp path");
    let args = [
        "--no-header",
        "--no-annotate",
        "--cache-dir",
        cache,
        "--stats",
    ];
    let first = project.resolve_in("app\n", &args);
    assert_eq!(first.success(), "app==1.0.0\nlib==1.1.0\n");
    let before = index.request_count();

    let second = project.resolve_in("app\n", &args);
    assert_eq!(second.success(), "app==1.0.0\nlib==1.1.0\n");
    let files: Vec<_> = index.requests()[before..]
        .iter()
        .filter(|request| request.path.starts_with("/files/"))
        .cloned()
        .collect();
    assert!(
        files.is_empty(),
        "no file request on the second run: {files:?}"
    );
    assert!(
        second
            .stderr
            .contains("metadata via cache: 2 files, 0 requests"),
        "{}",
        second.stderr
    );

    // `--no-cache` neither reads nor writes it.
    let third = project.resolve_in(
        "app\n",
        &["--no-header", "--no-annotate", "--no-cache", "--stats"],
    );
    assert_eq!(third.success(), "app==1.0.0\nlib==1.1.0\n");
    assert!(!third.stderr.contains("via cache"), "{}", third.stderr);
}
