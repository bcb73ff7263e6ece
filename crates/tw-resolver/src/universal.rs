//! Universal resolution (`--universal`, issue 17): one resolution for every environment a
//! [`UniversalTarget`] covers, solved fork by fork and merged.
//!
//! 1. The first fork is the whole target (`requires-python`, and the `--environment`
//!    markers). Requirements whose markers are disjoint from a fork are dropped; the rest are
//!    required (see `fork.rs`).
//! 2. When one requirement list names a package under markers that differ within the fork,
//!    the solver stops (`Stop::Fork`) and the fork is replaced by its disjoint pieces, which
//!    are solved from the root again, first piece first. Pages and metadata are shared by
//!    every attempt, so a fork costs solver time only.
//! 3. Versions chosen by a solved fork are preferred by the forks solved after it, so a
//!    package gets a second version only where the first cannot be used.
//! 4. The solutions are merged: each package's marker is where it is reachable from the
//!    root (the OR over forks of the AND of the markers along each path), simplified against
//!    `requires-python`. A package reachable everywhere has no marker; several versions of
//!    one package have disjoint markers, since the forks are disjoint.
//!
//! The output keeps every file of each version whose wheels can install somewhere the
//! package is needed (all platforms, and the sdist), so one lock serves every machine.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerTree, PackageName};
use pubgrub::PubGrubError;
use rustc_hash::FxHashMap;
use tokio::runtime::Handle;
use tracing::{debug, info};
use tw_index::{DistFilename, IndexFile};
use tw_platform::UniversalTarget;

use crate::error::ResolveError;
use crate::fetch::Fetcher;
use crate::fork::{Fork, restrict_extras};
use crate::package::{PackageKind, PubGrubPackage};
use crate::platforms::PlatformCheck;
use crate::provider::{ForkContext, Manifest, Provider, Stop};
use crate::resolution::{Requirer, Resolution, ResolvedPackage};
use crate::{IndexSource, MetadataSource, ResolverOptions};

/// Forks solved at most before a universal resolution gives up (each piece of a split counts).
const MAX_FORKS: usize = 256;

/// Resolve `manifest` for every environment `universal` covers, against `index`. Must be
/// called inside a multi-threaded tokio runtime.
pub async fn resolve_universal(
    manifest: Manifest,
    index: Arc<tw_index::Index>,
    metadata: Arc<tw_metadata::MetadataFetcher>,
    universal: UniversalTarget,
    options: ResolverOptions,
) -> Result<Resolution, ResolveError> {
    let source = Arc::new(IndexSource::new(index, metadata));
    resolve_universal_with(manifest, source, universal, options).await
}

/// Resolve `manifest` for every environment `universal` covers, with versions and metadata
/// from `source`. Must be called inside a multi-threaded tokio runtime.
pub async fn resolve_universal_with(
    manifest: Manifest,
    source: Arc<dyn MetadataSource>,
    universal: UniversalTarget,
    options: ResolverOptions,
) -> Result<Resolution, ResolveError> {
    let target = universal
        .target()
        .map_err(|source| ResolveError::Target { source })?;
    let direct = manifest.direct.clone();
    crate::run_solver(source, target, options, direct, move |fetcher, handle| {
        solve_forks(&fetcher, &handle, &manifest, &universal)
    })
    .await
}

/// One solved fork.
struct Solved {
    fork: Fork,
    solution: BTreeMap<PubGrubPackage, Version>,
}

/// Rounds of "solve every fork, check the chosen versions by platform" at most: each round
/// after the first exists because a chosen version's wheels disagreed.
const MAX_ROUNDS: usize = 8;

