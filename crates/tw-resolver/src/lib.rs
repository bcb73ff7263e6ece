//! Dependency resolution for Python packages with [PubGrub](https://github.com/pubgrub-rs/pubgrub).
//!
//! [`resolve`] takes the user's [`Manifest`] (requirements, constraints, overrides), a
//! [`tw_platform::Target`] and [`ResolverOptions`], and returns a [`Resolution`] or a
//! [`ResolveError`] whose no-solution report speaks Python ("Because you require
//! requests==2.31.0 and requests==2.31.0 depends on urllib3>=1.21.1, <3 ...").
//!
//! How it works, briefly:
//! * Packages are the root, real projects, and `name[extra]` virtual packages that pin their
//!   base to the same version (see [`PackageKind`]).
//! * Markers are evaluated against the target; `requires-python` (from the index listing
//!   and from the metadata), yanking, `--exclude-newer`, wheel tags and `--no-build` decide
//!   which versions are usable; unusable versions carry their reason into the report.
//! * PEP 440's pre-release rule is applied when choosing versions, as `--prerelease` says.
//! * PubGrub runs on one blocking thread; index pages and metadata are fetched on the tokio
//!   runtime, once each, and prefetched (pages and wheel metadata only, never an sdist) as
//!   soon as a dependency is discovered. Prefetches belong to the resolution: none is still
//!   running when [`resolve`] returns.
//! * Packages come from a [`MetadataSource`]: [`IndexSource`] (an index, what [`resolve`]
//!   uses) or [`InMemorySource`] (a table, for tests; see [`resolve_with`]).
//! * Direct references (local projects, archive URLs, git) are read before the solve and
//!   given in [`Manifest::direct`]: each fixes its package to one version (see
//!   [`DirectPackage`]).
//! * A file that fails an integrity check (hash, CRC-32, name or version, unreadable
//!   archive) or cannot be fetched stops the resolution with an error naming its URL; it
//!   never makes the resolver fall back to an older version.

mod build;
mod candidates;
mod direct;
mod error;
mod fetch;
mod fork;
mod options;
mod package;
mod platforms;
mod provider;
mod ranges;
mod report;
mod resolution;
mod source;
mod speculation;
mod universal;

use std::sync::Arc;

use pubgrub::{DefaultStringReporter, PubGrubError, Reporter};
use tracing::info;

pub use build::{BoxFuture, BuildFailure, MetadataBuilder};
pub use candidates::{NoBuildReason, OtherWheel, Unusable};
pub use direct::{DirectPackage, DirectPackages, DirectSource};
pub use error::ResolveError;
pub use options::{PackageSelection, PrereleaseMode, ResolutionMode, ResolverOptions};
pub use package::{PackageKind, PubGrubPackage};
pub use platforms::PlatformCheckStats;
pub use provider::{Manifest, RootRequirement, UnavailableReason};
pub use resolution::{Requirer, Resolution, ResolvedPackage};
pub use source::{InMemorySource, IndexSource, MetadataSource};
pub use speculation::{ResolveStats, SpeculationOptions};
pub use universal::{resolve_universal, resolve_universal_with};

use fetch::Fetcher;
use provider::Provider;

/// Restarts with a much-rejected package decided early, at most (see [`resolve_with`]).
pub(crate) const MAX_RESTARTS: usize = 8;

/// One PubGrub solve that starts over with a package decided early each time the provider
/// stops with [`provider::Stop::Restart`] (a package rejected version after version), at most
/// [`MAX_RESTARTS`] times; fetched pages and metadata are kept, so a new attempt costs only
/// solver time. `provider` makes the attempt's provider from the early packages, in the
/// order found, and whether it may restart again. Returns the last attempt.
pub(crate) fn solve_with_restarts(
    fetcher: &Fetcher,
    provider: impl Fn(&[pep508_rs::PackageName], bool) -> Provider,
) -> (
    Provider,
    Result<
        pubgrub::SelectedDependencies<PubGrubPackage, pep440_rs::Version>,
        PubGrubError<Provider>,
    >,
) {
    let mut early: Vec<pep508_rs::PackageName> = Vec::new();
    loop {
        let attempt = provider(&early, early.len() < MAX_RESTARTS);
        let result = pubgrub::resolve(
            &attempt,
            PubGrubPackage::root(),
            pep440_rs::Version::new([0]),
        );
        match result {
            Err(PubGrubError::ErrorChoosingVersion {
                source: provider::Stop::Restart(name),
                ..
            }) => {
                info!(package = %name, "restarting with the package decided early");
                early.push(name);
                fetcher.restarted();
            }
            result => return (attempt, result),
        }
    }
}

