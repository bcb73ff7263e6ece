//! Version selection: transitive dependencies, backtracking, pre-releases, resolution modes,
//! overrides and conflict reports.

use tw_test_index::Universe;

use crate::common::{Project, index};

#[test]
fn transitive_dependencies_are_locked() {
    let index = index(|universe| {
        universe.version("web", "1.0.0").requires("router>=2");
        universe.version("router", "1.0.0");
        universe
            .version("router", "2.1.0")
            .requires("parser~=0.5.0");
        universe.version("parser", "0.5.3");
        universe.version("parser", "0.6.0");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("web\n", &["--no-header"]);
    insta::assert_snapshot!(out.success(), @r"
    parser==0.5.3
        # via router
    router==2.1.0
        # via web
    web==1.0.0
        # via -r requirements.in
    ");
}

#[test]
fn backtracks_to_an_older_version() {
    let index = index(|universe| {
        universe.version("a", "1.0.0").requires("c");
        universe.version("a", "2.0.0").requires("c<1");
        universe.version("c", "0.9.0");
        universe.version("c", "1.0.0");
        universe.version("c", "1.5.0");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("a\nc>=1\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "a==1.0.0\nc==1.5.0\n");
    // Without the root's bound, a 2.0 wins and c goes below 1.
    let free = project.resolve_in("a\nc\n", &["--no-header", "--no-annotate"]);
    assert_eq!(free.success(), "a==2.0.0\nc==0.9.0\n");
}

fn prereleases(universe: &mut Universe) {
    universe.version("mixed", "1.0.0");
    universe.version("mixed", "2.0.0b1");
    universe.version("only-pre", "0.1.0a1");
    universe.version("only-pre", "0.1.0a2");
    universe
        .version("wants-pre", "1.0.0")
        .requires("mixed>=2.0.0b1");
}

#[test]
fn prereleases_by_default_only_when_named_or_necessary() {
    let index = index(prereleases);
    let project = Project::new(&index);
    let pin = |contents: &str| {
        project
            .resolve_in(contents, &["--no-header", "--no-annotate"])
            .success()
            .to_string()
    };
    // A stable version exists: it wins.
    assert_eq!(pin("mixed\n"), "mixed==1.0.0\n");
    // The specifier names a pre-release.
    assert_eq!(pin("mixed>=2.0.0b1\n"), "mixed==2.0.0b1\n");
    // ... also when a dependency's specifier names it.
    assert_eq!(pin("wants-pre\n"), "mixed==2.0.0b1\nwants-pre==1.0.0\n");
    // Only pre-releases exist.
    assert_eq!(pin("only-pre\n"), "only-pre==0.1.0a2\n");
}

#[test]
fn prerelease_allow_and_pre_flag() {
    let index = index(prereleases);
    let project = Project::new(&index);
    project.write("requirements.in", "mixed\n");
    for flags in [&["--prerelease", "allow"][..], &["--pre"][..]] {
        let mut args = vec!["requirements.in", "--no-header", "--no-annotate"];
        args.extend_from_slice(flags);
        assert_eq!(
            project.resolve(&args).success(),
            "mixed==2.0.0b1\n",
            "{flags:?}"
        );
    }
}

#[test]
fn prerelease_disallow_refuses_them() {
    let index = index(prereleases);
    let project = Project::new(&index);
    let out = project.resolve_in("mixed>=2.0.0b1\n", &["--prerelease", "disallow"]);
    out.assert_code(1);
    assert!(out.stderr.contains("mixed>=2.0.0b1"), "{}", out.stderr);
}

fn modes(universe: &mut Universe) {
    universe.version("top", "1.0.0").requires("dep>=1.1");
    universe.version("top", "1.5.0").requires("dep>=1.1");
    universe.version("dep", "1.0.0");
    universe.version("dep", "1.1.0");
    universe.version("dep", "1.2.0");
}

#[test]
fn resolution_modes() {
    let index = index(modes);
    let project = Project::new(&index);
    project.write("requirements.in", "top>=1.0.0\n");
    let with_mode = |mode: &str| {
        project
            .resolve(&[
                "requirements.in",
                "--no-header",
                "--no-annotate",
                "--resolution",
                mode,
            ])
            .success()
            .to_string()
    };
    assert_eq!(with_mode("highest"), "dep==1.2.0\ntop==1.5.0\n");
    assert_eq!(with_mode("lowest"), "dep==1.1.0\ntop==1.0.0\n");
    assert_eq!(with_mode("lowest-direct"), "dep==1.2.0\ntop==1.0.0\n");
}

#[test]
fn overrides_replace_dependency_requirements() {
    let index = index(modes);
    let project = Project::new(&index);
    project.write("overrides.txt", "dep==1.0.0\nnot-required==9\n");
    let out = project.resolve_in("top\n", &["--no-header", "--override", "overrides.txt"]);
    // `top` says dep>=1.1, the override forces 1.0.0; an override adds no package.
    insta::assert_snapshot!(out.success(), @r"
    dep==1.0.0
        # via top
    top==1.5.0
        # via -r requirements.in
    ");
}

#[test]
fn conflict_report_names_both_requirements() {
    let index = index(|universe| {
        universe
            .version("requests", "2.31.0")
            .requires("charset-normalizer>=2,<4")
            .requires("idna>=2.5,<4")
            .requires("urllib3>=1.21.1,<3")
            .requires("certifi>=2017.4.17");
        universe.version("urllib3", "1.20");
        universe.version("urllib3", "1.26.18");
        universe.version("urllib3", "2.2.1");
        universe.version("charset-normalizer", "3.3.2");
        universe.version("idna", "3.6");
        universe.version("certifi", "2024.2.2");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("requests==2.31.0\nurllib3<1.21\n", &[]);
    out.assert_code(1);
    assert_eq!(out.stdout, "");
    insta::assert_snapshot!(out.stderr, @r"
    error: no solution found:
    Because requests==2.31.0 depends on urllib3>=1.21.1, <3 and you require requests==2.31.0, we can conclude that you require urllib3>=1.21.1, <3.
    And because you require urllib3<1.21, we can conclude that your requirements are unsatisfiable.
    ");
}

#[test]
fn exclusive_ordered_comparison_skips_post_releases() {
    // PEP 440: `>1.0` does not match `1.0.post1`; `~=1.0.0` does.
    let index = index(|universe| {
        universe.version("lib", "1.0");
        universe.version("lib", "1.0.post1");
        universe.version("lib", "1.1");
    });
    let project = Project::new(&index);
    let args = ["--no-header", "--no-annotate"];
    assert_eq!(
        project.resolve_in("lib~=1.0.0\n", &args).success(),
        "lib==1.0.post1\n"
    );
    project.resolve_in("lib>1.0,<1.1\n", &args).assert_code(1);
}

#[test]
fn missing_package_report_says_no_version_exists() {
    let index = index(|universe| {
        universe.version("present", "1.0.0");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("present\nabsent\n", &[]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("absent was not found in the package index"),
        "the report should say that `absent` does not exist:\n{}",
        out.stderr
    );
}

#[test]
fn equality_ignores_local_version_labels() {
    let index = index(|universe| {
        universe.version("torchlike", "0.9.0");
        universe.version("torchlike", "1.0.0+cpu");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("torchlike==1.0.0\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "torchlike==1.0.0+cpu\n");
}

#[test]
fn per_package_only_binary_and_no_binary() {
    let index = index(|universe| {
        universe.version("wheelonly", "1.0.0").no_sdist();
        universe.version("wheelonly", "0.9.0");
        universe.version("sdistonly", "1.0.0").no_wheel();
        universe.version("sdistonly", "0.9.0");
    });
    let project = Project::new(&index);
    let args = ["--no-header", "--no-annotate"];
    assert_eq!(
        project
            .resolve_in("wheelonly\nsdistonly\n", &args)
            .success(),
        "sdistonly==1.0.0\nwheelonly==1.0.0\n"
    );
    // Wheels only for `sdistonly`: its newest version has none, so 0.9.0.
    let out = project.resolve_in(
        "wheelonly\nsdistonly\n",
        &["--no-header", "--no-annotate", "--only-binary", "sdistonly"],
    );
    assert_eq!(out.success(), "sdistonly==0.9.0\nwheelonly==1.0.0\n");
    // Sdists only for `wheelonly`: its newest version has none, so 0.9.0.
    let out = project.resolve_in(
        "wheelonly\nsdistonly\n",
        &["--no-header", "--no-annotate", "--no-binary", "wheelonly"],
    );
    assert_eq!(out.success(), "sdistonly==1.0.0\nwheelonly==0.9.0\n");
    // `==` leaves no way out: the report says why.
    let out = project.resolve_in("wheelonly==1.0.0\n", &["--no-binary", ":all:"]);
    out.assert_code(1);
    assert!(
        out.stderr.contains("wheels are disabled (`--no-binary`)"),
        "{}",
        out.stderr
    );
}

#[test]
fn reports_end_with_hints_people_can_act_on() {
    let index = index(|universe| {
        universe.version("onlypre", "2.0.0b1");
        universe.version("gone", "1.0.0").yanked();
        universe
            .version("native", "1.0.0")
            .wheel_tags(&["cp312-cp312-win_amd64", "cp312-cp312-macosx_11_0_arm64"])
            .no_sdist();
        universe.version("source", "1.0.0").no_wheel();
    });
    let project = Project::new(&index);

    let out = project.resolve_in("onlypre>=1\n", &["--prerelease", "disallow"]);
    out.assert_code(1);
    assert!(out.stderr.contains("hint: only pre-releases of onlypre match `onlypre>=1` (the newest is 2.0.0b1); pass `--prerelease allow`"), "{}", out.stderr);

    let out = project.resolve_in("gone>=1\n", &[]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("hint: every version of gone that matches `gone>=1` was yanked"),
        "{}",
        out.stderr
    );

    let out = project.resolve_in("native\n", &[]);
    out.assert_code(1);
    assert!(
        out.stderr.contains("hint: native has wheels only for other targets (cp312-cp312-macosx_11_0_arm64, cp312-cp312-win_amd64)"),
        "{}",
        out.stderr
    );

    let out = project.resolve_in("source\n", &["--only-binary", ":all:"]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("hint: source has only source distributions"),
        "{}",
        out.stderr
    );
}
