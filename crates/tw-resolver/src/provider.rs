//! The PubGrub [`DependencyProvider`]: candidate choice, dependencies, priorities.
//!
//! Runs on one blocking thread; every network wait goes through [`Fetcher`] on the tokio
//! runtime (`Handle::block_on`), and prefetches for newly seen packages are spawned from
//! `get_dependencies` so their pages and metadata arrive while PubGrub works on others.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::sync::Arc;

use pep440_rs::{Operator, Version};
use pep508_rs::{ExtraName, PackageName, Requirement, VersionOrUrl};
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics,
};
use rustc_hash::{FxHashMap, FxHashSet};
use tokio::runtime::Handle;
use tracing::{debug, warn};
use version_ranges::Ranges;

use crate::candidates::{NoBuildReason, Unusable, VersionMap};
use crate::error::ResolveError;
use crate::fetch::Fetcher;
use crate::fork::{Fork, restrict_extras};
use crate::options::{PrereleaseMode, ResolutionMode};
use crate::package::{PackageKind, PubGrubPackage};

/// A root requirement with a label for `# via` (e.g. `-r requirements.in`).
#[derive(Clone, Debug)]
pub struct RootRequirement {
    /// The requirement.
    pub requirement: Requirement,
    /// Where it came from, as `# via` shows it.
    pub source: String,
}

/// The user's input to a resolution.
#[derive(Clone, Debug, Default)]
pub struct Manifest {
    /// What to install.
    pub requirements: Vec<RootRequirement>,
    /// Narrow versions of packages, when they are needed at all (`-c`).
    pub constraints: Vec<Requirement>,
    /// Replace every requirement on a package (`--override`).
    pub overrides: Vec<Requirement>,
    /// Packages fixed by a direct reference, with their metadata read before the solve; the
    /// requirements name them without a version (issue 16).
    pub direct: crate::direct::DirectPackages,
}

/// Choices of one package after which an attempt is restarted with that package decided
/// early (uv uses the same threshold of five for its conflict tracking).
pub(crate) const RESTART_AFTER: u32 = 5;

/// Candidates of one dependency read at most to rule a version out one step ahead (see
/// `Provider::ruled_out`): enough for a walk down the releases of a year or two.
const LOOKAHEAD_VERSIONS: usize = 128;

/// Why the provider ends a PubGrub attempt early (PubGrub's `Err`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// This package was rejected version after version: some package decided before it
    /// keeps ruling its newest versions out (`docutils` decided at its newest, then `sphinx`
    /// walked back to a release from years ago). Deciding it earlier lets the other package
    /// bend instead, as uv's conflict tracking does.
    Restart(PackageName),
    /// A fatal error (an index page or a file that could not be read or failed an integrity
    /// check) is in [`Provider::fatal`]; the resolution must stop, not look for other
    /// versions.
    Fatal,
    /// A universal resolution met requirements on one package that differ under markers
    /// (issue 17): solve each of these sets of environments on its own (see `fork.rs`).
    Fork {
        /// Whose requirements disagree (the root or a package at a version), for logs.
        package: String,
        /// The disjoint pieces the current fork splits into.
        markers: Vec<pep508_rs::MarkerTree>,
    },
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Restart(name) => write!(f, "restart with `{name}` decided early"),
            Self::Fatal => f.write_str("stopped by a fatal error"),
            Self::Fork { package, markers } => write!(
                f,
                "the requirements of {package} differ by environment: {} forks",
                markers.len()
            ),
        }
    }
}

impl std::error::Error for Stop {}

/// What a metadata error means for the version it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetadataVerdict {
    /// The bytes cannot be trusted or did not arrive (hash, CRC-32, name/version mismatch,
    /// unreadable archive, transport): stop the run. Treating it as "this version is
    /// unusable" would let a corrupt transfer quietly pick an older version.
    Fatal,
    /// The build backend failed: stop the run (the error shows the backend's output).
    BuildFailed,
    /// Only a build can tell the dependencies and none may run: unusable, an honest reason.
    NeedsBuild,
    /// The METADATA text is malformed: unusable, with the reason in the report (as uv does;
    /// the file arrived intact, it is the package that is broken).
    Invalid,
}

/// Classify `error` (every variant by name: a new one must be placed here on purpose).
pub(crate) fn metadata_verdict(error: &tw_metadata::MetadataError) -> MetadataVerdict {
    use tw_metadata::MetadataError;
    match error {
        MetadataError::Client(_)
        | MetadataError::Hash { .. }
        | MetadataError::Crc { .. }
        | MetadataError::Mismatch { .. }
        | MetadataError::Archive { .. }
        | MetadataError::TempFile { .. } => MetadataVerdict::Fatal,
        MetadataError::Build { .. } => MetadataVerdict::BuildFailed,
        MetadataError::NeedsBuild { .. } => MetadataVerdict::NeedsBuild,
        MetadataError::Invalid { .. } => MetadataVerdict::Invalid,
    }
}

/// The dependencies of one version, as PubGrub takes them.
type SolverDependencies = Dependencies<PubGrubPackage, Ranges<Version>, UnavailableReason>;

/// What a provider of one fork of a universal resolution is given.
pub(crate) struct ForkContext {
    /// The environments solved.
    pub(crate) fork: Fork,
    /// Versions chosen in earlier forks, with their direction (see `Provider`).
    pub(crate) preferences: FxHashMap<PackageName, Vec<(Version, bool)>>,
    /// Versions whose wheels disagree by platform.
    pub(crate) platforms: Arc<crate::platforms::PlatformCheck>,
}

/// Why a version is unavailable, as PubGrub carries it.
pub type UnavailableReason = String;

