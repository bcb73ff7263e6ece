//! Issue 18: tailwheel as a drop-in for `pip-compile` and `uv pip compile` users. Their flag
//! spellings, `-` for stdin, `--exclude-newer` durations, PEP 751 file names, `--check`, and
//! the change summary after a resolve.

use tw_test_index::{TestIndex, Universe};

use crate::common::{Project, index};

/// `app 1.0.0` (needs `lib`), `lib 1.0.0` and `2.0.0`, and `web 1.0.0` with an extra `async`
/// that needs `lib`.
fn universe(universe: &mut Universe) {
    universe.version("app", "1.0.0").requires("lib");
    universe.version("lib", "1.0.0");
    universe.version("lib", "2.0.0");
    universe.version("web", "1.0.0").extra("async", &["lib>=2"]);
}

fn app_index() -> TestIndex {
    index(universe)
}

#[test]
fn pip_compile_and_uv_flag_spellings() {
    let index = app_index();
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    project.write("constraints.txt", "lib<2\n");
    project.write("overrides.txt", "lib==2.0.0\n");
    // `--output-file` and `--constraints` (uv's plural).
    let out = project.resolve(&[
        "requirements.in",
        "--output-file",
        "out.txt",
        "--constraints",
        "constraints.txt",
        "--no-header",
        "--no-annotate",
        "--strip-extras",
    ]);
    out.success();
    assert_eq!(project.read("out.txt"), "app==1.0.0\nlib==1.0.0\n");
    // `--overrides` (uv's plural) and `--upgrade-package`.
    let out = project.resolve(&[
        "requirements.in",
        "--output-file=out.txt",
        "--overrides",
        "overrides.txt",
        "--upgrade-package",
        "lib",
        "--no-header",
        "--no-annotate",
    ]);
    out.success();
    assert_eq!(project.read("out.txt"), "app==1.0.0\nlib==2.0.0\n");
}

#[test]
fn no_strip_extras_keeps_the_extras() {
    let index = app_index();
    let project = Project::new(&index);
    let out = project.resolve_in("web[async]\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "lib==2.0.0\nweb==1.0.0\n");
    let out = project.resolve_in(
        "web[async]\n",
        &["--no-header", "--no-annotate", "--no-strip-extras"],
    );
    assert_eq!(out.success(), "lib==2.0.0\nweb[async]==1.0.0\n");
}

#[test]
fn annotation_style_line_and_split() {
    let index = app_index();
    let project = Project::new(&index);
    let out = project.resolve_in("app\n", &["--no-header", "--annotation-style", "line"]);
    insta::assert_snapshot!(out.success(), @r"
    app==1.0.0  # via -r requirements.in
    lib==2.0.0  # via app
    ");
    let out = project.resolve_in("app\nlib\n", &["--no-header", "--annotation-style=line"]);
    insta::assert_snapshot!(out.success(), @r"
    app==1.0.0  # via -r requirements.in
    lib==2.0.0  # via -r requirements.in, app
    ");
    let out = project.resolve_in("app\nlib\n", &["--no-header", "--annotation-style=split"]);
    insta::assert_snapshot!(out.success(), @r"
    app==1.0.0
        # via -r requirements.in
    lib==2.0.0
        # via
        #   -r requirements.in
        #   app
    ");
}

#[test]
fn emit_index_url_and_find_links() {
    let index = app_index();
    let project = Project::new(&index);
    let links = project.path().join("links");
    std::fs::create_dir(&links).unwrap();
    let links = links.display().to_string();
    let out = project.resolve_in(
        "app\n",
        &[
            "--no-header",
            "--no-annotate",
            "--emit-index-url",
            "--emit-find-links",
            "--find-links",
            &links,
        ],
    );
    insta::assert_snapshot!(out.success(), @r"
    --index-url [INDEX]/simple/
    --find-links [TEMP]/links

    app==1.0.0
    lib==2.0.0
    ");
    // Without the flags, neither line (uv's default).
    let out = project.resolve_in("app\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "app==1.0.0\nlib==2.0.0\n");
}

#[test]
fn no_emit_package_leaves_it_out() {
    let index = app_index();
    let project = Project::new(&index);
    let out = project.resolve_in(
        "app\n",
        &["--no-header", "--no-annotate", "--no-emit-package", "LIB"],
    );
    insta::assert_snapshot!(out.success(), @r"
    app==1.0.0

    # The following packages were excluded from the output:
    # lib
    ");
}

#[test]
fn exclude_newer_takes_a_duration() {
    // `lib 2.0.0` was uploaded an hour ago, `1.0.0` long ago.
    let recent = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .unwrap()
        .to_string();
    let index = index(|universe| {
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0").upload_time(&recent);
    });
    let project = Project::new(&index);
    for duration in ["1 day", "24 hours", "P1D", "1 week"] {
        let out = project.resolve_in(
            "lib\n",
            &[
                "--no-header",
                "--no-annotate",
                "--no-cache",
                "--exclude-newer",
                duration,
            ],
        );
        assert_eq!(out.success(), "lib==1.0.0\n", "--exclude-newer {duration}");
    }
    let out = project.resolve_in(
        "lib\n",
        &[
            "--no-header",
            "--no-annotate",
            "--no-cache",
            "--exclude-newer",
            "1 minute",
        ],
    );
    assert_eq!(out.success(), "lib==2.0.0\n");
    let out = project.resolve_in("lib\n", &["--exclude-newer", "soon"]);
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("invalid `--exclude-newer` value `soon`"),
        "{}",
        out.stderr
    );
}

#[test]
fn dash_reads_requirements_from_stdin() {
    let index = app_index();
    let project = Project::new(&index);
    let mut command = project.command();
    command
        .args(["-", "--no-header"])
        .write_stdin(b"\xef\xbb\xbfapp\n".as_slice());
    let out = project.run_command(command);
    let stdout = out.success();
    insta::assert_snapshot!(stdout, @r"
    app==1.0.0
        # via -r -
    lib==2.0.0
        # via app
    ");
}