/// Solve every fork; check the chosen versions' wheels per platform family and, when some
/// disagree, solve again with those versions split by platform; then merge.
fn solve_forks(
    fetcher: &Arc<Fetcher>,
    handle: &Handle,
    manifest: &Manifest,
    universal: &UniversalTarget,
) -> Result<Resolution, ResolveError> {
    let platforms = Arc::new(PlatformCheck::default());
    let mut round = 0;
    loop {
        round += 1;
        let solved = solve_round(fetcher, handle, manifest, universal, &platforms)?;
        let mut items = Vec::new();
        let solutions = if fetcher.options.skip_platform_check {
            &[][..]
        } else {
            &solved[..]
        };
        let sources = Sources {
            fetcher,
            handle,
            manifest,
            platforms: &platforms,
        };
        for Solved { solution, fork } in solutions {
            // Where each package is installed from this fork (the merge's markers): the check
            // reads only the platform families there.
            let reach = fork_reach(&sources, fork, solution)?;
            for (package, version) in solution {
                if let PackageKind::Base(name) = package.kind()
                    && let Some(reach) = reach.get(package).filter(|marker| !marker.is_false())
                {
                    let (entry, metadata) = metadata_of(fetcher, handle, name, version)?;
                    items.push(crate::platforms::Chosen {
                        name: name.clone(),
                        version: version.clone(),
                        entry,
                        used: metadata,
                        reach: reach.clone(),
                    });
                }
            }
        }
        // Guesses still queued or in flight are for versions no fork chose; left running,
        // they would compete with the check's reads (and were most of its cost when
        // measured). Later rounds, rare, run without speculation.
        handle.block_on(fetcher.shutdown());
        let concurrency = fetcher.options.concurrency.max(1);
        let differing =
            handle.block_on(platforms.check(fetcher.source.as_ref(), items, concurrency))?;
        if differing == 0 || round >= MAX_ROUNDS {
            let mut resolution = merge(fetcher, handle, manifest, universal, &solved, &platforms)?;
            resolution.platform_check = platforms.stats();
            return Ok(resolution);
        }
        info!(
            differing,
            round, "wheels disagree by platform: solving the forks again"
        );
    }
}

/// Solve every fork once.
fn solve_round(
    fetcher: &Arc<Fetcher>,
    handle: &Handle,
    manifest: &Manifest,
    universal: &UniversalTarget,
    platforms: &Arc<PlatformCheck>,
) -> Result<Vec<Solved>, ResolveError> {
    let lowest = &universal.python_lower_bound;
    let mut pending = VecDeque::from([Fork::new(universal.marker(), lowest)]);
    let mut solved: Vec<Solved> = Vec::new();
    let mut preferences: FxHashMap<PackageName, Vec<(Version, bool)>> = FxHashMap::default();
    let mut started = 0;
    let mut split = false;
    while let Some(fork) = pending.pop_front() {
        started += 1;
        if started > MAX_FORKS {
            return Err(ResolveError::TooManyForks { limit: MAX_FORKS });
        }
        debug!(fork = ?fork.marker, "solving a fork");
        let (provider, result) = crate::solve_with_restarts(fetcher, |early, may_restart| {
            Provider::for_fork(
                Arc::clone(fetcher),
                handle.clone(),
                manifest,
                early,
                may_restart,
                Some(ForkContext {
                    fork: fork.clone(),
                    preferences: preferences.clone(),
                    platforms: Arc::clone(platforms),
                }),
            )
        });
        if let Some(fatal) = provider.fatal.borrow_mut().take() {
            return Err(fatal);
        }
        match result {
            Ok(solution) => {
                let solution: BTreeMap<PubGrubPackage, Version> = solution.into_iter().collect();
                for (package, version) in &solution {
                    if let PackageKind::Base(name) = package.kind() {
                        let preference = (version.clone(), provider.prefers_lowest(name));
                        let chosen = preferences.entry(name.clone()).or_default();
                        if !chosen.contains(&preference) {
                            chosen.insert(0, preference);
                        }
                    }
                }
                solved.push(Solved { fork, solution });
            }
            Err(PubGrubError::ErrorRetrievingDependencies {
                source: Stop::Fork { package, markers },
                ..
            }) => {
                info!(%package, forks = markers.len(), "forking");
                split = true;
                for marker in markers.into_iter().rev() {
                    pending.push_front(Fork::new(marker, lowest));
                }
            }
            Err(PubGrubError::NoSolution(tree)) => {
                let error = crate::no_solution(&provider, tree);
                return Err(match (split, error) {
                    (true, ResolveError::NoSolution { report }) => {
                        let environments = universal
                            .simplify(fork.marker.clone())
                            .try_to_string()
                            .unwrap_or_else(|| "every environment".to_string());
                        ResolveError::NoSolution {
                            report: format!("in the environments `{environments}`:\n{report}"),
                        }
                    }
                    (_, error) => error,
                });
            }
            Err(other) => return Err(ResolveError::Thread(other.to_string())),
        }
    }
    Ok(solved)
}

