//! Bad input: exit code 2, a message that points at the problem, and no output written.

use tw_test_index::TestIndex;

use crate::common::{Project, index};

fn small_index() -> TestIndex {
    index(|universe| {
        universe.version("click", "8.1.0");
        universe.version("flask", "3.0.0").requires("click");
    })
}

/// Resolve `contents` as `requirements.in`, expect exit 2 and return stderr.
#[track_caller]
fn input_error(project: &Project, contents: &str) -> String {
    let out = project.resolve_in(contents, &[]);
    out.assert_code(2);
    assert_eq!(out.stdout, "", "nothing on stdout on error");
    out.stderr
}

#[test]
fn invalid_requirement_names_file_line_and_column() {
    let index = small_index();
    let project = Project::new(&index);
    let stderr = input_error(&project, "click\nflask >$ 2\n");
    insta::assert_snapshot!(stderr, @r"
    error: `requirements.in:2:7`: invalid requirement: expected version to start with a number, but no leading ASCII digits were found
      2 | flask >$ 2
        |       ^
    ");
}

#[test]
fn invalid_requirement_in_an_included_file_names_that_file() {
    let index = small_index();
    let project = Project::new(&index);
    project.write("reqs/more.txt", "click\n\nflask[\n");
    let stderr = input_error(&project, "-r reqs/more.txt\n");
    insta::assert_snapshot!(stderr, @r"
    error: `reqs/more.txt:3:6`: invalid requirement: Missing closing bracket (expected ']', found end of dependency specification)
      3 | flask[
        |      ^
    ");
}

#[test]
fn unknown_option() {
    let index = small_index();
    let project = Project::new(&index);
    let stderr = input_error(&project, "click\n--no-deps\n");
    insta::assert_snapshot!(stderr, @r"
    error: `requirements.in:2:1`: unknown option `--no-deps`
      2 | --no-deps
        | ^
    ");
}

/// Issue 16: editables and local paths are read; one that is not a project says so.
#[test]
fn editable_that_is_not_a_project_is_an_input_error() {
    let index = small_index();
    let project = Project::new(&index);
    let stderr = input_error(&project, "click\n-e .\n");
    insta::assert_snapshot!(stderr, @"error: `.` (requirements.in:2:1): `[TEMP]` is not a project directory (no `pyproject.toml` or `setup.py`), a wheel or an sdist");
}

#[test]
fn local_path_that_does_not_exist_is_an_input_error() {
    let index = small_index();
    let project = Project::new(&index);
    let stderr = input_error(&project, "click\n./vendor/mypkg\n");
    insta::assert_snapshot!(stderr, @"error: `./vendor/mypkg` (requirements.in:2:1): `[TEMP]/vendor/mypkg` is not a project directory (no `pyproject.toml` or `setup.py`), a wheel or an sdist");
}

#[test]
fn missing_include_names_the_including_line() {
    let index = small_index();
    let project = Project::new(&index);
    let stderr = input_error(&project, "click\n-r base.txt\n");
    insta::assert_snapshot!(stderr, @r"
    error: `requirements.in:2:1`: included file `base.txt` does not exist
      2 | -r base.txt
        | ^
      caused by: failed to open file `base.txt`: No such file or directory (os error 2)
    ");
}

#[test]
fn include_cycle_is_reported() {
    let index = small_index();
    let project = Project::new(&index);
    project.write("a.txt", "-r b.txt\n");
    project.write("b.txt", "click\n-r a.txt\n");
    let out = project.resolve(&["a.txt"]);
    out.assert_code(2);
    insta::assert_snapshot!(out.stderr, @r"
    error: `b.txt:2:1`: include cycle: `a.txt` -> `b.txt` -> `a.txt`
      2 | -r a.txt
        | ^
    ");
}

#[test]
fn missing_input_file() {
    let index = small_index();
    let project = Project::new(&index);
    let out = project.resolve(&["nothere.txt"]);
    out.assert_code(2);
    insta::assert_snapshot!(out.stderr, @"error: failed to open file `nothere.txt`: No such file or directory (os error 2)");
}

#[test]
fn unknown_extra_of_a_pyproject() {
    let index = small_index();
    let project = Project::new(&index);
    project.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"flask\"]\n\n\
         [project.optional-dependencies]\nserver = [\"click\"]\ntest = [\"click\"]\n",
    );
    let out = project.resolve(&["pyproject.toml", "--extra", "docs"]);
    out.assert_code(2);
    insta::assert_snapshot!(out.stderr, @"error: `pyproject.toml`: the project has no extra `docs` (available: `server`, `test`)");
}

#[test]
fn invalid_python_platform() {
    let index = small_index();
    let project = Project::new(&index);
    project.write("requirements.in", "click\n");
    let out = project.resolve_for("3.12", "amiga-os", &["requirements.in"]);
    out.assert_code(2);
    insta::assert_snapshot!(out.stderr, @"error: unknown Python platform `amiga-os` (expected one of: `linux`, `macos`, `windows`, `x86_64-unknown-linux-gnu`, `aarch64-unknown-linux-gnu`, `riscv64-unknown-linux`, `x86_64-unknown-linux-musl`, `aarch64-unknown-linux-musl`, `x86_64-apple-darwin`, `aarch64-apple-darwin`, `x86_64-pc-windows-msvc`, `aarch64-pc-windows-msvc`, `i686-pc-windows-msvc`, `x86_64-manylinux2014`, `x86_64-manylinux_2_17` through `x86_64-manylinux_2_40`, `aarch64-manylinux2014`, `aarch64-manylinux_2_17` through `aarch64-manylinux_2_40`)");
}

#[test]
fn invalid_exclude_newer() {
    let index = small_index();
    let project = Project::new(&index);
    let out = project.resolve_in("click\n", &["--exclude-newer", "last-tuesday"]);
    out.assert_code(2);
    insta::assert_snapshot!(out.stderr, @r#"
    error: invalid `--exclude-newer` value `last-tuesday`: expected a date (2026-10-01), an RFC 3339 instant (2026-10-01T00:00:00Z) or a duration (`1 week`, `24 hours`, `P7D`)
      caused by: failed to parse input in the "friendly" duration format: expected duration to start with a unit value (a decimal integer) after an optional sign, but no integer was found
    "#);
}

#[test]
fn invalid_option_values_are_input_errors() {
    let index = small_index();
    let project = Project::new(&index);
    project.write("requirements.in", "click\n");
    for (args, message) in [
        (
            &["--format", "yaml"][..],
            "error: unknown lock format `yaml` (expected `pylock`, `pylock.toml`, `requirements-txt` or `requirements.txt`)",
        ),
        (
            &["--resolution", "newest"][..],
            "error: unknown resolution mode `newest`",
        ),
        (
            &["--prerelease", "sometimes"][..],
            "error: unknown pre-release mode `sometimes`",
        ),
        (
            &["--index-strategy", "random"][..],
            "error: unknown index strategy `random` (expected `first-index` or `unsafe-best-match`)",
        ),
        (
            &["--only-binary", "numpy!"][..],
            "error: `--only-binary numpy!`: invalid package name `numpy!`: Not a valid package or extra name: \"numpy!\". Names must start and end with a letter or digit and may only contain -, _, ., and alphanumeric characters.",
        ),
    ] {
        let mut all = vec!["requirements.in"];
        all.extend_from_slice(args);
        let out = project.resolve(&all);
        out.assert_code(2);
        assert_eq!(out.stderr, message, "for {args:?}");
    }
    let version = project.resolve_for("three", "linux", &["requirements.in"]);
    version.assert_code(2);
    insta::assert_snapshot!(version.stderr, @r"
    error: invalid Python version `three`
      caused by: expected version to start with a number, but no leading ASCII digits were found
    ");
}

#[test]
fn unknown_command_line_flag_is_a_usage_error() {
    let index = small_index();
    let project = Project::new(&index);
    let out = project.resolve_in("click\n", &["--no-such-flag"]);
    out.assert_code(2);
    assert!(
        out.stderr
            .starts_with("error: unexpected argument '--no-such-flag' found"),
        "{}",
        out.stderr
    );
}

#[test]
fn output_file_is_untouched_on_input_error() {
    let index = small_index();
    let project = Project::new(&index);
    project.write("out.txt", "keep");
    let out = project.resolve_in("click\nflask >$ 2\n", &["-o", "out.txt"]);
    out.assert_code(2);
    assert_eq!(project.read("out.txt"), "keep");
}

#[test]
fn output_file_is_untouched_when_there_is_no_solution() {
    let index = small_index();
    let project = Project::new(&index);
    project.write("out.txt", "keep");
    let out = project.resolve_in("flask\nclick<8\n", &["-o", "out.txt"]);
    out.assert_code(1);
    assert_eq!(project.read("out.txt"), "keep");
}

#[test]
fn output_file_is_not_created_on_error() {
    let index = small_index();
    let project = Project::new(&index);
    let out = project.resolve_in("-e .\n", &["-o", "pylock.toml"]);
    out.assert_code(2);
    assert!(!project.join("pylock.toml").exists());
    let leftovers: Vec<_> = std::fs::read_dir(project.path())
        .expect("listing the project dir")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert_eq!(leftovers, Vec::<String>::new(), "no temporary files left");
}

#[test]
fn output_into_a_missing_directory() {
    let index = small_index();
    let project = Project::new(&index);
    let out = project.resolve_in("click\n", &["-o", "missing/out.txt"]);
    // An I/O failure writing the lock (exit 4), not bad input (2).
    out.assert_code(4);
    assert!(
        out.stderr
            .starts_with("error: cannot write `missing/out.txt`"),
        "{}",
        out.stderr
    );
}
