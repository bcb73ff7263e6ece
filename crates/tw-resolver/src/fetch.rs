//! The async side of the resolver: project pages and metadata, each fetched once and
//! shared, with prefetching so the sequential PubGrub loop rarely waits on the network.
//!
//! Every fetch lives in a [`OnceMap`] slot: the first caller starts it, later callers (the
//! solver thread or another prefetch) wait for the same result. Prefetches are spawned as
//! soon as a package name is known, bounded by a semaphore.
//!
//! Prefetching is speculative, so it is kept harmless (issue 13):
//! * It reads project pages and the metadata of *wheels* only. An sdist's metadata can mean
//!   downloading the whole archive and running its PEP 517 backend (arbitrary code), which
//!   happens only for a version the solver itself asks about.
//! * Its tasks are owned: they live in the [`Fetcher`]'s `JoinSet`, and
//!   [`Fetcher::shutdown`] cancels the ones still running and waits for them before
//!   [`crate::resolve_with`] returns, so no request starts after a resolution has ended.

use std::collections::hash_map::Entry;
use std::future::Future;
use std::hash::Hash;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pep440_rs::Version;
use pep508_rs::PackageName;
use rustc_hash::{FxHashMap, FxHashSet};
use tokio::runtime::Handle;
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};
use tokio::task::JoinSet;
use tracing::debug;

use tw_index::{DistFilename, IndexError, IndexFile};
use tw_metadata::{DistMetadata, MetadataError};
use tw_platform::Target;

use crate::candidates::{VersionEntry, VersionMap};
use crate::options::ResolverOptions;
use crate::source::MetadataSource;
use crate::speculation::{FetchKey, Ledger, Origin, ResolveStats};

/// A map whose values are computed once, by whoever asks first.
pub(crate) struct OnceMap<K, V> {
    cells: Mutex<FxHashMap<K, Arc<OnceCell<V>>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> OnceMap<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            cells: Mutex::new(FxHashMap::default()),
        }
    }

    fn cell(&self, key: &K) -> Arc<OnceCell<V>> {
        let mut cells = match self.cells.lock() {
            Ok(cells) => cells,
            Err(poisoned) => poisoned.into_inner(),
        };
        match cells.entry(key.clone()) {
            Entry::Occupied(entry) => Arc::clone(entry.get()),
            Entry::Vacant(entry) => Arc::clone(entry.insert(Arc::new(OnceCell::new()))),
        }
    }

    /// The value for `key`, computing it with `init` if nobody has started yet.
    pub(crate) async fn get_or_init<F, Fut>(&self, key: &K, init: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        self.cell(key).get_or_init(init).await.clone()
    }

    /// True when `key` has a slot (started or done).
    pub(crate) fn contains(&self, key: &K) -> bool {
        self.cells
            .lock()
            .map(|cells| cells.contains_key(key))
            .unwrap_or(false)
    }
}

/// The one version of a direct package, with its synthetic file as the choice.
fn direct_versions(name: &PackageName, package: &crate::direct::DirectPackage) -> VersionMap {
    let choice = crate::direct::synthetic_file(name, package)
        .map(Arc::new)
        .ok_or(crate::candidates::Unusable::NoCompatibleWheel);
    let mut versions = VersionMap::default();
    versions.versions.insert(
        package.version.clone(),
        VersionEntry {
            files: Vec::new(),
            other_wheels: Vec::new(),
            metadata_wheel: None,
            choice,
            yanked: None,
        },
    );
    versions
}

/// Result of reading a project's page, shared between waiters.
pub(crate) type ProjectResult = Result<Arc<VersionMap>, Arc<IndexError>>;
/// Result of reading one file's metadata, shared between waiters.
pub(crate) type MetadataResult = Result<Arc<DistMetadata>, Arc<MetadataError>>;

/// The prefetch tasks of one resolution.
#[derive(Default)]
struct Tasks {
    /// Running (and not yet reaped) prefetches.
    set: JoinSet<()>,
    /// Set by [`Fetcher::shutdown`] and [`Fetcher::abort_all`]: no new prefetch starts.
    closed: bool,
}

/// Where the solver stands on a package that walks back: the version it chose last, and
/// the direction it walks in.
#[derive(Clone, Debug)]
struct Position {
    chosen: Version,
    lowest: bool,
}

impl Position {
    /// True while `version` is still ahead of the solver (not yet tried or walked past).
    fn ahead(&self, version: &Version) -> bool {
        if self.lowest {
            *version > self.chosen
        } else {
            *version < self.chosen
        }
    }
}

