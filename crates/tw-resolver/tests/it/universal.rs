//! Issue 17: universal resolution on the in-memory source. Forks split where requirements on
//! one package disagree under markers, each fork is solved on its own, and the merge gives
//! each entry the marker under which it is reachable (simplified against requires-python).

use std::str::FromStr;
use std::sync::Arc;

use pep508_rs::MarkerTree;
use tw_resolver::{InMemorySource, Resolution, ResolveError, ResolverOptions};

use crate::common::{manifest, metadata, runtime};

/// A universal target for `requires_python`, every environment.
fn universal(requires_python: &str) -> tw_platform::UniversalTarget {
    tw_platform::UniversalTarget::new(
        requires_python.parse().expect("valid specifiers"),
        Vec::new(),
        Vec::new(),
    )
    .expect("a lower bound")
}

/// Resolve `roots` universally over `source` for `requires_python`; the resolution must
/// succeed.
fn solve(source: InMemorySource, roots: &[String], requires_python: &str) -> Resolution {
    solve_with(source, roots, universal(requires_python))
        .expect("the universal resolution succeeds")
}

/// Resolve `roots` universally over `source` for `target`.
fn solve_with(
    source: InMemorySource,
    roots: &[String],
    target: tw_platform::UniversalTarget,
) -> Result<Resolution, ResolveError> {
    runtime().block_on(tw_resolver::resolve_universal_with(
        manifest(roots),
        Arc::new(source),
        target,
        ResolverOptions {
            concurrency: 8,
            ..ResolverOptions::default()
        },
    ))
}

/// Resolve `roots` universally over `packages` (`(name, version, requires)`).
fn resolve(
    packages: &[(&str, &str, &[&str])],
    roots: &[&str],
    target: tw_platform::UniversalTarget,
) -> Result<Resolution, ResolveError> {
    resolve_preferring(packages, roots, target, Vec::new())
}

/// [`resolve`], preferring `preferences` (the pins of an existing output, as `-o` passes
/// them).
fn resolve_preferring(
    packages: &[(&str, &str, &[&str])],
    roots: &[&str],
    target: tw_platform::UniversalTarget,
    preferences: Vec<(pep508_rs::PackageName, pep440_rs::Version)>,
) -> Result<Resolution, ResolveError> {
    let mut source = InMemorySource::new();
    for (name, version, requires) in packages {
        let requires: Vec<String> = requires.iter().map(ToString::to_string).collect();
        let extras: Vec<String> = requires
            .iter()
            .filter_map(|r| r.split("extra == '").nth(1))
            .filter_map(|rest| rest.split('\'').next())
            .map(ToString::to_string)
            .collect();
        source
            .add(metadata(name, version, &requires, &extras))
            .expect("valid file names");
    }
    let roots: Vec<String> = roots.iter().map(ToString::to_string).collect();
    runtime().block_on(tw_resolver::resolve_universal_with(
        manifest(&roots),
        Arc::new(source),
        target,
        ResolverOptions {
            concurrency: 8,
            preferences,
            ..ResolverOptions::default()
        },
    ))
}

/// The pins of `resolution` as preferences, in lock order (what `-o` passes on a re-run).
fn pins(resolution: &Resolution) -> Vec<(pep508_rs::PackageName, pep440_rs::Version)> {
    let mut pins: Vec<_> = resolution
        .packages
        .iter()
        .map(|package| (package.name.clone(), package.version.clone()))
        .collect();
    pins.sort();
    pins
}

