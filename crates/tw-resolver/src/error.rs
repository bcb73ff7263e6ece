//! Errors of a resolution.

use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::PackageName;
use url::Url;

/// A resolution that did not produce a solution.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The requirements cannot be satisfied together; the report explains why.
    #[error("no solution found:\n{report}")]
    NoSolution {
        /// The explanation, in Python terms.
        report: String,
    },
    /// A project page could not be read.
    #[error("cannot read the index page of `{package}`")]
    Index {
        /// The project.
        package: String,
        /// The cause.
        #[source]
        source: Arc<tw_index::IndexError>,
    },
    /// A file's metadata failed an integrity check (hash, CRC-32, name or version, archive)
    /// or could not be fetched. The run stops: falling back to an older version would turn
    /// a corrupt transfer or a tampered file into a quietly different lock.
    #[error(
        "cannot use the metadata of `{package}` `{version}` from `{url}`; not falling back to another version"
    )]
    Metadata {
        /// The project.
        package: PackageName,
        /// The version whose file it is.
        version: Version,
        /// The file's URL (boxed: a `Url` alone is larger than every other variant).
        url: Box<Url>,
        /// The cause.
        #[source]
        source: Arc<tw_metadata::MetadataError>,
    },
    /// The solver chose a version that has no file the target can install, or that the
    /// project does not list; a lock without it would be incomplete, so this is an error.
    #[error("`{package}` `{version}` was chosen but has no file to install: {reason}")]
    NoFile {
        /// The project.
        package: PackageName,
        /// The chosen version.
        version: Version,
        /// Why there is no file.
        reason: String,
    },
    /// An sdist's build backend failed to produce metadata.
    #[error(transparent)]
    Build {
        /// The failure ([`tw_metadata::MetadataError::Build`]).
        source: Arc<tw_metadata::MetadataError>,
    },
    /// A package depends on a direct reference (`name @ URL`) that the user did not name:
    /// only the user may bring a direct reference into a resolution (uv's rule), and
    /// resolving it from the index instead would install something else (issue 16).
    #[error(
        "`{package}` `{version}` depends on `{requirement}`, a direct reference; name it in your requirements too (with the same URL) to allow it"
    )]
    UndeclaredDirectReference {
        /// The package whose metadata names it.
        package: PackageName,
        /// Its version.
        version: Version,
        /// The requirement as the metadata writes it.
        requirement: String,
    },
    /// The universal target could not be turned into a stand-in target (issue 17).
    #[error("cannot resolve for the universal target")]
    Target {
        /// The cause.
        #[source]
        source: tw_platform::PlatformError,
    },
    /// A universal resolution kept splitting into forks past the limit.
    #[error(
        "the universal resolution split into more than {limit} forks; limit it with `--environment`"
    )]
    TooManyForks {
        /// The limit.
        limit: usize,
    },
    /// `--required-environment`: a locked package has neither a wheel for that environment
    /// nor an sdist.
    #[error(
        "`{package}` `{version}` has no wheel for the required environment `{environment}` and no source distribution"
    )]
    RequiredEnvironment {
        /// The project.
        package: PackageName,
        /// The locked version.
        version: Version,
        /// The `--required-environment` marker.
        environment: String,
    },
    /// The solver thread went away.
    #[error("the resolver thread failed: {0}")]
    Thread(String),
}

impl ResolveError {
    /// True for "the requirements conflict" (exit code 1), false for I/O failures.
    pub fn is_no_solution(&self) -> bool {
        matches!(
            self,
            Self::NoSolution { .. } | Self::TooManyForks { .. } | Self::RequiredEnvironment { .. }
        )
    }

    /// True for errors the user's input can fix without the network being at fault (exit
    /// code 2): a direct reference the requirements must name.
    pub fn is_input(&self) -> bool {
        matches!(self, Self::UndeclaredDirectReference { .. })
    }
}
