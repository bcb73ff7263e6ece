//! Issue 17, item 3: in a universal resolution, check that the wheels of one version agree
//! on their dependencies across platforms, and fork by platform where they do not.
//!
//! uv reads one wheel's metadata per version and assumes every wheel of that version says the
//! same (uv #5921, #7381: a deliberate choice). Usually true, since platform differences are
//! written as markers; but a wheel built by an old `setup.py` can bake `if sys.platform ==
//! "win32"` into its `Requires-Dist` without a marker, and then the Windows wheel needs a
//! package the Linux wheel does not. tailwheel reads, for each version the resolution chose
//! whose wheels span several platform families (Linux, macOS, Windows, the rest), the
//! metadata of one wheel per other family: one PEP 658 file or one zip-tail read each. When
//! the `Requires-Dist` lists differ, that version's dependencies are taken per family, and
//! the forks are solved again with it split by `sys_platform`.
//!
//! Only chosen versions are checked (not every version the solver tried), after all forks
//! are solved; a difference found starts the fork loop over (pages and metadata are cached,
//! so that costs solver time). Pure-Python versions (one `any` wheel) cost nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt;
use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName};
use tw_index::{DistFilename, IndexFile};
use tw_metadata::DistMetadata;

use crate::candidates::VersionEntry;
use crate::error::ResolveError;
use crate::source::MetadataSource;

/// The metadata of one version per platform family, when the families disagree: each
/// family's marker (disjoint, covering every environment) with the metadata of its wheels.
pub(crate) type Split = Arc<Vec<(MarkerTree, Arc<DistMetadata>)>>;

/// What the per-platform metadata check did, for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct PlatformCheckStats {
    /// Chosen versions whose wheels span several platform families (each was checked).
    pub versions_checked: u64,
    /// Wheel metadata files read for the check (one per family beyond the first).
    pub reads: u64,
    /// Versions whose wheels disagree on `Requires-Dist` between platform families; the
    /// resolution took their dependencies per family (forked on `sys_platform`).
    pub differing: Vec<(PackageName, Version)>,
}

/// The state of the check during one universal resolution.
#[derive(Default)]
pub(crate) struct PlatformCheck {
    /// Every version checked: `Some` when its families disagree.
    checked: Mutex<BTreeMap<(PackageName, Version), Option<Split>>>,
    /// Versions with wheels of several families (each was read for every family).
    versions: AtomicU64,
    reads: AtomicU64,
}

/// One platform family of wheels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Linux,
    MacOs,
    Windows,
    /// `any`, and platforms other than the three above.
    Rest,
}

impl Family {
    fn of(file: &IndexFile) -> Option<Self> {
        let DistFilename::Wheel(wheel) = &file.dist else {
            return None;
        };
        let platform = wheel.platform();
        Some(
            match platform
                .first()
                .copied()
                .and_then(tw_platform::wheel_sys_platform)
            {
                Some("linux") => Self::Linux,
                Some("darwin") => Self::MacOs,
                Some("win32") => Self::Windows,
                _ => Self::Rest,
            },
        )
    }

    fn sys_platform(self) -> Option<&'static str> {
        match self {
            Self::Linux => Some("linux"),
            Self::MacOs => Some("darwin"),
            Self::Windows => Some("win32"),
            Self::Rest => None,
        }
    }
}

/// The `Requires-Dist` of `metadata` in a canonical order, for comparison.
fn requires(metadata: &DistMetadata) -> BTreeSet<String> {
    metadata
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect()
}

