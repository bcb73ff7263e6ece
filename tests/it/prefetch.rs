//! Issue 13: prefetching is speculative, so it stays cheap and harmless. It reads index
//! pages and wheel metadata only: an sdist is downloaded (and its build backend run) only
//! for a version the solver itself asks about.

use tw_test_index::{LoggedRequest, TestIndex, Universe};

use crate::build::{backends, resolve_with_python, setup_py_sdist};
use crate::common::{Output, Project, index};

/// `app` needs `lib`; `lib` 2.0.0 (the newest, so what a prefetch would guess) has only an
/// sdist whose dependencies need a build, `lib` 1.0.0 is a wheel. The existing lock pins
/// `lib==1.0.0`, so the solver never asks about 2.0.0 (prefetch does not know the pins).
fn describe(universe: &mut Universe) {
    backends(universe);
    universe.version("app", "1.0.0").requires("lib");
    universe.version("lib", "1.0.0");
    setup_py_sdist(
        universe,
        "lib",
        "2.0.0",
        "from setuptools import setup\nsetup(name='lib', version='2.0.0')\n",
    );
}

fn project(index: &TestIndex) -> Project {
    let project = Project::new(index);
    project.write("requirements.in", "app\n");
    project.write("requirements.txt", "app==1.0.0\nlib==1.0.0\n");
    project
}

/// Requests for `lib` 2.0.0's sdist, or for anything a build would need.
fn speculative(index: &TestIndex) -> Vec<LoggedRequest> {
    index
        .requests()
        .into_iter()
        .filter(|request| {
            request.path.contains("lib-2.0.0")
                || request.path.contains("setuptools")
                || request.path.contains("tw-wheel-backend")
        })
        .collect()
}

#[track_caller]
fn assert_kept_the_pin(out: &Output, project: &Project) {
    out.assert_code(0);
    assert_eq!(
        crate::common::pins(&project.read("requirements.txt")),
        ["app==1.0.0", "lib==1.0.0"]
    );
}

#[test]
fn prefetch_never_downloads_an_sdist_the_solver_did_not_ask_for() {
    let index = index(describe);
    let project = project(&index);
    let out = project.resolve(&["requirements.in", "-o", "requirements.txt", "--no-cache"]);
    assert_kept_the_pin(&out, &project);
    assert_eq!(speculative(&index), Vec::new());
}

#[test]
fn prefetch_never_builds_an_sdist_the_solver_did_not_ask_for() {
    let index = index(describe);
    let project = project(&index);
    let out = resolve_with_python(&project, &index, &["-o", "requirements.txt", "--no-cache"]);
    assert_kept_the_pin(&out, &project);
    assert_eq!(speculative(&index), Vec::new());
    assert!(!out.raw_stderr.contains("built"), "{}", out.raw_stderr);
}
