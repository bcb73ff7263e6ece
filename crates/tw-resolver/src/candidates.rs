//! From a project's file list to candidate versions: which file the target would install
//! for each version, or why none can be used.
//!
//! The rules, in order: files uploaded after `--exclude-newer` do not exist; yanked files
//! are only used when every file of the version is yanked and the user pinned it with `==`
//! (PEP 592); a file whose `requires-python` excludes the target is skipped; of the rest the
//! wheel with the best-ranked compatible tag wins, else the sdist (unless `--no-build`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;
use tw_index::{DistFilename, IndexFile, ProjectFiles, SdistExtension};
use tw_platform::Target;

use crate::options::ResolverOptions;

/// Why a version cannot be used; shown in conflict reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// Every file is yanked and the version is not pinned with `==`.
    Yanked(String),
    /// Every file requires another Python.
    RequiresPython(VersionSpecifiers, Version),
    /// No wheel matches the target and there is no sdist.
    NoCompatibleWheel,
    /// Only an sdist exists and `--only-binary` covers the package.
    OnlyBinary,
    /// Only wheels exist and `--no-binary` is set for the package.
    NoBinary,
    /// The requirement carries `--hash` values and no file of this version has one of them.
    HashNotAllowed,
    /// The metadata could not be read (the reason is in the message).
    InvalidMetadata(String),
    /// The sdist's dependencies are only known after a build, and there will be none.
    NeedsBuild(NoBuildReason),
}

/// Why an sdist that needs a build is not built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoBuildReason {
    /// `--no-build` forbids running build backends.
    NoBuildFlag,
    /// No interpreter to run a backend with was found (`--python`, `python3.X` for the
    /// target, or `python3` on `PATH`).
    NoInterpreter,
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Yanked(reason) if reason.is_empty() => f.write_str("it was yanked"),
            Self::Yanked(reason) => write!(f, "it was yanked (reason: {reason})"),
            Self::RequiresPython(specifiers, python) => {
                write!(f, "it requires Python {specifiers}, but the target is Python {python}")
            }
            Self::NoCompatibleWheel => f.write_str("it has no wheel for the target platform and no source distribution"),
            Self::OnlyBinary => f.write_str("it has only a source distribution and `--only-binary` excludes those"),
            Self::NoBinary => f.write_str("it has no source distribution and wheels are disabled (`--no-binary`)"),
            Self::HashNotAllowed => f.write_str("none of its files has a sha256 allowed by the `--hash` values of the requirement"),
            Self::InvalidMetadata(reason) => write!(f, "its metadata is invalid: {reason}"),
            Self::NeedsBuild(NoBuildReason::NoBuildFlag) => f.write_str("its dependencies are only known after building its source distribution, and building is disabled (`--no-build`)"),
            Self::NeedsBuild(NoBuildReason::NoInterpreter) => f.write_str("its dependencies are only known after building its source distribution, and no Python interpreter was found to build it with; pass `--python`, or put `python3` on `PATH`"),
        }
    }
}

/// A wheel of a version that the target cannot install: only what a lock (its hash) and a
/// conflict report (its tags) need, so the full listing entry can be dropped. Index pages
/// list tens of wheels per version for other platforms; keeping them whole dominated memory.
#[derive(Clone, Debug)]
pub struct OtherWheel {
    /// The tag sets as written in the file name (`cp312-cp312-macosx_11_0_arm64`).
    pub tags: Box<str>,
    /// Its sha256 from the index, hex.
    pub sha256: Option<String>,
}

/// One version of a project.
#[derive(Clone, Debug)]
pub(crate) struct VersionEntry {
    /// The files of this version the target can use (compatible wheels, sdists, and the chosen
    /// file), listing order.
    pub(crate) files: Vec<Arc<IndexFile>>,
    /// The wheels of this version for other targets.
    pub(crate) other_wheels: Vec<OtherWheel>,
    /// When `choice` is an sdist and the version has wheels only for other targets: the one
    /// whose metadata is read instead of the sdist's (one range read rather than a stream or
    /// a build). Wheels of one version declare the same `Requires-Dist` (markers carry the
    /// platform differences), as uv assumes too. The lock keeps the sdist.
    pub(crate) metadata_wheel: Option<Arc<IndexFile>>,
    /// The file the target would install.
    pub(crate) choice: Result<Arc<IndexFile>, Unusable>,
    /// True when `choice` is a yanked file (only usable when pinned with `==`).
    pub(crate) yanked: Option<String>,
}

/// All versions of a project, ascending.
#[derive(Clone, Debug, Default)]
pub(crate) struct VersionMap {
    pub(crate) versions: BTreeMap<Version, VersionEntry>,
}

