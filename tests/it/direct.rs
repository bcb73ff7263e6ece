//! Direct references (issue 16): local projects, editables, archive URLs and git
//! repositories. Projects are written by the test into its temp dir, git repositories are
//! made with the `git` command line, archives are served by the loopback index.

use std::path::Path;
use std::process::Command as StdCommand;

use tw_test_index::TestIndex;

use crate::build::{backends, resolve_with_python};
use crate::common::{Project, index};

/// An index with `lib` 1.0.0 and 2.0.0, `extra-dep` 1.0.0, and an `app` 9.0.0 that a direct
/// reference to a local `app` must never use.
fn lib_index() -> TestIndex {
    index(|universe| {
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
        universe.version("extra-dep", "1.0.0");
        universe.version("app", "9.0.0");
    })
}

/// A `pyproject.toml` with static `[project]` metadata.
fn static_pyproject(
    name: &str,
    version: &str,
    dependencies: &[&str],
    test_extra: &[&str],
) -> String {
    let list = |items: &[&str]| {
        items
            .iter()
            .map(|item| format!("\"{item}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[project]\nname = \"{name}\"\nversion = \"{version}\"\ndependencies = [{}]\n\n[project.optional-dependencies]\ntest = [{}]\n",
        list(dependencies),
        list(test_extra)
    )
}

/// Whether the index was asked for `name`'s project page.
fn page_requested(index: &TestIndex, name: &str) -> bool {
    index
        .requests()
        .iter()
        .any(|request| request.path == format!("/simple/{name}/"))
}

#[test]
fn static_local_project_is_resolved_with_its_dependencies() {
    let index = lib_index();
    let project = Project::new(&index);
    project.write(
        "libs/app/pyproject.toml",
        &static_pyproject("app", "1.0.0", &["lib>=1"], &[]),
    );
    let out = project.resolve_in("./libs/app\n", &["--no-header"]);
    let stdout = out.success();
    assert!(stdout.contains("./libs/app\n"), "{stdout}");
    assert!(stdout.contains("lib==2.0.0\n"), "{stdout}");
    assert!(!stdout.contains("app==9.0.0"), "{stdout}");
    // The direct reference fixes `app`: its index versions are never asked for.
    assert!(!page_requested(&index, "app"));
}

#[test]
fn dynamic_setuptools_project_is_built_with_its_backend() {
    let index = index(|universe| {
        backends(universe);
        universe.version("lib", "1.0.0");
        universe.version("speedup", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("legacy/pyproject.toml", "");
    project.write(
        "legacy/setup.py",
        "from setuptools import setup\nsetup(name='legacy', version='1.2.0', install_requires=['lib>=1'], extras_require={'fast': ['speedup']})\n",
    );
    project.write("requirements.in", "./legacy[fast]\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate"]);
    assert_eq!(
        out.success(),
        "./legacy\nlib==1.0.0\nspeedup==1.0.0\n",
        "{}",
        out.raw_stderr
    );
    // A regular build: the PEP 660 hook did not run.
    assert!(!project.join("legacy/tw-editable-hook-ran").exists());
    // A second run reads the built metadata from the cache: no backend runs.
    let again = resolve_with_python(&project, &index, &["--no-annotate"]);
    assert!(
        again
            .stat_line("stats: builds:")
            .starts_with("stats: builds: 0 run"),
        "{}",
        again.raw_stderr
    );
}

#[test]
fn dynamic_editable_project_uses_the_pep_660_hook() {
    let index = index(|universe| {
        backends(universe);
        universe.version("lib", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("legacy/pyproject.toml", "");
    project.write(
        "legacy/setup.py",
        "from setuptools import setup\nsetup(name='legacy', version='1.2.0', install_requires=['lib'])\n",
    );
    project.write("requirements.in", "-e ./legacy\n");
    let out = resolve_with_python(&project, &index, &["--no-annotate"]);
    assert_eq!(
        out.success(),
        "-e ./legacy\nlib==1.0.0\n",
        "{}",
        out.raw_stderr
    );
    // The backend's `prepare_metadata_for_build_editable` ran (the stand-in leaves a mark).
    assert!(project.join("legacy/tw-editable-hook-ran").is_file());
}

#[test]
fn editable_project_with_an_extra() {
    let index = lib_index();
    let project = Project::new(&index);
    project.write(
        "proj/pyproject.toml",
        &static_pyproject("app", "1.0.0", &["lib<2"], &["extra-dep"]),
    );
    project.write("proj/requirements.in", "-e .[test]\n");
    let out = project.resolve(&[
        "proj/requirements.in",
        "--no-header",
        "-o",
        "proj/requirements.txt",
    ]);
    out.success();
    assert_eq!(
        project.read("proj/requirements.txt"),
        "-e .\n    # via -r proj/requirements.in\nextra-dep==1.0.0\n    # via app\nlib==1.0.0\n    # via app\n"
    );
    // A second run changes nothing, and says no `Added app` (the line `-e .` has no pin).
    let again = project.resolve(&[
        "proj/requirements.in",
        "--no-header",
        "-o",
        "proj/requirements.txt",
    ]);
    again.success();
    assert!(!again.stderr.contains("Added"), "{}", again.stderr);
}

/// pip and uv read `-e` and path lines from the current directory; files written for them
/// (`requirements/dev.txt` holding `-e .` for the project above, as in many repositories)
/// must resolve the same when nothing installable is beside the file.
#[test]
fn paths_with_nothing_beside_the_file_are_read_from_the_current_directory() {
    let index = lib_index();
    let project = Project::new(&index);
    project.write(
        "pyproject.toml",
        &static_pyproject("app", "1.0.0", &["lib<2", "zcommon"], &[]),
    );
    project.write(
        "libs/common/pyproject.toml",
        &static_pyproject("zcommon", "0.1.0", &[], &[]),
    );
    project.write("requirements/dev.txt", "-e .\n--editable ./libs/common/\n");
    let out = project.resolve(&["requirements/dev.txt", "--no-header", "--no-annotate"]);
    let stdout = out.success();
    // Editables first, as pip-compile and uv write them.
    assert_eq!(stdout, "-e .\n-e ./libs/common\nlib==1.0.0\n");
    // Beside the file first: a project there wins (the rule).
    project.write(
        "requirements/pyproject.toml",
        &static_pyproject("beside", "2.0.0", &[], &[]),
    );
    project.write("requirements/dev.txt", "-e .\n");
    let out = project.resolve(&["requirements/dev.txt", "--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "-e ./requirements\n");
}

/// `remote` 1.0.0 as a wheel on the index, reached by URL; `lib` for its dependency.
fn remote_index() -> TestIndex {
    index(|universe| {
        universe.version("remote", "1.0.0").requires("lib");
        universe.version("lib", "1.0.0");
    })
}

const REMOTE_WHEEL: &str = "remote-1.0.0-py3-none-any.whl";

#[test]
fn wheel_url_with_and_without_a_sha256() {
    let index = remote_index();
    let project = Project::new(&index);
    let url = index.file_url(REMOTE_WHEEL);
    let sha256 = index.file_sha256(REMOTE_WHEEL).unwrap();
    for line in [
        format!("remote @ {url}#sha256={sha256}\n"),
        format!("remote @ {url}\n"),
    ] {
        let out = project.resolve_in(&line, &["--no-header", "--generate-hashes"]);
        let stdout = out.success();
        assert!(
            stdout.contains(&format!(
                "remote @ [INDEX]/files/{REMOTE_WHEEL} \\\n    --hash=sha256:{sha256}\n"
            )),
            "{line}: {stdout}"
        );
        assert!(stdout.contains("lib==1.0.0"), "{stdout}");
    }
    assert!(!page_requested(&index, "remote"));
    // Known by its hash, the archive's metadata comes from the cache on the next run.
    let fetched = || {
        index
            .requests()
            .iter()
            .filter(|request| request.path == format!("/files/{REMOTE_WHEEL}"))
            .count()
    };
    let before = fetched();
    project
        .resolve_in(&format!("remote @ {url}#sha256={sha256}\n"), &[])
        .success();
    assert_eq!(fetched(), before);
}

#[test]
fn wrong_archive_hash_is_an_integrity_error() {
    let index = remote_index();
    let project = Project::new(&index);
    let url = index.file_url(REMOTE_WHEEL);
    let wrong = "0".repeat(64);
    let out = project.resolve_in(&format!("remote @ {url}#sha256={wrong}\n"), &[]);
    out.assert_code(3);
    assert!(
        out.stderr.contains(&format!(
            "hash mismatch for `[INDEX]/files/{REMOTE_WHEEL}`: expected sha256 `{wrong}`"
        )),
        "{}",
        out.stderr
    );
}

/// Run `git args` in `dir` with a fixed identity; panics with git's output on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = StdCommand::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=tailwheel tests",
            "-c",
            "user.email=tests@example.invalid",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("running git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A repository at `dir` with `pkg` 1.0.0 (tagged `v1.0`, needs `lib<2`) then 2.0.0 (needs
/// `lib>=2`) on `main`, the project in `sub/`; returns the two commits.
fn pkg_repository(dir: &Path) -> (String, String) {
    fs_err::create_dir_all(dir.join("sub")).expect("a folder in the temp dir");
    git(dir, &["init", "-q"]);
    fs_err::write(
        dir.join("sub/pyproject.toml"),
        static_pyproject("pkg", "1.0.0", &["lib<2"], &[]),
    )
    .expect("a file in the temp dir");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "1.0"]);
    git(dir, &["tag", "-a", "v1.0", "-m", "v1.0"]);
    let first = git(dir, &["rev-parse", "HEAD"]);
    fs_err::write(
        dir.join("sub/pyproject.toml"),
        static_pyproject("pkg", "2.0.0", &["lib>=2"], &[]),
    )
    .expect("a file in the temp dir");
    git(dir, &["commit", "-q", "-am", "2.0"]);
    let second = git(dir, &["rev-parse", "HEAD"]);
    (first, second)
}

#[test]
fn git_repository_by_tag_branch_and_commit() {
    let index = lib_index();
    let project = Project::new(&index);
    let repository = project.join("repo");
    let (first, second) = pkg_repository(&repository);
    let url = url::Url::from_directory_path(&repository).unwrap();
    let url = url.as_str().trim_end_matches('/');
    for (reference, commit, lib) in [
        ("@v1.0", &first, "lib==1.0.0"),
        (&format!("@{first}") as &str, &first, "lib==1.0.0"),
        ("@main", &second, "lib==2.0.0"),
        ("", &second, "lib==2.0.0"),
    ] {
        let out = project.resolve_in(
            &format!("pkg @ git+{url}{reference}#subdirectory=sub\n"),
            &["--no-header", "--no-annotate"],
        );
        assert_eq!(
            out.success(),
            format!("{lib}\npkg @ git+file://[TEMP]/repo@{commit}#subdirectory=sub\n"),
            "{reference}: {}",
            out.stderr
        );
    }
    // A checkout is cached by commit: a second run with the same commit clones nothing.
    let checkouts = project.join(".home/.cache/tailwheel/git-v1/checkouts");
    assert!(checkouts.join(&first).join("sub/pyproject.toml").is_file());
}

#[test]
fn git_reference_that_does_not_exist_names_the_repository() {
    let index = lib_index();
    let project = Project::new(&index);
    let repository = project.join("repo");
    pkg_repository(&repository);
    let url = url::Url::from_directory_path(&repository).unwrap();
    let url = url.as_str().trim_end_matches('/');
    let out = project.resolve_in(&format!("pkg @ git+{url}@no-such-tag\n"), &[]);
    out.assert_code(2);
    assert!(
        out.stderr.contains(
            "`no-such-tag` is neither a branch, a tag nor a full commit of `file://[TEMP]/repo`"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_git_is_a_clear_error() {
    let index = lib_index();
    let project = Project::new(&index);
    project.write(
        "requirements.in",
        "pkg @ git+https://git.example.invalid/pkg@v1\n",
    );
    let mut command = project.command();
    command
        .args(["requirements.in"])
        .env("PATH", project.join("no-such-bin"));
    let out = project.run_command(command);
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("`git` was not found on `PATH`; it is needed for `git+` requirements"),
        "{}",
        out.stderr
    );
}

#[test]
fn conflicting_references_name_both_lines() {
    let index = lib_index();
    let project = Project::new(&index);
    project.write(
        "a/pyproject.toml",
        &static_pyproject("app", "1.0.0", &[], &[]),
    );
    project.write(
        "b/pyproject.toml",
        &static_pyproject("app", "2.0.0", &[], &[]),
    );
    let out = project.resolve_in("./a\nlib\napp @ ./b\n", &[]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("`app` is named by two different references: `./a` (requirements.in:1:1) and `app @ ./b` (requirements.in:3:1)"),
        "{}",
        out.stderr
    );
    // The same reference twice is fine.
    let out = project.resolve_in("./a\napp @ ./a\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "./a\n");
}

#[test]
fn index_version_requirement_on_a_direct_package_must_match_it() {
    let index = lib_index();
    let project = Project::new(&index);
    project.write(
        "a/pyproject.toml",
        &static_pyproject("app", "1.0.0", &[], &[]),
    );
    let out = project.resolve_in("./a\napp>=2\n", &[]);
    out.assert_code(1);
    assert!(out.stderr.contains("app"), "{}", out.stderr);
}

#[test]
fn transitive_direct_reference_of_an_index_package_is_refused() {
    let index = index(|universe| {
        universe
            .version("wrapper", "1.0.0")
            .requires("inner @ https://files.example.invalid/inner-1.0.0-py3-none-any.whl");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("wrapper\n", &[]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("`wrapper` `1.0.0` depends on `inner @ https://files.example.invalid/inner-1.0.0-py3-none-any.whl`, a direct reference; name it in your requirements too (with the same URL) to allow it"),
        "{}",
        out.stderr
    );
}

#[test]
fn transitive_direct_reference_named_by_the_user_is_used() {
    let index = index(|universe| {
        universe.version("inner", "1.0.0").no_sdist();
        universe.version("inner", "2.0.0");
    });
    let inner = index.file_url("inner-1.0.0-py3-none-any.whl");
    let wrapper = index_with_wrapper(&inner);
    let project = Project::new(&wrapper);
    // The user names `inner` by the same URL: the index's 2.0.0 is not used.
    let out = project.resolve_in(
        &format!("wrapper\ninner @ {inner}\n"),
        &["--no-header", "--no-annotate"],
    );
    let stdout = out.success();
    assert!(stdout.contains(&format!("inner @ {inner}\n")), "{stdout}");
    assert!(stdout.contains("wrapper==1.0.0\n"), "{stdout}");
}

/// An index with `wrapper` 1.0.0, which depends on `inner @ URL`.
fn index_with_wrapper(inner: &str) -> TestIndex {
    let requirement = format!("inner @ {inner}");
    index(|universe| {
        universe.version("wrapper", "1.0.0").requires(&requirement);
    })
}

#[test]
fn sdist_url_with_static_pkg_info() {
    let index = index(|universe| {
        universe
            .version("packed", "1.0.0")
            .no_wheel()
            .sdist_metadata_version("2.2")
            .requires("lib<2");
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
    });
    let project = Project::new(&index);
    let url = index.file_url("packed-1.0.0.tar.gz");
    let sha256 = index.file_sha256("packed-1.0.0.tar.gz").unwrap();
    let out = project.resolve_in(
        &format!("packed @ {url}\n"),
        &["--no-header", "--no-annotate", "--generate-hashes"],
    );
    let stdout = out.success();
    assert!(
        stdout.contains(&format!(
            "packed @ [INDEX]/files/packed-1.0.0.tar.gz \\\n    --hash=sha256:{sha256}\n"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("lib==1.0.0"), "{stdout}");
}

#[test]
fn direct_references_of_a_local_project_are_followed() {
    let index = lib_index();
    let project = Project::new(&index);
    let helper = project.write(
        "helper/pyproject.toml",
        &static_pyproject("helper", "0.1.0", &["lib<2"], &[]),
    );
    let helper_url = url::Url::from_directory_path(helper.parent().unwrap()).unwrap();
    let helper_url = helper_url.as_str().trim_end_matches('/');
    project.write(
        "app/pyproject.toml",
        &static_pyproject("app", "1.0.0", &[&format!("helper @ {helper_url}")], &[]),
    );
    let out = project.resolve_in("./app\n", &["--no-header", "--no-annotate"]);
    assert_eq!(
        out.success(),
        "./app\n./helper\nlib==1.0.0\n",
        "{}",
        out.stderr
    );
}

/// A set with a local project, a wheel URL, a git repository and an index package.
fn mixed_project(index: &TestIndex) -> (Project, String) {
    let project = Project::new(index);
    project.write(
        "app/pyproject.toml",
        &static_pyproject("app", "1.0.0", &["lib"], &[]),
    );
    let repository = project.join("repo");
    let (_, commit) = pkg_repository(&repository);
    let repository = url::Url::from_directory_path(&repository).expect("an absolute temp dir");
    let url = index.file_url(REMOTE_WHEEL);
    project.write(
        "requirements.in",
        &format!(
            "-e ./app\nremote @ {url}\npkg @ git+{}#subdirectory=sub\n",
            repository.as_str().trim_end_matches('/')
        ),
    );
    (project, commit)
}

/// The files of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn download_skips_projects_fetches_archives_and_clones_git_only_when_asked() {
    let index = index(|universe| {
        universe.version("remote", "1.0.0").requires("lib");
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
    });
    let (project, commit) = mixed_project(&index);
    for lock in ["pylock.toml", "requirements.txt"] {
        let out = project.resolve(&["requirements.in", "--generate-hashes", "-o", lock]);
        out.success();
        let dest = format!("{lock}.d");
        let mut command = project.download_command();
        command.args([lock, "-d", &dest, "--index-url", &index.index_url()]);
        let out = project.run_command(command);
        out.assert_code(0);
        assert_eq!(
            listing(&project.join(&dest)),
            ["lib-2.0.0-py3-none-any.whl", REMOTE_WHEEL],
            "{lock}: {}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("1 git source not cloned (pass `--vcs` to clone it): `pkg`"),
            "{lock}: {}",
            out.stderr
        );
        let mut command = project.download_command();
        command.args([
            lock,
            "-d",
            &dest,
            "--vcs",
            "--index-url",
            &index.index_url(),
        ]);
        let out = project.run_command(command);
        out.assert_code(0);
        let clone = project.join(&dest).join(format!("pkg-{}", &commit[..12]));
        assert!(
            clone.join("sub/pyproject.toml").is_file(),
            "{lock}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("cloned 1 git source"),
            "{lock}: {}",
            out.stderr
        );
    }
    // The same from `resolve --download`: the archive is fetched, the project skipped.
    let out = project.resolve(&["requirements.in", "--download", "now"]);
    out.assert_code(0);
    assert_eq!(
        listing(&project.join("now")),
        ["lib-2.0.0-py3-none-any.whl", REMOTE_WHEEL]
    );
}

/// `python3` with `packaging.pylock` (PEP 751's reference validator), or `None` with a note;
/// under `CI` a missing validator fails instead (as `tw-lock`'s reference tests do).
#[expect(clippy::disallowed_methods, reason = "the test's own switches")]
#[expect(clippy::print_stderr, reason = "the skip note is for the test log")]
fn pylock_validator() -> Option<String> {
    let python = std::env::var("TW_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let available = StdCommand::new(&python)
        .args(["-c", "import tomllib, packaging.pylock"])
        .output()
        .is_ok_and(|output| output.status.success());
    if available {
        return Some(python);
    }
    let ci = std::env::var("CI").is_ok_and(|value| !(value.is_empty() || value == "0"));
    assert!(
        !ci,
        "`CI` is set, so `{python}` must have `packaging.pylock`"
    );
    eprintln!("note: skipped: `{python}` has no `packaging.pylock`");
    None
}

#[test]
fn pylock_with_a_local_project_validates_with_packaging() {
    let Some(python) = pylock_validator() else {
        return;
    };
    let index = index(|universe| {
        universe.version("remote", "1.0.0").requires("lib");
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
    });
    let (project, commit) = mixed_project(&index);
    project
        .resolve(&["requirements.in", "-o", "pylock.toml"])
        .success();
    let lock = project.read("pylock.toml");
    assert!(
        lock.contains("name = \"app\"\ndependencies = [\n    { name = \"lib\" },\n]\ndirectory = { path = \"./app\", editable = true }\n"),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("vcs = {{ type = \"git\", url = \"file://{}/repo\", commit-id = \"{commit}\", subdirectory = \"sub\" }}", project.path().display())),
        "{lock}"
    );
    let script = "import sys, tomllib\nfrom packaging.pylock import Pylock\nlock = Pylock.from_dict(tomllib.load(open(sys.argv[1], 'rb')))\nlock.validate()\nprint(sorted((p.name, str(p.version), bool(p.directory), bool(p.archive), bool(p.vcs)) for p in lock.packages))\n";
    let output = StdCommand::new(python)
        .args(["-c", script])
        .arg(project.join("pylock.toml"))
        .output()
        .expect("running the validator");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "[('app', 'None', True, False, False), ('lib', '2.0.0', False, False, False), ('pkg', '2.0.0', False, False, True), ('remote', '1.0.0', False, True, False)]"
    );
}

/// An input `pyproject.toml` whose dependencies are `dynamic` is built (as pip-compile and uv
/// do); its dependencies are locked, the project itself is not.
#[test]
fn input_pyproject_with_dynamic_dependencies_is_built() {
    let index = index(|universe| {
        backends(universe);
        universe.version("lib", "1.0.0");
        universe.version("speedup", "1.0.0");
    });
    let project = Project::new(&index);
    project.write(
        "pyproject.toml",
        "[project]\nname = \"legacy\"\nversion = \"1.2.0\"\ndynamic = [\"dependencies\", \"optional-dependencies\"]\n",
    );
    project.write(
        "setup.py",
        "from setuptools import setup\nsetup(name='legacy', version='1.2.0', install_requires=['lib>=1'], extras_require={'fast': ['speedup'], 'all': ['legacy[fast]']})\n",
    );
    let mut command = project.bare_command();
    command.args([
        "pyproject.toml",
        "--python",
        "python3",
        "--no-header",
        "--index-url",
        &index.index_url(),
    ]);
    let mut with_extra = project.bare_command();
    with_extra.args([
        "pyproject.toml",
        "--python",
        "python3",
        "--no-header",
        "--extra",
        "all",
        "--index-url",
        &index.index_url(),
    ]);
    let out = project.run_command(command);
    assert_eq!(
        out.success(),
        "lib==1.0.0\n    # via pyproject.toml\n",
        "{}",
        out.stderr
    );
    let out = project.run_command(with_extra);
    assert_eq!(
        out.success(),
        "lib==1.0.0\n    # via pyproject.toml\nspeedup==1.0.0\n    # via pyproject.toml\n",
        "{}",
        out.stderr
    );
}