/// `name==version ; marker` per entry, sorted.
fn entries(resolution: &Resolution) -> Vec<String> {
    let mut entries: Vec<String> = resolution
        .packages
        .iter()
        .map(|package| {
            let marker = package
                .marker
                .as_ref()
                .and_then(MarkerTree::try_to_string)
                .map(|marker| format!(" ; {marker}"))
                .unwrap_or_default();
            format!("{}=={}{marker}", package.name, package.version)
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn disagreeing_markers_fork_and_each_entry_gets_where_it_is_reachable() {
    let resolution = resolve(
        &[
            ("a", "1.0.0", &["b ; python_version < '3.11'"]),
            ("a", "2.0.0", &["c"]),
            ("b", "1.0.0", &[]),
            ("c", "1.0.0", &[]),
        ],
        &[
            "a>=2 ; sys_platform == 'linux'",
            "a<2 ; sys_platform == 'darwin'",
        ],
        universal(">=3.8"),
    )
    .unwrap();
    assert_eq!(
        entries(&resolution),
        [
            "a==1.0.0 ; sys_platform == 'darwin'",
            "a==2.0.0 ; sys_platform == 'linux'",
            // No `python_full_version >= '3.8'`: requires-python says so already.
            "b==1.0.0 ; python_full_version < '3.11' and sys_platform == 'darwin'",
            "c==1.0.0 ; sys_platform == 'linux'",
        ]
    );
    assert_eq!(
        resolution.fork_markers.len(),
        3,
        "{:?}",
        resolution.fork_markers
    );
    assert_eq!(
        resolution
            .requires_python
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some(">=3.8")
    );
}

#[test]
fn a_version_chosen_in_one_fork_is_preferred_in_the_next() {
    // Fork `linux` must take `d<2`; the other fork alone would take `d` 2.0, but keeps 1.0.
    let resolution = resolve(
        &[
            ("a", "1.0.0", &[]),
            ("a", "2.0.0", &["d<2"]),
            ("d", "1.0.0", &[]),
            ("d", "2.0.0", &[]),
        ],
        &[
            "a>=2 ; sys_platform == 'linux'",
            "a<2 ; sys_platform != 'linux'",
            "d",
        ],
        universal(">=3.10"),
    )
    .unwrap();
    assert_eq!(
        entries(&resolution),
        [
            "a==1.0.0 ; sys_platform != 'linux'",
            "a==2.0.0 ; sys_platform == 'linux'",
            "d==1.0.0",
        ]
    );
}

#[test]
fn requires_python_is_checked_against_each_forks_lowest_python() {
    // `a` 2.0.0 needs Python 3.11: fine in the fork from 3.11 on, not below it (where the
    // highest version is tried first and rejected).
    let mut source = InMemorySource::new();
    source.add(metadata("a", "1.0.0", &[], &[])).unwrap();
    let text = "Metadata-Version: 2.1\nName: a\nVersion: 2.0.0\nRequires-Python: >=3.11\n";
    source
        .add(tw_metadata::DistMetadata::parse(text.as_bytes(), "a").unwrap())
        .unwrap();
    let roots = vec![
        "a>=2 ; python_version >= '3.11'".to_string(),
        "a ; python_version < '3.11'".to_string(),
    ];
    let resolution = solve(source, &roots, ">=3.9");
    assert_eq!(
        entries(&resolution),
        [
            "a==1.0.0 ; python_full_version < '3.11'",
            "a==2.0.0 ; python_full_version >= '3.11'",
        ]
    );
    // A single requirement under a marker does not fork.
    let plain = resolve(
        &[("a", "1.0.0", &[]), ("b", "1.0.0", &[])],
        &["a", "b ; sys_platform == 'win32'"],
        universal(">=3.9"),
    )
    .unwrap();
    assert_eq!(
        entries(&plain),
        ["a==1.0.0", "b==1.0.0 ; sys_platform == 'win32'"]
    );
}

#[test]
fn extras_requested_under_a_marker_carry_it_to_their_requirements() {
    let resolution = resolve(
        &[
            (
                "p",
                "1.0.0",
                &[
                    "q ; extra == 'x'",
                    "r ; extra == 'x' and sys_platform == 'win32'",
                ],
            ),
            ("q", "1.0.0", &[]),
            ("r", "1.0.0", &[]),
        ],
        &["p[x] ; python_version >= '3.12'", "p"],
        universal(">=3.10"),
    )
    .unwrap();
    assert_eq!(
        entries(&resolution),
        [
            "p==1.0.0",
            "q==1.0.0 ; python_full_version >= '3.12'",
            "r==1.0.0 ; python_full_version >= '3.12' and sys_platform == 'win32'",
        ]
    );
    let p = &resolution.packages[0];
    assert_eq!(p.extras.len(), 1);
}

#[test]
fn a_conflict_inside_one_fork_names_the_fork() {
    let error = resolve(
        &[
            ("a", "1.0.0", &["b==1"]),
            ("a", "2.0.0", &[]),
            ("b", "2.0.0", &[]),
        ],
        &[
            "a>=2 ; sys_platform == 'linux'",
            "a<2 ; sys_platform == 'darwin'",
        ],
        universal(">=3.10"),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(error.is_no_solution(), "{message}");
    assert!(
        message.contains("in the environments `sys_platform == 'darwin'`"),
        "{message}"
    );
}

#[test]
fn wheels_that_disagree_by_platform_fork_on_sys_platform() {
    // `app` 1.0.0: the Linux and macOS wheels need nothing, the Windows wheel needs `winonly`
    // without a marker (what an old `setup.py` bakes in).
    let mut source = InMemorySource::new();
    source
        .add_wheel(
            metadata("app", "1.0.0", &[], &[]),
            "cp312-cp312-manylinux_2_17_x86_64",
        )
        .unwrap();
    source
        .add_wheel(
            metadata("app", "1.0.0", &[], &[]),
            "cp312-cp312-macosx_11_0_arm64",
        )
        .unwrap();
    source
        .add_wheel(
            metadata("app", "1.0.0", &["winonly".to_string()], &[]),
            "cp312-cp312-win_amd64",
        )
        .unwrap();
    source.add(metadata("winonly", "1.0.0", &[], &[])).unwrap();
    source.add(metadata("pure", "1.0.0", &[], &[])).unwrap();
    // Two forks by Python version (on `pure`) both choose `app` 1.0.0: it is read once.
    let roots = vec![
        "app".to_string(),
        "pure>=1 ; python_version >= '3.13'".to_string(),
        "pure<2 ; python_version < '3.13'".to_string(),
    ];
    let resolution = solve(source, &roots, ">=3.12");
    assert_eq!(
        entries(&resolution),
        [
            "app==1.0.0",
            "pure==1.0.0",
            "winonly==1.0.0 ; sys_platform == 'win32'",
        ]
    );
    let check = &resolution.platform_check;
    // `app` has wheels of three families: two more reads; `pure` and `winonly` none.
    assert_eq!((check.versions_checked, check.reads), (1, 2));
    assert_eq!(check.differing.len(), 1);
    assert_eq!(check.differing[0].0.as_ref(), "app");
}

#[test]
fn pure_python_versions_cost_no_extra_read() {
    let resolution = resolve(
        &[("a", "1.0.0", &["b"]), ("b", "1.0.0", &[])],
        &["a"],
        universal(">=3.10"),
    )
    .unwrap();
    assert_eq!(resolution.platform_check.reads, 0);
    assert!(MarkerTree::from_str("sys_platform == 'linux'").is_ok());
}

#[test]
fn forks_past_the_limit_are_an_error_not_a_hang() {
    // Nine packages, each required under one marker and its negation with ranges that
    // disagree: the root splits into 2^9 = 512 pieces, past the limit of 256.
    let variables = [
        "os_name",
        "sys_platform",
        "platform_machine",
        "platform_python_implementation",
        "platform_release",
        "platform_system",
        "platform_version",
        "implementation_name",
        "python_version",
    ];
    let mut packages: Vec<(String, &str)> = Vec::new();
    let mut roots = Vec::new();
    for (i, variable) in variables.iter().enumerate() {
        let name = format!("p{i}");
        let value = if *variable == "python_version" {
            "3.12"
        } else {
            "x"
        };
        roots.push(format!("{name}>=2 ; {variable} == '{value}'"));
        roots.push(format!("{name}<2 ; {variable} != '{value}'"));
        packages.push((name.clone(), "1.0.0"));
        packages.push((name, "2.0.0"));
    }
    let packages: Vec<(&str, &str, &[&str])> = packages
        .iter()
        .map(|(name, version)| (name.as_str(), *version, &[][..]))
        .collect();
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let error = resolve(&packages, &roots, universal(">=3.10")).unwrap_err();
    assert!(error.is_no_solution(), "{error}");
    assert!(error.to_string().contains("more than 256 forks"), "{error}");
}

/// Metadata of `name` `version` that needs `requires_python` and requires `requires`.
fn needs_python(
    name: &str,
    version: &str,
    requires_python: &str,
    requires: &[&str],
) -> tw_metadata::DistMetadata {
    let mut text = format!(
        "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: {requires_python}\n"
    );
    for requirement in requires {
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    tw_metadata::DistMetadata::parse(text.as_bytes(), name).expect("tests write valid metadata")
}

#[test]
fn a_version_that_needs_a_newer_python_splits_the_fork_there() {
    // uv's `requires-python` fork strategy: `numpy` 2.2.6 needs 3.10, so the lock takes it
    // from 3.10 on and the newest version that still runs on 3.9 below (not 2.0.2 everywhere).
    let mut source = InMemorySource::new();
    source
        .add(needs_python("numpy", "2.0.2", ">=3.9", &[]))
        .unwrap()
        .add(needs_python("numpy", "2.1.0", ">=3.10", &[]))
        .unwrap()
        .add(needs_python("numpy", "2.2.6", ">=3.10", &[]))
        .unwrap()
        .add(needs_python("pandas", "2.2.0", ">=3.9", &["numpy>=1.22"]))
        .unwrap()
        .add(metadata("six", "1.0.0", &[], &[]))
        .unwrap();
    let roots = vec!["pandas".to_string(), "six".to_string()];
    let resolution = solve(source, &roots, ">=3.9");
    assert_eq!(
        entries(&resolution),
        [
            "numpy==2.0.2 ; python_full_version < '3.10'",
            "numpy==2.2.6 ; python_full_version >= '3.10'",
            "pandas==2.2.0",
            "six==1.0.0",
        ]
    );
}

#[test]
fn a_requires_python_the_whole_fork_meets_does_not_split() {
    // The fork starts at 3.10: `numpy` 2.2.6 runs everywhere, one entry, one fork.
    let mut source = InMemorySource::new();
    source
        .add(needs_python("numpy", "2.0.2", ">=3.9", &[]))
        .unwrap()
        .add(needs_python("numpy", "2.2.6", ">=3.10", &[]))
        .unwrap();
    let resolution = solve(source, &["numpy".to_string()], ">=3.10");
    assert_eq!(entries(&resolution), ["numpy==2.2.6"]);
    assert!(
        resolution.fork_markers.is_empty(),
        "{:?}",
        resolution.fork_markers
    );
}

/// Core metadata of `name` `version` at `metadata_version` with these `Requires-Dist` lines
/// and `Dynamic` fields.
fn pkg_info(
    metadata_version: &str,
    name: &str,
    version: &str,
    requires: &[&str],
    dynamic: &[&str],
) -> tw_metadata::DistMetadata {
    let mut text =
        format!("Metadata-Version: {metadata_version}\nName: {name}\nVersion: {version}\n");
    for requirement in requires {
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    for field in dynamic {
        text.push_str(&format!("Dynamic: {field}\n"));
    }
    tw_metadata::DistMetadata::parse(text.as_bytes(), name).expect("tests write valid metadata")
}

/// `app` 1.0.0 with Linux, macOS and Windows wheels (the Windows one requiring
/// `windows_requires`) and an sdist whose `PKG-INFO` is `sdist`; resolved universally.
fn app_with_sdist(
    windows_requires: &[&str],
    sdist: tw_metadata::DistMetadata,
    sdist_size: u64,
) -> Resolution {
    app_with_sdist_and_wheels("2.2", windows_requires, sdist, sdist_size)
}

/// [`app_with_sdist`] with wheels whose metadata is `wheel_metadata_version`.
fn app_with_sdist_and_wheels(
    wheel_metadata_version: &str,
    windows_requires: &[&str],
    sdist: tw_metadata::DistMetadata,
    sdist_size: u64,
) -> Resolution {
    let mut source = InMemorySource::new();
    for tags in [
        "cp312-cp312-manylinux_2_17_x86_64",
        "cp312-cp312-macosx_11_0_arm64",
    ] {
        source
            .add_wheel(
                pkg_info(wheel_metadata_version, "app", "1.0.0", &["dep"], &[]),
                tags,
            )
            .expect("tests use valid file names");
    }
    source
        .add_wheel(
            pkg_info(
                wheel_metadata_version,
                "app",
                "1.0.0",
                windows_requires,
                &[],
            ),
            "cp312-cp312-win_amd64",
        )
        .expect("tests use valid file names")
        .add_sdist(sdist, sdist_size)
        .expect("tests use valid file names")
        .add(metadata("dep", "1.0.0", &[], &[]))
        .expect("tests use valid file names")
        .add(metadata("winonly", "1.0.0", &[], &[]))
        .expect("tests use valid file names");
    solve(source, &["app".to_string()], ">=3.12")
}

#[test]
fn a_static_sdist_that_agrees_with_the_chosen_wheel_speaks_for_every_wheel() {
    // PEP 643: `Requires-Dist` not dynamic in a Metadata-Version 2.2 sdist is what every
    // wheel built from it declares: one read (the sdist) instead of one per other family.
    let resolution = app_with_sdist(
        &["dep"],
        pkg_info("2.2", "app", "1.0.0", &["dep"], &[]),
        20_000,
    );
    assert_eq!(entries(&resolution), ["app==1.0.0", "dep==1.0.0"]);
    let check = &resolution.platform_check;
    assert_eq!((check.versions_checked, check.reads), (1, 1));
    assert_eq!(check.static_sdist, 1);
    assert!(check.differing.is_empty());
}

#[test]
fn a_dynamic_or_disagreeing_sdist_does_not_spare_the_per_family_reads() {
    // Requires-Dist dynamic (or Metadata-Version before 2.2): the sdist says nothing about the
    // wheels, each family is read and the Windows wheel's extra requirement is found.
    for sdist in [
        pkg_info("2.2", "app", "1.0.0", &["dep"], &["Requires-Dist"]),
        pkg_info("2.1", "app", "1.0.0", &["dep"], &[]),
        // Static, but not what the chosen wheel says: not trusted either.
        pkg_info("2.2", "app", "1.0.0", &["dep", "winonly"], &[]),
    ] {
        let resolution = app_with_sdist(&["dep", "winonly"], sdist, 20_000);
        assert_eq!(
            entries(&resolution),
            [
                "app==1.0.0",
                "dep==1.0.0",
                "winonly==1.0.0 ; sys_platform == 'win32'"
            ]
        );
        let check = &resolution.platform_check;
        assert_eq!((check.versions_checked, check.reads), (1, 3));
        assert_eq!(check.static_sdist, 0);
        assert_eq!(check.differing.len(), 1);
    }
}

#[test]
fn an_sdist_whose_pkg_info_does_not_come_within_the_spared_bytes_is_not_trusted() {
    // A 5 MB sdist may hold `PKG-INFO` at its end: the read is cut after what the two wheel
    // tails it would spare cost (64 KiB here), and the wheels are read instead.
    let resolution = app_with_sdist(
        &["dep"],
        pkg_info("2.2", "app", "1.0.0", &["dep"], &[]),
        5_000_000,
    );
    let check = &resolution.platform_check;
    assert_eq!((check.versions_checked, check.reads), (1, 3));
    assert_eq!(check.static_sdist, 0);
}

#[test]
fn wheels_with_metadata_before_2_2_do_not_try_the_sdist() {
    // Wheels of Metadata-Version 2.1 come from a backend that predates PEP 643; its sdist
    // is almost never static, so the sdist read would only add a request.
    let resolution = app_with_sdist_and_wheels(
        "2.1",
        &["dep"],
        pkg_info("2.2", "app", "1.0.0", &["dep"], &[]),
        20_000,
    );
    let check = &resolution.platform_check;
    assert_eq!((check.versions_checked, check.reads), (1, 2));
    assert_eq!(check.static_sdist, 0);
}

#[test]
fn a_version_the_index_says_needs_a_newer_python_is_not_read_below_it() {
    // The index lists each file's Requires-Python (PEP 503/691): in the fork below 3.10,
    // `numpy` 2.1.0 is unusable without reading its metadata (a Django wheel's central
    // directory alone is 300 KB), as candidates are for one target.
    let mut inner = InMemorySource::new();
    inner
        .add(needs_python("numpy", "2.0.2", ">=3.9", &[]))
        .unwrap()
        .add(needs_python("numpy", "2.1.0", ">=3.10", &[]))
        .unwrap()
        .add(needs_python("numpy", "2.2.6", ">=3.10", &[]))
        .unwrap();
    let source = Arc::new(crate::common::Counting::new(inner));
    let resolution = runtime()
        .block_on(tw_resolver::resolve_universal_with(
            manifest(&["numpy".to_string()]),
            Arc::clone(&source) as Arc<dyn tw_resolver::MetadataSource>,
            universal(">=3.9"),
            ResolverOptions {
                concurrency: 8,
                speculation: tw_resolver::SpeculationOptions {
                    depth: 0,
                    in_flight: 0,
                    batch: 0,
                    batch_after: u32::MAX,
                },
                ..ResolverOptions::default()
            },
        ))
        .unwrap();
    assert_eq!(
        entries(&resolution),
        [
            "numpy==2.0.2 ; python_full_version < '3.10'",
            "numpy==2.2.6 ; python_full_version >= '3.10'",
        ]
    );
    let reads = source.reads();
    assert!(
        !reads.iter().any(|file| file.starts_with("numpy-2.1.0")),
        "{reads:?}"
    );
}

/// packse `preferences-dependent-forking-conflicting`: `cleaver` 2 splits the resolution on
/// `sys_platform` and is then rejected (`reject-cleaver-2` needs `unrelated-dep==3`);
/// `cleaver` 1 needs `foo` 1 on Linux and `bar` 1 elsewhere, and `foo` 1 needs `bar` 2.
const CLEAVER: &[(&str, &str, &[&str])] = &[
    (
        "cleaver",
        "2.0.0",
        &[
            "unrelated-dep==1 ; sys_platform == 'linux'",
            "unrelated-dep==2 ; sys_platform != 'linux'",
            "reject-cleaver-2",
        ],
    ),
    ("reject-cleaver-2", "1.0.0", &["unrelated-dep==3"]),
    ("unrelated-dep", "1.0.0", &[]),
    ("unrelated-dep", "2.0.0", &[]),
    ("unrelated-dep", "3.0.0", &[]),
    (
        "cleaver",
        "1.0.0",
        &[
            "foo==1 ; sys_platform == 'linux'",
            "bar==1 ; sys_platform != 'linux'",
        ],
    ),
    ("foo", "1.0.0", &["bar==2"]),
    ("foo", "2.0.0", &[]),
    ("bar", "1.0.0", &[]),
    ("bar", "2.0.0", &[]),
];

#[test]
fn a_split_made_by_a_version_later_rejected_is_kept_as_uv_keeps_it() {
    // A split lives on after the version that made it is rejected, as in uv (whose lock of
    // this scenario resolves the same six packages, project included). Undoing it would
    // leave no solution here, and no solution for `preferences-dependent-forking-bistable`
    // either, which packse and uv expect to resolve (next test).
    let resolution = resolve(CLEAVER, &["cleaver", "foo", "bar"], universal(">=3.12")).unwrap();
    assert_eq!(
        entries(&resolution),
        [
            "bar==1.0.0 ; sys_platform != 'linux'",
            "bar==2.0.0 ; sys_platform == 'linux'",
            "cleaver==1.0.0",
            "foo==1.0.0 ; sys_platform == 'linux'",
            "foo==2.0.0 ; sys_platform != 'linux'",
        ]
    );
    let forks: Vec<String> = resolution
        .fork_markers
        .iter()
        .filter_map(MarkerTree::try_to_string)
        .collect();
    assert_eq!(
        forks,
        ["sys_platform == 'linux'", "sys_platform != 'linux'"]
    );
    // A second run preferring these pins (`-o`) meets `cleaver` 1 first, finds it unusable
    // without a split, goes on to `cleaver` 2, splits, and locks the same.
    let again = resolve_preferring(
        CLEAVER,
        &["cleaver", "foo", "bar"],
        universal(">=3.12"),
        pins(&resolution),
    )
    .unwrap();
    assert_eq!(entries(&again), entries(&resolution));
}

#[test]
fn the_bistable_scenario_resolves_with_the_split_of_the_rejected_version() {
    // packse `preferences-dependent-forking-bistable` (expected: satisfiable). `cleaver` 2
    // splits on `sys_platform` and is rejected (it would need an `os_name` split too);
    // `cleaver` 1 resolves in both pieces only because the split stays. uv locks exactly
    // these entries.
    let packages: &[(&str, &str, &[&str])] = &[
        (
            "cleaver",
            "2.0.0",
            &[
                "fork-sys-platform==1 ; sys_platform == 'linux'",
                "fork-sys-platform==2 ; sys_platform != 'linux'",
                "reject-cleaver2==1 ; os_name == 'posix'",
                "reject-cleaver2-proxy",
            ],
        ),
        ("fork-sys-platform", "1.0.0", &[]),
        ("fork-sys-platform", "2.0.0", &[]),
        (
            "reject-cleaver2-proxy",
            "1.0.0",
            &["reject-cleaver2==2 ; os_name != 'posix'"],
        ),
        ("reject-cleaver2", "1.0.0", &[]),
        ("reject-cleaver2", "2.0.0", &[]),
        (
            "cleaver",
            "1.0.0",
            &[
                "fork-if-not-forked!=2 ; sys_platform == 'linux'",
                "fork-if-not-forked-proxy ; sys_platform != 'linux'",
                "reject-cleaver1==1 ; sys_platform == 'linux'",
                "reject-cleaver1-proxy",
            ],
        ),
        (
            "fork-if-not-forked-proxy",
            "1.0.0",
            &["fork-if-not-forked!=3"],
        ),
        (
            "reject-cleaver1-proxy",
            "1.0.0",
            &["reject-cleaver1==2 ; sys_platform != 'linux'"],
        ),
        ("reject-cleaver1", "1.0.0", &[]),
        ("reject-cleaver1", "2.0.0", &[]),
        ("fork-os-name", "1.0.0", &[]),
        ("fork-os-name", "2.0.0", &[]),
        (
            "fork-if-not-forked",
            "1.0.0",
            &[
                "fork-os-name==1 ; os_name == 'posix'",
                "fork-os-name==2 ; os_name != 'posix'",
                "reject-cleaver1-proxy",
            ],
        ),
        ("fork-if-not-forked", "2.0.0", &[]),
        ("fork-if-not-forked", "3.0.0", &[]),
    ];
    let resolution = resolve(packages, &["cleaver"], universal(">=3.12")).unwrap();
    let again = resolve_preferring(
        packages,
        &["cleaver"],
        universal(">=3.12"),
        pins(&resolution),
    )
    .unwrap();
    assert_eq!(
        entries(&again),
        entries(&resolution),
        "a second run differs"
    );
    assert_eq!(
        entries(&resolution),
        [
            "cleaver==1.0.0",
            "fork-if-not-forked-proxy==1.0.0 ; sys_platform != 'linux'",
            "fork-if-not-forked==2.0.0 ; sys_platform != 'linux'",
            "fork-if-not-forked==3.0.0 ; sys_platform == 'linux'",
            "reject-cleaver1-proxy==1.0.0",
            "reject-cleaver1==1.0.0 ; sys_platform == 'linux'",
            "reject-cleaver1==2.0.0 ; sys_platform != 'linux'",
        ]
    );
}

/// `app` 1.0.0 with a Linux, a macOS and a Windows wheel; the Windows one needs `winonly`
/// (without a marker) when `windows_differs`.
fn app_on_three_platforms(windows_differs: bool) -> InMemorySource {
    let mut source = InMemorySource::new();
    for tags in [
        "cp312-cp312-manylinux_2_17_x86_64",
        "cp312-cp312-macosx_11_0_arm64",
    ] {
        source
            .add_wheel(metadata("app", "1.0.0", &[], &[]), tags)
            .expect("valid file names");
    }
    let windows: Vec<String> = if windows_differs {
        vec!["winonly".to_string()]
    } else {
        Vec::new()
    };
    source
        .add_wheel(
            metadata("app", "1.0.0", &windows, &[]),
            "cp312-cp312-win_amd64",
        )
        .expect("valid file names");
    source
        .add(metadata("winonly", "1.0.0", &[], &[]))
        .expect("valid file names");
    source
}

#[test]
fn families_the_entry_cannot_reach_are_not_read() {
    // Needed on Windows only: the macOS wheel can never be installed from this lock, and the
    // Linux wheel (whose metadata the solver read) neither; only the Windows one is read.
    let roots = vec!["app ; sys_platform == 'win32'".to_string()];
    let resolution = solve(app_on_three_platforms(false), &roots, ">=3.12");
    assert_eq!(
        entries(&resolution),
        ["app==1.0.0 ; sys_platform == 'win32'"]
    );
    let check = &resolution.platform_check;
    assert_eq!((check.versions_checked, check.reads), (1, 1));
    // `--environment`: Linux only. The solver read the macOS wheel (the first by name), so
    // the Linux one is read, and nothing else.
    let linux = tw_platform::UniversalTarget::new(
        ">=3.12".parse().expect("valid specifiers"),
        vec![MarkerTree::from_str("sys_platform == 'linux'").expect("a valid marker")],
        Vec::new(),
    )
    .expect("a lower bound");
    let resolution = solve_with(app_on_three_platforms(false), &["app".to_string()], linux)
        .expect("the universal resolution succeeds");
    let check = &resolution.platform_check;
    assert_eq!((check.versions_checked, check.reads), (1, 1));
}

#[test]
fn a_difference_in_a_family_the_entry_reaches_is_still_found() {
    // Not on Linux: macOS (the wheel the solver read) and Windows remain, and the Windows
    // wheel disagrees.
    let roots = vec!["app ; sys_platform != 'linux'".to_string()];
    let resolution = solve(app_on_three_platforms(true), &roots, ">=3.12");
    assert_eq!(
        entries(&resolution),
        [
            "app==1.0.0 ; sys_platform != 'linux'",
            "winonly==1.0.0 ; sys_platform == 'win32'",
        ]
    );
    let check = &resolution.platform_check;
    assert_eq!((check.versions_checked, check.reads), (1, 1));
    assert_eq!(check.differing.len(), 1);
}