impl VersionMap {
    pub(crate) fn new(project: ProjectFiles, target: &Target, options: &ResolverOptions) -> Self {
        let name = project.name;
        let mut by_version: BTreeMap<Version, Vec<Arc<IndexFile>>> = BTreeMap::new();
        for file in project.files {
            if let (Some(cutoff), Some(uploaded)) = (options.exclude_newer, file.upload_time)
                && uploaded > cutoff
            {
                continue;
            }
            by_version
                .entry(file.dist.version().clone())
                .or_default()
                .push(Arc::new(file));
        }
        let versions = by_version
            .into_iter()
            .map(|(version, files)| {
                // `--hash` on a requirement: a file with any other hash is never used.
                let files = match options.allowed_hashes.get(&name) {
                    None => files,
                    Some(allowed) => {
                        let kept: Vec<_> = files
                            .iter()
                            .filter(|file| {
                                file.sha256.as_ref().is_some_and(|sha256| {
                                    allowed.iter().any(|hash| hash.eq_ignore_ascii_case(sha256))
                                })
                            })
                            .cloned()
                            .collect();
                        if kept.is_empty() {
                            let entry = VersionEntry {
                                files: Vec::new(),
                                other_wheels: Vec::new(),
                                metadata_wheel: None,
                                choice: Err(Unusable::HashNotAllowed),
                                yanked: None,
                            };
                            return (version, entry);
                        }
                        kept
                    }
                };
                let live: Vec<_> = files.iter().filter(|f| !f.is_yanked()).cloned().collect();
                let (choice, yanked) = if live.is_empty() {
                    let reason = files
                        .first()
                        .and_then(|f| f.yanked.clone())
                        .unwrap_or_default();
                    (choose_file(&name, &files, target, options), Some(reason))
                } else {
                    (choose_file(&name, &live, target, options), None)
                };
                let metadata_wheel = match &choice {
                    Ok(chosen)
                        if matches!(chosen.dist, DistFilename::Sdist(_))
                            && !options.no_binary.contains(&name) =>
                    {
                        let candidates = if live.is_empty() { &files } else { &live };
                        stand_in_wheel(candidates, target)
                    }
                    _ => None,
                };
                let (files, other_wheels) = split_other_wheels(files, &choice, target);
                (
                    version,
                    VersionEntry {
                        files,
                        other_wheels,
                        metadata_wheel,
                        choice,
                        yanked,
                    },
                )
            })
            .collect();
        Self { versions }
    }
}

/// Separate the wheels the target cannot install (kept as [`OtherWheel`]s) from the files it
/// can use.
fn split_other_wheels(
    files: Vec<Arc<IndexFile>>,
    choice: &Result<Arc<IndexFile>, Unusable>,
    target: &Target,
) -> (Vec<Arc<IndexFile>>, Vec<OtherWheel>) {
    let mut usable = Vec::new();
    let mut others = Vec::new();
    for file in files {
        let chosen = choice
            .as_ref()
            .is_ok_and(|chosen| Arc::ptr_eq(chosen, &file));
        match &file.dist {
            // A file without an index hash (a local find-links file) stays whole: the lock
            // computes its hash from the file.
            DistFilename::Wheel(wheel)
                if !chosen
                    && file.sha256.is_some()
                    && target
                        .tags
                        .best_rank(&wheel.python(), &wheel.abi(), &wheel.platform())
                        .is_none() =>
            {
                others.push(OtherWheel {
                    tags: wheel.tags().into(),
                    sha256: file.sha256.clone(),
                });
            }
            _ => usable.push(file),
        }
    }
    (usable, others)
}