pub(crate) struct Provider {
    pub(crate) fetcher: Arc<Fetcher>,
    handle: Handle,
    root_dependencies: Vec<(PubGrubPackage, Ranges<Version>)>,
    constraints: FxHashMap<PackageName, Ranges<Version>>,
    overrides: FxHashMap<PackageName, Ranges<Version>>,
    /// Packages whose requirements mention a pre-release (PEP 440's explicit opt-in).
    explicit_prereleases: RefCell<FxHashSet<PackageName>>,
    /// Versions pinned with `==` by the user: yanked files may be used for them.
    exact_pins: FxHashSet<(PackageName, Version)>,
    direct: FxHashSet<PackageName>,
    preferences: FxHashMap<PackageName, Version>,
    discovery: RefCell<FxHashMap<PubGrubPackage, usize>>,
    versions: RefCell<FxHashMap<PackageName, Arc<VersionMap>>>,
    /// What the root requires of each package (its requirements and extras, with
    /// constraints and overrides applied, intersected per name): a version whose dependency
    /// on one of these is disjoint from it cannot be in any solution.
    root_ranges: FxHashMap<PackageName, Ranges<Version>>,
    /// Verdicts of [`Provider::ruled_out_by_root`] so far (they hold for the whole attempt).
    ruled_out_memo: RefCell<FxHashMap<(PackageName, Version), bool>>,
    /// [`Provider::root_facts`], once computed.
    root_facts: std::cell::OnceCell<FxHashMap<PackageName, Ranges<Version>>>,
    /// Packages to decide early, each with its rank: the order the restarts found them in
    /// (see [`Provider::new`]).
    early: FxHashMap<PackageName, usize>,
    /// Whether a much-rejected package may end this attempt.
    may_restart: bool,
    /// How often a version was chosen per package in this attempt.
    choices: RefCell<FxHashMap<PackageName, u32>>,
    /// The first fatal error seen (network), reported instead of a conflict.
    pub(crate) fatal: RefCell<Option<ResolveError>>,
    /// Extras already reported as not provided: one warning per package and extra, not one
    /// per version tried (issue 18).
    missing_extras: RefCell<FxHashSet<(PackageName, ExtraName)>>,
    /// The environments this attempt solves for, in a universal resolution (issue 17);
    /// `None` for one target, whose markers are evaluated instead.
    pub(crate) fork: Option<Fork>,
    /// Versions chosen in forks solved before this one, most recent first, each with whether
    /// that fork chose it lowest-first: preferred when allowed (and chosen in the same
    /// direction), so the lock holds as few versions of a package as possible.
    fork_preferences: FxHashMap<PackageName, Vec<(Version, bool)>>,
    /// Versions whose wheels disagree by platform (universal only; see `platforms.rs`).
    platforms: Option<Arc<crate::platforms::PlatformCheck>>,
    /// The root requirements disagree under markers: the first `get_dependencies` forks.
    root_fork: Option<Vec<pep508_rs::MarkerTree>>,
}

/// The version `range` pins: its single version, or `V` for `==V`'s range (`V` and its local
/// versions, see [`crate::ranges`]).
fn pin_of(range: &Ranges<Version>) -> Option<Version> {
    if let Some(version) = range.as_singleton() {
        return Some(version.clone());
    }
    let (std::ops::Bound::Included(low), std::ops::Bound::Excluded(_)) = range.bounding_range()?
    else {
        return None;
    };
    let pinned = Ranges::between(low.clone(), crate::ranges::after_locals(low));
    (*range == pinned).then(|| low.clone())
}

/// The versions a requirement allows (all of them for a URL or no specifier).
pub(crate) fn ranges_of(requirement: &Requirement) -> Ranges<Version> {
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
            crate::ranges::specifiers_to_ranges(specifiers)
        }
        _ => Ranges::full(),
    }
}

fn mentions_prerelease(requirement: &Requirement) -> bool {
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
            specifiers.iter().any(|s| s.version().any_prerelease())
        }
        _ => false,
    }
}

/// Whether `requirement` applies with `extras`: on the target, or somewhere in `fork`.
fn applies(
    requirement: &Requirement,
    extras: &[ExtraName],
    target: &tw_platform::Target,
    fork: Option<&Fork>,
) -> bool {
    match fork {
        None => requirement.marker.evaluate(&target.markers, extras),
        Some(fork) => fork.allows(&restrict_extras(&requirement.marker, extras)),
    }
}

fn by_name(
    requirements: &[Requirement],
    target: &tw_platform::Target,
    fork: Option<&Fork>,
) -> FxHashMap<PackageName, Ranges<Version>> {
    let mut map: FxHashMap<PackageName, Ranges<Version>> = FxHashMap::default();
    for requirement in requirements {
        if !applies(requirement, &[], target, fork) {
            continue;
        }
        let range = ranges_of(requirement);
        map.entry(requirement.name.clone())
            .and_modify(|existing| *existing = existing.intersection(&range))
            .or_insert(range);
    }
    map
}

/// Candidates whose metadata is read ahead of the one being judged in a scan, at most (see
/// [`ReadAhead`]); the walk-back batch's default width.
const READ_AHEAD_MAX: usize = 8;

/// The metadata reads of one scan over candidates (passing over ruled-out versions, or
/// looking one step ahead). The candidate being judged is fetched by the judging itself;
/// the ones after it are started ahead as the solver's own fetches (they never queue
/// behind guesses, see `Fetcher::read_ahead`), a window that grows with the number of
/// candidates judged in the scan: none for the first (most scans stop there), then 1, 2, 4
/// and 8 ahead. Candidates the listing already rules out ([`Provider::usable`]) are neither
/// counted as judged nor read ahead. Only wheels and stand-in wheels are read (never a
/// build).
#[derive(Default)]
struct ReadAhead {
    /// Candidates below this index were started (or passed by) already.
    started: usize,
    /// Candidates judged so far in this scan.
    judged: usize,
}

impl ReadAhead {
    /// Before judging `candidates[index]`: start the reads [`ReadAhead::next`] picks.
    fn before(
        &mut self,
        provider: &Provider,
        name: &PackageName,
        candidates: &[(&Version, &crate::candidates::VersionEntry)],
        index: usize,
    ) {
        let usable = |position: usize| {
            let (version, entry) = candidates[position];
            provider.usable(name, version, entry)
        };
        for position in self.next(index, candidates.len(), usable) {
            let (version, entry) = candidates[position];
            let Ok(file) = &entry.choice else {
                continue;
            };
            let stand_in = entry.metadata_wheel.as_ref();
            if !matches!(file.dist, tw_index::DistFilename::Wheel(_)) && stand_in.is_none() {
                continue;
            }
            provider.fetcher.read_ahead(name, version, file, stand_in);
        }
    }

