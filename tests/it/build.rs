//! PEP 517 builds (issue 7): sdists whose `PKG-INFO` cannot be trusted are built with the
//! target interpreter, against stand-in backends served as wheels by the loopback index
//! (`fixtures/backends`), so no network and no real setuptools are needed.

use tw_test_index::{TestIndex, Universe};

use crate::common::{Output, Project, index};

const SETUPTOOLS_INIT: &str = include_str!("../../fixtures/backends/setuptools/__init__.py");
const SETUPTOOLS_BUILD_META: &str =
    include_str!("../../fixtures/backends/setuptools/build_meta.py");
const WHEEL_ONLY_BACKEND: &str =
    include_str!("../../fixtures/backends/wheel_only/tw_wheel_backend.py");

/// Serve the setuptools stand-in (as `setuptools` 70.0.0) and the wheel-only backend.
pub(crate) fn backends(universe: &mut Universe) {
    universe
        .version("setuptools", "70.0.0")
        .no_sdist()
        .wheel_member("setuptools/__init__.py", SETUPTOOLS_INIT)
        .wheel_member("setuptools/build_meta.py", SETUPTOOLS_BUILD_META);
    universe
        .version("tw-wheel-backend", "1.0.0")
        .no_sdist()
        .wheel_member("tw_wheel_backend/__init__.py", WHEEL_ONLY_BACKEND);
}

/// An sdist-only release `name==version` with a `setup.py` (metadata 2.1 PKG-INFO, so it
/// must be built) whose body is `setup_py`.
pub(crate) fn setup_py_sdist(universe: &mut Universe, name: &str, version: &str, setup_py: &str) {
    universe
        .version(name, version)
        .no_wheel()
        .sdist_metadata_version("2.1")
        .sdist_member("pyproject.toml", "")
        .sdist_member("setup.py", setup_py);
}

/// `tailwheel resolve requirements.in --python python3 --stats <args>` against `index`.
pub(crate) fn resolve_with_python(project: &Project, index: &TestIndex, args: &[&str]) -> Output {
    let mut command = project.bare_command();
    command.args([
        "requirements.in",
        "--python",
        "python3",
        "--stats",
        "--no-header",
    ]);
    command.args(["--index-url", &index.index_url()]);
    command.args(args);
    project.run_command(command)
}

fn build_index() -> TestIndex {
    index(|universe| {
        backends(universe);
        setup_py_sdist(
            universe,
            "legacy",
            "1.0.0",
            "from setuptools import setup\nsetup(name='legacy', version='1.0.0', install_requires=['lib>=1', 'other; python_version < \"3\"'], extras_require={'fast': ['speedup']})\n",
        );
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
        universe.version("speedup", "1.0.0");
    })
}

#[test]
fn dynamic_sdist_is_built_and_its_install_requires_used() {
    let index = build_index();
    let project = Project::new(&index);
    project.write("requirements.in", "legacy[fast]\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate"]);
    assert_eq!(
        out.success(),
        "legacy==1.0.0\nlib==2.0.0\nspeedup==1.0.0\n",
        "{}",
        out.raw_stderr
    );
    assert!(
        out.stat_line("stats: builds:")
            .starts_with("stats: builds: 1 run, 1 environments"),
        "{}",
        out.raw_stderr
    );
    // The build requirement came from the index as a wheel, like any package.
    assert!(
        index
            .requests()
            .iter()
            .any(|request| request.path == "/files/setuptools-70.0.0-py3-none-any.whl")
    );
}

/// A relative `--cache-dir` holds the build environments too; the backend runs in the
/// sdist's directory, so the environment's path must not be relative to ours.
#[test]
fn a_relative_cache_dir_still_builds() {
    let index = build_index();
    let project = Project::new(&index);
    project.write("requirements.in", "legacy\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate", "--cache-dir", "tca"]);
    assert_eq!(
        out.success(),
        "legacy==1.0.0\nlib==2.0.0\n",
        "{}",
        out.raw_stderr
    );
}

