//! The result of a resolution: one version per project, the files it may use, and the
//! requirement graph (for `# via` and pylock's `dependencies`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName};
use pubgrub::SelectedDependencies;
use tw_index::IndexFile;

use crate::error::ResolveError;
use crate::package::{PackageKind, PubGrubPackage};
use crate::provider::{Manifest, Provider};

/// Why a package is in the resolution.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Requirer {
    /// A root requirement from this source (e.g. `-r requirements.in`).
    Source(String),
    /// A dependency of this package.
    Package(PackageName),
}

/// One project in the solution.
#[derive(Clone, Debug)]
pub struct ResolvedPackage {
    /// The project.
    pub name: PackageName,
    /// The chosen version.
    pub version: Version,
    /// The files of that version the target can use: compatible wheels, sdists and `chosen`.
    pub files: Vec<Arc<IndexFile>>,
    /// The wheels of that version for other targets (their hashes belong in `--hash` lines).
    pub other_wheels: Vec<crate::candidates::OtherWheel>,
    /// The file the target installs.
    pub chosen: Arc<IndexFile>,
    /// Extras that were requested of it.
    pub extras: Vec<ExtraName>,
    /// The projects it depends on in this solution, sorted.
    pub dependencies: Vec<PackageName>,
    /// Who requires it, sorted.
    pub required_by: Vec<Requirer>,
    /// Its `Requires-Python`, from the metadata.
    pub requires_python: Option<VersionSpecifiers>,
    /// The core metadata the resolution used (from PEP 658, a zip tail or a whole file);
    /// a downloader checks it against the verified wheel.
    pub metadata: Arc<tw_metadata::DistMetadata>,
    /// The wheel for another target whose metadata was used because the version has no
    /// wheel for the target (`chosen` is then the sdist); `None` when `chosen` was read.
    pub metadata_from: Option<Arc<IndexFile>>,
    /// Where this entry is installed, for a universal resolution (issue 17): a PEP 508
    /// marker, or `None` for every environment the resolution covers. Always `None` when
    /// resolving for one target. Several entries may share a name when their markers are
    /// disjoint.
    pub marker: Option<pep508_rs::MarkerTree>,
    /// Where the package comes from when a direct reference fixed it (issue 16); `chosen`
    /// is then a stand-in with the source's URL, and `files` is empty.
    pub direct: Option<crate::direct::DirectSource>,
}

/// A complete, consistent set of pins.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// Packages sorted by name.
    pub packages: Vec<ResolvedPackage>,
    /// How many versions (chosen or only considered) had their metadata read from a wheel
    /// for another target, for `--stats`.
    pub other_target_wheels: u64,
    /// What the resolution fetched (on the solver's behalf and on a guess) and decided.
    pub stats: crate::speculation::ResolveStats,
    /// The Python versions a universal resolution covers (`--universal`: the project's
    /// `requires-python`, or `>=X.Y` from `--python-version`); `None` for one target.
    pub requires_python: Option<VersionSpecifiers>,
    /// The environments a universal resolution was limited to (`--environment`, for pylock's
    /// `environments`); empty when it covers every environment, and for one target.
    pub environments: Vec<pep508_rs::MarkerTree>,
    /// The markers of the forks a universal resolution was split into (simplified against
    /// `requires_python`, disjoint, in solve order); empty when it needed no fork, and for one
    /// target.
    pub fork_markers: Vec<pep508_rs::MarkerTree>,
    /// What the per-platform metadata check of a universal resolution read and found (issue
    /// 17, item 3); all zero for one target.
    pub platform_check: crate::platforms::PlatformCheckStats,
}

