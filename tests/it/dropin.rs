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
    app==1.0.0                # via -r requirements.in
    lib==2.0.0                # via app
    ");
    let out = project.resolve_in("app\nlib\n", &["--no-header", "--annotation-style=line"]);
    insta::assert_snapshot!(out.success(), @r"
    app==1.0.0                # via -r requirements.in
    lib==2.0.0                # via -r requirements.in, app
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

#[test]
fn pylock_file_names_follow_pep_751() {
    let index = app_index();
    let project = Project::new(&index);
    for name in [
        "lock.toml",
        "pylock.a.b.toml",
        "pylock..toml",
        "pylock-dev.toml",
    ] {
        let out = project.resolve_in("app\n", &["-o", name]);
        out.assert_code(2);
        insta::allow_duplicates! {
            insta::assert_snapshot!(out.stderr.replace(&format!("`{name}`"), "`[NAME]`"), @"error: `[NAME]` is not a valid pylock file name: PEP 751 names a lock `pylock.toml` or `pylock.<name>.toml` (no dots in `<name>`); use `--format requirements-txt` for another name, or stdout");
        }
        assert!(!project.join(name).exists(), "{name}");
    }
    let out = project.resolve_in("app\n", &["--format", "pylock", "-o", "lock.txt"]);
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("`lock.txt` is not a valid pylock file name"),
        "{}",
        out.stderr
    );
    // Refused before any request.
    assert_eq!(index.request_count(), 0);
    for name in ["pylock.toml", "pylock.dev.toml", "sub/pylock.toml"] {
        std::fs::create_dir_all(project.join("sub")).unwrap();
        project.resolve_in("app\n", &["-o", name]).success();
        assert!(
            project.read(name).contains("lock-version = \"1.0\""),
            "{name}"
        );
    }
    let out = project.resolve_in("app\n", &["--format", "pylock"]);
    assert!(out.success().contains("lock-version = \"1.0\""));
}

/// `requirements.in` with `app`, locked into `requirements.txt` with the header on.
fn locked_project(index: &TestIndex) -> Project {
    let project = Project::new(index);
    project
        .resolve_in("app\n", &["-o", "requirements.txt"])
        .success();
    project
}

#[test]
fn check_passes_when_the_lock_is_current() {
    let index = app_index();
    let project = locked_project(&index);
    let before = project.read("requirements.txt");
    let out = project.resolve(&["requirements.in", "-o", "requirements.txt", "--check"]);
    out.assert_code(0);
    insta::assert_snapshot!(out.stderr, @"`requirements.txt` is up to date");
    assert_eq!(project.read("requirements.txt"), before);
}