    /// The positions to read ahead before judging the one at `index` of `len` candidates:
    /// of the next `window` usable ones after it, those no earlier call started, so the
    /// frontier moves on with the scan and never runs ahead of it.
    fn next(&mut self, index: usize, len: usize, usable: impl Fn(usize) -> bool) -> Vec<usize> {
        let window = match self.judged {
            0 => 0,
            judged => (1usize << (judged - 1).min(3)).min(READ_AHEAD_MAX),
        };
        self.judged += 1;
        let mut reads = Vec::new();
        let mut position = index + 1;
        let mut ahead = 0;
        while ahead < window && position < len {
            if usable(position) {
                ahead += 1;
                if position >= self.started {
                    reads.push(position);
                }
            }
            position += 1;
        }
        self.started = self.started.max(position);
        reads
    }
}

impl Provider {
    /// A provider for one attempt: `early` packages are decided right after exact pins, in
    /// this order (each was rejected version after version in an earlier attempt, one restart
    /// each); with `may_restart`, a package rejected more than [`RESTART_AFTER`] times ends
    /// this attempt with [`Stop::Restart`].
    pub(crate) fn new(
        fetcher: Arc<Fetcher>,
        handle: Handle,
        manifest: &Manifest,
        early: &[PackageName],
        may_restart: bool,
    ) -> Self {
        Self::for_fork(fetcher, handle, manifest, early, may_restart, None)
    }

