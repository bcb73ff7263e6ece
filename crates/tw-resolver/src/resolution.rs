//! The result of a resolution: one version per project, the files it may use, and the
//! requirement graph (for `# via` and pylock's `dependencies`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName};
use pubgrub::SelectedDependencies;
use tw_index::IndexFile;

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
}

/// A complete, consistent set of pins.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// Packages sorted by name.
    pub packages: Vec<ResolvedPackage>,
}

pub(crate) fn build(
    provider: &Provider,
    solution: &SelectedDependencies<PubGrubPackage, Version>,
    manifest: &Manifest,
    handle: &tokio::runtime::Handle,
) -> Resolution {
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
        let Ok(versions) = handle.block_on(provider.fetcher.project(name)) else {
            continue;
        };
        let Some(entry) = versions.versions.get(version) else {
            continue;
        };
        let Ok(chosen) = &entry.choice else { continue };
        let Ok(metadata) = handle.block_on(provider.fetcher.metadata(name, version, chosen)) else {
            continue;
        };
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
    Resolution { packages }
}