/// The solver's choice of a version of a package, as [`Fetcher::walk_back`] reads it.
pub(crate) struct WalkBack<'a> {
    /// The package.
    pub(crate) name: &'a PackageName,
    /// How many times a version of it was chosen in this attempt (1 for the first).
    pub(crate) choice: u32,
    /// Its versions.
    pub(crate) versions: &'a VersionMap,
    /// The range the solver chose in.
    pub(crate) range: &'a version_ranges::Ranges<Version>,
    /// Whether pre-releases may be chosen.
    pub(crate) allow_prerelease: bool,
    /// Walking up (`--resolution lowest`) rather than down.
    pub(crate) lowest: bool,
    /// The version chosen now.
    pub(crate) chosen: &'a Version,
    /// In a universal resolution, the lowest Python of the fork being solved.
    pub(crate) python: Option<&'a Version>,
}

/// Versions of a package in the order the solver tries them, one way or the other.
type Versions<'a> = dyn Iterator<Item = (&'a Version, &'a VersionEntry)> + 'a;

impl WalkBack<'_> {
    /// A version the solver tries, as `choose_version` orders them, with its file.
    fn candidate<'v>(
        &self,
        (version, entry): (&'v Version, &'v VersionEntry),
    ) -> Option<(&'v Version, &'v Arc<IndexFile>)> {
        let tried = self.range.contains(version)
            && (self.allow_prerelease || !version.any_prerelease())
            && entry.yanked.is_none();
        let file = entry.choice.as_ref().ok().filter(|_| tried)?;
        Some((version, file))
    }
}

/// Permits for speculative fetches: one budget below the client's limit, and a smaller
/// share of it that far guesses (the walk on) must also hold.
struct Budget {
    all: Semaphore,
    far: Semaphore,
}

/// The permits one speculative fetch holds while it runs.
struct Permits<'a> {
    _all: SemaphorePermit<'a>,
    _far: Option<SemaphorePermit<'a>>,
}

impl Budget {
    fn new(options: &ResolverOptions) -> Self {
        // Below the client's limit (`concurrency`), so a solver fetch finds a free slot.
        let limit = options.concurrency.saturating_sub(1).max(1);
        let all = options.speculation.in_flight.clamp(1, limit);
        Self {
            all: Semaphore::new(all),
            far: Semaphore::new((all / 2).max(1)),
        }
    }

    async fn acquire(&self, far: bool) -> Option<Permits<'_>> {
        // The far share first, so a far guess waiting for it holds no general permit.
        let far = if far {
            Some(self.far.acquire().await.ok()?)
        } else {
            None
        };
        let all = self.all.acquire().await.ok()?;
        Some(Permits {
            _all: all,
            _far: far,
        })
    }
}

/// Shared state of all fetches of one resolution.
pub(crate) struct Fetcher {
    pub(crate) source: Arc<dyn MetadataSource>,
    pub(crate) target: Target,
    pub(crate) options: ResolverOptions,
    projects: OnceMap<PackageName, ProjectResult>,
    files: OnceMap<(PackageName, Version), MetadataResult>,
    budget: Budget,
    /// Where each walking-back package stands (see [`Fetcher::walk_back`]).
    positions: Mutex<FxHashMap<PackageName, Position>>,
    /// The shallowest depth each name was prefetched at.
    walked: Mutex<FxHashMap<PackageName, u32>>,
    /// Walk-back guesses spawned and still waiting for a permit (spawned once each).
    queued: Mutex<FxHashSet<(PackageName, Version)>>,
    ledger: Ledger,
    /// Where prefetches run (the runtime `resolve_with` was called on).
    handle: Handle,
    tasks: Mutex<Tasks>,
    /// Versions whose metadata was read from a wheel for another target.
    pub(crate) other_target_wheels: AtomicU64,
    /// Packages fixed by a direct reference: their one version and metadata (issue 16).
    pub(crate) direct: Arc<crate::direct::DirectPackages>,
}

impl Fetcher {
    /// The fetch state of one resolution; prefetches run on `handle`.
    pub(crate) fn new(
        source: Arc<dyn MetadataSource>,
        target: Target,
        options: ResolverOptions,
        handle: Handle,
    ) -> Self {
        Self {
            source,
            target,
            budget: Budget::new(&options),
            options,
            projects: OnceMap::new(),
            files: OnceMap::new(),
            positions: Mutex::new(FxHashMap::default()),
            walked: Mutex::new(FxHashMap::default()),
            queued: Mutex::new(FxHashSet::default()),
            ledger: Ledger::default(),
            handle,
            tasks: Mutex::new(Tasks::default()),
            other_target_wheels: AtomicU64::new(0),
            direct: Arc::default(),
        }
    }