/// The resolution of `solution`: every solved package with its chosen file and metadata.
/// A solved package without a file (or whose page or metadata cannot be read) is an error,
/// never left out: a lock missing a package would install an incomplete environment.
pub(crate) fn build(
    provider: &Provider,
    solution: &SelectedDependencies<PubGrubPackage, Version>,
    manifest: &Manifest,
    handle: &tokio::runtime::Handle,
) -> Result<Resolution, ResolveError> {
    let mut required_by: BTreeMap<PackageName, BTreeSet<Requirer>> = BTreeMap::new();
    let mut dependencies: BTreeMap<PackageName, BTreeSet<PackageName>> = BTreeMap::new();
    let mut extras: BTreeMap<PackageName, BTreeSet<ExtraName>> = BTreeMap::new();
    let markers = &provider.fetcher.target.markers;
    for root in &manifest.requirements {
        if root.requirement.marker.evaluate(markers, &[]) {
            required_by
                .entry(root.requirement.name.clone())
                .or_default()
                .insert(Requirer::Source(root.source.clone()));
        }
    }
    let mut packages = Vec::new();
    for (package, version) in solution.iter() {
        let (name, extra) = match package.kind() {
            PackageKind::Root => continue,
            PackageKind::Base(name) => (name, None),
            PackageKind::Extra(name, extra) => (name, Some(extra)),
        };
        if let Some(extra) = extra {
            extras
                .entry(name.clone())
                .or_default()
                .insert(extra.clone());
        }
        let no_file = |reason: String| ResolveError::NoFile {
            package: name.clone(),
            version: version.clone(),
            reason,
        };
        let versions = handle
            .block_on(provider.fetcher.project(name))
            .map_err(|source| ResolveError::Index {
                package: name.to_string(),
                source,
            })?;
        let entry = versions
            .versions
            .get(version)
            .ok_or_else(|| no_file("the project lists no such version".to_string()))?;
        let chosen = entry
            .choice
            .as_ref()
            .map_err(|unusable| no_file(unusable.to_string()))?;
        let stand_in = entry.metadata_wheel.as_deref();
        let metadata = handle
            .block_on(provider.fetcher.metadata(name, version, chosen, stand_in))
            .map_err(|source| ResolveError::Metadata {
                package: name.clone(),
                version: version.clone(),
                url: Box::new(stand_in.unwrap_or(chosen).url.clone()),
                source,
            })?;
        let active: Vec<_> = metadata
            .requires_dist
            .iter()
            .filter(|r| match extra {
                None => r.marker.evaluate(markers, &[]),
                Some(extra) => {
                    r.marker.evaluate(markers, std::slice::from_ref(extra))
                        && !r.marker.evaluate(markers, &[])
                }
            })
            .collect();
        for requirement in active {
            if &requirement.name == name {
                continue;
            }
            required_by
                .entry(requirement.name.clone())
                .or_default()
                .insert(Requirer::Package(name.clone()));
            dependencies
                .entry(name.clone())
                .or_default()
                .insert(requirement.name.clone());
        }
        if extra.is_none() {
            packages.push(ResolvedPackage {
                name: name.clone(),
                version: version.clone(),
                files: entry.files.clone(),
                other_wheels: entry.other_wheels.clone(),
                chosen: Arc::clone(chosen),
                extras: Vec::new(),
                dependencies: Vec::new(),
                required_by: Vec::new(),
                requires_python: metadata.requires_python.clone(),
                metadata: Arc::clone(&metadata),
                metadata_from: entry.metadata_wheel.clone(),
                marker: None,
                direct: provider
                    .fetcher
                    .direct
                    .get(name)
                    .map(|package| package.source.clone()),
            });
        }
    }
    for package in &mut packages {
        package.extras = extras
            .remove(&package.name)
            .unwrap_or_default()
            .into_iter()
            .collect();
        package.dependencies = dependencies
            .remove(&package.name)
            .unwrap_or_default()
            .into_iter()
            .collect();
        package.required_by = required_by
            .remove(&package.name)
            .unwrap_or_default()
            .into_iter()
            .collect();
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Resolution {
        packages,
        other_target_wheels: provider
            .fetcher
            .other_target_wheels
            .load(std::sync::atomic::Ordering::Relaxed),
        stats: crate::speculation::ResolveStats::default(),
        requires_python: None,
        environments: Vec::new(),
        fork_markers: Vec::new(),
        platform_check: crate::platforms::PlatformCheckStats::default(),
    })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use pep508_rs::PackageName;

    use super::*;
    use crate::fetch::Fetcher;
    use crate::options::{PackageSelection, ResolverOptions};
    use crate::source::InMemorySource;

    fn target() -> tw_platform::Target {
        tw_platform::target_from_platform(
            &"3.12".parse().unwrap(),
            &"x86_64-manylinux_2_28".parse().unwrap(),
        )
    }

    fn name(text: &str) -> PackageName {
        PackageName::from_str(text).unwrap()
    }

    /// Build a resolution of `solved` from a source that has only `app` 1.0.0.
    fn build_with(
        options: ResolverOptions,
        solved: &[(&str, &str)],
    ) -> Result<Resolution, ResolveError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut source = InMemorySource::new();
        let text = "Metadata-Version: 2.1\nName: app\nVersion: 1.0.0\n";
        source
            .add(tw_metadata::DistMetadata::parse(text.as_bytes(), "app").unwrap())
            .unwrap();
        let fetcher = Arc::new(Fetcher::new(
            Arc::new(source),
            target(),
            options,
            runtime.handle().clone(),
        ));
        let manifest = Manifest::default();
        let provider = Provider::new(fetcher, runtime.handle().clone(), &manifest, &[], false);
        let solution: SelectedDependencies<PubGrubPackage, Version> =
            std::iter::once((PubGrubPackage::root(), Version::new([0])))
                .chain(solved.iter().map(|(package, version)| {
                    (
                        PubGrubPackage::base(name(package)),
                        Version::from_str(version).unwrap(),
                    )
                }))
                .collect();
        build(&provider, &solution, &manifest, runtime.handle())
    }

    #[test]
    fn a_solved_package_without_a_file_is_an_error_not_skipped() {
        let resolution = build_with(ResolverOptions::default(), &[("app", "1.0.0")]).unwrap();
        assert_eq!(resolution.packages.len(), 1);
        // A version the project does not have.
        let error = build_with(
            ResolverOptions::default(),
            &[("app", "1.0.0"), ("ghost", "1.0.0")],
        )
        .unwrap_err();
        assert!(
            matches!(&error, ResolveError::NoFile { package, .. } if package.as_ref() == "ghost"),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "`ghost` `1.0.0` was chosen but has no file to install: the project lists no such version"
        );
        // A version whose only file the options rule out (`--no-binary :all:`, no sdist).
        let options = ResolverOptions {
            no_binary: PackageSelection::All,
            ..ResolverOptions::default()
        };
        let error = build_with(options, &[("app", "1.0.0")]).unwrap_err();
        assert!(
            matches!(&error, ResolveError::NoFile { package, reason, .. }
                if package.as_ref() == "app" && reason.contains("--no-binary")),
            "{error:?}"
        );
    }
}