    /// Like [`Provider::new`], for one fork of a universal resolution (`None`: one target),
    /// preferring `fork_preferences` (versions chosen in earlier forks).
    pub(crate) fn for_fork(
        fetcher: Arc<Fetcher>,
        handle: Handle,
        manifest: &Manifest,
        early: &[PackageName],
        may_restart: bool,
        universal: Option<ForkContext>,
    ) -> Self {
        let early = early
            .iter()
            .enumerate()
            .map(|(rank, name)| (name.clone(), rank))
            .collect();
        let (fork, fork_preferences, platforms) = match universal {
            Some(context) => (
                Some(context.fork),
                context.preferences,
                Some(context.platforms),
            ),
            None => (None, FxHashMap::default(), None),
        };
        let target = fetcher.target.clone();
        let constraints = by_name(&manifest.constraints, &target, fork.as_ref());
        let overrides = by_name(&manifest.overrides, &target, fork.as_ref());
        let mut explicit = FxHashSet::default();
        let mut exact_pins = FxHashSet::default();
        let mut direct = FxHashSet::default();
        let all = manifest
            .requirements
            .iter()
            .map(|r| &r.requirement)
            .chain(&manifest.constraints)
            .chain(&manifest.overrides);
        for requirement in all {
            if mentions_prerelease(requirement) {
                explicit.insert(requirement.name.clone());
            }
            if let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &requirement.version_or_url {
                for specifier in specifiers.iter() {
                    if matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual) {
                        exact_pins.insert((
                            requirement.name.clone(),
                            specifier.version().clone().without_local(),
                        ));
                    }
                }
            }
        }
        let roots: Vec<Requirement> = manifest
            .requirements
            .iter()
            .filter(|r| applies(&r.requirement, &[], &target, fork.as_ref()))
            .map(|r| r.requirement.clone())
            .collect();
        for requirement in &roots {
            direct.insert(requirement.name.clone());
        }
        let preferences = fetcher.options.preferences.iter().cloned().collect();
        let mut provider = Self {
            fetcher,
            handle,
            root_dependencies: Vec::new(),
            root_ranges: FxHashMap::default(),
            root_facts: std::cell::OnceCell::new(),
            ruled_out_memo: RefCell::default(),
            constraints,
            overrides,
            explicit_prereleases: RefCell::new(explicit),
            exact_pins,
            direct,
            preferences,
            discovery: RefCell::new(FxHashMap::default()),
            versions: RefCell::new(FxHashMap::default()),
            fatal: RefCell::new(None),
            missing_extras: RefCell::default(),
            early,
            may_restart,
            choices: RefCell::new(FxHashMap::default()),
            fork,
            fork_preferences,
            platforms,
            root_fork: None,
        };
        provider.root_dependencies = provider.edges(&roots, &[]);
        provider.root_fork = provider.fork_split(&roots, &[]);
        if let Some(fork) = &provider.fork
            && provider.fetcher.options.resolution == ResolutionMode::LowestDirect
        {
            // `--resolution lowest-direct`: a root requirement under a marker makes its
            // package direct only there, so the versions preferred differ by environment.
            let mut split: Vec<pep508_rs::MarkerTree> =
                provider.root_fork.take().unwrap_or_default();
            let mut markers: Vec<pep508_rs::MarkerTree> = Vec::new();
            for requirement in &roots {
                let within = fork.within(&restrict_extras(&requirement.marker, &[]));
                if within != fork.marker && !markers.contains(&within) {
                    markers.push(within);
                }
            }
            if !markers.is_empty() {
                let base = if split.is_empty() {
                    vec![fork.marker.clone()]
                } else {
                    std::mem::take(&mut split)
                };
                let pieces: Vec<_> = base
                    .iter()
                    .flat_map(|piece| crate::fork::partition(piece, &markers))
                    .collect();
                provider.root_fork = (pieces.len() > 1).then_some(pieces);
            } else if !split.is_empty() {
                provider.root_fork = Some(split);
            }
        }
        for (dependency, range) in &provider.root_dependencies {
            if let Some(name) = dependency.name() {
                provider
                    .root_ranges
                    .entry(name.clone())
                    .and_modify(|existing| *existing = existing.intersection(range))
                    .or_insert_with(|| range.clone());
            }
        }
        provider
    }

    /// The metadata of `name` `version` for this fork: `metadata` (its chosen wheel's), or,
    /// when its wheels disagree by platform, the one family's this fork lies in. A fork
    /// spanning several such families must split first (`Err`).
    pub(crate) fn platform_metadata(
        &self,
        name: &PackageName,
        version: &Version,
        metadata: Arc<tw_metadata::DistMetadata>,
    ) -> Result<Arc<tw_metadata::DistMetadata>, Stop> {
        let (Some(fork), Some(platforms)) = (&self.fork, &self.platforms) else {
            return Ok(metadata);
        };
        let Some(split) = platforms.split(name, version) else {
            return Ok(metadata);
        };
        let overlapping: Vec<_> = split
            .iter()
            .filter(|(marker, _)| fork.allows(marker))
            .collect();
        if let [(_, one)] = overlapping.as_slice() {
            return Ok(Arc::clone(one));
        }
        let markers: Vec<_> = overlapping
            .iter()
            .map(|(marker, _)| marker.clone())
            .collect();
        Err(Stop::Fork {
            package: format!("{name}=={version} (its wheels differ by platform)"),
            markers: crate::fork::partition(&fork.marker, &markers),
        })
    }

    /// Whether this attempt picks the lowest versions of `name` first.
    pub(crate) fn prefers_lowest(&self, name: &PackageName) -> bool {
        match self.fetcher.options.resolution {
            ResolutionMode::Highest => false,
            ResolutionMode::Lowest => true,
            ResolutionMode::LowestDirect => self.direct.contains(name),
        }
    }

    /// What a version's `requires_python` means for this solve when the target's (or, in a
    /// universal resolution, the fork's lowest) Python does not meet it: the version is
    /// unavailable, or, universally, the fork splits at its lower bound where some of the
    /// fork meets it (uv's `requires-python` fork strategy), newer Pythons first so that the
    /// older ones prefer what those chose where it can run. `None` when it is met.
    fn requires_python_verdict(
        &self,
        name: &PackageName,
        version: &Version,
        requires_python: &pep440_rs::VersionSpecifiers,
    ) -> Option<Result<SolverDependencies, Stop>> {
        let python = self
            .fork
            .as_ref()
            .map_or(&self.fetcher.target.python_full_version, |fork| {
                &fork.python_lower
            });
        if crate::ranges::requires_python_allows(requires_python, python) {
            return None;
        }
        let lower_first = self.fetcher.options.resolution == ResolutionMode::Lowest;
        if let Some(fork) = &self.fork
            && let Some(markers) = fork.split_on_requires_python(requires_python, lower_first)
        {
            return Some(Err(Stop::Fork {
                package: format!("{name}=={version} (Requires-Python `{requires_python}`)"),
                markers,
            }));
        }
        let reason = Unusable::RequiresPython(requires_python.clone(), python.clone());
        Some(Ok(Dependencies::Unavailable(reason.to_string())))
    }

    /// In a universal resolution, where `requirements` (with `extras` on) make the current
    /// fork split: see [`crate::fork::fork_markers`]. `None` for one target.
    fn fork_split(
        &self,
        requirements: &[Requirement],
        extras: &[ExtraName],
    ) -> Option<Vec<pep508_rs::MarkerTree>> {
        let fork = self.fork.as_ref()?;
        let markers = requirements.iter().filter_map(|requirement| {
            let marker = restrict_extras(&requirement.marker, extras);
            fork.allows(&marker).then_some((&requirement.name, marker))
        });
        let split = crate::fork::fork_markers(fork, markers)?;
        let pieces = crate::fork::partition(&fork.marker, &split);
        (pieces.len() > 1).then_some(pieces)
    }

    /// Turn requirements into solver edges: apply overrides and constraints, split extras
    /// into virtual packages, merge duplicates by intersection.
    fn edges(
        &self,
        requirements: &[Requirement],
        extras: &[ExtraName],
    ) -> Vec<(PubGrubPackage, Ranges<Version>)> {
        let mut edges: Vec<(PubGrubPackage, Ranges<Version>)> = Vec::new();
        let mut add = |package: PubGrubPackage, range: Ranges<Version>| {
            if let Some(existing) = edges.iter_mut().find(|(p, _)| *p == package) {
                existing.1 = existing.1.intersection(&range);
            } else {
                edges.push((package, range));
            }
        };
        for requirement in requirements {
            if !applies(
                requirement,
                extras,
                &self.fetcher.target,
                self.fork.as_ref(),
            ) {
                continue;
            }
            let name = &requirement.name;
            let mut range = self
                .overrides
                .get(name)
                .cloned()
                .unwrap_or_else(|| ranges_of(requirement));
            if let Some(constraint) = self.constraints.get(name) {
                range = range.intersection(constraint);
            }
            if mentions_prerelease(requirement) {
                self.explicit_prereleases.borrow_mut().insert(name.clone());
            }
            add(PubGrubPackage::base(name.clone()), range.clone());
            for extra in &requirement.extras {
                add(
                    PubGrubPackage::extra(name.clone(), extra.clone()),
                    range.clone(),
                );
            }
        }
        edges
    }

    fn record_fatal(&self, error: ResolveError) {
        let mut fatal = self.fatal.borrow_mut();
        if fatal.is_none() {
            *fatal = Some(error);
        }
    }

    /// The versions of `name`, fetched (or waited for) on the runtime.
    fn versions(&self, name: &PackageName) -> Option<Arc<VersionMap>> {
        if let Some(versions) = self.versions.borrow().get(name) {
            return Some(Arc::clone(versions));
        }
        match self.handle.block_on(self.fetcher.project(name)) {
            Ok(versions) => {
                self.versions
                    .borrow_mut()
                    .insert(name.clone(), Arc::clone(&versions));
                Some(versions)
            }
            Err(error) => {
                self.record_fatal(ResolveError::Index {
                    package: name.to_string(),
                    source: error,
                });
                None
            }
        }
    }

    fn prerelease_allowed(
        &self,
        name: &PackageName,
        versions: &VersionMap,
        range: &Ranges<Version>,
    ) -> bool {
        // Stable versions are preferred whenever one is in range, even when a specifier
        // names a pre-release (uv's current rule, which its copy of the packse scenarios
        // encodes); pre-releases are the fallback. Deciding from the range alone, not from
        // which requirements were seen so far, keeps the choice independent of the order
        // in which PubGrub met them and of backtracking.
        let necessary = || {
            !versions
                .versions
                .keys()
                .any(|v| range.contains(v) && !v.any_prerelease())
        };
        match self.fetcher.options.prerelease {
            PrereleaseMode::Allow => true,
            PrereleaseMode::Disallow => false,
            PrereleaseMode::Explicit => {
                necessary() && self.explicit_prereleases.borrow().contains(name)
            }
            PrereleaseMode::IfNecessary | PrereleaseMode::IfNecessaryOrExplicit => necessary(),
        }
    }

    fn usable(
        &self,
        name: &PackageName,
        version: &Version,
        entry: &crate::candidates::VersionEntry,
    ) -> bool {
        entry.choice.is_ok()
            && (entry.yanked.is_none()
                || self.exact_pins.contains(&(name.clone(), version.clone())))
    }

    /// The first requirement in force (under the target's markers and `extra`) that is a
    /// direct reference on a name no direct package fixes.
    fn undeclared_direct<'r>(
        &self,
        requirements: &'r [Requirement],
        extra: Option<&ExtraName>,
    ) -> Option<&'r Requirement> {
        let extras = extra.map(std::slice::from_ref).unwrap_or_default();
        requirements.iter().find(|requirement| {
            matches!(requirement.version_or_url, Some(VersionOrUrl::Url(_)))
                && !self.fetcher.direct.contains_key(&requirement.name)
                && requirement
                    .marker
                    .evaluate(&self.fetcher.target.markers, extras)
        })
    }

    /// Whether `version` of `name` cannot be in any solution: [`Provider::ruled_out_by_root`],
    /// or, one step further, it requires a package the root requires in a range where every
    /// candidate is ruled out by the root the same way (`djangorestframework` releases that
    /// need a `django` whose every release there needs a `sqlparse` the root caps below).
    /// Never deeper than that one step, and at most [`LOOKAHEAD_VERSIONS`] candidates are read
    /// per dependency: giving up means "not ruled out", PubGrub then decides as before.
    fn ruled_out(
        &self,
        name: &PackageName,
        version: &Version,
        entry: &crate::candidates::VersionEntry,
    ) -> bool {
        if self.ruled_out_by_root(name, version, entry) {
            return true;
        }
        let Some(metadata) = self.wheel_metadata(name, version, entry) else {
            return false;
        };
        self.edges(&metadata.requires_dist, &[])
            .iter()
            .any(|(dependency, range)| match dependency.name() {
                Some(dependency)
                    if dependency != name && self.root_ranges.contains_key(dependency) =>
                {
                    self.no_viable_version(dependency, range)
                }
                _ => false,
            })
    }

    /// Whether every candidate of `name` in `range` (and in what the root requires of it) is
    /// ruled out by the root ([`Provider::ruled_out_by_root`]); `false` when unsure.
    fn no_viable_version(&self, name: &PackageName, range: &Ranges<Version>) -> bool {
        let within = match self.root_facts().get(name) {
            Some(root) => root.intersection(range),
            None => range.clone(),
        };
        let Some(versions) = self.versions(name) else {
            return false;
        };
        // Stable releases first, then pre-releases unless they are never allowed: the range
        // this package is finally chosen in may be narrower than `within` and hold only
        // pre-releases, which PEP 440's rule then allows, so they too must be ruled out
        // (read only once every stable release was).
        let prereleases = self.fetcher.options.prerelease != PrereleaseMode::Disallow;
        let mut read = 0;
        for pre in [false, true] {
            if pre && !prereleases {
                break;
            }
            let candidates: Vec<_> = versions
                .versions
                .iter()
                .rev()
                .filter(|(version, entry)| {
                    within.contains(version)
                        && version.any_prerelease() == pre
                        && self.usable(name, version, entry)
                })
                .collect();
            let mut ahead = ReadAhead::default();
            for (index, &(version, entry)) in candidates.iter().enumerate() {
                read += 1;
                if read > LOOKAHEAD_VERSIONS {
                    return false;
                }
                ahead.before(self, name, &candidates, index);
                if !self.ruled_out_by_root(name, version, entry) {
                    return false;
                }
            }
        }
        true
    }

    /// The metadata of `version` of `name` when its file is a wheel or has a stand-in wheel
    /// (never a build), fetched on the runtime; `None` on anything else, errors included
    /// (`get_dependencies` reports those).
    fn wheel_metadata(
        &self,
        name: &PackageName,
        version: &Version,
        entry: &crate::candidates::VersionEntry,
    ) -> Option<Arc<tw_metadata::DistMetadata>> {
        let file = entry.choice.as_ref().ok()?;
        let stand_in = entry.metadata_wheel.as_deref();
        if !matches!(file.dist, tw_index::DistFilename::Wheel(_)) && stand_in.is_none() {
            return None;
        }
        self.handle
            .block_on(self.fetcher.metadata(name, version, file, stand_in))
            .ok()
    }

    /// Whether `version` of `name` cannot be in any solution by its own metadata: its
    /// `Requires-Python` excludes the target, or it requires a package in a range disjoint
    /// from what the root requires of that package (requirements, `==` pins, constraints and
    /// overrides all included) or that a constraint empties. PubGrub would decide on it and
    /// reject it right after reading its dependencies; passing over it gives the same pins
    /// without that decision. Only wheels (or an sdist's stand-in wheel) are read here, the
    /// file `get_dependencies` would read next anyway; any error leaves the version to
    /// `get_dependencies`, which reports it (a fetch error is never "ruled out").
    fn ruled_out_by_root(
        &self,
        name: &PackageName,
        version: &Version,
        entry: &crate::candidates::VersionEntry,
    ) -> bool {
        let key = (name.clone(), version.clone());
        if let Some(known) = self.ruled_out_memo.borrow().get(&key) {
            return *known;
        }
        let verdict = self.ruled_out_by_root_uncached(name, version, entry);
        self.ruled_out_memo.borrow_mut().insert(key, verdict);
        verdict
    }

    fn ruled_out_by_root_uncached(
        &self,
        name: &PackageName,
        version: &Version,
        entry: &crate::candidates::VersionEntry,
    ) -> bool {
        let Some(metadata) = self.wheel_metadata(name, version, entry) else {
            return false;
        };
        if let Some(requires_python) = &metadata.requires_python
            && !crate::ranges::requires_python_allows(
                requires_python,
                &self.fetcher.target.python_full_version,
            )
        {
            return true;
        }
        self.edges(&metadata.requires_dist, &[])
            .iter()
            .any(|(dependency, range)| match dependency.name() {
                Some(dependency) if dependency != name => {
                    range.is_empty()
                        || self
                            .root_facts()
                            .get(dependency)
                            .is_some_and(|root| root.intersection(range).is_empty())
                }
                _ => false,
            })
    }

    /// What every solution requires of each package: [`Provider::root_ranges`], plus, for a
    /// package the root pins to one version, what that version requires (its requirements
    /// for the target, no extras), and so on through the pins those requirements make. Every
    /// solution has the pinned version, hence its requirements. Computed once per attempt
    /// (the pins are decided first anyway, so their metadata is fetched either way); a pin
    /// whose metadata cannot be read adds nothing here and is reported by `get_dependencies`.
    fn root_facts(&self) -> &FxHashMap<PackageName, Ranges<Version>> {
        self.root_facts.get_or_init(|| {
            let mut facts = self.root_ranges.clone();
            let mut pending: Vec<PackageName> = facts
                .iter()
                .filter(|(_, range)| pin_of(range).is_some())
                .map(|(name, _)| name.clone())
                .collect();
            let mut seen = FxHashSet::default();
            while let Some(name) = pending.pop() {
                let Some(range) = facts.get(&name).cloned() else {
                    continue;
                };
                if !seen.insert(name.clone()) {
                    continue;
                }
                let Some(metadata) = self.pinned_metadata(&name, &range) else {
                    continue;
                };
                for (dependency, range) in self.edges(&metadata.requires_dist, &[]) {
                    let Some(dependency) = dependency.name() else {
                        continue;
                    };
                    if *dependency == name {
                        continue;
                    }
                    let narrowed = match facts.get(dependency) {
                        Some(existing) => existing.intersection(&range),
                        None => range,
                    };
                    if pin_of(&narrowed).is_some() {
                        pending.push(dependency.clone());
                    }
                    facts.insert(dependency.clone(), narrowed);
                }
            }
            facts
        })
    }

    /// The metadata of the one version of `name` in `range` (a pin, see [`pin_of`]) when the
    /// index has exactly that one version there and it is a usable wheel (or has a stand-in
    /// wheel), fetched on the runtime; `None` on anything else.
    fn pinned_metadata(
        &self,
        name: &PackageName,
        range: &Ranges<Version>,
    ) -> Option<Arc<tw_metadata::DistMetadata>> {
        let version = pin_of(range)?;
        let versions = self.versions(name)?;
        let mut in_range = versions.versions.keys().filter(|v| range.contains(v));
        if in_range.next() != Some(&version) || in_range.next().is_some() {
            return None;
        }
        let entry = versions.versions.get(&version)?;
        if !self.usable(name, &version, entry) {
            return None;
        }
        self.wheel_metadata(name, &version, entry)
    }

    /// The versions of `name` fetched during the resolution, if any (for hints in reports).
    pub(crate) fn known_versions(&self, name: &PackageName) -> Option<Arc<VersionMap>> {
        self.versions.borrow().get(name).cloned()
    }

    fn discovery_index(&self, package: &PubGrubPackage) -> usize {
        let mut discovery = self.discovery.borrow_mut();
        let next = discovery.len();
        *discovery.entry(package.clone()).or_insert(next)
    }
}

