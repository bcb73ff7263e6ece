//! Builders shared by the unit tests.

use crate::model::{Lock, LockedFile, LockedPackage, Via};

/// A file on the test file host with a fixed upload time and size.
pub(crate) fn file(filename: &str, sha256: Option<&str>) -> LockedFile {
    LockedFile {
        filename: filename.to_owned(),
        url: format!("https://files.example.invalid/{filename}")
            .parse()
            .unwrap(),
        size: Some(1234),
        upload_time: Some("2024-09-15T18:07:37Z".parse().unwrap()),
        sha256: sha256.map(str::to_owned),
    }
}

/// A package from the test index with nothing else set.
pub(crate) fn package(name: &str, version: &str) -> LockedPackage {
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

/// A lock for `>=3.11` with no environments.
pub(crate) fn lock(packages: Vec<LockedPackage>) -> Lock {
    Lock {
        requires_python: Some(">=3.11".to_owned()),
        environments: Vec::new(),
        packages,
    }
}

/// A universal lock as a forking resolution gives it: `numpy` twice under disjoint Python
/// markers (each with wheels for Linux and Windows), `colorama` on Windows only, and `app`
/// (everywhere) depending on both.
pub(crate) fn universal() -> Lock {
    let marked = |name: &str, version: &str, marker: &str, files: &[&str]| {
        let mut package = package(name, version);
        package.marker = Some(marker.parse().unwrap());
        package.wheels = files
            .iter()
            .map(|filename| file(filename, Some(&hash_of(filename))))
            .collect();
        package.hashes = files
            .iter()
            .map(|filename| format!("sha256:{}", hash_of(filename)))
            .collect();
        package
    };
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
            "numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.whl",
            "numpy-2.2.6-cp312-cp312-win_amd64.whl",
        ],
    );
    let mut colorama = marked(
        "colorama",
        "0.4.6",
        "sys_platform == 'win32'",
        &["colorama-0.4.6-py2.py3-none-any.whl"],
    );
    colorama.via = vec![Via::Package("app".parse().unwrap())];
    let mut app = package("app", "1.0");
    app.wheels = vec![file("app-1.0-py3-none-any.whl", Some(&hash_of("app")))];
    app.hashes = vec![format!("sha256:{}", hash_of("app"))];
    app.dependencies = vec!["numpy".parse().unwrap(), "colorama".parse().unwrap()];
    app.via = vec![Via::Source("-r requirements.in".to_owned())];
    let mut lock = lock(vec![new, app, colorama, old]);
    lock.requires_python = Some(">=3.9".to_owned());
    lock
}

/// A stand-in sha256: the length of `text` as two hex digits (distinct enough for layout tests).
fn hash_of(text: &str) -> String {
    format!("{:02x}", text.len() % 256)
}
