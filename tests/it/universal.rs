//! Issue 17: `--universal`, one lock for every environment `requires-python` allows, with
//! `--environment` and `--required-environment`.

use tw_test_index::Universe;

use crate::common::{Output, Project, index};

/// `a` 1.0.0 needs `b` on Python before 3.11; `a` 2.0.0 needs `c`; `win-only` has only a
/// Windows wheel.
fn universe(universe: &mut Universe) {
    universe
        .version("a", "1.0.0")
        .requires("b ; python_version < '3.11'");
    universe.version("a", "2.0.0").requires("c");
    universe.version("b", "1.0.0");
    universe.version("c", "1.0.0");
    universe
        .version("win-only", "1.0.0")
        .wheel_tags(&["cp312-abi3-win_amd64"])
        .no_sdist();
}

/// `tailwheel resolve requirements.in --universal --python-version 3.9 ARGS`.
fn universal(project: &Project, index_url: &str, requirements: &str, args: &[&str]) -> Output {
    project.write("requirements.in", requirements);
    let mut command = project.bare_command();
    command.args([
        "requirements.in",
        "--universal",
        "--python-version",
        "3.9",
        "--index-url",
        index_url,
        "--no-header",
    ]);
    command.args(args);
    project.run_command(command)
}

#[test]
fn a_universal_lock_forks_where_requirements_differ_by_marker() {
    let index = index(universe);
    let project = Project::new(&index);
    let out = universal(
        &project,
        &index.index_url(),
        "a>=2 ; sys_platform == 'linux'\na<2 ; sys_platform == 'darwin'\n",
        &["--stats"],
    );
    insta::assert_snapshot!(out.success(), @r"
    a==1.0.0 ; sys_platform == 'darwin'
        # via -r requirements.in
    a==2.0.0 ; sys_platform == 'linux'
        # via -r requirements.in
    b==1.0.0 ; python_full_version < '3.11' and sys_platform == 'darwin'
        # via a
    c==1.0.0 ; sys_platform == 'linux'
        # via a
    ");
    assert!(
        out.stat_line("stats: universal:")
            .starts_with("stats: universal: 3 forks; per-platform metadata: 0 versions"),
        "{}",
        out.stderr
    );
}

#[test]
fn environments_limit_the_lock() {
    let index = index(universe);
    let project = Project::new(&index);
    let out = universal(
        &project,
        &index.index_url(),
        "a>=2 ; sys_platform == 'linux'\na<2 ; sys_platform == 'darwin'\n",
        &["--environment", "sys_platform == 'linux'", "--no-annotate"],
    );
    insta::assert_snapshot!(out.success(), @r"
    a==2.0.0
    c==1.0.0
    ");
}

#[test]
fn a_required_environment_without_a_wheel_or_sdist_is_an_error_naming_both() {
    let index = index(universe);
    let project = Project::new(&index);
    // Only needed on Windows: Linux being required is fine.
    let out = universal(
        &project,
        &index.index_url(),
        "win-only ; sys_platform == 'win32'\n",
        &[
            "--required-environment",
            "sys_platform == 'linux'",
            "--no-annotate",
        ],
    );
    assert_eq!(out.success(), "win-only==1.0.0 ; sys_platform == 'win32'\n");
    // Needed everywhere, required on Linux: no wheel there and no sdist.
    let out = universal(
        &project,
        &index.index_url(),
        "win-only\n",
        &["--required-environment", "sys_platform == 'linux'"],
    );
    out.assert_code(1);
    assert!(
        out.stderr.contains(
            "`win-only` `1.0.0` has no wheel for the required environment `sys_platform == 'linux'` and no source distribution"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn universal_conflicts_with_a_platform_and_pylock_is_not_written_yet() {
    let index = index(universe);
    let project = Project::new(&index);
    let out = universal(
        &project,
        &index.index_url(),
        "a\n",
        &["--python-platform", "linux"],
    );
    out.assert_code(2);
    let out = universal(&project, &index.index_url(), "a\n", &["-o", "pylock.toml"]);
    out.assert_code(2);
    assert!(out.stderr.contains("issue 17"), "{}", out.stderr);
}