impl DependencyProvider for Provider {
    type P = PubGrubPackage;
    type V = Version;
    type VS = Ranges<Version>;
    type M = UnavailableReason;
    type Priority = (u8, Reverse<usize>, u32, Reverse<usize>);
    type Err = Stop;

    fn prioritize(
        &self,
        package: &Self::P,
        range: &Self::VS,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        // Root first, then exact pins (they cannot branch), then the packages decided early
        // in the order the restarts found them, then the packages that conflicted most, then
        // breadth-first in discovery order (which is also the order prefetches were started
        // in, so the data is most likely there). Early packages keep their order: each later
        // one was found walking back *because* the ones before it were decided first, and
        // putting it ahead of them (by this attempt's conflict counts) undoes that (issue 15:
        // `boto3` ahead of `aiobotocore` walked `aiobotocore` through every release).
        let early = match package.kind() {
            PackageKind::Base(name) | PackageKind::Extra(name, _) => self.early.get(name),
            PackageKind::Root => None,
        };
        let class = match package.kind() {
            PackageKind::Root => 4,
            _ if range.as_singleton().is_some() => 3,
            // One version only, like an exact pin.
            PackageKind::Base(name) if self.fetcher.direct.contains_key(name) => 3,
            _ if early.is_some() => 2,
            _ => 1,
        };
        (
            class,
            Reverse(early.copied().unwrap_or(0)),
            stats.conflict_count(),
            Reverse(self.discovery_index(package)),
        )
    }

