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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pep440_rs::Version;
use pep508_rs::PackageName;
use rustc_hash::FxHashMap;
use tokio::runtime::Handle;
use tokio::sync::{OnceCell, Semaphore};
use tokio::task::JoinSet;
use tracing::debug;

use tw_index::{DistFilename, IndexError, IndexFile};
use tw_metadata::{DistMetadata, MetadataError};
use tw_platform::Target;

use crate::candidates::VersionMap;
use crate::options::ResolverOptions;
use crate::source::MetadataSource;

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

/// Shared state of all fetches of one resolution.
pub(crate) struct Fetcher {
    pub(crate) source: Arc<dyn MetadataSource>,
    pub(crate) target: Target,
    pub(crate) options: ResolverOptions,
    projects: OnceMap<PackageName, ProjectResult>,
    files: OnceMap<(PackageName, Version), MetadataResult>,
    prefetch_permits: Semaphore,
    /// Where prefetches run (the runtime `resolve_with` was called on).
    handle: Handle,
    tasks: Mutex<Tasks>,
    /// Versions whose metadata was read from a wheel for another target.
    pub(crate) other_target_wheels: AtomicU64,
}

impl Fetcher {
    /// The fetch state of one resolution; prefetches run on `handle`.
    pub(crate) fn new(
        source: Arc<dyn MetadataSource>,
        target: Target,
        options: ResolverOptions,
        handle: Handle,
    ) -> Self {
        let permits = options.concurrency.max(1);
        Self {
            source,
            target,
            options,
            projects: OnceMap::new(),
            files: OnceMap::new(),
            prefetch_permits: Semaphore::new(permits),
            handle,
            tasks: Mutex::new(Tasks::default()),
            other_target_wheels: AtomicU64::new(0),
        }
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
            std::mem::take(&mut tasks.set)
        };
        set.shutdown().await;
    }

    /// Like [`Self::shutdown`] without waiting (for a resolution whose future was dropped).
    pub(crate) fn abort_all(&self) {
        let mut tasks = self.tasks();
        tasks.closed = true;
        tasks.set.abort_all();
    }

    /// The candidate versions of `name`.
    pub(crate) async fn project(&self, name: &PackageName) -> ProjectResult {
        self.projects
            .get_or_init(name, || async {
                let files = self.source.project(name).await.map_err(Arc::new)?;
                Ok(Arc::new(VersionMap::new(
                    files,
                    &self.target,
                    &self.options,
                )))
            })
            .await
    }

    /// The metadata of `file` (the chosen file of `name` at `version`), read from
    /// `stand_in` instead when given: a wheel of the same version for another target, used
    /// only when `file` is an sdist (see `VersionEntry::metadata_wheel`).
    pub(crate) async fn metadata(
        &self,
        name: &PackageName,
        version: &Version,
        file: &IndexFile,
        stand_in: Option<&IndexFile>,
    ) -> MetadataResult {
        self.files
            .get_or_init(&(name.clone(), version.clone()), || async {
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
                        Some(builder) if !self.options.no_build => builder
                            .build_metadata(file)
                            .await
                            .map_err(|failure| MetadataError::Build {
                                subject,
                                reason: failure.message,
                            }),
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
    /// way. Never touches an sdist: see the module documentation.
    pub(crate) fn prefetch(
        self: &Arc<Self>,
        name: &PackageName,
        range: version_ranges::Ranges<Version>,
    ) {
        if self.projects.contains(name) {
            return;
        }
        let this = Arc::clone(self);
        let name = name.clone();
        self.spawn(async move {
            let Ok(permit) = this.prefetch_permits.acquire().await else {
                return;
            };
            let Ok(versions) = this.project(&name).await else {
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
                debug!(package = %name, %version, "prefetching metadata");
                let Ok(metadata) = this.metadata(&name, version, file, stand_in).await else {
                    return;
                };
                // Walk on: the likely version's own dependencies are the next pages the
                // solver will ask for, so their fetches start now rather than when PubGrub
                // reaches them. Each name is prefetched once, so this ends.
                drop(permit);
                for requirement in &metadata.requires_dist {
                    if requirement.marker.evaluate(&this.target.markers, &[]) {
                        this.prefetch(&requirement.name, crate::provider::ranges_of(requirement));
                    }
                }
            }
        });
    }
}