#[test]
fn check_fails_with_a_diff_and_writes_nothing() {
    let index = app_index();
    let project = locked_project(&index);
    let before = project.read("requirements.txt");
    project.write("requirements.in", "app\nweb\n");
    let out = project.resolve(&["requirements.in", "-o", "requirements.txt", "--check"]);
    out.assert_code(1);
    insta::assert_snapshot!(out.stderr, @r"
    error: `requirements.txt` is not what this resolve would write:
    --- requirements.txt
    +++ requirements.txt (this resolve)
    @@ -10 +10,3 @@
         # via app
    +web==1.0.0
    +    # via -r requirements.in
    ");
    assert_eq!(project.read("requirements.txt"), before);

    // A missing file fails too, and is not created.
    let out = project.resolve(&["requirements.in", "-o", "other.txt", "--check"]);
    out.assert_code(1);
    assert!(
        out.stderr.contains("`other.txt` does not exist"),
        "{}",
        out.stderr
    );
    assert!(!project.join("other.txt").exists());

    // `--check` needs a file to check.
    let out = project.resolve(&["requirements.in", "--check"]);
    out.assert_code(2);
}

#[test]
fn pre_commit_hook_runs_the_check() {
    let hooks = fs_err::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let entry = hooks
        .lines()
        .find_map(|line| line.trim().strip_prefix("entry:"))
        .unwrap()
        .trim();
    assert!(hooks.contains("pass_filenames: false"), "{hooks}");
    let words: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(words[..2], ["tailwheel", "resolve"], "{entry}");
    let index = app_index();
    let project = locked_project(&index);
    let mut command = assert_cmd::Command::from_std(crate::hermetic::tailwheel(project.path()));
    command
        .args(&words[1..])
        .args(["--python-version", crate::common::PYTHON_VERSION])
        .args(["--python-platform", crate::common::PYTHON_PLATFORM])
        .args(["--index-url", &index.index_url()])
        .args(["requirements.in", "-o", "requirements.txt"]);
    project.run_command(command).assert_code(0);
    project.write("requirements.in", "web\n");
    let mut command = assert_cmd::Command::from_std(crate::hermetic::tailwheel(project.path()));
    command
        .args(&words[1..])
        .args(["--python-version", crate::common::PYTHON_VERSION])
        .args(["--python-platform", crate::common::PYTHON_PLATFORM])
        .args(["--index-url", &index.index_url()])
        .args(["requirements.in", "-o", "requirements.txt"]);
    project.run_command(command).assert_code(1);
}

#[test]
fn changes_to_an_existing_lock_are_summarized() {
    let index = app_index();
    let project = Project::new(&index);
    project.write("requirements.txt", "app==1.0.0\ngone==1.0.0\nlib==1.0.0\n");
    let out = project.resolve_in("app\nweb\n", &["-o", "requirements.txt", "--upgrade"]);
    out.success();
    insta::assert_snapshot!(out.stderr, @r"
    Removed gone 1.0.0
    Updated lib 1.0.0 -> 2.0.0
    Added web 1.0.0
    ");
    // Nothing changed: no lines.
    let out = project.resolve_in("app\nweb\n", &["-o", "requirements.txt"]);
    out.success();
    assert_eq!(out.stderr, "");
    // A new file is not a change of an existing one.
    let out = project.resolve_in("app\n", &["-o", "pylock.toml"]);
    out.success();
    assert_eq!(out.stderr, "");
    let out = project.resolve_in("app\nweb\n", &["-o", "pylock.toml"]);
    insta::assert_snapshot!(out.stderr, @"Added web 1.0.0");
    // `-q` prints none of it.
    project.write("requirements.txt", "lib==1.0.0\n");
    let out = project.resolve_in("lib\n", &["-o", "requirements.txt", "-U", "-q"]);
    out.success();
    assert_eq!(out.raw_stderr, "");
}

#[test]
fn empty_input_warns_once_per_file() {
    let index = app_index();
    let project = Project::new(&index);
    project.write("empty.in", "# nothing yet\n");
    project.write("requirements.in", "app\n");
    let out = project.resolve(&["empty.in", "--no-header"]);
    assert_eq!(out.success(), "");
    insta::assert_snapshot!(out.stderr, @"warning: `empty.in` does not contain any requirements");
    // A file with requirements next to it: still named.
    let out = project.resolve(&[
        "empty.in",
        "requirements.in",
        "--no-header",
        "--no-annotate",
    ]);
    assert_eq!(out.success(), "app==1.0.0\nlib==2.0.0\n");
    insta::assert_snapshot!(out.stderr, @"warning: `empty.in` does not contain any requirements");
    // A file with only constraints has nothing to resolve: named too.
    project.write("only-c.in", "-c constraints.txt\n");
    project.write("constraints.txt", "lib<2\n");
    let out = project.resolve(&["only-c.in", "--no-header"]);
    out.success();
    insta::assert_snapshot!(out.stderr, @"warning: `only-c.in` does not contain any requirements");
    // An empty pyproject.toml dependency list too.
    project.write(
        "pyproject.toml",
        "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = []\n",
    );
    let out = project.resolve(&["pyproject.toml", "--no-header"]);
    out.success();
    insta::assert_snapshot!(out.stderr, @"warning: `pyproject.toml` does not contain any requirements");
}
