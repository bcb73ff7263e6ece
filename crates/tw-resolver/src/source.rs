//! Where the resolver learns which versions exist and what each one requires.
//!
//! The solver asks two questions: "which files does project `name` have?" and "what is the
//! core metadata of this file?". [`MetadataSource`] is that seam, kept to those two methods
//! (uv calls it `ResolverProvider`, pubgrub ships `OfflineDependencyProvider` for the same
//! reason). [`IndexSource`] answers from a real index through `tw-index` and `tw-metadata`,
//! and is what [`crate::resolve`] uses; [`InMemorySource`] answers from a table, so the
//! resolver is tested without HTTP (see `tests/it/proptest.rs`, which checks it against an
//! exhaustive search).
//!
//! Everything above the seam stays the same for both: the choice of a file per version
//! (tags, yanking, `requires-python`, `--hash`), builds of sdists, sharing of fetches and
//! prefetching (`fetch.rs`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use pep508_rs::PackageName;
use tw_index::{
    CoreMetadata, DistFilename, FilenameError, Index, IndexError, IndexFile, ProjectFiles,
    SdistFilename, WheelFilename,
};
use tw_metadata::{DistMetadata, MetadataError, MetadataFetcher};
use url::Url;

use crate::build::BoxFuture;

/// Answers the resolver's two questions: the files of a project and the metadata of a file.
///
/// The resolver calls [`project`](Self::project) at most once per name and
/// [`metadata`](Self::metadata) at most once per (name, version) in one resolution, shares
/// each answer between every waiter, and may call both speculatively (prefetch) for wheels;
/// sdists are asked about only for versions the solver itself considers. Errors keep their
/// meaning: an `Err` from `metadata` is classified by the resolver (integrity failures stop
/// the run, malformed METADATA makes the version unusable).
pub trait MetadataSource: Send + Sync + fmt::Debug {
    /// Every file of project `name`, in listing order; an empty list when the source does
    /// not know it. Cost for an index: one project page (or a cache hit).
    fn project<'a>(
        &'a self,
        name: &'a PackageName,
    ) -> BoxFuture<'a, Result<ProjectFiles, IndexError>>;

    /// The core metadata of `file`, checked against it (name, version and any hash the index
    /// gave). Cost for an index: a PEP 658 file, a zip tail, or the whole file.
    fn metadata<'a>(
        &'a self,
        file: &'a IndexFile,
    ) -> BoxFuture<'a, Result<DistMetadata, MetadataError>>;

    /// [`metadata`](Self::metadata) for a read nobody waits on (the per-platform check),
    /// where fewer bytes count more than one round trip. The default is `metadata`.
    fn metadata_unhurried<'a>(
        &'a self,
        file: &'a IndexFile,
    ) -> BoxFuture<'a, Result<DistMetadata, MetadataError>> {
        self.metadata(file)
    }

    /// The metadata of sdist `file` when it can be had for about `max_bytes` of download,
    /// static or not (PEP 643: the caller checks); `None` when it cannot, or needs a build.
    /// Cost for an index: one streamed request cut after `max_bytes`. The default reads the
    /// file through [`metadata`](Self::metadata) when its listed size fits.
    fn sdist_metadata_within<'a>(
        &'a self,
        file: &'a IndexFile,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Option<DistMetadata>, MetadataError>> {
        Box::pin(async move {
            if file.size.is_none_or(|size| size > max_bytes) {
                return Ok(None);
            }
            match self.metadata(file).await {
                Ok(metadata) => Ok(Some(metadata)),
                Err(MetadataError::NeedsBuild { .. }) => Ok(None),
                Err(error) => Err(error),
            }
        })
    }
}

/// The default source: project pages from a [`tw_index::Index`], metadata through a
/// [`tw_metadata::MetadataFetcher`] (cache, PEP 658, zip tail, whole file, sdist `PKG-INFO`).
#[derive(Debug, Clone)]
pub struct IndexSource {
    index: Arc<Index>,
    metadata: Arc<MetadataFetcher>,
}

impl IndexSource {
    /// A source reading pages from `index` and metadata through `metadata`.
    pub fn new(index: Arc<Index>, metadata: Arc<MetadataFetcher>) -> Self {
        Self { index, metadata }
    }
}

impl MetadataSource for IndexSource {
    fn project<'a>(
        &'a self,
        name: &'a PackageName,
    ) -> BoxFuture<'a, Result<ProjectFiles, IndexError>> {
        Box::pin(self.index.project(name))
    }

    fn metadata<'a>(
        &'a self,
        file: &'a IndexFile,
    ) -> BoxFuture<'a, Result<DistMetadata, MetadataError>> {
        Box::pin(self.metadata.fetch(file))
    }

    fn metadata_unhurried<'a>(
        &'a self,
        file: &'a IndexFile,
    ) -> BoxFuture<'a, Result<DistMetadata, MetadataError>> {
        Box::pin(self.metadata.fetch_unhurried(file))
    }

    fn sdist_metadata_within<'a>(
        &'a self,
        file: &'a IndexFile,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Option<DistMetadata>, MetadataError>> {
        Box::pin(self.metadata.sdist_metadata_within(file, max_bytes))
    }
}

