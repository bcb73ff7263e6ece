//! Direct references in the solver (issue 16): a package named by a path, an archive URL or
//! a git repository rather than by versions on an index.
//!
//! uv's rule makes this simple: a direct reference is allowed only where the user names it
//! (or where a direct reference of the user's depends on it, uv's "lookahead"), so every
//! direct reference is known before the solve. The caller reads each one's metadata up front
//! and hands the resolver a table name → [`DirectPackage`]; the provider then offers exactly
//! that one version for the name, and never asks the index about it. A `Requires-Dist` with
//! a URL on a name the table lacks stops the resolution
//! ([`crate::ResolveError::UndeclaredDirectReference`]): resolving it from the index would
//! quietly install something other than what the package asked for.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::PackageName;
use tw_index::{CoreMetadata, DistFilename, IndexFile, SdistFilename};
use tw_metadata::DistMetadata;
use url::Url;

/// Where a direct package comes from, as a lock records it (PEP 751 `directory`, `archive`
/// and `vcs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectSource {
    /// A local project.
    Directory {
        /// The directory, absolute.
        path: PathBuf,
        /// Installed in development mode (`-e`, PEP 660).
        editable: bool,
    },
    /// A local wheel or sdist file.
    LocalArchive {
        /// The file, absolute.
        path: PathBuf,
        /// Its sha256, hex.
        sha256: String,
    },
    /// A wheel or sdist at a URL.
    Archive {
        /// The archive, without fragment.
        url: Url,
        /// Its sha256, hex (checked against `#sha256=` when one was given).
        sha256: String,
        /// The folder of the project inside an sdist, if not its root.
        subdirectory: Option<String>,
    },
    /// A commit of a git repository.
    Git {
        /// The repository, without `git+`, revision or fragment.
        repository: Url,
        /// The branch, tag or commit the user asked for, if any.
        requested: Option<String>,
        /// The full commit it named when resolved.
        commit: String,
        /// The folder of the project inside the repository, if not its root.
        subdirectory: Option<String>,
    },
}

impl DirectSource {
    /// The URL of the source (`file:` for local ones, `git+…@commit` for git), for messages
    /// and for the synthetic file the solver sees.
    pub fn url(&self) -> Option<Url> {
        match self {
            Self::Directory { path, .. } | Self::LocalArchive { path, .. } => {
                Url::from_file_path(path).ok()
            }
            Self::Archive { url, .. } => Some(url.clone()),
            Self::Git {
                repository, commit, ..
            } => Url::parse(&format!("git+{repository}@{commit}")).ok(),
        }
    }
}

/// A direct reference with its metadata, read before the solve.
#[derive(Clone, Debug)]
pub struct DirectPackage {
    /// Its version (from its metadata).
    pub version: Version,
    /// Its core metadata (static `pyproject.toml`, a build, or the archive's).
    pub metadata: Arc<DistMetadata>,
    /// Where it comes from.
    pub source: DirectSource,
    /// Where the user named it (`requirements.in:3:1`), for messages.
    pub origin: String,
}

/// The direct packages of a resolution, by name.
pub type DirectPackages = BTreeMap<PackageName, DirectPackage>;

/// The one file the solver sees for a direct package: its URL, no hash, never asked about
/// (the metadata comes from the table). Shaped as an sdist so no tag check applies.
pub(crate) fn synthetic_file(name: &PackageName, package: &DirectPackage) -> Option<IndexFile> {
    let filename = format!("{}-{}.tar.gz", name.as_dist_info_name(), package.version);
    let sdist = SdistFilename::parse(&filename, name).ok()?;
    let url = package
        .source
        .url()
        .or_else(|| Url::parse("direct:///").ok())?;
    Some(IndexFile {
        filename,
        dist: DistFilename::Sdist(sdist),
        source: Arc::new(url.clone()),
        url,
        sha256: None,
        requires_python: None,
        yanked: None,
        upload_time: None,
        size: None,
        core_metadata: CoreMetadata::Absent,
    })
}