    fn choose_version(
        &self,
        package: &Self::P,
        range: &Self::VS,
    ) -> Result<Option<Self::V>, Self::Err> {
        let name = match package.kind() {
            PackageKind::Root => return Ok(Some(Version::new([0]))),
            PackageKind::Base(name) | PackageKind::Extra(name, _) => name,
        };
        let mut choice = 0;
        if let PackageKind::Base(name) = package.kind() {
            let mut choices = self.choices.borrow_mut();
            let count = choices.entry(name.clone()).or_default();
            *count += 1;
            choice = *count;
            if *count > RESTART_AFTER && self.may_restart && !self.early.contains_key(name) {
                return Err(Stop::Restart(name.clone()));
            }
        }
        let Some(versions) = self.versions(name) else {
            return Err(Stop::Fatal);
        };
        let allow_pre = self.prerelease_allowed(name, &versions, range);
        let candidates = versions
            .versions
            .iter()
            .filter(|(version, _)| range.contains(version))
            .filter(|(version, _)| allow_pre || !version.any_prerelease());
        if let Some(preferred) = self.preferences.get(name)
            && let Some(entry) = versions.versions.get(preferred)
            && range.contains(preferred)
            && self.usable(name, preferred, entry)
        {
            self.fetcher.decided(choice > 1);
            debug!(package = %package, version = %preferred, choice, "selecting (preferred)");
            return Ok(Some(preferred.clone()));
        }
        // Issue 17: a version another fork chose, when this fork allows it.
        if let Some(chosen) = self.fork_preferences.get(name) {
            let lowest = self.prefers_lowest(name);
            for (preferred, chosen_lowest) in chosen {
                if *chosen_lowest != lowest {
                    continue;
                }
                if let Some(entry) = versions.versions.get(preferred)
                    && range.contains(preferred)
                    && (allow_pre || !preferred.any_prerelease())
                    && self.usable(name, preferred, entry)
                {
                    return Ok(Some(preferred.clone()));
                }
            }
        }
        let lowest = self.prefers_lowest(name);
        let walk = |chosen: &Version, choice: u32| {
            self.fetcher.walk_back(&crate::fetch::WalkBack {
                name,
                choice,
                versions: &versions,
                range,
                allow_prerelease: allow_pre,
                lowest,
                chosen,
                python: self.fork.as_ref().map(|fork| &fork.python_lower),
            });
        };
        // Prefer usable versions; an unusable one is still returned when nothing else is
        // left, so the conflict report can say why it was rejected. Versions whose own
        // metadata rules them out (see `ruled_out`) are passed over the same way: deciding
        // on one only to see PubGrub reject it is the decision issue 15 counts.
        let mut unusable = None;
        let mut passed_over = None;
        let mut pick = |iter: &mut dyn Iterator<
            Item = (&Version, &crate::candidates::VersionEntry),
        >| {
            let candidates: Vec<_> = iter.collect();
            let mut ahead = ReadAhead::default();
            for (index, &(version, entry)) in candidates.iter().enumerate() {
                if !self.usable(name, version, entry) {
                    unusable.get_or_insert_with(|| version.clone());
                    continue;
                }
                // Passing over is for one target: in a universal fork, the Python range and
                // markers decide through `requires_python_verdict` and fork splits instead.
                if self.fork.is_some() {
                    return Some(version.clone());
                }
                ahead.before(self, name, &candidates, index);
                if self.ruled_out(name, version, entry) {
                    debug!(package = %package, %version, "passed over: ruled out by the root or the target");
                    passed_over.get_or_insert_with(|| version.clone());
                    continue;
                }
                return Some(version.clone());
            }
            None
        };
        let chosen = if lowest {
            pick(&mut candidates.into_iter())
        } else {
            pick(&mut candidates.rev())
        };
        if let Some(version) = &chosen
            && choice > 0
        {
            // Issue 15: a package walking back gets its next candidates fetched in a batch.
            walk(version, choice);
        }
        // Nothing left but ruled-out versions: hand PubGrub the first of them, so that its
        // rejection, and the report, carry the real reason.
        let chosen = chosen.or(passed_over);
        if let Some(version) = &chosen {
            // One decision per version handed to PubGrub, as uv's `Selecting:` lines count
            // them (bench/compare.py counts both tools alike); an unusable fallback is not one.
            self.fetcher.decided(choice > 1);
            debug!(package = %package, %version, choice, "selecting");
        }
        Ok(chosen.or(unusable))
    }

