//! Resolving for a target given by flags (`--python-version`/`--python-platform`) when some
//! dependencies have no wheel for it (issue 14): metadata from another target's wheel of the
//! same version, builds with an interpreter found for the target's Python, build requirements
//! resolved at their highest versions, and reports that name the package that could not be
//! used.

use std::path::{Path, PathBuf};

use tw_test_index::{TestIndex, Universe};

use crate::build::{backends, resolve_with_python, setup_py_sdist};
use crate::common::{Output, Project, index};

/// The real interpreter the build tests run (`python3` must be one, as in `build.rs`).
fn real_python() -> PathBuf {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// `python3 -c 'print(major.minor)'`.
fn real_python_version() -> String {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A folder for `PATH` holding links named `names` to the real interpreter.
fn path_with(project: &Project, folder: &str, names: &[&str]) -> PathBuf {
    let dir = project.join(folder);
    std::fs::create_dir_all(&dir).expect("a folder in the temp dir");
    for name in names {
        std::os::unix::fs::symlink(real_python(), dir.join(name)).expect("a symlink");
    }
    dir
}

/// `tailwheel resolve requirements.in --python-version V --python-platform P --stats` with
/// `PATH` set to `path`.
fn resolve_on_path(project: &Project, version: &str, path: &Path, args: &[&str]) -> Output {
    let mut command = project.command_for(version, "x86_64-manylinux_2_28");
    command.args(["requirements.in", "--stats", "--no-header", "--no-annotate"]);
    command.args(args);
    command.env("PATH", path);
    project.run_command(command)
}

fn file_requests(index: &TestIndex, prefix: &str) -> Vec<String> {
    index
        .requests()
        .iter()
        .filter(|request| request.path.starts_with(&format!("/files/{prefix}")))
        .map(|request| request.path.clone())
        .collect()
}

/// Item 1: a version with wheels only for other targets and an sdist that needs a build is
/// resolved from one of those wheels' metadata (the nearest: Linux before macOS and Windows,
/// never Python 2 only); the lock keeps
/// the sdist. A version with a wheel for the target reads that wheel.
#[test]
fn metadata_comes_from_another_targets_wheel_of_the_same_version() {
    let index = index(|universe| {
        universe
            .version("foreign", "1.0.0")
            .wheel_tags(&[
                "cp312-cp312-win_amd64",
                "cp312-cp312-manylinux_2_17_aarch64",
                "cp312-cp312-macosx_11_0_arm64",
                "py2-none-any",
            ])
            .sdist_metadata_version("2.1")
            .requires("lib>=1");
        universe.version("lib", "1.0.0");
        universe
            .version("native", "1.0.0")
            .wheel_tags(&[
                "cp312-cp312-macosx_11_0_arm64",
                "cp312-cp312-manylinux_2_17_x86_64",
            ])
            .sdist_metadata_version("2.1");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "foreign\nnative\n");
    let empty = path_with(&project, "no-python", &[]);
    let out = resolve_on_path(&project, "3.12", &empty, &["-v", "--generate-hashes"]);
    let lock = out.success();
    assert!(lock.contains("foreign==1.0.0"), "{lock}");
    assert!(lock.contains("lib==1.0.0"), "{lock}");
    let sdist = index.file_sha256("foreign-1.0.0.tar.gz").expect("served");
    assert!(lock.contains(&sdist), "the sdist stays in the lock: {lock}");
    assert!(
        out.raw_stderr
            .contains("foreign-1.0.0-cp312-cp312-manylinux_2_17_aarch64.whl"),
        "-v names the wheel read: {}",
        out.raw_stderr
    );
    assert!(
        !out.raw_stderr.contains("native-1.0.0-cp312-cp312-macosx"),
        "a version with a wheel for the target reads that wheel: {}",
        out.raw_stderr
    );
    assert_eq!(
        out.stat_line("stats: wheels read for another target:"),
        "stats: wheels read for another target: 1",
        "{}",
        out.raw_stderr
    );
    assert!(file_requests(&index, "foreign-1.0.0.tar.gz").is_empty());
    assert!(file_requests(&index, "foreign-1.0.0-cp312-cp312-win").is_empty());
    assert!(file_requests(&index, "foreign-1.0.0-cp312-cp312-macosx").is_empty());
    assert!(!file_requests(&index, "foreign-1.0.0-cp312-cp312-manylinux_2_17_aarch64").is_empty());
    assert!(!file_requests(&index, "native-1.0.0-cp312-cp312-manylinux").is_empty());
}

fn legacy_index() -> TestIndex {
    index(|universe| {
        backends(universe);
        setup_py_sdist(
            universe,
            "legacy",
            "1.0.0",
            "from setuptools import setup\nsetup(name='legacy', version='1.0.0', install_requires=['lib>=1'])\n",
        );
        universe.version("lib", "1.0.0");
    })
}

/// Item 2: with the target given by flags, `python3.X` on `PATH` matching the target builds
/// the sdist (no warning); else `python3` builds it with one warning naming both versions;
/// `--python` with `--python-version` is used as given; with no interpreter at all the
/// "cannot build" report stays.
#[test]
fn sdist_is_built_under_python_version_with_a_matching_interpreter() {
    let index = legacy_index();
    let project = Project::new(&index);
    project.write("requirements.in", "legacy\n");
    let version = real_python_version();
    let exact = format!("python{version}");
    let matching = path_with(&project, "matching", &[&exact]);
    let out = resolve_on_path(&project, &version, &matching, &["--no-cache"]);
    assert_eq!(
        out.success(),
        "legacy==1.0.0\nlib==1.0.0\n",
        "{}",
        out.raw_stderr
    );
    assert!(
        out.stat_line("stats: builds:")
            .starts_with("stats: builds: 1 run"),
        "{}",
        out.raw_stderr
    );
    assert!(
        !out.raw_stderr.to_lowercase().contains("warn"),
        "{}",
        out.raw_stderr
    );

    // Only `python3`, for another Python: it builds, with one warning naming both.
    let plain = path_with(&project, "plain", &["python3"]);
    let out = resolve_on_path(&project, "3.9", &plain, &["--no-cache"]);
    assert_eq!(
        out.success(),
        "legacy==1.0.0\nlib==1.0.0\n",
        "{}",
        out.raw_stderr
    );
    let warnings: Vec<_> = out
        .raw_stderr
        .lines()
        .filter(|line| line.to_lowercase().contains("warn"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", out.raw_stderr);
    assert!(
        warnings[0].contains("3.9") && warnings[0].contains(&version),
        "{}",
        warnings[0]
    );

    // `--python` with `--python-version`: that interpreter, whatever `PATH` holds.
    let empty = path_with(&project, "empty", &[]);
    let mine = path_with(&project, "mine", &["my-python"]);
    let mine = mine.join("my-python");
    let out = resolve_on_path(
        &project,
        &version,
        &empty,
        &[
            "--no-cache",
            "--python",
            mine.to_str().expect("a UTF-8 path"),
        ],
    );
    assert_eq!(
        out.success(),
        "legacy==1.0.0\nlib==1.0.0\n",
        "{}",
        out.raw_stderr
    );

    // No interpreter at all: the report says so.
    let out = resolve_on_path(&project, &version, &empty, &["--no-cache"]);
    out.assert_code(1);
    assert!(
        out.stderr.contains("legacy==1.0.0 cannot be used")
            && out.stderr.contains("no Python interpreter"),
        "{}",
        out.stderr
    );
}

/// Item 4: build requirements resolve at their highest versions under `--resolution lowest`,
/// and under the same `--exclude-newer`.
#[test]
fn build_requirements_are_highest_under_resolution_lowest() {
    let index = index(|universe| {
        backends(universe);
        // The lowest setuptools the default `setuptools>=40.8.0` allows cannot build.
        universe
            .version("setuptools", "40.8.0")
            .no_sdist()
            .wheel_member(
                "setuptools/__init__.py",
                "raise ImportError('this setuptools is too old to build anything')\n",
            );
        // A newer one, uploaded after the cutoff, cannot either.
        universe
            .version("setuptools", "99.0.0")
            .no_sdist()
            .upload_time("2030-01-01T00:00:00Z")
            .wheel_member(
                "setuptools/__init__.py",
                "raise ImportError('this setuptools is from the future')\n",
            );
        setup_py_sdist(
            universe,
            "legacy",
            "1.0.0",
            "from setuptools import setup\nsetup(name='legacy', version='1.0.0', install_requires=['lib>=1'])\n",
        );
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "legacy\n");
    let out = resolve_with_python(
        &project,
        &index,
        &[
            "--no-annotate",
            "--no-cache",
            "--resolution",
            "lowest",
            "--exclude-newer",
            "2029-01-01",
        ],
    );
    // The resolution itself still takes the lowest versions.
    assert_eq!(
        out.success(),
        "legacy==1.0.0\nlib==1.0.0\n",
        "{}",
        out.raw_stderr
    );
    assert!(
        index
            .requests()
            .iter()
            .any(|request| request.path == "/files/setuptools-70.0.0-py3-none-any.whl"),
        "the build used setuptools 70.0.0"
    );
}

/// Deterministic incompressible bytes.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_be_bytes()[3]
        })
        .collect()
}

/// Item 3: a walk over sdist-only versions that need a build downloads the sdist of the
/// version that is used, once; older versions are never asked about; the static `PKG-INFO`
/// read before the build streams only until `PKG-INFO`.
#[test]
fn a_candidate_walk_downloads_a_large_sdist_once() {
    const SIZE: usize = 2 * 1024 * 1024;
    let index = index(|universe: &mut Universe| {
        backends(universe);
        for version in ["1.0.0", "2.0.0", "3.0.0", "4.0.0"] {
            setup_py_sdist(
                universe,
                "big",
                version,
                &format!(
                    "from setuptools import setup\nsetup(name='big', version='{version}', install_requires=['lib'])\n"
                ),
            );
            universe
                .version("big", version)
                .sdist_member("data.bin", noise(SIZE));
        }
        universe.version("lib", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "big\n");
    let version = real_python_version();
    let exact = format!("python{version}");
    let matching = path_with(&project, "matching", &[&exact]);
    let out = resolve_on_path(&project, &version, &matching, &["--no-cache"]);
    assert_eq!(
        out.success(),
        "big==4.0.0\nlib==1.0.0\n",
        "{}",
        out.raw_stderr
    );
    let sdists = file_requests(&index, "big-");
    assert!(
        sdists.iter().all(|path| path == "/files/big-4.0.0.tar.gz"),
        "only the version used is fetched: {sdists:?}"
    );
    // One streamed read of PKG-INFO (cut short) and one whole download for the build.
    assert!(sdists.len() <= 2, "{sdists:?}");
    let streamed: u64 = out
        .stat_line("stats: metadata via sdist-pkg-info:")
        .rsplit(", ")
        .next()
        .and_then(|bytes| bytes.split_whitespace().next())
        .and_then(|bytes| bytes.parse().ok())
        .unwrap_or(u64::MAX);
    assert!(
        streamed < (SIZE / 4) as u64,
        "PKG-INFO is read from the start of the stream: {}",
        out.raw_stderr
    );
}

/// Item 5: when the set fails because a package cannot be used, the report leads with that
/// package and its reason; a pre-release hint appears only when a pre-release would be
/// usable.
#[test]
fn the_report_leads_with_the_package_that_could_not_be_used() {
    let index = index(|universe| {
        universe.version("app", "1.0.0").requires("spark<4.2");
        universe.version("helper", "1.0.0");
        for version in ["3.0.0", "3.1.0"] {
            universe
                .version("spark", version)
                .no_wheel()
                .sdist_metadata_version("2.1");
        }
        // A pre-release in range, but with no file for the target: no hint about it.
        universe
            .version("spark", "4.1.0rc1")
            .no_sdist()
            .wheel_tags(&["cp312-cp312-win_amd64"]);
    });
    let project = Project::new(&index);
    project.write("requirements.in", "helper\napp\n");
    let empty = path_with(&project, "no-python", &[]);
    let out = resolve_on_path(&project, "3.12", &empty, &[]);
    out.assert_code(1);
    let report = out.stderr.clone();
    let first = report
        .lines()
        .find(|line| {
            !line.trim().is_empty() && !line.starts_with("error:") && !line.starts_with("stats:")
        })
        .unwrap_or("");
    assert!(
        first.starts_with("spark") && first.contains("cannot be used"),
        "the report leads with spark: {report}"
    );
    assert!(!report.contains("pre-release"), "{report}");
    assert!(
        !report.contains("wheels only for other targets"),
        "{report}"
    );

    // A usable pre-release in range: the hint is right to appear.
    let index = crate::common::index(|universe| {
        universe.version("app", "1.0.0").requires("spark>=4");
        universe.version("spark", "3.0.0");
        universe.version("spark", "4.1.0rc1");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    let out = resolve_on_path(&project, "3.12", &empty, &["--prerelease", "disallow"]);
    out.assert_code(1);
    assert!(out.stderr.contains("pre-release"), "{}", out.stderr);
}

/// Item 2: build requirements are installed for the interpreter that imports them, not for
/// a target given by flags (a macOS target built on Linux must not install macOS wheels
/// into the build environment).
#[test]
fn build_requirements_are_chosen_for_the_build_interpreter() {
    let index = index(|universe| {
        backends(universe);
        universe
            .version("build-helper", "1.0.0")
            .no_sdist()
            .wheel_tags(&[
                "py3-none-macosx_11_0_arm64",
                "py3-none-manylinux_2_17_x86_64",
            ]);
        universe
            .version("legacy", "1.0.0")
            .no_wheel()
            .sdist_metadata_version("2.1")
            .sdist_member(
                "pyproject.toml",
                "[build-system]\nrequires = [\"setuptools\", \"build-helper\"]\nbuild-backend = \"setuptools.build_meta:__legacy__\"\n",
            )
            .sdist_member(
                "setup.py",
                "from setuptools import setup\nsetup(name='legacy', version='1.0.0', install_requires=['lib'])\n",
            );
        universe.version("lib", "1.0.0");
    });
    if std::env::consts::ARCH != "x86_64" || std::env::consts::OS != "linux" {
        return;
    }
    let project = Project::new(&index);
    project.write("requirements.in", "legacy\n");
    let version = real_python_version();
    let exact = format!("python{version}");
    let matching = path_with(&project, "matching", &[&exact]);
    let mut command = project.command_for(&version, "aarch64-apple-darwin");
    command.args([
        "requirements.in",
        "--no-header",
        "--no-annotate",
        "--no-cache",
    ]);
    command.env("PATH", &matching);
    let out = project.run_command(command);
    assert_eq!(
        out.success(),
        "legacy==1.0.0\nlib==1.0.0\n",
        "{}",
        out.raw_stderr
    );
    let helpers = file_requests(&index, "build_helper-");
    assert!(
        helpers
            .iter()
            .any(|path| path.contains("manylinux_2_17_x86_64")),
        "{helpers:?}"
    );
    assert!(
        !helpers.iter().any(|path| path.contains("macosx")),
        "{helpers:?}"
    );
}