#[test]
fn second_resolve_builds_nothing() {
    let index = build_index();
    let project = Project::new(&index);
    project.write("requirements.in", "legacy\n");
    let first = resolve_with_python(&project, &index, &["--no-annotate"]);
    let first_lock = first.success().to_string();
    let before = index.request_count();
    let second = resolve_with_python(&project, &index, &["--no-annotate"]);
    assert_eq!(second.success(), first_lock);
    assert!(
        second
            .stat_line("stats: builds:")
            .starts_with("stats: builds: 0 run, 0 environments"),
        "{}",
        second.raw_stderr
    );
    let files: Vec<_> = index.requests()[before..]
        .iter()
        .filter(|request| request.path.starts_with("/files/"))
        .map(|request| request.path.clone())
        .collect();
    assert!(files.is_empty(), "no file is fetched again: {files:?}");
    // With `--no-build`, the cached build result is still used (as uv does).
    let third = resolve_with_python(&project, &index, &["--no-annotate", "--no-build"]);
    assert_eq!(third.success(), first_lock);
}

/// The backend process runs once when it asks for nothing the environment lacks (its
/// requirements were installed already, or it asks for none), twice when it does: one
/// interpreter start and one backend import per build in the usual case.
#[test]
fn one_backend_process_unless_more_requirements_are_needed() {
    let index = index(|universe| {
        backends(universe);
        universe.version("build-helper", "1.0.0");
        setup_py_sdist(
            universe,
            "plain",
            "1.0.0",
            "from setuptools import setup\nsetup(name='plain', version='1.0.0', setup_requires=['setuptools'], install_requires=['lib'])\n",
        );
        setup_py_sdist(
            universe,
            "needs-helper",
            "1.0.0",
            "from setuptools import setup\nsetup(name='needs-helper', version='1.0.0', setup_requires=['build-helper'])\n",
        );
        universe.version("lib", "1.0.0");
    });
    let project = Project::new(&index);
    let hooks_run = |out: &Output| {
        out.raw_stderr
            .lines()
            .filter(|line| line.contains("running build hook"))
            .count()
    };
    project.write("requirements.in", "plain\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate", "--no-cache", "-v"]);
    assert_eq!(out.success(), "lib==1.0.0\nplain==1.0.0\n");
    assert_eq!(hooks_run(&out), 1, "{}", out.raw_stderr);

    project.write("requirements.in", "needs-helper\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate", "--no-cache", "-v"]);
    assert_eq!(out.success(), "needs-helper==1.0.0\n");
    assert_eq!(hooks_run(&out), 2, "{}", out.raw_stderr);
}

