#![expect(clippy::unwrap_used, reason = "test helpers fail by panicking")]
//! Checks `to_pylock_toml` output with `packaging.pylock`, the PEP 751
//! reference validator (`packaging` >= 26).
//!
//! Skipped, with a note on stderr, when the interpreter (`TW_TEST_PYTHON`,
//! default `python3`) or its `packaging.pylock` is missing, except when `CI`
//! is set (`.ci/run` sets it and installs `packaging`): there a missing
//! validator fails the tests, so CI cannot pass without running them.

use std::path::Path;
use std::process::Command;

use tw_lock::{Lock, LockedFile, LockedPackage, Via, to_pylock_toml};

/// Loads the file, validates it, and checks a few values survived.
const SCRIPT: &str = r#"
import sys, tomllib, datetime
from packaging.pylock import Pylock
with open(sys.argv[1], "rb") as f:
    data = tomllib.load(f)
lock = Pylock.from_dict(data)
lock.validate()
expected = sys.argv[2].split(",") if sys.argv[2] else []
names = [f"{p.name}=={p.version}" for p in lock.packages]
assert names == expected, names
for package in lock.packages:
    for wheel in package.wheels or []:
        assert wheel.upload_time is None or wheel.upload_time.utcoffset() == datetime.timedelta(0), wheel
        assert wheel.filename == wheel.name, wheel
print("ok", len(lock.packages))
"#;

#[expect(clippy::disallowed_methods, reason = "the test's own switch")]
fn python() -> String {
    std::env::var("TW_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// True when the `CI` variable says this is a CI run (set, and not empty, `0`
/// or `false`).
#[expect(clippy::disallowed_methods, reason = "the test's own switch")]
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| {
        !(value.is_empty() || value == "0" || value.eq_ignore_ascii_case("false"))
    })
}

/// Whether the interpreter has `packaging.pylock`; says why not on stderr.
/// Under CI a missing validator panics instead: the test must run there.
#[expect(clippy::print_stderr, reason = "the skip note is for the test log")]
fn reference_available() -> bool {
    let python = python();
    let missing = match Command::new(&python)
        .args(["-c", "import tomllib, packaging.pylock"])
        .output()
    {
        Ok(output) if output.status.success() => return true,
        Ok(_) => format!("`{python}` has no `packaging.pylock` (pip install 'packaging>=26')"),
        Err(error) => format!("cannot run `{python}`: {error}"),
    };
    assert!(
        !in_ci(),
        "`CI` is set, so the PEP 751 reference validator must run: {missing}"
    );
    eprintln!("note: skipped: {missing}");
    false
}

fn validate(lock: &Lock, expected: &[&str]) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("pylock.toml");
    tw_lock::write_atomic(&path, &to_pylock_toml(lock)).unwrap();
    run(&path, &expected.join(","));
}

