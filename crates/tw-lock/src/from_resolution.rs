//! Building a [`Lock`] from a [`tw_resolver::Resolution`]: the one path from a solved
//! resolution to the writers' model (issue 17: lock building lives next to the writers, so
//! the single-target and the universal lock share it).
//!
//! What goes in, per package: the wheels an installer may pick (for one target, those its
//! tags accept; for a universal lock, every wheel of the version), a yanked wheel only when
//! it is the chosen file, the first usable sdist, `sha256:` hashes of every file of the
//! version (wheels for other targets included, for `requirements.txt --hash` lines), the
//! index the chosen file came from (without credentials), the `# via` requirers, and the
//! entry's marker (universal locks only).

use std::sync::Arc;

use pep440_rs::VersionSpecifiers;
use pep508_rs::MarkerTree;
use sha2::{Digest, Sha256};
use tw_index::{DistFilename, IndexFile, WheelFilename};
use tw_platform::Target;
use tw_resolver::{Requirer, Resolution, ResolvedPackage};
use url::Url;

use crate::model::{Lock, LockedFile, LockedPackage, Via};

/// What a universal lock covers: the Python versions and, when limited, the environments
/// (`--environment`, uv's `environments`).
#[derive(Clone, Debug, Default)]
pub struct UniversalScope {
    /// The lock's `requires-python` (from `--python-version` as a lower bound, or
    /// `pyproject.toml`); `None` for any Python.
    pub requires_python: Option<VersionSpecifiers>,
    /// The environments the lock is limited to; empty for every environment.
    pub environments: Vec<MarkerTree>,
}

impl Lock {
    /// The lock of `resolution` for `target`; `indexes` are the configured Simple API base
    /// URLs, of which the one each package's chosen file came from is recorded.
    pub fn from_resolution(resolution: &Resolution, target: &Target, indexes: &[Url]) -> Self {
        let installable = |wheel: &WheelFilename| {
            let (python, abi, platform) = (wheel.python(), wheel.abi(), wheel.platform());
            target.tags.best_rank(&python, &abi, &platform).is_some()
        };
        let packages = resolution
            .packages
            .iter()
            .map(|package| locked_package(package, &installable, indexes))
            .collect();
        let python = target.python_minor_version();
        Self {
            requires_python: Some(format!(">={python}")),
            environments: vec![target.environment_marker()],
            packages,
        }
    }

    /// The universal lock of `resolution` (issue 17): each entry keeps its marker (several
    /// entries may share a name under disjoint markers) and every wheel of its version, so
    /// an installer on any platform finds its own; `scope` gives `requires-python` and
    /// `environments`.
    pub fn universal(resolution: &Resolution, scope: &UniversalScope, indexes: &[Url]) -> Self {
        let packages = resolution
            .packages
            .iter()
            .map(|package| locked_package(package, &|_| true, indexes))
            .collect();
        Self {
            requires_python: scope.requires_python.as_ref().map(ToString::to_string),
            environments: scope
                .environments
                .iter()
                .filter_map(MarkerTree::try_to_string)
                .collect(),
            packages,
        }
    }
}