/// The wheel of another target whose metadata stands in for an sdist's: the one closest to
/// the target by a fixed order, so every run reads the same one.
///
/// Old `setup.py` files often computed dependencies at build time (`if sys.version_info <
/// (3,)`, `if sys.platform == "win32"`), which bakes them into a wheel's METADATA without a
/// marker. So the order is by closeness: first the Python (a wheel for the target's own
/// version or a generic `py3` one, then other Python 3 versions nearest first; wheels for
/// another major version are never used), then the platform (pure-Python, then the target's OS and architecture, the
/// target's OS, any other), then the file name. Wheels whose `requires-python` excludes the
/// target are not used.
fn stand_in_wheel(files: &[Arc<IndexFile>], target: &Target) -> Option<Arc<IndexFile>> {
    let python = &target.python_full_version;
    let release = python.release();
    let (major, minor) = (
        release.first().copied().unwrap_or(3),
        release.get(1).copied().unwrap_or(0),
    );
    let os = match target.markers.sys_platform() {
        "linux" => "linux",
        "darwin" => "macosx",
        "win32" => "win",
        _ => "",
    };
    let machine = target.markers.platform_machine().to_ascii_lowercase();
    files
        .iter()
        .filter(|file| {
            file.requires_python
                .as_ref()
                .is_none_or(|spec| crate::ranges::requires_python_allows(spec, python))
        })
        .filter_map(|file| match &file.dist {
            DistFilename::Wheel(wheel) => {
                let python_rank = wheel
                    .python()
                    .iter()
                    .map(|tag| python_distance(tag, major, minor))
                    .min()
                    .unwrap_or((2, 0));
                let platform_rank = wheel
                    .platform()
                    .iter()
                    .map(|platform| {
                        let platform = platform.to_ascii_lowercase();
                        let same_machine = platform.ends_with(&machine)
                            || (machine == "x86_64" && platform.ends_with("amd64"))
                            || (machine == "aarch64" && platform.ends_with("arm64"));
                        if platform == "any" {
                            0
                        } else if !os.is_empty() && platform.contains(os) && same_machine {
                            1
                        } else if !os.is_empty() && platform.contains(os) {
                            2
                        } else {
                            3
                        }
                    })
                    .min()
                    .unwrap_or(3);
                // A wheel for Python 2 only says nothing reliable about Python 3.
                (python_rank.0 < 2).then_some(((python_rank, platform_rank), file))
            }
            DistFilename::Sdist(_) => None,
        })
        .min_by(|(a, fa), (b, fb)| a.cmp(b).then_with(|| fa.filename.cmp(&fb.filename)))
        .map(|(_, file)| Arc::clone(file))
}

/// How far a wheel's Python tag is from the target's `major.minor`: `(0, 0)` for the same
/// version or a generic tag of that major (`py3`), `(1, distance in minor versions)` for
/// another version of the same major, `(2, 0)` for anything else.
fn python_distance(tag: &str, major: u64, minor: u64) -> (u8, u64) {
    let digits = tag.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let Some(first) = digits.chars().next().and_then(|c| c.to_digit(10)) else {
        return (2, 0);
    };
    if u64::from(first) != major {
        return (2, 0);
    }
    match digits[1..].parse::<u64>() {
        Err(_) => (0, 0),
        Ok(other) => match other.abs_diff(minor) {
            0 => (0, 0),
            distance => (1, distance),
        },
    }
}