    /// Fix the packages of `direct` to their one version and metadata: the source is never
    /// asked about them.
    pub(crate) fn with_direct(mut self, direct: crate::direct::DirectPackages) -> Self {
        self.direct = Arc::new(direct);
        self
    }

    fn tasks(&self) -> MutexGuard<'_, Tasks> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Run `task` as a prefetch owned by this resolution, unless it has ended.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks();
        if tasks.closed {
            return;
        }
        // Reap finished prefetches so the set holds only running ones.
        while tasks.set.try_join_next().is_some() {}
        tasks.set.spawn_on(task, &self.handle);
    }

    /// End prefetching: start no more, cancel those still running and wait until every one
    /// has stopped. After this, no fetch of this resolution is in flight.
    pub(crate) async fn shutdown(&self) {
        let mut set = {
            let mut tasks = self.tasks();
            tasks.closed = true;
            while tasks.set.try_join_next().is_some() {}
            std::mem::take(&mut tasks.set)
        };
        self.ledger
            .cancelled(u64::try_from(set.len()).unwrap_or(u64::MAX));
        set.shutdown().await;
    }

    /// Like [`Self::shutdown`] without waiting (for a resolution whose future was dropped).
    pub(crate) fn abort_all(&self) {
        let mut tasks = self.tasks();
        tasks.closed = true;
        tasks.set.abort_all();
    }

    /// What was fetched and decided so far.
    pub(crate) fn stats(&self) -> ResolveStats {
        self.ledger.stats()
    }

    /// The solver chose a version (`repeated`: of a package it decided before in this
    /// attempt).
    pub(crate) fn decided(&self, repeated: bool) {
        self.ledger.decision(repeated);
    }

    /// The solver started an attempt over.
    pub(crate) fn restarted(&self) {
        self.ledger.restart();
    }

    /// The candidate versions of `name`, for the solver (it waits for them).
    pub(crate) async fn project(&self, name: &PackageName) -> ProjectResult {
        self.ledger.wanted(FetchKey::Page(name.clone()));
        self.load_project(name, Origin::Solver).await
    }

    async fn load_project(&self, name: &PackageName, origin: Origin) -> ProjectResult {
        if let Some(package) = self.direct.get(name) {
            return Ok(Arc::new(direct_versions(name, package)));
        }
        self.projects
            .get_or_init(name, || async {
                self.ledger.started(FetchKey::Page(name.clone()), origin);
                let files = self.source.project(name).await.map_err(Arc::new)?;
                Ok(Arc::new(VersionMap::new(
                    files,
                    &self.target,
                    &self.options,
                )))
            })
            .await
    }

    /// The metadata of `file` (the chosen file of `name` at `version`), for the solver; read
    /// from `stand_in` instead when given: a wheel of the same version for another target,
    /// used only when `file` is an sdist (see `VersionEntry::metadata_wheel`).
    pub(crate) async fn metadata(
        &self,
        name: &PackageName,
        version: &Version,
        file: &IndexFile,
        stand_in: Option<&IndexFile>,
    ) -> MetadataResult {
        self.ledger
            .wanted(FetchKey::Metadata(name.clone(), version.clone()));
        self.load_metadata(name, version, file, stand_in, Origin::Solver)
            .await
    }

    /// The metadata of `file`; only the solver's fetches (`Origin::Solver`) may build, and
    /// speculation asks about wheels only.
    async fn load_metadata(
        &self,
        name: &PackageName,
        version: &Version,
        file: &IndexFile,
        stand_in: Option<&IndexFile>,
        origin: Origin,
    ) -> MetadataResult {
        if let Some(package) = self.direct.get(name)
            && package.version == *version
        {
            return Ok(Arc::clone(&package.metadata));
        }
        self.files
            .get_or_init(&(name.clone(), version.clone()), || async {
                self.ledger
                    .started(FetchKey::Metadata(name.clone(), version.clone()), origin);
                if let Some(wheel) = stand_in {
                    debug!(
                        package = %name,
                        %version,
                        wheel = %wheel.filename,
                        sdist = %file.filename,
                        "no wheel for the target: reading the metadata of a wheel for another target"
                    );
                    let metadata = self.source.metadata(wheel).await;
                    if metadata.is_ok() {
                        self.other_target_wheels.fetch_add(1, Ordering::Relaxed);
                    }
                    return metadata.map(Arc::new).map_err(Arc::new);
                }
                match self.source.metadata(file).await {
                    Err(MetadataError::NeedsBuild { subject }) => match &self.options.builder {
                        Some(builder) if !self.options.no_build && origin == Origin::Solver => {
                            builder.build_metadata(file).await.map_err(|failure| {
                                MetadataError::Build {
                                    subject,
                                    reason: failure.message,
                                }
                            })
                        }
                        _ => Err(MetadataError::NeedsBuild { subject }),
                    },
                    other => other,
                }
                .map(Arc::new)
                .map_err(Arc::new)
            })
            .await
    }

    /// Start reading `name`'s page and, when it is a wheel, the metadata of the version most
    /// likely to be chosen (the highest usable one in `range`), unless that is already under
    /// way; then walk on to that version's dependencies, up to the depth limit. `name` was
    /// discovered by the solver (a root requirement or a dependency of a chosen version).
    /// Never touches an sdist: see the module documentation.
    /// Start the metadata fetch of `name` `version` for the solver without waiting for it:
    /// it will judge that version next or soon (a scan passing over ruled-out versions), so
    /// it neither queues behind guesses nor takes a speculation permit; the solver's own
    /// [`Self::metadata`] call then shares it.
    pub(crate) fn read_ahead(
        self: &Arc<Self>,
        name: &PackageName,
        version: &Version,
        file: &Arc<IndexFile>,
        stand_in: Option<&Arc<IndexFile>>,
    ) {
        let key = (name.clone(), version.clone());
        if self.files.contains(&key) {
            return;
        }
        let this = Arc::clone(self);
        let file = Arc::clone(file);
        let stand_in = stand_in.map(Arc::clone);
        self.spawn(async move {
            let (name, version) = key;
            let _ = this
                .metadata(&name, &version, &file, stand_in.as_deref())
                .await;
        });
    }

    pub(crate) fn prefetch(
        self: &Arc<Self>,
        name: &PackageName,
        range: version_ranges::Ranges<Version>,
    ) {
        self.speculate(name, range, 0);
    }

    /// [`Self::prefetch`] `depth` guesses away from what the solver discovered.
    fn speculate(
        self: &Arc<Self>,
        name: &PackageName,
        range: version_ranges::Ranges<Version>,
        depth: u32,
    ) {
        {
            // Each name is walked once from its shallowest depth: a name first met as a deep
            // guess and later discovered by the solver is walked on again from there (its
            // page and metadata are shared, not fetched twice).
            let mut walked = self.walked();
            match walked.get(name) {
                Some(&seen) if seen <= depth => return,
                _ => walked.insert(name.clone(), depth),
            };
        }
        let this = Arc::clone(self);
        let name = name.clone();
        self.spawn(async move {
            let Some(permits) = this.budget.acquire(depth > 0).await else {
                return;
            };
            let Ok(versions) = this.load_project(&name, Origin::Walk).await else {
                return;
            };
            let likely = versions.versions.iter().rev().find(|(version, entry)| {
                range.contains(version)
                    && !version.any_prerelease()
                    && entry.yanked.is_none()
                    && entry.choice.is_ok()
            });
            if let Some((version, entry)) = likely
                && let Ok(file) = &entry.choice
            {
                // An sdist with a stand-in wheel for another target is read through that
                // wheel: as harmless as any wheel.
                let stand_in = entry.metadata_wheel.as_deref();
                if !matches!(stand_in.unwrap_or(file).dist, DistFilename::Wheel(_)) {
                    debug!(package = %name, %version, "not prefetching the metadata of an sdist");
                    return;
                }
                debug!(package = %name, %version, depth, "prefetching metadata");
                let Ok(metadata) = this
                    .load_metadata(&name, version, file, stand_in, Origin::Walk)
                    .await
                else {
                    return;
                };
                drop(permits);
                if depth >= this.options.speculation.depth {
                    return;
                }
                // Walk on: the likely version's own dependencies are the next pages the
                // solver will ask for, so their fetches start now rather than when PubGrub
                // reaches them. Each name is prefetched once and the depth is bounded.
                for requirement in &metadata.requires_dist {
                    // Universal: any environment may need it (issue 17).
                    let applies = if this.target.tags.is_universal() {
                        requirement.marker.evaluate_extras(&[])
                    } else {
                        requirement.marker.evaluate(&this.target.markers, &[])
                    };
                    if applies {
                        this.speculate(
                            &requirement.name,
                            crate::provider::ranges_of(requirement),
                            depth + 1,
                        );
                    }
                }
            }
        });
    }

    /// The solver chose `walk.chosen`: remember where it stands on the package and, from its
    /// [`crate::SpeculationOptions::batch_after`]-th choice on, fetch the metadata of its next
    /// [`crate::SpeculationOptions::batch`] candidates (wheels only) ahead of it.
    pub(crate) fn walk_back(self: &Arc<Self>, walk: &WalkBack<'_>) {
        self.positions().insert(
            walk.name.clone(),
            Position {
                chosen: walk.chosen.clone(),
                lowest: walk.lowest,
            },
        );
        let speculation = &self.options.speculation;
        if walk.choice < speculation.batch_after || speculation.batch == 0 {
            return;
        }
        let below = walk.versions.versions.range(..walk.chosen).rev();
        let above = walk
            .versions
            .versions
            .range((Bound::Excluded(walk.chosen), Bound::Unbounded));
        let (ahead, behind): (&mut Versions<'_>, &mut Versions<'_>) = if walk.lowest {
            (&mut { above }, &mut { below })
        } else {
            (&mut { below }, &mut { above })
        };
        let candidate = |item| walk.candidate(item);
        // A fork below the index's `Requires-Python` decides such a version without its
        // metadata (rejected, or the fork splits): reading it would be wasted.
        let readable = |file: &IndexFile| {
            walk.python.is_none_or(|python| {
                file.requires_python
                    .as_ref()
                    .is_none_or(|spec| crate::ranges::requires_python_allows(spec, python))
            })
        };
        // Passing over such versions says nothing about the next ones: batches start once
        // the solver rejects a version it had to read, the one it tried just before this
        // choice (no longer in its range, which lost what it rejected).
        let mut previous = None;
        for (version, entry) in behind {
            if (walk.allow_prerelease || !version.any_prerelease())
                && entry.yanked.is_none()
                && let Ok(file) = &entry.choice
            {
                previous = Some(file);
                break;
            }
        }
        if previous.is_some_and(|file| !readable(file)) {
            return;
        }
        let next = ahead
            .filter_map(candidate)
            .filter(|(_, file)| readable(file))
            .take(speculation.batch);
        for (version, file) in next {
            let key = (walk.name.clone(), version.clone());
            if !matches!(file.dist, DistFilename::Wheel(_))
                || self.files.contains(&key)
                || !self.queued().insert(key.clone())
            {
                continue;
            }
            let this = Arc::clone(self);
            let file = Arc::clone(file);
            self.spawn(async move {
                let permits = this.budget.acquire(false).await;
                this.queued().remove(&key);
                let (name, version) = key;
                let Some(_permits) = permits else {
                    return;
                };
                let useful = this
                    .positions()
                    .get(&name)
                    .is_none_or(|position| position.ahead(&version));
                if !useful || this.files.contains(&(name.clone(), version.clone())) {
                    debug!(package = %name, %version, "walk-back guess no longer needed");
                    this.ledger.cancelled(1);
                    return;
                }
                debug!(package = %name, %version, "prefetching metadata of a walk-back candidate");
                let _ = this
                    .load_metadata(&name, &version, &file, None, Origin::Batch)
                    .await;
            });
        }
    }

    fn walked(&self) -> MutexGuard<'_, FxHashMap<PackageName, u32>> {
        self.walked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn queued(&self) -> MutexGuard<'_, FxHashSet<(PackageName, Version)>> {
        self.queued.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn positions(&self) -> MutexGuard<'_, FxHashMap<PackageName, Position>> {
        self.positions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    //! Deterministic tests of speculation: a single-threaded runtime with a paused clock.
    //! [`idle`] returns only once every task is blocked (the clock moves only when the
    //! runtime has nothing else to do), so "what speculation asked for" is a fixed answer,
    //! not a race.

    use std::str::FromStr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tw_index::ProjectFiles;

    use super::*;
    use crate::build::BoxFuture;
    use crate::source::InMemorySource;
    use crate::speculation::SpeculationOptions;

    fn name(text: &str) -> PackageName {
        PackageName::from_str(text).unwrap()
    }

    fn version(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    fn metadata(name: &str, version: &str, requires: &[&str]) -> DistMetadata {
        let mut text = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        for requirement in requires {
            text.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
        DistMetadata::parse(text.as_bytes(), name).unwrap()
    }

    fn target() -> Target {
        tw_platform::target_from_platform(
            &"3.12".parse().unwrap(),
            &"x86_64-manylinux_2_28".parse().unwrap(),
        )
    }

    /// Wait until every task of the (single-threaded, paused-clock) runtime is blocked.
    async fn idle() {
        tokio::time::sleep(Duration::from_hours(1)).await;
    }

    /// Decrements the count of held slots when a hanging request is dropped (cancelled).
    struct Held(Arc<AtomicUsize>);

    impl Drop for Held {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// An in-memory source that models the HTTP client's connection limit: `slots`
    /// requests at once. The pages in `hang` never answer and keep their slot; any
    /// request that arrives while every slot is held by one of them fails (it would wait
    /// forever behind guesses). Every question is recorded in order.
    #[derive(Debug)]
    struct Scripted {
        inner: InMemorySource,
        hang: Vec<PackageName>,
        /// Hanging pages answer once they get a permit from here (none at first).
        release: Arc<Semaphore>,
        slots: usize,
        held: Arc<AtomicUsize>,
        pages: Mutex<Vec<String>>,
        files: Mutex<Vec<String>>,
    }

    impl Scripted {
        fn new(inner: InMemorySource, hang: &[&str], slots: usize) -> Self {
            Self {
                inner,
                hang: hang.iter().map(|text| name(text)).collect(),
                release: Arc::new(Semaphore::new(0)),
                slots,
                held: Arc::new(AtomicUsize::new(0)),
                pages: Mutex::new(Vec::new()),
                files: Mutex::new(Vec::new()),
            }
        }

        fn pages(&self) -> Vec<String> {
            self.pages.lock().unwrap().clone()
        }

        fn files(&self) -> Vec<String> {
            self.files.lock().unwrap().clone()
        }

        fn no_free_slot(&self) -> bool {
            self.held.load(Ordering::SeqCst) >= self.slots
        }
    }

    impl MetadataSource for Scripted {
        fn project<'a>(
            &'a self,
            name: &'a PackageName,
        ) -> BoxFuture<'a, Result<ProjectFiles, IndexError>> {
            self.pages.lock().unwrap().push(name.to_string());
            if self.hang.contains(name) {
                self.held.fetch_add(1, Ordering::SeqCst);
                let held = Held(Arc::clone(&self.held));
                let release = Arc::clone(&self.release);
                return Box::pin(async move {
                    let _held = held;
                    let _permit = release.acquire().await;
                    self.inner.project(name).await
                });
            }
            if self.no_free_slot() {
                return Box::pin(std::future::ready(Err(IndexError::Page {
                    url: name.to_string(),
                    reason: "no free connection slot: every one is held by a guess".into(),
                })));
            }
            self.inner.project(name)
        }

        fn metadata<'a>(
            &'a self,
            file: &'a IndexFile,
        ) -> BoxFuture<'a, Result<DistMetadata, MetadataError>> {
            self.files.lock().unwrap().push(file.filename.clone());
            if self.no_free_slot() {
                return Box::pin(std::future::ready(Err(MetadataError::Archive {
                    subject: file.filename.clone(),
                    reason: "no free connection slot: every one is held by a guess".into(),
                })));
            }
            self.inner.metadata(file)
        }
    }

    fn fetcher(source: &Arc<Scripted>, concurrency: usize) -> Arc<Fetcher> {
        fetcher_with(source, concurrency, SpeculationOptions::default())
    }

    fn fetcher_with(
        source: &Arc<Scripted>,
        concurrency: usize,
        speculation: SpeculationOptions,
    ) -> Arc<Fetcher> {
        let options = ResolverOptions {
            concurrency,
            speculation,
            ..ResolverOptions::default()
        };
        Arc::new(Fetcher::new(
            Arc::clone(source) as Arc<dyn MetadataSource>,
            target(),
            options,
            Handle::current(),
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn speculation_stops_at_the_depth_limit() {
        // app -> d1 -> d2 -> d3 -> d4, none of them chosen by the solver yet.
        let mut inner = InMemorySource::new();
        inner.add(metadata("app", "1.0", &["d1"])).unwrap();
        inner.add(metadata("d1", "1.0", &["d2"])).unwrap();
        inner.add(metadata("d2", "1.0", &["d3"])).unwrap();
        inner.add(metadata("d3", "1.0", &["d4"])).unwrap();
        inner.add(metadata("d4", "1.0", &[])).unwrap();
        let source = Arc::new(Scripted::new(inner, &[], usize::MAX));
        let fetcher = fetcher(&source, 8);
        fetcher.prefetch(&name("app"), version_ranges::Ranges::full());
        idle().await;
        // `app` was discovered by the solver (depth 0); its likely version's dependency
        // `d1` is one guess away, `d2` two (the default limit); `d3` would be a third guess
        // on a guess.
        assert_eq!(source.pages(), ["app", "d1", "d2"]);
        assert_eq!(
            source.files(),
            [
                "app-1.0-py3-none-any.whl",
                "d1-1.0-py3-none-any.whl",
                "d2-1.0-py3-none-any.whl"
            ]
        );
        fetcher.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_solver_fetch_finds_a_free_slot_when_speculation_is_full() {
        // Three guesses whose pages never answer, a client limit of two connections.
        let mut inner = InMemorySource::new();
        inner.add(metadata("lib", "1.0", &[])).unwrap();
        for guess in ["g1", "g2", "g3"] {
            inner.add(metadata(guess, "1.0", &[])).unwrap();
        }
        let source = Arc::new(Scripted::new(inner, &["g1", "g2", "g3"], 2));
        let fetcher = fetcher(&source, 2);
        for guess in ["g1", "g2", "g3"] {
            fetcher.prefetch(&name(guess), version_ranges::Ranges::full());
        }
        idle().await;
        assert!(
            source.held.load(Ordering::SeqCst) < 2,
            "speculation holds every connection slot: asked {:?}",
            source.pages()
        );
        // The solver's own questions go straight to the source: they do not queue behind
        // the guesses, and a slot is free for them.
        let versions = fetcher.project(&name("lib")).await.unwrap();
        let (lib_version, entry) = versions.versions.iter().next_back().unwrap();
        assert_eq!(*lib_version, version("1.0"));
        let file = entry.choice.as_ref().unwrap();
        fetcher
            .metadata(&name("lib"), lib_version, file, None)
            .await
            .unwrap();
        fetcher.shutdown().await;
        assert_eq!(source.held.load(Ordering::SeqCst), 0);
    }

    /// `app` 1.0 to 10.0, and a `guess` whose page answers only when released.
    fn walking_source() -> Arc<Scripted> {
        let mut inner = InMemorySource::new();
        for major in 1..=10 {
            inner
                .add(metadata("app", &format!("{major}.0"), &[]))
                .unwrap();
        }
        inner.add(metadata("guess", "1.0", &[])).unwrap();
        Arc::new(Scripted::new(inner, &["guess"], usize::MAX))
    }

    /// Tell `fetcher` the solver chose `app` `chosen` for the `choice`-th time.
    async fn choose(fetcher: &Arc<Fetcher>, choice: u32, chosen: &str) {
        let versions = fetcher.project(&name("app")).await.unwrap();
        fetcher.walk_back(&WalkBack {
            name: &name("app"),
            choice,
            versions: &versions,
            range: &version_ranges::Ranges::full(),
            allow_prerelease: false,
            lowest: false,
            chosen: &version(chosen),
            python: None,
        });
    }

    fn app_files(source: &Scripted) -> Vec<String> {
        source
            .files()
            .into_iter()
            .filter_map(|file| {
                file.strip_prefix("app-")
                    .and_then(|rest| rest.strip_suffix("-py3-none-any.whl"))
                    .map(str::to_string)
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_walk_back_fetches_the_next_candidates_in_a_batch() {
        let source = walking_source();
        let speculation = SpeculationOptions {
            batch: 3,
            batch_after: 2,
            ..SpeculationOptions::default()
        };
        let fetcher = fetcher_with(&source, 50, speculation);
        // The first choice of a package is no walk-back: nothing is fetched ahead.
        choose(&fetcher, 1, "10.0").await;
        idle().await;
        assert!(app_files(&source).is_empty(), "{:?}", source.files());
        // 10.0 was rejected, 9.0 chosen: the next three candidates are fetched together.
        choose(&fetcher, 2, "9.0").await;
        idle().await;
        assert_eq!(app_files(&source), ["8.0", "7.0", "6.0"]);
        // One step further keeps three ahead: only 5.0 is new.
        choose(&fetcher, 3, "8.0").await;
        idle().await;
        assert_eq!(app_files(&source), ["8.0", "7.0", "6.0", "5.0"]);
        let stats = fetcher.stats();
        assert_eq!(stats.batch_fetches, 4);
        fetcher.shutdown().await;
    }

    /// `app` 1.0 to 10.0, where the majors `newer` picks need Python 3.11 (the index says so),
    /// with a fetcher taking walk-back batches of 3 from the second choice, and `app`'s page.
    async fn app_needing_python_3_11(
        newer: impl Fn(u64) -> bool,
    ) -> (Arc<Scripted>, Arc<Fetcher>, Arc<VersionMap>) {
        let mut inner = InMemorySource::new();
        for major in 1..=10 {
            let requires_python = if newer(major) {
                "Requires-Python: >=3.11\n"
            } else {
                ""
            };
            let text =
                format!("Metadata-Version: 2.1\nName: app\nVersion: {major}.0\n{requires_python}");
            inner
                .add(DistMetadata::parse(text.as_bytes(), "app").unwrap())
                .unwrap();
        }
        let source = Arc::new(Scripted::new(inner, &[], usize::MAX));
        let speculation = SpeculationOptions {
            batch: 3,
            batch_after: 2,
            ..SpeculationOptions::default()
        };
        let fetcher = fetcher_with(&source, 50, speculation);
        let versions = fetcher.project(&name("app")).await.unwrap();
        (source, fetcher, versions)
    }

    #[tokio::test(start_paused = true)]
    async fn a_walk_back_skips_candidates_whose_requires_python_excludes_the_fork() {
        // `app` 1.0 to 10.0; 8.0 and 7.0 need Python 3.11 (the index says so). In a fork
        // whose lowest Python is 3.10 the solver rejects them without their metadata, so
        // the batch reads the three after them instead (data-science: 118 batch reads of
        // `ipython` 9.x, `numpy` 2.3, ... in the 3.10 fork, none of them used).
        let (source, fetcher, versions) =
            app_needing_python_3_11(|major| matches!(major, 7 | 8)).await;
        fetcher.walk_back(&WalkBack {
            name: &name("app"),
            choice: 2,
            versions: &versions,
            range: &version_ranges::Ranges::full(),
            allow_prerelease: false,
            lowest: false,
            chosen: &version("9.0"),
            python: Some(&version("3.10")),
        });
        idle().await;
        assert_eq!(app_files(&source), ["6.0", "5.0", "4.0"]);
        fetcher.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn walking_past_versions_the_fork_python_rules_out_starts_no_batch() {
        // `app` 10.0 and 9.0 need Python 3.11; the fork's lowest is 3.10. The solver passes
        // over them without reading their metadata and lands on 8.0: nothing says 8.0 will
        // be rejected too, so nothing is fetched ahead (data-science: `numpy` 2.5.x in the
        // 3.11 fork read 2.4.5 to 2.3.3, none of them used). Once 8.0 is rejected after its
        // read, the walk-back is real and the batch follows.
        let (source, fetcher, versions) = app_needing_python_3_11(|major| major >= 9).await;
        let python = version("3.10");
        // The solver's range no longer holds what it rejected.
        let walk = |choice: u32, chosen: &Version| {
            let above = Version::new([chosen.release()[0] + 1]);
            fetcher.walk_back(&WalkBack {
                name: &name("app"),
                choice,
                versions: &versions,
                range: &version_ranges::Ranges::strictly_lower_than(above),
                allow_prerelease: false,
                lowest: false,
                chosen,
                python: Some(&python),
            });
        };
        walk(2, &version("9.0"));
        walk(3, &version("8.0"));
        idle().await;
        assert!(app_files(&source).is_empty(), "{:?}", source.files());
        walk(4, &version("7.0"));
        idle().await;
        assert_eq!(app_files(&source), ["6.0", "5.0", "4.0"]);
        fetcher.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn batch_guesses_the_solver_walked_past_are_cancelled() {
        let source = walking_source();
        let speculation = SpeculationOptions {
            in_flight: 1,
            batch: 3,
            batch_after: 2,
            ..SpeculationOptions::default()
        };
        let fetcher = fetcher_with(&source, 50, speculation);
        // The only speculative permit is held by a guess that does not answer yet, so the
        // batch queues behind it.
        fetcher.prefetch(&name("guess"), version_ranges::Ranges::full());
        idle().await;
        choose(&fetcher, 2, "9.0").await;
        idle().await;
        // Meanwhile the solver jumped to 5.0: 8.0 to 6.0 can no longer be used.
        choose(&fetcher, 3, "5.0").await;
        source.release.add_permits(1);
        idle().await;
        assert_eq!(app_files(&source), ["4.0", "3.0", "2.0"]);
        assert_eq!(fetcher.stats().cancelled, 3);
        fetcher.shutdown().await;
    }
}