/// One resolved package as the writers see it: the wheels `installable` accepts (a yanked
/// one only when it is the chosen file), the first usable sdist, the hashes of every file
/// of the version, the index of the chosen file and the `# via` requirers.
fn locked_package(
    package: &ResolvedPackage,
    installable: &dyn Fn(&WheelFilename) -> bool,
    indexes: &[Url],
) -> LockedPackage {
    let mut wheels = Vec::new();
    let mut sdist = None;
    for file in &package.files {
        let chosen = Arc::ptr_eq(file, &package.chosen);
        match &file.dist {
            DistFilename::Wheel(wheel) => {
                if installable(wheel) && !file.is_yanked() || chosen {
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
    // Issue 16: a direct package has no index files; an archive's hash is its only one.
    let source = package.direct.as_ref().map(crate::LockedSource::from);
    let hashes = match &source {
        Some(crate::LockedSource::Archive { sha256, .. }) => vec![format!("sha256:{sha256}")],
        Some(_) => Vec::new(),
        None => hashes,
    };
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
        source,
    }
}

impl From<&tw_resolver::DirectSource> for crate::LockedSource {
    /// The lock's record of where a direct package came from.
    fn from(source: &tw_resolver::DirectSource) -> Self {
        use tw_resolver::DirectSource;
        match source {
            DirectSource::Directory { path, editable } => Self::Directory {
                path: path.clone(),
                editable: *editable,
            },
            DirectSource::LocalArchive { path, sha256 } => Self::Archive {
                url: None,
                path: Some(path.clone()),
                sha256: sha256.clone(),
                subdirectory: None,
            },
            DirectSource::Archive {
                url,
                sha256,
                subdirectory,
            } => Self::Archive {
                url: Some(url.clone()),
                path: None,
                sha256: sha256.clone(),
                subdirectory: subdirectory.clone(),
            },
            DirectSource::Git {
                repository,
                requested,
                commit,
                subdirectory,
            } => Self::Vcs {
                url: repository.clone(),
                requested_revision: requested.clone(),
                commit_id: commit.clone(),
                subdirectory: subdirectory.clone(),
            },
        }
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
    use pep508_rs::PackageName;
    use tw_resolver::OtherWheel;

    use super::*;

    const INDEX: &str = "https://index.example.invalid/simple/";

    /// An index file of `name` with a stand-in hash (its file name's length in hex, padded).
    fn index_file(name: &str, filename: &str, yanked: bool) -> Arc<IndexFile> {
        let project: PackageName = name.parse().unwrap();
        Arc::new(IndexFile {
            filename: filename.to_owned(),
            dist: DistFilename::parse(filename, &project).unwrap(),
            url: format!("https://files.example.invalid/{filename}")
                .parse()
                .unwrap(),
            sha256: Some(format!("{:064x}", filename.len())),
            requires_python: None,
            yanked: yanked.then(String::new),
            upload_time: None,
            size: Some(10),
            core_metadata: tw_index::CoreMetadata::Absent,
            source: Arc::new(INDEX.parse().unwrap()),
        })
    }

    /// A resolved `name==version` with `files` (the first one chosen) and `marker`.
    fn resolved(
        name: &str,
        version: &str,
        marker: Option<&str>,
        files: &[(&str, bool)],
    ) -> ResolvedPackage {
        let files: Vec<_> = files
            .iter()
            .map(|(filename, yanked)| index_file(name, filename, *yanked))
            .collect();
        let metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        ResolvedPackage {
            name: name.parse().unwrap(),
            version: version.parse().unwrap(),
            chosen: Arc::clone(&files[0]),
            files,
            other_wheels: Vec::new(),
            extras: Vec::new(),
            dependencies: Vec::new(),
            required_by: Vec::new(),
            requires_python: None,
            metadata: Arc::new(
                tw_metadata::DistMetadata::parse(metadata.as_bytes(), "test").unwrap(),
            ),
            metadata_from: None,
            marker: marker.map(|marker| marker.parse::<MarkerTree>().unwrap()),
            direct: None,
        }
    }

    fn filenames(files: &[LockedFile]) -> Vec<&str> {
        files.iter().map(|file| file.filename.as_str()).collect()
    }

    #[test]
    fn a_universal_lock_keeps_every_wheel_and_each_entrys_marker() {
        let mut app = resolved("app", "1.0", None, &[("app-1.0-py3-none-any.whl", false)]);
        app.dependencies = vec!["numpy".parse().unwrap()];
        let old = resolved(
            "numpy",
            "2.0.2",
            Some("python_full_version < '3.10'"),
            &[
                ("numpy-2.0.2-cp39-cp39-manylinux_2_17_x86_64.whl", false),
                ("numpy-2.0.2-cp39-cp39-win_amd64.whl", false),
                ("numpy-2.0.2-cp39-cp39-macosx_11_0_arm64.whl", true),
                ("numpy-2.0.2.tar.gz", false),
            ],
        );
        let mut new = resolved(
            "numpy",
            "2.2.6",
            Some("python_full_version >= '3.10'"),
            &[
                ("numpy-2.2.6-cp312-cp312-win_amd64.whl", false),
                ("numpy-2.2.6-cp312-cp312-manylinux_2_17_aarch64.whl", false),
            ],
        );
        // A wheel known only by its tags and hash (a single-target resolution's leftovers).
        new.other_wheels = vec![OtherWheel {
            tags: "cp313-cp313-musllinux_1_2_x86_64".into(),
            sha256: Some("ff".repeat(32)),
        }];
        let resolution = Resolution {
            packages: vec![app, old, new],
            ..Resolution::default()
        };
        let scope = UniversalScope {
            requires_python: Some(">=3.9".parse().unwrap()),
            environments: vec![
                "sys_platform == 'linux'".parse().unwrap(),
                "sys_platform == 'win32'".parse().unwrap(),
            ],
        };
        let indexes = [INDEX.parse().unwrap()];
        let lock = Lock::universal(&resolution, &scope, &indexes);

        assert_eq!(lock.requires_python.as_deref(), Some(">=3.9"));
        assert_eq!(
            lock.environments,
            ["sys_platform == 'linux'", "sys_platform == 'win32'"]
        );
        let entries: Vec<String> = lock
            .packages
            .iter()
            .map(|package| {
                let marker = package.marker.as_ref().and_then(MarkerTree::try_to_string);
                format!("{}=={} {marker:?}", package.name, package.version)
            })
            .collect();
        assert_eq!(
            entries,
            [
                "app==1.0 None",
                "numpy==2.0.2 Some(\"python_full_version < '3.10'\")",
                "numpy==2.2.6 Some(\"python_full_version >= '3.10'\")",
            ]
        );
        // Every wheel of each version, for any platform; a yanked one only when chosen.
        let old = &lock.packages[1];
        assert_eq!(
            filenames(&old.wheels),
            [
                "numpy-2.0.2-cp39-cp39-manylinux_2_17_x86_64.whl",
                "numpy-2.0.2-cp39-cp39-win_amd64.whl",
            ]
        );
        assert_eq!(
            old.sdist.as_ref().map(|sdist| sdist.filename.as_str()),
            Some("numpy-2.0.2.tar.gz")
        );
        let new = &lock.packages[2];
        assert_eq!(
            filenames(&new.wheels),
            [
                "numpy-2.2.6-cp312-cp312-win_amd64.whl",
                "numpy-2.2.6-cp312-cp312-manylinux_2_17_aarch64.whl",
            ]
        );
        // Hashes cover every file, the other target's wheel included.
        assert_eq!(new.hashes.len(), 3);
        assert!(new.hashes.contains(&format!("sha256:{}", "ff".repeat(32))));
        assert_eq!(
            lock.packages[0].index.as_ref().map(Url::as_str),
            Some(INDEX)
        );
    }

    #[test]
    fn credentials_are_left_out() {
        let url = Url::parse("https://u:p@h.example.invalid/simple/").unwrap();
        assert_eq!(
            without_credentials(&url).as_str(),
            "https://h.example.invalid/simple/"
        );
    }
}
