//! Building a [`Lock`] from a [`tw_resolver::Resolution`]: the one path from a solved
//! resolution to the writers' model (issue 17: lock building lives next to the writers, so
//! the single-target and the universal lock share it).
//!
//! What goes in, per package: the wheels the target can install (a yanked one only when it is
//! the chosen file), the first usable sdist, `sha256:` hashes of every file of the version
//! (wheels for other targets included, for `requirements.txt --hash` lines), the index the
//! chosen file came from (without credentials), and the `# via` requirers.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tw_index::{DistFilename, IndexFile};
use tw_platform::Target;
use tw_resolver::{Requirer, Resolution, ResolvedPackage};
use url::Url;

use crate::model::{Lock, LockedFile, LockedPackage, Via};

impl Lock {
    /// The lock of `resolution` for `target`; `indexes` are the configured Simple API base
    /// URLs, of which the one each package's chosen file came from is recorded.
    pub fn from_resolution(resolution: &Resolution, target: &Target, indexes: &[Url]) -> Self {
        let packages = resolution
            .packages
            .iter()
            .map(|package| locked_package(package, target, indexes))
            .collect();
        let python = target.python_minor_version();
        Self {
            requires_python: Some(format!(">={python}")),
            environments: vec![target.environment_marker()],
            packages,
        }
    }
}

/// One resolved package as the writers see it.
fn locked_package(package: &ResolvedPackage, target: &Target, indexes: &[Url]) -> LockedPackage {
    let mut wheels = Vec::new();
    let mut sdist = None;
    for file in &package.files {
        let chosen = Arc::ptr_eq(file, &package.chosen);
        match &file.dist {
            DistFilename::Wheel(wheel) => {
                let (python, abi, platform) = (wheel.python(), wheel.abi(), wheel.platform());
                if target.tags.best_rank(&python, &abi, &platform).is_some() && !file.is_yanked()
                    || chosen
                {
                    wheels.push(locked_file(file));
                }
            }
            DistFilename::Sdist(_) => {
                if sdist.is_none() && (!file.is_yanked() || chosen) {
                    sdist = Some(locked_file(file));
                }
            }
        }
    }
    let mut hashes: Vec<String> = package
        .files
        .iter()
        .filter_map(|file| locked_file_hash(file))
        .chain(
            package
                .other_wheels
                .iter()
                .filter_map(|wheel| wheel.sha256.clone()),
        )
        .map(|hash| format!("sha256:{hash}"))
        .collect();
    hashes.sort();
    hashes.dedup();
    let via = package
        .required_by
        .iter()
        .map(|requirer| match requirer {
            Requirer::Source(source) => Via::Source(source.clone()),
            Requirer::Package(name) => Via::Package(name.clone()),
        })
        .collect();
    let index = indexes
        .iter()
        .find(|index| **index == *package.chosen.source)
        .map(without_credentials);
    LockedPackage {
        name: package.name.clone(),
        version: package.version.clone(),
        marker: package.marker.clone(),
        extras: package.extras.clone(),
        index,
        requires_python: package.requires_python.as_ref().map(ToString::to_string),
        dependencies: package.dependencies.clone(),
        via,
        wheels,
        sdist,
        hashes,
    }
}

/// An index file as the lock records it.
pub fn locked_file(file: &IndexFile) -> LockedFile {
    LockedFile {
        filename: file.filename.clone(),
        url: file.url.clone(),
        size: file.size,
        upload_time: file.upload_time,
        sha256: locked_file_hash(file),
    }
}

/// The sha256 of a file: the index's, or for a local find-links file (which carries none)
/// computed from the file itself (cheap, no network). `None` when neither is known.
pub fn locked_file_hash(file: &IndexFile) -> Option<String> {
    file.sha256.clone().or_else(|| {
        let path = file.url.to_file_path().ok()?;
        let bytes = fs_err::read(path).ok()?;
        Some(hex::encode(Sha256::digest(bytes)))
    })
}

/// An index URL without user name and password, as lock files record it.
pub fn without_credentials(url: &Url) -> Url {
    let mut url = url.clone();
    // Both setters fail only for URLs that cannot have credentials, which then have none.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_left_out() {
        let url = Url::parse("https://u:p@h.example.invalid/simple/").unwrap();
        assert_eq!(
            without_credentials(&url).as_str(),
            "https://h.example.invalid/simple/"
        );
    }
}