/// Resolve `manifest` for `target` against `index`, reading metadata through `metadata`
/// (an [`IndexSource`]). Must be called inside a multi-threaded tokio runtime: the solver
/// runs on a blocking thread while fetches run on the runtime.
pub async fn resolve(
    manifest: Manifest,
    index: Arc<tw_index::Index>,
    metadata: Arc<tw_metadata::MetadataFetcher>,
    target: tw_platform::Target,
    options: ResolverOptions,
) -> Result<Resolution, ResolveError> {
    let source = Arc::new(IndexSource::new(index, metadata));
    resolve_with(manifest, source, target, options).await
}

/// Resolve `manifest` for `target` with versions and metadata from `source` (an index, or an
/// [`InMemorySource`] in tests). Must be called inside a multi-threaded tokio runtime.
pub async fn resolve_with(
    manifest: Manifest,
    source: Arc<dyn MetadataSource>,
    target: tw_platform::Target,
    options: ResolverOptions,
) -> Result<Resolution, ResolveError> {
    let direct = manifest.direct.clone();
    run_solver(source, target, options, direct, move |fetcher, handle| {
        // A package rejected version after version makes the attempt start over with that
        // package decided early; fetched pages and metadata are kept, so a new attempt costs
        // only solver time. At most `MAX_RESTARTS` times, then the attempt runs to its end.
        let (provider, result) = solve_with_restarts(&fetcher, |early, may_restart| {
            Provider::new(
                Arc::clone(&fetcher),
                handle.clone(),
                &manifest,
                early,
                may_restart,
            )
        });
        if let Some(fatal) = provider.fatal.borrow_mut().take() {
            return Err(fatal);
        }
        match result {
            Ok(solution) => {
                info!(packages = solution.iter().count(), "resolved");
                resolution::build(&provider, &solution, &manifest, &handle)
            }
            Err(PubGrubError::NoSolution(tree)) => Err(no_solution(&provider, tree)),
            Err(other) => Err(ResolveError::Thread(other.to_string())),
        }
    })
    .await
}

/// Run `solve` on a blocking thread (PubGrub is synchronous) with a fetcher over `source`
/// for `target`, while fetches run on the runtime. The fetcher's prefetches end with the
/// resolution, or with this future if it is dropped first; the resolution gets the
/// fetcher's stats. Shared by the single-target and the universal resolution.
pub(crate) async fn run_solver(
    source: Arc<dyn MetadataSource>,
    target: tw_platform::Target,
    options: ResolverOptions,
    direct: direct::DirectPackages,
    solve: impl FnOnce(Arc<Fetcher>, tokio::runtime::Handle) -> Result<Resolution, ResolveError>
    + Send
    + 'static,
) -> Result<Resolution, ResolveError> {
    let handle = tokio::runtime::Handle::current();
    let fetcher =
        Arc::new(Fetcher::new(source, target, options, handle.clone()).with_direct(direct));
    // Should this future be dropped before the end, the prefetches are aborted with it.
    let _abort = AbortOnDrop(Arc::clone(&fetcher));
    let solver_fetcher = Arc::clone(&fetcher);
    let result = tokio::task::spawn_blocking(move || solve(solver_fetcher, handle))
        .await
        .map_err(|err| ResolveError::Thread(err.to_string()))
        .and_then(|result| result);
    // Prefetches still running are for versions the solution does not need.
    fetcher.shutdown().await;
    result.map(|mut resolution| {
        resolution.stats = fetcher.stats();
        resolution
    })
}

/// The no-solution report for `tree`, in Python terms.
pub(crate) fn no_solution(
    provider: &Provider,
    tree: pubgrub::DerivationTree<
        PubGrubPackage,
        version_ranges::Ranges<pep440_rs::Version>,
        UnavailableReason,
    >,
) -> ResolveError {
    let tree = report::drop_local_gaps(tree);
    // Collapsing "no versions" facts shortens reports, but a tree that collapses
    // to a single fact would lose its "because", and a package the index does not
    // have would vanish from the story: keep the full tree then.
    let mut collapsed = tree.clone();
    collapsed.collapse_no_versions();
    let chosen = if matches!(collapsed, pubgrub::DerivationTree::External(_))
        || report::has_missing_package(&tree)
    {
        &tree
    } else {
        &collapsed
    };
    let versions_of = |name: &pep508_rs::PackageName| provider.known_versions(name);
    let shown = report::simplify_ranges(chosen.clone(), &versions_of);
    let mut report =
        DefaultStringReporter::report_with_formatter(&shown, &report::PythonReportFormatter);
    // A chain of three steps or more buries the cause (a 17 KB report on one real
    // project): say first which package could not be used, and why.
    if report.lines().count() > 2
        && let Some(lead) = report::lead(&tree)
    {
        report = format!("{lead}\n\n{report}");
    }
    for hint in report::hints(&tree, &|name| provider.known_versions(name)) {
        report.push_str("\n\nhint: ");
        report.push_str(&hint);
    }
    ResolveError::NoSolution { report }
}

/// Aborts the prefetches of a resolution when dropped.
pub(crate) struct AbortOnDrop(pub(crate) Arc<Fetcher>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort_all();
    }
}