fn run(path: &Path, expected: &str) {
    let output = Command::new(python())
        .arg("-c")
        .arg(SCRIPT)
        .arg(path)
        .arg(expected)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "packaging.pylock rejected:\n{}\nstdout:\n{}\nstderr:\n{}",
        fs_err::read_to_string(path).unwrap(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

fn file(filename: &str, digit: char, with_metadata: bool) -> LockedFile {
    LockedFile {
        filename: filename.to_owned(),
        url: format!("https://files.example.invalid/packages/{filename}")
            .parse()
            .unwrap(),
        size: with_metadata.then_some(70442),
        upload_time: with_metadata.then(|| "2024-09-15T18:07:37.123456Z".parse().unwrap()),
        sha256: Some(digit.to_string().repeat(64)),
    }
}

fn package(name: &str, version: &str) -> LockedPackage {
    LockedPackage {
        name: name.parse().unwrap(),
        version: version.parse().unwrap(),
        marker: None,
        extras: Vec::new(),
        index: Some("https://index.example.invalid/simple/".parse().unwrap()),
        requires_python: None,
        dependencies: Vec::new(),
        via: Vec::new(),
        wheels: Vec::new(),
        sdist: None,
        hashes: Vec::new(),
        source: None,
    }
}

#[test]
fn reference_validator_accepts_output() {
    if !reference_available() {
        return;
    }
    // Wheels only, with requires-python and full file metadata.
    let mut idna = package("idna", "3.10");
    idna.requires_python = Some(">=3.6".to_owned());
    idna.wheels = vec![file("idna-3.10-py3-none-any.whl", '0', true)];
    // Sdist and wheels, dependencies, no upload metadata.
    let mut requests = package("requests", "2.32.3");
    requests.requires_python = Some(">=3.8".to_owned());
    requests.dependencies = vec!["idna".parse().unwrap(), "urllib3".parse().unwrap()];
    requests.via = vec![Via::Source("-r requirements.in".to_owned())];
    requests.sdist = Some(file("requests-2.32.3.tar.gz", '1', false));
    requests.wheels = vec![file("requests-2.32.3-py3-none-any.whl", '2', false)];
    // Sdist only, no index; a name that normalizes.
    let mut zope = package("Zope.Interface", "7.0.post1");
    zope.index = None;
    zope.sdist = Some(file("zope_interface-7.0.post1.tar.gz", '3', true));
    // Several platform wheels, given out of order.
    let mut urllib3 = package("urllib3", "2.2.3");
    urllib3.wheels = vec![
        file("urllib3-2.2.3-cp312-cp312-win_amd64.whl", '4', true),
        file(
            "urllib3-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            '5',
            true,
        ),
    ];
    let lock = Lock {
        requires_python: Some(">=3.11".to_owned()),
        environments: vec![
            "sys_platform == 'win32'".to_owned(),
            "sys_platform == 'linux' and platform_machine == \"x86_64\"".to_owned(),
        ],
        packages: vec![zope, urllib3, requests, idna],
    };
    validate(
        &lock,
        &[
            "idna==3.10",
            "requests==2.32.3",
            "urllib3==2.2.3",
            "zope-interface==7.0.post1",
        ],
    );
}

/// Old releases carry sdists in formats PEP 751's `sdist` cannot name (`.tar.bz2`, `.tgz`;
/// only `.tar.gz` and `.zip` parse as sdist file names). Next to wheels such a file is left
/// out; as a version's only file it is written as an `archive` (ckan 2.9's `pytz 2016.7`,
/// `pyutilib 5.6.5`).
#[test]
fn reference_validator_accepts_legacy_sdist_formats() {
    if !reference_available() {
        return;
    }
    let mut pytz = package("pytz", "2016.7");
    pytz.sdist = Some(file("pytz-2016.7.tar.bz2", '6', true));
    pytz.wheels = vec![file("pytz-2016.7-py2.py3-none-any.whl", '7', true)];
    let mut old = package("oldlib", "0.9");
    old.sdist = Some(file("oldlib-0.9.tgz", '8', true));
    let lock = Lock {
        requires_python: None,
        environments: Vec::new(),
        packages: vec![pytz, old],
    };
    validate(&lock, &["oldlib==0.9", "pytz==2016.7"]);
    let text = to_pylock_toml(&lock);
    assert!(!text.contains("pytz-2016.7.tar.bz2"), "{text}");
    assert!(
        text.contains("url = \"https://files.example.invalid/packages/oldlib-0.9.tgz\""),
        "{text}"
    );
}

#[test]
fn reference_validator_accepts_empty_lock() {
    if !reference_available() {
        return;
    }
    let lock = Lock {
        requires_python: None,
        environments: Vec::new(),
        packages: Vec::new(),
    };
    validate(&lock, &[]);
}

/// Issue 16: a local project (editable), an archive URL and a git commit, next to an index
/// package; the directory's path is relative to the lock.
#[test]
fn reference_validator_accepts_direct_references() {
    if !reference_available() {
        return;
    }
    let directory = tempfile::tempdir().unwrap();
    let mut app = package("app", "1.0.0");
    app.index = None;
    app.dependencies = vec!["idna".parse().unwrap()];
    app.source = Some(tw_lock::LockedSource::Directory {
        path: directory.path().join("libs/app"),
        editable: true,
    });
    let mut remote = package("remote", "2.0");
    remote.index = None;
    remote.source = Some(tw_lock::LockedSource::Archive {
        url: Some(
            "https://files.example.invalid/remote-2.0-py3-none-any.whl"
                .parse()
                .unwrap(),
        ),
        path: None,
        sha256: "7".repeat(64),
        subdirectory: None,
    });
    let mut vcs = package("vcs-pkg", "0.3");
    vcs.index = None;
    vcs.source = Some(tw_lock::LockedSource::Vcs {
        url: "https://git.example.invalid/org/vcs-pkg.git"
            .parse()
            .unwrap(),
        requested_revision: Some("v0.3".to_owned()),
        commit_id: "ab".repeat(20),
        subdirectory: Some("python".to_owned()),
    });
    let mut idna = package("idna", "3.10");
    idna.wheels = vec![file("idna-3.10-py3-none-any.whl", '0', true)];
    let lock = Lock {
        requires_python: Some(">=3.11".to_owned()),
        environments: Vec::new(),
        packages: vec![vcs, remote, app, idna],
    };
    let text = tw_lock::to_pylock_toml_at(&lock, directory.path());
    assert!(
        text.contains("\n[[packages]]\nname = \"app\"\ndependencies = [\n    { name = \"idna\" },\n]\ndirectory = { path = \"./libs/app\", editable = true }\n"),
        "{text}"
    );
    let path = directory.path().join("pylock.toml");
    tw_lock::write_atomic(&path, &text).unwrap();
    // The directory has no version (PEP 751: its code may change under the lock).
    run(&path, "app==None,idna==3.10,remote==2.0,vcs-pkg==0.3");
}

/// Validates the lock, then for each case (`label|python|sys_platform|machine|tags|expected`)
/// lets `packaging.pylock` select what it would install and compares `name==version file`.
const SELECT_SCRIPT: &str = r#"
import sys, tomllib
from packaging.pylock import Pylock
from packaging.tags import Tag
with open(sys.argv[1], "rb") as f:
    lock = Pylock.from_dict(tomllib.load(f))
lock.validate()
systems = {"linux": "Linux", "win32": "Windows", "darwin": "Darwin"}
for case in sys.argv[2:]:
    label, python, platform, machine, tags, expected = case.split("|")
    environment = {
        "implementation_name": "cpython", "implementation_version": python,
        "os_name": "nt" if platform == "win32" else "posix", "platform_machine": machine,
        "platform_python_implementation": "CPython", "platform_release": "",
        "platform_system": systems[platform], "platform_version": "",
        "python_full_version": python, "python_version": ".".join(python.split(".")[:2]),
        "sys_platform": platform,
    }
    tags = [Tag(*tag.split("-")) for tag in tags.split(",")]
    got = sorted(f"{p.name}=={p.version} {d.name}" for p, d in lock.select(environment=environment, tags=tags))
    assert got == sorted(expected.split(",")), (label, got)
print("ok")
"#;

fn marked(name: &str, version: &str, marker: &str, wheels: &[&str]) -> LockedPackage {
    let mut package = package(name, version);
    package.marker = Some(marker.parse().unwrap());
    package.wheels = wheels
        .iter()
        .enumerate()
        .map(|(at, wheel)| file(wheel, char::from(b'a' + u8::try_from(at).unwrap()), true))
        .collect();
    package
}

#[test]
fn reference_selection_picks_one_entry_per_name_for_each_environment() {
    if !reference_available() {
        return;
    }
    // A universal lock: numpy twice under disjoint Python markers, colorama on Windows only,
    // app everywhere, depending on both (its `dependencies` name both numpy versions).
    let old = marked(
        "numpy",
        "2.0.2",
        "python_full_version < '3.10'",
        &[
            "numpy-2.0.2-cp39-cp39-manylinux_2_17_x86_64.whl",
            "numpy-2.0.2-cp39-cp39-win_amd64.whl",
        ],
    );
    let new = marked(
        "numpy",
        "2.2.6",
        "python_full_version >= '3.10'",
        &[
            "numpy-2.2.6-cp312-cp312-manylinux_2_17_aarch64.whl",
            "numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.whl",
            "numpy-2.2.6-cp312-cp312-macosx_11_0_arm64.whl",
            "numpy-2.2.6-cp312-cp312-win_amd64.whl",
        ],
    );
    let colorama = marked(
        "colorama",
        "0.4.6",
        "sys_platform == 'win32'",
        &["colorama-0.4.6-py2.py3-none-any.whl"],
    );
    let mut app = package("app", "1.0");
    app.wheels = vec![file("app-1.0-py3-none-any.whl", 'f', false)];
    app.dependencies = vec!["numpy".parse().unwrap(), "colorama".parse().unwrap()];
    let lock = Lock {
        requires_python: Some(">=3.9".to_owned()),
        environments: Vec::new(),
        packages: vec![new, app, colorama, old],
    };
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("pylock.toml");
    tw_lock::write_atomic(&path, &to_pylock_toml(&lock)).unwrap();
    let cases = [
        "linux 3.9|3.9.18|linux|x86_64|cp39-cp39-manylinux_2_17_x86_64,py3-none-any|app==1.0 app-1.0-py3-none-any.whl,numpy==2.0.2 numpy-2.0.2-cp39-cp39-manylinux_2_17_x86_64.whl",
        "linux aarch64 3.12|3.12.1|linux|aarch64|cp312-cp312-manylinux_2_17_aarch64,py3-none-any|app==1.0 app-1.0-py3-none-any.whl,numpy==2.2.6 numpy-2.2.6-cp312-cp312-manylinux_2_17_aarch64.whl",
        "macos arm64 3.12|3.12.1|darwin|arm64|cp312-cp312-macosx_11_0_arm64,py3-none-any|app==1.0 app-1.0-py3-none-any.whl,numpy==2.2.6 numpy-2.2.6-cp312-cp312-macosx_11_0_arm64.whl",
        "windows 3.12|3.12.1|win32|AMD64|cp312-cp312-win_amd64,py3-none-any|app==1.0 app-1.0-py3-none-any.whl,colorama==0.4.6 colorama-0.4.6-py2.py3-none-any.whl,numpy==2.2.6 numpy-2.2.6-cp312-cp312-win_amd64.whl",
    ];
    let output = Command::new(python())
        .arg("-c")
        .arg(SELECT_SCRIPT)
        .arg(&path)
        .args(cases)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "packaging.pylock selected differently:\n{}\nstdout:\n{}\nstderr:\n{}",
        fs_err::read_to_string(&path).unwrap(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
