//! One file as an index lists it.

use jiff::Timestamp;
use pep440_rs::VersionSpecifiers;
use url::Url;

use crate::filename::DistFilename;

/// What the index says about a PEP 658 `.metadata` file for this distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoreMetadata {
    /// Not advertised.
    Absent,
    /// Advertised; with its sha256 when the index gave one.
    Available {
        /// The expected sha256 of the `.metadata` file, hex.
        sha256: Option<String>,
    },
}

/// One distribution file of a project, as listed by an index or a find-links source.
#[derive(Clone, Debug)]
pub struct IndexFile {
    /// The file name as listed.
    pub filename: String,
    /// The parsed file name.
    pub dist: DistFilename,
    /// Where to download it (fragment removed).
    pub url: Url,
    /// sha256 hex digest when the index gave one.
    pub sha256: Option<String>,
    /// The file's `requires-python`, when given.
    pub requires_python: Option<VersionSpecifiers>,
    /// Yanked (PEP 592), with the reason when one was given.
    pub yanked: Option<String>,
    /// Upload time (PEP 700), when given.
    pub upload_time: Option<Timestamp>,
    /// Size in bytes (PEP 700), when given.
    pub size: Option<u64>,
    /// PEP 658/714 metadata availability.
    pub core_metadata: CoreMetadata,
    /// The index (or find-links location) that listed the file; shared by every file of a
    /// page.
    pub source: std::sync::Arc<Url>,
}

impl IndexFile {
    /// True when the file is yanked.
    pub fn is_yanked(&self) -> bool {
        self.yanked.is_some()
    }
}