/// A source that answers from memory: one universal wheel (`py3-none-any`) per version,
/// with the metadata it was given. For tests of the resolver without an index.
///
/// ```
/// use tw_resolver::InMemorySource;
/// use tw_metadata::DistMetadata;
///
/// let text = "Metadata-Version: 2.1\nName: app\nVersion: 1.0.0\nRequires-Dist: lib>=1\n";
/// let mut source = InMemorySource::new();
/// source.add(DistMetadata::parse(text.as_bytes(), "app")?)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct InMemorySource {
    base: Url,
    projects: BTreeMap<PackageName, Vec<IndexFile>>,
    metadata: BTreeMap<String, Arc<DistMetadata>>,
}

impl Default for InMemorySource {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemorySource {
    /// An empty source: every project has no files.
    pub fn new() -> Self {
        Self {
            base: Url::parse("memory:///").expect("a constant URL parses"),
            projects: BTreeMap::new(),
            metadata: BTreeMap::new(),
        }
    }

    /// Add a version (name and version from `metadata`) as a `py3-none-any` wheel; a second
    /// call for the same version replaces its metadata.
    pub fn add(&mut self, metadata: DistMetadata) -> Result<&mut Self, FilenameError> {
        self.add_wheel(metadata, "py3-none-any")
    }

    /// Add a wheel of a version with these tags (`cp312-cp312-win_amd64`) and its own
    /// metadata; wheels of one version for several platforms may so declare different
    /// dependencies (issue 17's per-platform check). The listing gives the metadata's
    /// `Requires-Python`, as an index does (PEP 503 `data-requires-python`).
    pub fn add_wheel(
        &mut self,
        metadata: DistMetadata,
        tags: &str,
    ) -> Result<&mut Self, FilenameError> {
        let filename = format!(
            "{}-{}-{tags}.whl",
            metadata.name.as_dist_info_name(),
            metadata.version
        );
        let wheel: WheelFilename = filename.parse()?;
        let mut url = self.base.clone();
        url.set_path(&filename);
        let files = self.projects.entry(metadata.name.clone()).or_default();
        if !files.iter().any(|file| file.filename == filename) {
            files.push(IndexFile {
                filename: filename.clone(),
                dist: DistFilename::Wheel(wheel),
                url,
                sha256: None,
                requires_python: metadata.requires_python.clone(),
                yanked: None,
                upload_time: None,
                size: None,
                core_metadata: CoreMetadata::Absent,
                source: Arc::new(self.base.clone()),
            });
        }
        self.metadata.insert(filename, Arc::new(metadata));
        Ok(self)
    }
}

impl InMemorySource {
    /// Add a version's sdist (`{name}-{version}.tar.gz`, `size` bytes as the index would list
    /// it) whose `PKG-INFO` is `metadata`, next to the wheels added for it (issue 17: a static
    /// sdist speaks for every wheel).
    pub fn add_sdist(
        &mut self,
        metadata: DistMetadata,
        size: u64,
    ) -> Result<&mut Self, FilenameError> {
        let filename = format!(
            "{}-{}.tar.gz",
            metadata.name.as_dist_info_name(),
            metadata.version
        );
        let sdist = SdistFilename::parse(&filename, &metadata.name)?;
        let mut url = self.base.clone();
        url.set_path(&filename);
        let files = self.projects.entry(metadata.name.clone()).or_default();
        if !files.iter().any(|file| file.filename == filename) {
            files.push(IndexFile {
                filename: filename.clone(),
                dist: DistFilename::Sdist(sdist),
                url,
                sha256: None,
                requires_python: None,
                yanked: None,
                upload_time: None,
                size: Some(size),
                core_metadata: CoreMetadata::Absent,
                source: Arc::new(self.base.clone()),
            });
        }
        self.metadata.insert(filename, Arc::new(metadata));
        Ok(self)
    }
}

impl MetadataSource for InMemorySource {
    fn project<'a>(
        &'a self,
        name: &'a PackageName,
    ) -> BoxFuture<'a, Result<ProjectFiles, IndexError>> {
        let files = self.projects.get(name).cloned().unwrap_or_default();
        Box::pin(std::future::ready(Ok(ProjectFiles {
            name: name.clone(),
            files,
        })))
    }

    fn metadata<'a>(
        &'a self,
        file: &'a IndexFile,
    ) -> BoxFuture<'a, Result<DistMetadata, MetadataError>> {
        let answer = match self.metadata.get(&file.filename) {
            Some(metadata) => Ok(DistMetadata::clone(metadata)),
            None => Err(MetadataError::Archive {
                subject: file.url.to_string(),
                reason: "no such file in the in-memory source".to_string(),
            }),
        };
        Box::pin(std::future::ready(answer))
    }
}
