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
//! are solved, and only for the families where they are installed (their reach from the
//! root, OR-ed over the forks that chose them); a difference found starts the fork loop over
//! (pages and metadata are cached, so that costs solver time). Pure-Python versions (one
//! `any` wheel) cost nothing. The reads wait on nobody but the end of the run, so they ask
//! for an unadvertised PEP 658 file before a zip tail ([`MetadataSource::metadata_unhurried`]).

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
use crate::provider::MetadataVerdict;
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
    /// Families not read because the index gave their wheel's PEP 658 metadata the same
    /// sha256 as the chosen wheel's (identical bytes, nothing to compare).
    pub same_hash: u64,
    /// Versions whose other families were not read because their static sdist (PEP 643)
    /// declares what the chosen wheel does: every wheel built from it must say the same.
    pub static_sdist: u64,
    /// Versions whose wheels disagree on `Requires-Dist` between platform families; the
    /// resolution took their dependencies per family (forked on `sys_platform`).
    pub differing: Vec<(PackageName, Version)>,
}

/// A version a fork chose, as the check takes it.
pub(crate) struct Chosen {
    pub(crate) name: PackageName,
    pub(crate) version: Version,
    /// Its files and the chosen one.
    pub(crate) entry: VersionEntry,
    /// The metadata the solver used (read from the entry's chosen wheel).
    pub(crate) used: Arc<DistMetadata>,
    /// Where that fork installs it: the environments reaching it from the root (within
    /// the fork's marker, so requires-python and `--environment` included).
    pub(crate) reach: MarkerTree,
}

/// What is known of one checked version: the families it was checked for, and its
/// per-family metadata when they disagree.
#[derive(Clone, Default)]
struct Checked {
    families: BTreeSet<Family>,
    split: Option<Split>,
}

/// The state of the check during one universal resolution.
#[derive(Default)]
pub(crate) struct PlatformCheck {
    /// Every version checked.
    checked: Mutex<BTreeMap<(PackageName, Version), Checked>>,
    /// Versions with wheels of several families (each was read for every family).
    versions: AtomicU64,
    reads: AtomicU64,
    same_hash: AtomicU64,
    static_sdist: AtomicU64,
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

    /// `sys_platform == '…'` for a named family, `None` for the rest (or, impossibly, when
    /// the constant text does not parse).
    fn named_marker(self) -> Option<MarkerTree> {
        let platform = self.sys_platform()?;
        MarkerTree::from_str(&format!("sys_platform == '{platform}'")).ok()
    }

    /// Whether some environment of `reach` is of this family.
    fn reachable(self, reach: &MarkerTree) -> bool {
        let marker = match self {
            Self::Rest => {
                let mut named = MarkerTree::FALSE;
                for family in [Self::Linux, Self::MacOs, Self::Windows] {
                    named.or(family.named_marker().unwrap_or(MarkerTree::FALSE));
                }
                named.negate()
            }
            // A marker that does not parse cannot happen (constant text); read the family then.
            named => named.named_marker().unwrap_or(MarkerTree::TRUE),
        };
        !marker.is_disjoint(reach)
    }
}

/// The sha256 the index gave for a file's PEP 658 metadata, lower-case.
fn metadata_sha256(file: &IndexFile) -> Option<String> {
    match &file.core_metadata {
        tw_index::CoreMetadata::Available {
            sha256: Some(sha256),
        } => Some(sha256.to_ascii_lowercase()),
        _ => None,
    }
}