#[test]
fn setup_requires_extend_the_build_environment() {
    let index = index(|universe| {
        backends(universe);
        universe.version("build-helper", "1.0.0");
        setup_py_sdist(
            universe,
            "needs-helper",
            "1.0.0",
            "from setuptools import setup\nsetup(name='needs-helper', version='1.0.0', setup_requires=['build-helper'], install_requires=['lib'])\n",
        );
        universe.version("lib", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "needs-helper\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate"]);
    assert_eq!(out.success(), "lib==1.0.0\nneeds-helper==1.0.0\n");
    assert!(
        out.stat_line("stats: builds:")
            .starts_with("stats: builds: 1 run, 2 environments"),
        "{}",
        out.raw_stderr
    );
}

#[test]
fn backend_without_prepare_hook_falls_back_to_build_wheel() {
    let index = index(|universe| {
        backends(universe);
        universe
            .version("wheel-built", "3.0.0")
            .no_wheel()
            .sdist_zip()
            .sdist_metadata_version("2.1")
            .sdist_member(
                "pyproject.toml",
                "[build-system]\nrequires = [\"tw-wheel-backend\"]\nbuild-backend = \"tw_wheel_backend\"\n",
            )
            .sdist_member("deps.txt", "wheel-built==3.0.0\nlib<2\n");
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "wheel-built\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate"]);
    assert_eq!(
        out.success(),
        "lib==1.0.0\nwheel-built==3.0.0\n",
        "{}",
        out.raw_stderr
    );
}

#[test]
fn broken_build_names_the_package_and_shows_the_backend_output() {
    let index = index(|universe| {
        backends(universe);
        setup_py_sdist(
            universe,
            "broken",
            "0.1.0",
            "import sys\nprint('compiling the extension', file=sys.stderr)\nraise RuntimeError('this package cannot be built here')\n",
        );
    });
    let project = Project::new(&index);
    project.write("requirements.in", "broken\n");
    let out = resolve_with_python(&project, &index, &[]);
    out.assert_code(3);
    assert!(out.stderr.contains("broken-0.1.0.tar.gz"), "{}", out.stderr);
    assert!(
        out.stderr.contains("get_requires_for_build_wheel"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("RuntimeError: this package cannot be built here"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("compiling the extension"),
        "{}",
        out.stderr
    );
    assert!(!project.join("requirements.txt").exists());
}

#[test]
fn hanging_build_is_stopped_at_the_timeout() {
    let index = index(|universe| {
        backends(universe);
        setup_py_sdist(universe, "hangs", "0.1.0", "import time\ntime.sleep(120)\n");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "hangs\n");
    let mut command = project.bare_command();
    command.env("TAILWHEEL_BUILD_TIMEOUT", "1");
    command.args(["requirements.in", "--python", "python3"]);
    command.args(["--index-url", &index.index_url()]);
    let out = project.run_command(command);
    out.assert_code(3);
    assert!(
        out.stderr.contains("did not finish within 1 s"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hangs-0.1.0.tar.gz"), "{}", out.stderr);
}

#[test]
fn no_build_and_no_interpreter_say_why() {
    let index = build_index();
    let project = Project::new(&index);
    let out = project.resolve_in("legacy\n", &["--no-build"]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("only known after building its source distribution, and building is disabled (`--no-build`)"),
        "{}",
        out.stderr
    );
    // No interpreter at all (an empty `PATH`): with one, issue 14 builds it.
    let mut command = project.command();
    command.arg("requirements.in").env("PATH", project.path());
    let out = project.run_command(command);
    out.assert_code(1);
    assert!(out.stderr.contains("pass `--python`"), "{}", out.stderr);
}

#[test]
fn static_zip_sdist_resolves_without_a_build() {
    let index = index(|universe| {
        backends(universe);
        universe
            .version("zipped", "1.0.0")
            .no_wheel()
            .sdist_zip()
            .requires("lib");
        universe.version("lib", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "zipped\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate"]);
    assert_eq!(out.success(), "lib==1.0.0\nzipped==1.0.0\n");
    assert_eq!(
        out.stat_line("stats: builds:"),
        "stats: builds: 0 run, 0 environments installed, 0 bytes downloaded (0 B)"
    );
    assert!(
        out.stat_line("stats: metadata via sdist-zip-tail:")
            .contains("1 files"),
        "{}",
        out.raw_stderr
    );
}

#[test]
fn only_binary_for_one_package_and_no_binary_for_another() {
    let index = index(|universe| {
        backends(universe);
        universe.version("both", "1.0.0").requires("lib");
        universe.version("lib", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "both\n");
    let out = resolve_with_python(
        &project,
        &index,
        &[
            "--no-annotate",
            "--no-binary",
            "both",
            "--only-binary",
            "lib",
            "--generate-hashes",
        ],
    );
    let lock = out.success();
    let sdist = index.file_sha256("both-1.0.0.tar.gz").expect("served");
    let wheel = index
        .file_sha256("both-1.0.0-py3-none-any.whl")
        .expect("served");
    assert!(lock.contains(&sdist) && lock.contains(&wheel), "{lock}");
    // The sdist was the file read for `both`'s metadata: its PKG-INFO is static.
    assert!(
        out.stat_line("stats: metadata via sdist-pkg-info:")
            .contains("1 files"),
        "{}",
        out.raw_stderr
    );
}

#[test]
fn an_sdist_that_needs_a_build_is_not_downloaded_again_to_learn_that() {
    let index = build_index();
    let project = Project::new(&index);
    project.write("requirements.in", "legacy\n");
    // No interpreter on `PATH`, so no build.
    let run = || {
        let mut command = project.command();
        command.arg("requirements.in").env("PATH", project.path());
        project.run_command(command)
    };
    run().assert_code(1);
    let before = index.request_count();
    run().assert_code(1);
    let sdist_requests = index.requests()[before..]
        .iter()
        .filter(|request| request.path.starts_with("/files/legacy"))
        .count();
    assert_eq!(sdist_requests, 0);
}