/// What the merge reads from: the fetcher (cached pages and metadata), the runtime, the
/// root requirements and the per-platform check.
struct Sources<'a> {
    fetcher: &'a Fetcher,
    handle: &'a Handle,
    manifest: &'a Manifest,
    platforms: &'a PlatformCheck,
}

/// A solved node's outgoing edges: the solved packages its requirements reach, each with
/// the marker (environment only) under which the requirement applies.
fn edges(
    sources: &Sources<'_>,
    fork: &Fork,
    package: &PubGrubPackage,
    version: &Version,
    solution: &BTreeMap<PubGrubPackage, Version>,
) -> Result<Vec<(PubGrubPackage, MarkerTree)>, ResolveError> {
    let mut out = Vec::new();
    let mut add = |requirement: &pep508_rs::Requirement, marker: MarkerTree| {
        if !fork.allows(&marker) {
            return;
        }
        let base = PubGrubPackage::base(requirement.name.clone());
        if solution.contains_key(&base) {
            out.push((base, marker.clone()));
        }
        for extra in &requirement.extras {
            let virtual_package = PubGrubPackage::extra(requirement.name.clone(), extra.clone());
            if solution.contains_key(&virtual_package) {
                out.push((virtual_package, marker.clone()));
            }
        }
    };
    let (name, extra) = match package.kind() {
        PackageKind::Root => {
            for root in &sources.manifest.requirements {
                add(
                    &root.requirement,
                    restrict_extras(&root.requirement.marker, &[]),
                );
            }
            return Ok(out);
        }
        PackageKind::Base(name) => (name, None),
        PackageKind::Extra(name, extra) => (name, Some(extra)),
    };
    let mut metadata = metadata_of(sources.fetcher, sources.handle, name, version)?.1;
    // Wheels that disagree by platform: this fork lies in one family (it was split so).
    if let Some(split) = sources.platforms.split(name, version)
        && let Some((_, family)) = split.iter().find(|(marker, _)| fork.allows(marker))
    {
        metadata = Arc::clone(family);
    }
    for requirement in &metadata.requires_dist {
        if &requirement.name == name && extra.is_none() {
            continue;
        }
        let base_marker = restrict_extras(&requirement.marker, &[]);
        match extra {
            None => add(requirement, base_marker),
            Some(extra) => {
                let with = restrict_extras(&requirement.marker, std::slice::from_ref(extra));
                if with != base_marker {
                    add(requirement, with);
                }
            }
        }
    }
    if extra.is_some() {
        out.push((PubGrubPackage::base(name.clone()), MarkerTree::TRUE));
    }
    Ok(out)
}

/// The version entry and metadata of a solved package (both cached by the fetcher).
fn metadata_of(
    fetcher: &Fetcher,
    handle: &Handle,
    name: &PackageName,
    version: &Version,
) -> Result<
    (
        crate::candidates::VersionEntry,
        Arc<tw_metadata::DistMetadata>,
    ),
    ResolveError,
> {
    let no_file = |reason: String| ResolveError::NoFile {
        package: name.clone(),
        version: version.clone(),
        reason,
    };
    let versions =
        handle
            .block_on(fetcher.project(name))
            .map_err(|source| ResolveError::Index {
                package: name.to_string(),
                source,
            })?;
    let entry = versions
        .versions
        .get(version)
        .ok_or_else(|| no_file("the project lists no such version".to_string()))?
        .clone();
    let chosen = entry
        .choice
        .as_ref()
        .map_err(|unusable| no_file(unusable.to_string()))?;
    let stand_in = entry.metadata_wheel.as_deref();
    let metadata = handle
        .block_on(fetcher.metadata(name, version, chosen, stand_in))
        .map_err(|source| ResolveError::Metadata {
            package: name.clone(),
            version: version.clone(),
            url: Box::new(stand_in.unwrap_or(chosen).url.clone()),
            source,
        })?;
    Ok((entry, metadata))
}