    fn get_dependencies(
        &self,
        package: &Self::P,
        version: &Self::V,
    ) -> Result<Dependencies<Self::P, Self::VS, Self::M>, Self::Err> {
        let (name, extra) = match package.kind() {
            PackageKind::Root => {
                if let Some(markers) = &self.root_fork {
                    return Err(Stop::Fork {
                        package: "your requirements".to_string(),
                        markers: markers.clone(),
                    });
                }
                for (dependency, range) in &self.root_dependencies {
                    if let Some(name) = dependency.name() {
                        self.fetcher.prefetch(name, range.clone());
                    }
                    self.discovery_index(dependency);
                }
                return Ok(Dependencies::Available(
                    self.root_dependencies.iter().cloned().collect(),
                ));
            }
            PackageKind::Base(name) => (name, None),
            PackageKind::Extra(name, extra) => (name, Some(extra)),
        };
        let Some(versions) = self.versions(name) else {
            return Err(Stop::Fatal);
        };
        let Some(entry) = versions.versions.get(version) else {
            return Ok(Dependencies::Unavailable(
                "this version does not exist".into(),
            ));
        };
        if let Some(reason) = &entry.yanked
            && !self.exact_pins.contains(&(name.clone(), version.clone()))
        {
            return Ok(Dependencies::Unavailable(
                Unusable::Yanked(reason.clone()).to_string(),
            ));
        }
        let file = match &entry.choice {
            Ok(file) => Arc::clone(file),
            Err(unusable) => return Ok(Dependencies::Unavailable(unusable.to_string())),
        };
        // Universal: the index's `Requires-Python` decides before any metadata is read (a
        // fork below it would read every too-new version, as a single target never does).
        if self.fork.is_some()
            && let Some(requires_python) = &file.requires_python
            && let Some(verdict) = self.requires_python_verdict(name, version, requires_python)
        {
            return verdict;
        }
        let stand_in = entry.metadata_wheel.as_deref();
        let metadata = match self
            .handle
            .block_on(self.fetcher.metadata(name, version, &file, stand_in))
        {
            Ok(metadata) => metadata,
            Err(error) => {
                return match metadata_verdict(&error) {
                    MetadataVerdict::Fatal => {
                        self.record_fatal(ResolveError::Metadata {
                            package: name.clone(),
                            version: version.clone(),
                            url: Box::new(stand_in.unwrap_or(&file).url.clone()),
                            source: error,
                        });
                        Err(Stop::Fatal)
                    }
                    MetadataVerdict::BuildFailed => {
                        self.record_fatal(ResolveError::Build { source: error });
                        Err(Stop::Fatal)
                    }
                    MetadataVerdict::NeedsBuild => {
                        let reason = if self.fetcher.options.no_build {
                            NoBuildReason::NoBuildFlag
                        } else {
                            NoBuildReason::NoInterpreter
                        };
                        Ok(Dependencies::Unavailable(
                            Unusable::NeedsBuild(reason).to_string(),
                        ))
                    }
                    MetadataVerdict::Invalid => {
                        warn!("{error}");
                        Ok(Dependencies::Unavailable(
                            Unusable::InvalidMetadata(error.to_string()).to_string(),
                        ))
                    }
                };
            }
        };
        // In a universal resolution, the lowest Python of the fork (candidates were not
        // filtered by the index's `requires-python` then, since forks differ).
        if let Some(requires_python) = &metadata.requires_python
            && let Some(verdict) = self.requires_python_verdict(name, version, requires_python)
        {
            return verdict;
        }
        if let Some(requirement) = self.undeclared_direct(&metadata.requires_dist, extra) {
            self.record_fatal(ResolveError::UndeclaredDirectReference {
                package: name.clone(),
                version: version.clone(),
                requirement: requirement.to_string(),
            });
            return Err(Stop::Fatal);
        }
        let metadata = self.platform_metadata(name, version, metadata)?;
        let mut constraints: Vec<(PubGrubPackage, Ranges<Version>)> = Vec::new();
        match extra {
            None => {
                if let Some(markers) = self.fork_split(&metadata.requires_dist, &[]) {
                    return Err(Stop::Fork {
                        package: format!("{name}=={version}"),
                        markers,
                    });
                }
                constraints.extend(self.edges(&metadata.requires_dist, &[]));
            }
            Some(extra) => {
                // `name[extra]` pins its base and adds what the extra switches on.
                constraints.push((
                    PubGrubPackage::base(name.clone()),
                    Ranges::singleton(version.clone()),
                ));
                let markers = &self.fetcher.target.markers;
                let only_extra: Vec<Requirement> = metadata
                    .requires_dist
                    .iter()
                    .filter(|r| match &self.fork {
                        None => {
                            r.marker.evaluate(markers, std::slice::from_ref(extra))
                                && !r.marker.evaluate(markers, &[])
                        }
                        // Universal: what the extra changes (its requirements that are not
                        // the base's already).
                        Some(fork) => {
                            let with = restrict_extras(&r.marker, std::slice::from_ref(extra));
                            fork.allows(&with) && with != restrict_extras(&r.marker, &[])
                        }
                    })
                    .cloned()
                    .collect();
                if let Some(markers) = self.fork_split(&only_extra, std::slice::from_ref(extra)) {
                    return Err(Stop::Fork {
                        package: format!("{name}[{extra}]=={version}"),
                        markers,
                    });
                }
                if !metadata.provides_extra.contains(extra)
                    && self
                        .missing_extras
                        .borrow_mut()
                        .insert((name.clone(), extra.clone()))
                {
                    warn!("`{name}=={version}` does not provide the extra `{extra}`");
                }
                constraints.extend(self.edges(&only_extra, std::slice::from_ref(extra)));
            }
        }
        // A package cannot depend on itself; PubGrub would see a conflict.
        constraints.retain(|(dependency, _)| dependency != package);
        for (dependency, range) in &constraints {
            self.discovery_index(dependency);
            if let Some(dependency_name) = dependency.name() {
                self.fetcher.prefetch(dependency_name, range.clone());
            }
        }
        debug!(package = %package, %version, dependencies = constraints.len(), "dependencies");
        Ok(Dependencies::Available(
            constraints
                .into_iter()
                .collect::<DependencyConstraints<_, _>>(),
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_read_ahead_stays_a_window_ahead_of_the_scan() {
        // Eleven candidates judged one after another, every one usable: reads grow 1, 2, 4
        // and 8 past the one being judged, so the last read is 8 past the eleventh (index
        // 18). Starting 8 more past the last read at each step instead ran away to the end
        // of the list (`pins-years-apart`: 846 metadata files instead of about 400).
        let mut ahead = ReadAhead::default();
        let mut read = Vec::new();
        for index in 0..11 {
            read.extend(ahead.next(index, 100, |_| true));
        }
        assert_eq!(read, (2..=18).collect::<Vec<_>>());
        // Candidates the listing rules out are skipped, not counted in the window.
        let mut ahead = ReadAhead::default();
        let mut read = Vec::new();
        for index in [0, 1] {
            read.extend(ahead.next(index, 100, |position| position % 2 == 0));
        }
        read.extend(ahead.next(2, 100, |position| position % 2 == 0));
        assert_eq!(read, [2, 4, 6]);
    }

    use tw_metadata::MetadataError;

    use super::*;

    #[test]
    fn integrity_failures_stop_and_only_honest_reasons_make_a_version_unusable() {
        let subject = || "https://files.test/app-2.0.0-py3-none-any.whl".to_string();
        let cases = [
            (
                MetadataError::Hash {
                    subject: subject(),
                    expected: "aa".into(),
                    actual: "bb".into(),
                },
                MetadataVerdict::Fatal,
            ),
            (
                MetadataError::Crc {
                    subject: subject(),
                    member: "app-2.0.0.dist-info/METADATA".into(),
                    expected: 1,
                    actual: 2,
                },
                MetadataVerdict::Fatal,
            ),
            (
                MetadataError::Mismatch {
                    subject: subject(),
                    expected: "app 2.0.0".into(),
                    found: "app 9.9.9".into(),
                },
                MetadataVerdict::Fatal,
            ),
            (
                MetadataError::Archive {
                    subject: subject(),
                    reason: "no end-of-central-directory record".into(),
                },
                MetadataVerdict::Fatal,
            ),
            (
                MetadataError::Build {
                    subject: subject(),
                    reason: "backend failed".into(),
                },
                MetadataVerdict::BuildFailed,
            ),
            (
                MetadataError::NeedsBuild { subject: subject() },
                MetadataVerdict::NeedsBuild,
            ),
            (
                MetadataError::Invalid {
                    subject: subject(),
                    reason: "line 3: invalid `Requires-Dist`".into(),
                },
                MetadataVerdict::Invalid,
            ),
        ];
        for (error, verdict) in cases {
            assert_eq!(metadata_verdict(&error), verdict, "{error}");
        }
    }
}
