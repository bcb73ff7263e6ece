//! Reading requirements files and `pyproject.toml`: syntax, includes, constraints, options.

use tw_test_index::{TestIndex, Universe};

use crate::common::{Project, index};

/// A small web-framework universe shared by the tests of this module.
fn web(universe: &mut Universe) {
    universe.version("flask", "2.0.0").requires("click>=8.0");
    universe
        .version("flask", "3.0.0")
        .requires("click>=8.1")
        .extra("async", &["asgiref>=3.2"]);
    universe.version("flask", "3.1.0rc1").requires("click>=8.1");
    universe.version("click", "8.0.0");
    universe.version("click", "8.1.0");
    universe.version("click", "8.2.0");
    universe.version("asgiref", "3.8.0");
    universe.version("colorama", "0.4.6");
    universe.version("gunicorn", "23.0.0");
    universe.version("pytest", "8.3.0");
    universe.version("unrelated", "1.0.0");
}

fn web_index() -> TestIndex {
    index(web)
}

#[test]
fn comments_blank_lines_and_continuations() {
    let index = web_index();
    let project = Project::new(&index);
    let out = project.resolve_in(
        "# a comment line\n\
         \n\
         flask \\\n\
         \x20   <3  # trailing comment\n\
         \x20  # an indented comment\n\
         click==8.0.0\n",
        &["--no-header", "--no-annotate"],
    );
    assert_eq!(out.success(), "click==8.0.0\nflask==2.0.0\n");
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark() {
    let index = web_index();
    let project = Project::new(&index);
    let out = project.resolve_in(
        "\u{feff}flask \\\r\n  <3\r\nclick==8.0.0\r\n",
        &["--no-header", "--no-annotate"],
    );
    assert_eq!(out.success(), "click==8.0.0\nflask==2.0.0\n");
}

#[test]
fn nested_includes_are_relative_to_the_including_file() {
    let index = web_index();
    let project = Project::new(&index);
    project.write("reqs/base.txt", "-r pins.txt\nflask\n");
    project.write("reqs/pins.txt", "click==8.1.0\n");
    let out = project.resolve_in("-r reqs/base.txt\n", &["--no-header"]);
    insta::assert_snapshot!(out.success(), @r"
    click==8.1.0
        # via
        #   -r reqs/pins.txt
        #   flask
    flask==3.0.0
        # via -r reqs/base.txt
    ");
}

#[test]
fn constraints_narrow_versions_but_add_no_packages() {
    let index = web_index();
    let project = Project::new(&index);
    project.write("constraints.txt", "click<8.2\nunrelated==1.0.0\n");

    // From the command line.
    let out = project.resolve_in("flask\n", &["--no-header", "-c", "constraints.txt"]);
    insta::assert_snapshot!(out.success(), @r"
    click==8.1.0
        # via flask
    flask==3.0.0
        # via -r requirements.in
    ");

    // From inside the requirements file: the same result.
    let inside = project.resolve_in("-c constraints.txt\nflask\n", &["--no-header"]);
    assert_eq!(inside.success(), out.stdout);

    // Without the constraint, click goes to its newest version.
    let free = project.resolve_in("flask\n", &["--no-header", "--no-annotate"]);
    assert_eq!(free.success(), "click==8.2.0\nflask==3.0.0\n");
}

#[test]
fn hash_options_are_accepted() {
    let index = web_index();
    let project = Project::new(&index);
    let click = index
        .file_sha256("click-8.1.0-py3-none-any.whl")
        .expect("served");
    let flask = index
        .file_sha256("flask-3.0.0-py3-none-any.whl")
        .expect("served");
    // A pip-compile output fed back in: `--hash` options on continuation lines, `# via`.
    // Any one allowed hash per file is enough.
    let out = project.resolve_in(
        &format!(
            "click==8.1.0 \\\n\
             \x20   --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \\\n\
             \x20   --hash=sha256:{click}\n\
             \x20   # via flask\n\
             flask==3.0.0 --hash=sha256:{flask}\n"
        ),
        &["--no-header", "--no-annotate"],
    );
    assert_eq!(out.success(), "click==8.1.0\nflask==3.0.0\n");
}

#[test]
fn environment_variables_are_expanded() {
    let index = web_index();
    let project = Project::unindexed(&index);
    project.write(
        "requirements.in",
        "--index-url ${TW_TEST_INDEX}\nflask==${FLASK_VERSION}\n",
    );
    let mut command = project.command();
    command
        .env("TW_TEST_INDEX", index.index_url())
        .env("FLASK_VERSION", "2.0.0")
        .args(["requirements.in", "--no-header", "--no-annotate"]);
    let out = project.run_command(command);
    assert_eq!(out.success(), "click==8.2.0\nflask==2.0.0\n");
}

#[test]
fn markers_skip_requirements_for_other_platforms() {
    let index = web_index();
    let project = Project::new(&index);
    project.write(
        "requirements.in",
        "flask\ncolorama; sys_platform == \"win32\"\n",
    );
    let linux = project.resolve(&["requirements.in", "--no-header", "--no-annotate"]);
    assert_eq!(linux.success(), "click==8.2.0\nflask==3.0.0\n");

    let windows = project.resolve_for(
        "3.12",
        "windows",
        &["requirements.in", "--no-header", "--no-annotate"],
    );
    assert_eq!(
        windows.success(),
        "click==8.2.0\ncolorama==0.4.6\nflask==3.0.0\n"
    );
}

#[test]
fn extras_pull_in_their_dependencies() {
    let index = web_index();
    let project = Project::new(&index);
    let with_extra = project.resolve_in("flask[async]\n", &["--no-header"]);
    insta::assert_snapshot!(with_extra.success(), @r"
    asgiref==3.8.0
        # via flask
    click==8.2.0
        # via flask
    flask==3.0.0
        # via -r requirements.in
    ");

    let without = project.resolve_in("flask\n", &["--no-header", "--no-annotate"]);
    assert_eq!(without.success(), "click==8.2.0\nflask==3.0.0\n");
}

#[test]
fn index_url_inside_the_file_is_honoured() {
    let index = web_index();
    // No `--index-url` on the command line: only the file names the index.
    let project = Project::unindexed(&index);
    let out = project.resolve_in(
        &format!("-i {}\nclick\n", index.index_url()),
        &["--no-header", "--no-annotate"],
    );
    assert_eq!(out.success(), "click==8.2.0\n");
    assert!(
        index
            .requests()
            .iter()
            .any(|request| request.path == "/simple/click/"),
        "the index from the file was asked"
    );
}

#[test]
fn pre_inside_the_file_allows_prereleases() {
    let index = web_index();
    let project = Project::new(&index);
    let stable = project.resolve_in("flask\n", &["--no-header", "--no-annotate"]);
    assert_eq!(stable.success(), "click==8.2.0\nflask==3.0.0\n");

    let pre = project.resolve_in("--pre\nflask\n", &["--no-header", "--no-annotate"]);
    assert_eq!(pre.success(), "click==8.2.0\nflask==3.1.0rc1\n");
}

const PYPROJECT: &str = r#"[project]
name = "myapp"
version = "0.1.0"
dependencies = ["flask<3"]

[project.optional-dependencies]
server = ["gunicorn"]
test = ["pytest>=8"]
"#;

#[test]
fn pyproject_dependencies_and_selected_extras() {
    let index = web_index();
    let project = Project::new(&index);
    project.write("pyproject.toml", PYPROJECT);

    let base = project.resolve(&["pyproject.toml", "--no-header", "--no-annotate"]);
    assert_eq!(base.success(), "click==8.2.0\nflask==2.0.0\n");

    let server = project.resolve(&["pyproject.toml", "--no-header", "--extra", "server"]);
    insta::assert_snapshot!(server.success(), @r"
    click==8.2.0
        # via flask
    flask==2.0.0
        # via pyproject.toml
    gunicorn==23.0.0
        # via pyproject.toml
    ");

    let all = project.resolve(&[
        "pyproject.toml",
        "--no-header",
        "--no-annotate",
        "--all-extras",
    ]);
    assert_eq!(
        all.success(),
        "click==8.2.0\nflask==2.0.0\ngunicorn==23.0.0\npytest==8.3.0\n"
    );
}

#[test]
fn pyproject_dependency_groups() {
    let index = web_index();
    let project = Project::new(&index);
    project.write(
        "pyproject.toml",
        &format!(
            "{PYPROJECT}\n[dependency-groups]\nlint = [\"colorama\"]\ndev = [{{include-group = \"lint\"}}, \"pytest\"]\n"
        ),
    );
    let args = ["pyproject.toml", "--no-header", "--no-annotate"];
    let dev = project.resolve(&[&args[..], &["--group", "dev"]].concat());
    assert_eq!(
        dev.success(),
        "click==8.2.0\ncolorama==0.4.6\nflask==2.0.0\npytest==8.3.0\n"
    );
    let all = project.resolve(&[&args[..], &["--all-groups", "--extra", "server"]].concat());
    assert_eq!(
        all.success(),
        "click==8.2.0\ncolorama==0.4.6\nflask==2.0.0\ngunicorn==23.0.0\npytest==8.3.0\n"
    );
    let unknown = project.resolve(&[&args[..], &["--group", "docs"]].concat());
    unknown.assert_code(2);
    assert!(
        unknown
            .stderr
            .contains("no dependency group `docs` (it defines `lint`, `dev`)"),
        "{}",
        unknown.stderr
    );

    // PEP 735: a file with only dependency groups.
    project.write(
        "groups/pyproject.toml",
        "[dependency-groups]\ndev = [\"click<8.1\"]\n",
    );
    let only = project.resolve(&[
        "groups/pyproject.toml",
        "--no-header",
        "--no-annotate",
        "--group",
        "dev",
    ]);
    assert_eq!(only.success(), "click==8.0.0\n");
}

/// pip decodes requirements files by their byte order mark (UTF-16 is what Windows
/// PowerShell's `>` writes); bytes that are not text are an error naming the place.
#[test]
fn utf16_requirements_and_undecodable_bytes() {
    let index = web_index();
    let project = Project::new(&index);
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend("flask<3\r\n".encode_utf16().flat_map(u16::to_le_bytes));
    fs_err::write(project.join("requirements.in"), &utf16).unwrap();
    let out = project.resolve(&["requirements.in", "--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "click==8.2.0\nflask==2.0.0\n");

    fs_err::write(project.join("requirements.in"), b"click\nfla\xffsk\n").unwrap();
    let out = project.resolve(&["requirements.in"]);
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("`requirements.in:2:4`: cannot read the file as text: not valid UTF-8"),
        "{}",
        out.stderr
    );
}

/// Inputs that make `pep508_rs` 0.9.2 panic (found by the `requirements_txt` fuzz target)
/// are errors with the file, line and column.
#[test]
fn requirement_text_that_crashes_pep508_rs_is_an_error() {
    let index = web_index();
    let project = Project::new(&index);
    for (contents, column) in [
        ("flask\nidna. >=1\n", "requirements.in:2:5"),
        ("flask[async-]\n", "requirements.in:1:12"),
        ("flask ; python_version > 'é'\n", "requirements.in:1:27"),
    ] {
        let out = project.resolve_in(contents, &[]);
        out.assert_code(2);
        assert!(out.stderr.contains(column), "{contents}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    let out = project.resolve_in("flask\n", &["-P", "idna. >=1"]);
    out.assert_code(2);
    assert!(out.stderr.contains("--upgrade-package"), "{}", out.stderr);
}
