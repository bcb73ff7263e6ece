//! Errors of index access; each names the URL or file it is about.

/// A file name that is not a valid wheel or sdist name.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FilenameError {
    /// The name does not follow the expected pattern.
    #[error("invalid distribution file name `{filename}`: {reason}")]
    Invalid {
        /// The file name.
        filename: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// An index or find-links location could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The request failed.
    #[error(transparent)]
    Client(#[from] tw_client::ClientError),
    /// The page could not be parsed.
    #[error("cannot parse the index page `{url}`: {reason}")]
    Page {
        /// The redacted page URL.
        url: String,
        /// What the parser said.
        reason: String,
    },
    /// A find-links directory could not be listed.
    #[error("cannot list the find-links directory `{path}`")]
    Directory {
        /// The directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The index refused access; tailwheel does not fall through to the next index then,
    /// because that is how dependency confusion happens.
    #[error(
        "`{url}` answered HTTP {status} for `{package}`; check the index credentials (tailwheel does not fall back to other indexes on authentication errors)"
    )]
    Denied {
        /// The redacted page URL.
        url: String,
        /// The project.
        package: String,
        /// 401 or 403.
        status: u16,
    },
}