/// Where each package of one fork's `solution` is reachable from the root (see
/// [`reachability`]).
fn fork_reach(
    sources: &Sources<'_>,
    fork: &Fork,
    solution: &BTreeMap<PubGrubPackage, Version>,
) -> Result<FxHashMap<PubGrubPackage, MarkerTree>, ResolveError> {
    let mut graph = BTreeMap::new();
    for (package, version) in solution {
        graph.insert(
            package.clone(),
            edges(sources, fork, package, version, solution)?,
        );
    }
    Ok(reachability(fork, &graph))
}

/// Where each solved package of one fork is reachable from the root: the OR over paths of
/// the AND of the edge markers, within the fork.
fn reachability(
    fork: &Fork,
    graph: &BTreeMap<PubGrubPackage, Vec<(PubGrubPackage, MarkerTree)>>,
) -> FxHashMap<PubGrubPackage, MarkerTree> {
    let mut reach: FxHashMap<PubGrubPackage, MarkerTree> = FxHashMap::default();
    reach.insert(PubGrubPackage::root(), fork.marker.clone());
    // Markers only grow, and each pass follows every edge once: a pass without a change is
    // the fixed point. The bound only guards against a marker algebra that never settles.
    for _ in 0..=graph.len() * 2 + 2 {
        let mut changed = false;
        for (from, targets) in graph {
            let Some(source) = reach.get(from).cloned() else {
                continue;
            };
            for (to, marker) in targets {
                let mut along = source.clone();
                along.and(marker.clone());
                if along.is_false() {
                    continue;
                }
                let entry = reach.entry(to.clone()).or_insert(MarkerTree::FALSE);
                let mut grown = entry.clone();
                grown.or(along);
                if grown != *entry {
                    *entry = grown;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    reach
}

/// What the merge collects per `(name, version)`.
#[derive(Default)]
struct Merged {
    marker: Option<MarkerTree>,
    extras: BTreeSet<ExtraName>,
    dependencies: BTreeSet<PackageName>,
    required_by: BTreeSet<Requirer>,
}

/// Merge the solved forks into one resolution.
fn merge(
    fetcher: &Fetcher,
    handle: &Handle,
    manifest: &Manifest,
    universal: &UniversalTarget,
    solved: &[Solved],
    platforms: &PlatformCheck,
) -> Result<Resolution, ResolveError> {
    let sources = Sources {
        fetcher,
        handle,
        manifest,
        platforms,
    };
    let mut merged: BTreeMap<(PackageName, Version), Merged> = BTreeMap::new();
    for Solved { fork, solution } in solved {
        let mut graph: BTreeMap<PubGrubPackage, Vec<(PubGrubPackage, MarkerTree)>> =
            BTreeMap::new();
        for (package, version) in solution {
            let out = edges(&sources, fork, package, version, solution)?;
            graph.insert(package.clone(), out);
        }
        let reach = reachability(fork, &graph);
        for (package, version) in solution {
            let Some(name) = package.name() else {
                continue;
            };
            let Some(marker) = reach.get(package).filter(|marker| !marker.is_false()) else {
                continue;
            };
            let entry = merged.entry((name.clone(), version.clone())).or_default();
            if let PackageKind::Extra(_, extra) = package.kind() {
                entry.extras.insert(extra.clone());
            } else {
                let mut grown = entry.marker.take().unwrap_or(MarkerTree::FALSE);
                grown.or(marker.clone());
                entry.marker = Some(grown);
            }
            for (to, _) in graph.get(package).into_iter().flatten() {
                if let Some(dependency) = to.name()
                    && dependency != name
                    && reach.contains_key(to)
                {
                    entry.dependencies.insert(dependency.clone());
                }
            }
        }
        for (from, targets) in &graph {
            if !reach.contains_key(from) {
                continue;
            }
            for (to, _) in targets {
                let (Some(name), Some(version)) = (to.name(), solution.get(to)) else {
                    continue;
                };
                let requirer = match from.kind() {
                    PackageKind::Root => manifest
                        .requirements
                        .iter()
                        .filter(|root| &root.requirement.name == name)
                        .map(|root| Requirer::Source(root.source.clone()))
                        .collect::<Vec<_>>(),
                    PackageKind::Base(from) | PackageKind::Extra(from, _) if from != name => {
                        vec![Requirer::Package(from.clone())]
                    }
                    _ => Vec::new(),
                };
                if let Some(entry) = merged.get_mut(&(name.clone(), version.clone())) {
                    entry.required_by.extend(requirer);
                }
            }
        }
    }
    let everywhere = universal.marker();
    let mut packages = Vec::new();
    for ((name, version), entry) in merged {
        let Some(marker) = entry.marker else {
            // Only a virtual `name[extra]` was reached, never its base: cannot happen, the
            // extra always depends on its base.
            continue;
        };
        let (version_entry, metadata) = metadata_of(fetcher, handle, &name, &version)?;
        let chosen = version_entry
            .choice
            .as_ref()
            .map_err(|unusable| ResolveError::NoFile {
                package: name.clone(),
                version: version.clone(),
                reason: unusable.to_string(),
            })?;
        // Covering every environment of the resolution: no marker.
        let marker = if everywhere.is_disjoint(&marker.negate()) {
            None
        } else {
            Some(universal.simplify(marker))
        };
        let files = reachable_files(&version_entry.files, marker.as_ref());
        let chosen = if files.iter().any(|file| Arc::ptr_eq(file, chosen)) {
            Arc::clone(chosen)
        } else {
            files.first().map_or_else(|| Arc::clone(chosen), Arc::clone)
        };
        packages.push(ResolvedPackage {
            name: name.clone(),
            version: version.clone(),
            files,
            other_wheels: version_entry.other_wheels.clone(),
            chosen,
            extras: entry.extras.into_iter().collect(),
            dependencies: entry.dependencies.into_iter().collect(),
            required_by: entry.required_by.into_iter().collect(),
            requires_python: metadata.requires_python.clone(),
            metadata: Arc::clone(&metadata),
            metadata_from: version_entry.metadata_wheel.clone(),
            marker,
            direct: fetcher
                .direct
                .get(&name)
                .map(|package| package.source.clone()),
        });
    }
    check_required_environments(universal, &packages)?;
    let fork_markers = if solved.len() > 1 {
        solved
            .iter()
            .map(|solved| universal.simplify(solved.fork.marker.clone()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Resolution {
        packages,
        other_target_wheels: 0,
        stats: crate::speculation::ResolveStats::default(),
        requires_python: Some(universal.requires_python.clone()),
        environments: universal.environments.clone(),
        fork_markers,
        platform_check: crate::platforms::PlatformCheckStats::default(),
    })
}

/// The environments a wheel installs in (any of its platform tags).
fn wheel_environments(file: &IndexFile) -> Option<MarkerTree> {
    match &file.dist {
        DistFilename::Wheel(wheel) => {
            let mut marker = MarkerTree::FALSE;
            for platform in wheel.platform() {
                marker.or(tw_platform::wheel_marker(platform));
            }
            Some(marker)
        }
        DistFilename::Sdist(_) => None,
    }
}

/// The files of a version worth locking where the package is needed (`marker`): sdists, and
/// wheels for a platform in `marker` (a wheel for `aarch64` is left out of a lock that needs
/// the package on `x86_64` only). All files when none is left.
fn reachable_files(files: &[Arc<IndexFile>], marker: Option<&MarkerTree>) -> Vec<Arc<IndexFile>> {
    let Some(marker) = marker else {
        return files.to_vec();
    };
    let kept: Vec<_> = files
        .iter()
        .filter(|file| wheel_environments(file).is_none_or(|wheel| !wheel.is_disjoint(marker)))
        .cloned()
        .collect();
    if kept.is_empty() {
        files.to_vec()
    } else {
        kept
    }
}

/// `--required-environment`: every package installed in such an environment has an sdist or
/// a wheel for it.
fn check_required_environments(
    universal: &UniversalTarget,
    packages: &[ResolvedPackage],
) -> Result<(), ResolveError> {
    for environment in &universal.required_environments {
        for package in packages {
            let mut needed = universal.marker();
            needed.and(environment.clone());
            if let Some(marker) = &package.marker {
                needed.and(marker.clone());
            }
            if needed.is_false() {
                continue;
            }
            let served = package.files.iter().any(|file| {
                wheel_environments(file).is_none_or(|wheel| !wheel.is_disjoint(&needed))
            });
            if !served {
                return Err(ResolveError::RequiredEnvironment {
                    package: package.name.clone(),
                    version: package.version.clone(),
                    environment: environment
                        .try_to_string()
                        .unwrap_or_else(|| "every environment".to_string()),
                });
            }
        }
    }
    Ok(())
}