impl PlatformCheck {
    /// The per-family metadata of `name` `version` when its families disagree.
    pub(crate) fn split(&self, name: &PackageName, version: &Version) -> Option<Split> {
        self.lock()
            .get(&(name.clone(), version.clone()))
            .cloned()
            .flatten()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(PackageName, Version), Option<Split>>> {
        self.checked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Check the chosen versions `items` (name, version, its entry, the metadata the solver
    /// used, read from the entry's chosen wheel) not checked before, at most `concurrency`
    /// reads at once. Returns how many of them disagree. A read that fails stops the
    /// resolution, as any metadata read does.
    pub(crate) async fn check(
        &self,
        source: &dyn MetadataSource,
        items: Vec<(PackageName, Version, VersionEntry, Arc<DistMetadata>)>,
        concurrency: usize,
    ) -> Result<usize, ResolveError> {
        let mut work = Vec::new();
        // The same version is usually chosen by several forks: read it once.
        let mut seen = BTreeSet::new();
        for (name, version, entry, used) in items {
            if self.lock().contains_key(&(name.clone(), version.clone()))
                || !seen.insert((name.clone(), version.clone()))
            {
                continue;
            }
            let Ok(chosen) = &entry.choice else {
                continue;
            };
            let Some(chosen_family) = Family::of(chosen) else {
                // An sdist: the version has no wheel at all in a universal resolution.
                self.lock().insert((name, version), None);
                continue;
            };
            // One wheel per other family, the first by file name (every run reads the same).
            let mut others: BTreeMap<Family, Arc<IndexFile>> = BTreeMap::new();
            for file in &entry.files {
                if let Some(family) = Family::of(file)
                    && family != chosen_family
                    && !file.is_yanked()
                {
                    let slot = others.entry(family).or_insert_with(|| Arc::clone(file));
                    if file.filename < slot.filename {
                        *slot = Arc::clone(file);
                    }
                }
            }
            if others.is_empty() {
                self.lock().insert((name, version), None);
                continue;
            }
            self.versions.fetch_add(1, Ordering::Relaxed);
            work.push((name, version, chosen_family, used, others));
        }
        let reads =
            futures::stream::iter(work.into_iter().map(
                |(name, version, chosen_family, used, others)| async move {
                    let mut read = vec![(chosen_family, used)];
                    for (family, file) in others {
                        self.reads.fetch_add(1, Ordering::Relaxed);
                        let metadata = source.metadata(&file).await.map_err(|source| {
                            ResolveError::Metadata {
                                package: name.clone(),
                                version: version.clone(),
                                url: Box::new(file.url.clone()),
                                source: Arc::new(source),
                            }
                        })?;
                        read.push((family, Arc::new(metadata)));
                    }
                    Ok::<_, ResolveError>((name, version, read))
                },
            ))
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        let mut differing = 0;
        for result in reads {
            let (name, version, read) = result?;
            let first = requires(&read[0].1);
            let split = if read.iter().all(|(_, metadata)| requires(metadata) == first) {
                None
            } else {
                differing += 1;
                tracing::warn!(
                    package = %name,
                    %version,
                    "wheels for different platforms declare different dependencies; resolving them per platform"
                );
                Some(Arc::new(family_markers(&read)))
            };
            self.lock().insert((name, version), split);
        }
        Ok(differing)
    }

    /// What the check did.
    pub(crate) fn stats(&self) -> PlatformCheckStats {
        let checked = self.lock();
        PlatformCheckStats {
            versions_checked: self.versions.load(Ordering::Relaxed),
            reads: self.reads.load(Ordering::Relaxed),
            differing: checked
                .iter()
                .filter(|(_, split)| split.is_some())
                .map(|(key, _)| key.clone())
                .collect(),
        }
    }
}

/// Each family's marker with its metadata: `sys_platform == '…'` for the named families,
/// the remaining environments for `Rest` (or, with no such wheel, for the chosen wheel's
/// metadata, which an sdist build would most likely match).
fn family_markers(read: &[(Family, Arc<DistMetadata>)]) -> Vec<(MarkerTree, Arc<DistMetadata>)> {
    let mut named = MarkerTree::FALSE;
    let mut out = Vec::new();
    for (family, metadata) in read {
        if let Some(platform) = family.sys_platform()
            && let Ok(marker) = MarkerTree::from_str(&format!("sys_platform == '{platform}'"))
        {
            named.or(marker.clone());
            out.push((marker, Arc::clone(metadata)));
        }
    }
    let rest = read
        .iter()
        .find(|(family, _)| *family == Family::Rest)
        .unwrap_or(&read[0]);
    out.push((named.negate(), Arc::clone(&rest.1)));
    out
}