fn choose_file(
    name: &PackageName,
    files: &[Arc<IndexFile>],
    target: &Target,
    options: &ResolverOptions,
) -> Result<Arc<IndexFile>, Unusable> {
    let wheels_allowed = !options.no_binary.contains(name);
    let sdists_allowed = !options.only_binary.contains(name);
    let python = &target.python_full_version;
    // A universal resolution checks `requires-python` per fork, against the fork's lowest
    // Python (the solver's `get_dependencies`), so no file is ruled out here.
    let universal = target.tags.is_universal();
    let fitting: Vec<_> = files
        .iter()
        .filter(|f| {
            universal
                || f.requires_python
                    .as_ref()
                    .is_none_or(|spec| crate::ranges::requires_python_allows(spec, python))
        })
        .collect();
    if fitting.is_empty() {
        let spec = files
            .iter()
            .find_map(|f| f.requires_python.clone())
            .unwrap_or_else(VersionSpecifiers::empty);
        return Err(Unusable::RequiresPython(spec, python.clone()));
    }
    let best_wheel = fitting
        .iter()
        .filter_map(|file| match &file.dist {
            DistFilename::Wheel(_) if !wheels_allowed => None,
            DistFilename::Wheel(wheel) => {
                let (python, abi, platform) = (wheel.python(), wheel.abi(), wheel.platform());
                target
                    .tags
                    .best_rank(&python, &abi, &platform)
                    .map(|rank| (rank, *file))
            }
            DistFilename::Sdist(_) => None,
        })
        .min_by(|(a, fa), (b, fb)| a.cmp(b).then_with(|| fa.filename.cmp(&fb.filename)));
    if let Some((_, file)) = best_wheel {
        return Ok(Arc::clone(file));
    }
    let sdist = fitting.iter().find(
        |f| matches!(&f.dist, DistFilename::Sdist(s) if s.extension != SdistExtension::OtherTar),
    );
    match sdist {
        Some(_) if !sdists_allowed => Err(Unusable::OnlyBinary),
        Some(file) => Ok(Arc::clone(file)),
        None if !wheels_allowed => Err(Unusable::NoBinary),
        None => Err(Unusable::NoCompatibleWheel),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use tw_index::CoreMetadata;
    use url::Url;

    use super::*;

    fn file(filename: &str, sha256: Option<&str>) -> IndexFile {
        let name = PackageName::from_str("pkg").unwrap();
        let dist = DistFilename::parse(filename, &name).unwrap();
        let url = Url::parse(&format!("https://files.test/{filename}")).unwrap();
        IndexFile {
            filename: filename.to_string(),
            dist,
            url: url.clone(),
            sha256: sha256.map(str::to_string),
            requires_python: None,
            yanked: None,
            upload_time: None,
            size: None,
            core_metadata: CoreMetadata::Absent,
            source: Arc::new(url),
        }
    }

    fn versions(files: &[&str]) -> VersionMap {
        let target = tw_platform::target_from_platform(
            &"3.12".parse().unwrap(),
            &"x86_64-manylinux_2_28".parse().unwrap(),
        );
        let project = ProjectFiles {
            name: PackageName::from_str("pkg").unwrap(),
            files: files.iter().map(|name| file(name, Some("aa"))).collect(),
        };
        VersionMap::new(project, &target, &ResolverOptions::default())
    }

    fn stand_in(files: &[&str]) -> Option<String> {
        let map = versions(files);
        let entry = map.versions.values().next().unwrap();
        entry.metadata_wheel.as_ref().map(|f| f.filename.clone())
    }

    #[test]
    fn the_stand_in_wheel_is_chosen_by_a_fixed_order_whatever_the_listing_order() {
        let mut files = vec![
            "pkg-1.0-cp312-cp312-win_amd64.whl",
            "pkg-1.0-cp39-cp39-manylinux_2_17_x86_64.whl",
            "pkg-1.0-cp310-cp310-manylinux_2_17_x86_64.whl",
            "pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl",
            "pkg-1.0-py2-none-any.whl",
            "pkg-1.0.tar.gz",
        ];
        // The target is CPython 3.12 on Linux x86_64: the target's own Python comes first,
        // then the nearest platform.
        let own_python = Some("pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl".to_string());
        assert_eq!(stand_in(&files), own_python);
        files.reverse();
        assert_eq!(stand_in(&files), own_python);
        // Linux of another architecture is nearer than macOS or Windows.
        files.push("pkg-1.0-cp312-cp312-manylinux_2_17_aarch64.whl");
        assert_eq!(
            stand_in(&files),
            Some("pkg-1.0-cp312-cp312-manylinux_2_17_aarch64.whl".to_string())
        );
        // Without the target's Python, the nearest Python 3 version.
        let older = [
            "pkg-1.0-py2-none-any.whl",
            "pkg-1.0-cp36-cp36m-manylinux1_x86_64.whl",
            "pkg-1.0-cp39-cp39-macosx_10_9_x86_64.whl",
            "pkg-1.0-cp39-cp39-manylinux1_x86_64.whl",
            "pkg-1.0.tar.gz",
        ];
        assert_eq!(
            stand_in(&older),
            Some("pkg-1.0-cp39-cp39-manylinux1_x86_64.whl".to_string())
        );
        // For the same Python, a pure-Python wheel comes before any platform wheel.
        // (`py313-none-any` is not installable on the 3.12 target.)
        let newer = [
            "pkg-1.0-cp313-cp313-manylinux_2_17_x86_64.whl",
            "pkg-1.0-py313-none-any.whl",
            "pkg-1.0.tar.gz",
        ];
        assert_eq!(
            stand_in(&newer),
            Some("pkg-1.0-py313-none-any.whl".to_string())
        );
        // Python 2 wheels never stand in: the sdist is read (or built) itself.
        assert_eq!(
            stand_in(&["pkg-1.0-py2-none-any.whl", "pkg-1.0.tar.gz"]),
            None
        );
    }

    #[test]
    fn no_stand_in_when_the_target_has_a_wheel_or_there_is_no_sdist() {
        // A wheel for the target: it is chosen and read itself.
        assert_eq!(
            stand_in(&[
                "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
                "pkg-1.0-cp312-cp312-win_amd64.whl",
                "pkg-1.0.tar.gz",
            ]),
            None
        );
        // No sdist: the version is unusable, nothing stands in.
        let map = versions(&["pkg-1.0-cp312-cp312-win_amd64.whl"]);
        let entry = map.versions.values().next().unwrap();
        assert!(entry.choice.is_err() && entry.metadata_wheel.is_none());
        // Only an sdist: it is read (or built) itself.
        assert_eq!(stand_in(&["pkg-1.0.tar.gz"]), None);
    }
}