/// Whether sdist metadata is static where it matters (PEP 643): Metadata-Version 2.2 or
/// later, `Requires-Dist` and `Requires-Python` not dynamic.
fn is_static(metadata: &DistMetadata) -> bool {
    let mut parts = metadata.metadata_version.trim().split('.');
    let major = parts.next().and_then(|part| part.parse::<u64>().ok());
    let minor = parts
        .next()
        .map_or(Some(0), |part| part.parse::<u64>().ok());
    let at_least_2_2 = match (major, minor) {
        (Some(major), Some(minor)) => (major, minor) >= (2, 2),
        _ => false,
    };
    at_least_2_2 && !metadata.has_dynamic_dependencies()
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
            .and_then(|checked| checked.split.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(PackageName, Version), Checked>> {
        self.checked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Check the chosen versions `items` not checked before (or not for every family their
    /// forks reach), at most `concurrency` reads at once. Returns how many of them disagree.
    /// A read that fails stops the resolution, as any metadata read does.
    ///
    /// Only the families where the version is installed are read (its reach, OR-ed over the
    /// forks that chose it: the entry's marker in the lock): a wheel of another family is
    /// never installed from this lock, so what it declares cannot matter. The reach comes
    /// from the metadata known so far; when a disagreement found here widens it (a
    /// Windows-only requirement), the next round checks the version again for the new
    /// families.
    pub(crate) async fn check(
        &self,
        source: &dyn MetadataSource,
        items: Vec<Chosen>,
        concurrency: usize,
    ) -> Result<usize, ResolveError> {
        let mut work = Vec::new();
        // The same version is usually chosen by several forks: read it once, for every
        // family one of them reaches.
        let mut chosen_by: BTreeMap<
            (PackageName, Version),
            (VersionEntry, Arc<DistMetadata>, MarkerTree),
        > = BTreeMap::new();
        for item in items {
            chosen_by
                .entry((item.name, item.version))
                .and_modify(|(_, _, reach)| reach.or(item.reach.clone()))
                .or_insert((item.entry, item.used, item.reach));
        }
        for ((name, version), (entry, used, reach)) in chosen_by {
            let Ok(chosen) = &entry.choice else {
                continue;
            };
            let Some(chosen_family) = Family::of(chosen) else {
                // An sdist: the version has no wheel at all in a universal resolution.
                self.lock().insert((name, version), Checked::default());
                continue;
            };
            let families: BTreeSet<Family> =
                [Family::Linux, Family::MacOs, Family::Windows, Family::Rest]
                    .into_iter()
                    .filter(|family| family.reachable(&reach))
                    .collect();
            if self
                .lock()
                .get(&(name.clone(), version.clone()))
                .is_some_and(|checked| checked.families.is_superset(&families))
            {
                continue;
            }
            // One wheel per other family: one whose PEP 658 metadata has the chosen wheel's
            // sha256 if the index says so (nothing to read), else the first by file name
            // (every run reads the same).
            let chosen_hash = metadata_sha256(chosen);
            let mut others: BTreeMap<Family, Arc<IndexFile>> = BTreeMap::new();
            for file in &entry.files {
                if let Some(family) = Family::of(file)
                    && family != chosen_family
                    && families.contains(&family)
                    && !file.is_yanked()
                {
                    let key = |file: &IndexFile| {
                        let same = chosen_hash.is_some() && metadata_sha256(file) == chosen_hash;
                        (!same, file.filename.clone())
                    };
                    let slot = others.entry(family).or_insert_with(|| Arc::clone(file));
                    if key(file) < key(slot) {
                        *slot = Arc::clone(file);
                    }
                }
            }
            if others.is_empty() {
                self.lock().insert(
                    (name, version),
                    Checked {
                        families,
                        split: None,
                    },
                );
                continue;
            }
            self.versions.fetch_add(1, Ordering::Relaxed);
            // With two or more families to read, one sdist read may stand for all of them,
            // cut off after the bytes their first tail requests would cost: its `PKG-INFO`
            // may sit at the end of the archive (flit, hatchling and meson-python put it
            // there), and streaming a 20 MB sdist to spare two 64 KiB tails is a bad trade.
            let to_read: Vec<&Arc<IndexFile>> = others
                .values()
                .filter(|file| chosen_hash.is_none() || metadata_sha256(file) != chosen_hash)
                .collect();
            let spared: u64 = to_read
                .iter()
                .map(|file| tw_metadata::tail_bytes(file.size))
                .sum();
            let sdist = entry
                .files
                .iter()
                .find(|file| matches!(file.dist, DistFilename::Sdist(_)) && !file.is_yanked())
                // Only when the chosen wheel's own metadata is PEP 643-aware (2.2 or later,
                // `Requires-Dist` not dynamic): a wheel from an older backend almost never
                // comes with a static sdist, and trying would only add a request.
                .filter(|_| to_read.len() >= 2 && is_static(&used))
                .cloned()
                .map(|sdist| (sdist, spared));
            work.push((
                name,
                version,
                chosen_family,
                used,
                chosen_hash,
                others,
                sdist,
                families,
            ));
        }
        let reads =
            futures::stream::iter(work.into_iter().map(
                |(name, version, chosen_family, used, chosen_hash, others, sdist, families)| async move {
                    let mut read = vec![(chosen_family, Arc::clone(&used))];
                    if let Some((sdist, spared)) = sdist
                        && self
                            .sdist_speaks_for_wheels(source, &name, &version, &sdist, spared, &used)
                            .await?
                    {
                        self.static_sdist.fetch_add(1, Ordering::Relaxed);
                        return Ok((name, version, read, families));
                    }
                    for (family, file) in others {
                        if chosen_hash.is_some() && metadata_sha256(&file) == chosen_hash {
                            self.same_hash.fetch_add(1, Ordering::Relaxed);
                            read.push((family, Arc::clone(&used)));
                            continue;
                        }
                        self.reads.fetch_add(1, Ordering::Relaxed);
                        let metadata = source.metadata_unhurried(&file).await.map_err(|source| {
                            ResolveError::Metadata {
                                package: name.clone(),
                                version: version.clone(),
                                url: Box::new(file.url.clone()),
                                source: Arc::new(source),
                            }
                        })?;
                        read.push((family, Arc::new(metadata)));
                    }
                    Ok::<_, ResolveError>((name, version, read, families))
                },
            ))
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        let mut differing = 0;
        for result in reads {
            let (name, version, read, families) = result?;
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
            self.lock()
                .insert((name, version), Checked { families, split });
        }
        Ok(differing)
    }

    /// Whether `sdist`'s `PKG-INFO` settles the check for its version: Metadata-Version 2.2
    /// or later with `Requires-Dist` (and `Requires-Python`) not dynamic, declaring what the
    /// chosen wheel's metadata `used` does. PEP 643: a field not marked dynamic in an sdist
    /// "MUST match" in every wheel built from it, so the other wheels need not be read. One
    /// read, cut after `max_bytes` (what the wheel reads would cost); a dynamic or older
    /// sdist, one whose `PKG-INFO` comes later, or one that needs a build, is no answer, and
    /// the wheels are read as before. A read that fails
    /// an integrity check or the network stops the run, as any metadata read does.
    async fn sdist_speaks_for_wheels(
        &self,
        source: &dyn MetadataSource,
        name: &PackageName,
        version: &Version,
        sdist: &IndexFile,
        max_bytes: u64,
        used: &DistMetadata,
    ) -> Result<bool, ResolveError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        match source.sdist_metadata_within(sdist, max_bytes).await {
            Ok(Some(metadata)) => Ok(is_static(&metadata) && requires(&metadata) == requires(used)),
            Ok(None) => Ok(false),
            Err(error) => match crate::provider::metadata_verdict(&error) {
                MetadataVerdict::NeedsBuild | MetadataVerdict::Invalid => {
                    tracing::debug!(package = %name, %version, %error, "sdist metadata not static");
                    Ok(false)
                }
                MetadataVerdict::Fatal | MetadataVerdict::BuildFailed => {
                    Err(ResolveError::Metadata {
                        package: name.clone(),
                        version: version.clone(),
                        url: Box::new(sdist.url.clone()),
                        source: Arc::new(error),
                    })
                }
            },
        }
    }

    /// What the check did.
    pub(crate) fn stats(&self) -> PlatformCheckStats {
        let checked = self.lock();
        PlatformCheckStats {
            versions_checked: self.versions.load(Ordering::Relaxed),
            reads: self.reads.load(Ordering::Relaxed),
            same_hash: self.same_hash.load(Ordering::Relaxed),
            static_sdist: self.static_sdist.load(Ordering::Relaxed),
            differing: checked
                .iter()
                .filter(|(_, checked)| checked.split.is_some())
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
        if let Some(marker) = family.named_marker() {
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

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use tw_index::{CoreMetadata, IndexError, ProjectFiles};
    use tw_metadata::MetadataError;
    use url::Url;

    use super::*;
    use crate::build::BoxFuture;

    /// A source that must not be asked for metadata.
    #[derive(Debug)]
    struct NoReads;

    impl MetadataSource for NoReads {
        fn project<'a>(
            &'a self,
            name: &'a PackageName,
        ) -> BoxFuture<'a, Result<ProjectFiles, IndexError>> {
            let name = name.clone();
            Box::pin(async move {
                Ok(ProjectFiles {
                    name,
                    files: Vec::new(),
                })
            })
        }

        fn metadata<'a>(
            &'a self,
            file: &'a IndexFile,
        ) -> BoxFuture<'a, Result<DistMetadata, MetadataError>> {
            panic!("read {}", file.filename)
        }
    }

    fn wheel(tags: &str, sha256: &str) -> Arc<IndexFile> {
        let name = PackageName::from_str("app").unwrap();
        let filename = format!("app-1.0.0-{tags}.whl");
        let url = Url::parse(&format!("https://files.test/{filename}")).unwrap();
        Arc::new(IndexFile {
            dist: DistFilename::parse(&filename, &name).unwrap(),
            filename,
            url: url.clone(),
            sha256: None,
            requires_python: None,
            yanked: None,
            upload_time: None,
            size: None,
            core_metadata: CoreMetadata::Available {
                sha256: Some(sha256.to_string()),
            },
            source: Arc::new(url),
        })
    }

    #[test]
    fn wheels_whose_metadata_has_the_chosen_hash_are_not_read() {
        let linux = wheel("cp312-cp312-manylinux_2_17_x86_64", "AA");
        let windows = wheel("cp312-cp312-win_amd64", "aa");
        let entry = VersionEntry {
            files: vec![Arc::clone(&linux), windows],
            other_wheels: Vec::new(),
            metadata_wheel: None,
            choice: Ok(linux),
            yanked: None,
        };
        let text = "Metadata-Version: 2.1\nName: app\nVersion: 1.0.0\n";
        let used = Arc::new(DistMetadata::parse(text.as_bytes(), "app").unwrap());
        let check = PlatformCheck::default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let items = vec![Chosen {
            name: PackageName::from_str("app").unwrap(),
            version: Version::from_str("1.0.0").unwrap(),
            entry,
            used,
            reach: MarkerTree::TRUE,
        }];
        let differing = runtime.block_on(check.check(&NoReads, items, 4)).unwrap();
        assert_eq!(differing, 0);
        let stats = check.stats();
        assert_eq!(
            (stats.versions_checked, stats.reads, stats.same_hash),
            (1, 0, 1)
        );
    }
}
