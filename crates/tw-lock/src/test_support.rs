//! Builders shared by the unit tests.

use crate::model::{Lock, LockedFile, LockedPackage};

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
