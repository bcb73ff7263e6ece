//! Errors of a metadata build; each names the sdist.

/// A build could not produce metadata.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Fetching the sdist or a build requirement failed.
    #[error("cannot fetch `{subject}`: {reason}")]
    Fetch {
        /// The file.
        subject: String,
        /// The cause.
        reason: String,
    },
    /// The sdist or a wheel of the build environment is malformed or hostile.
    #[error("`{subject}`: {reason}")]
    Invalid {
        /// The file.
        subject: String,
        /// What is wrong.
        reason: String,
    },
    /// The build requirements cannot be resolved.
    #[error("cannot resolve the build requirements of `{subject}` ({requires}): {reason}")]
    Requirements {
        /// The sdist.
        subject: String,
        /// The requirements, comma-separated.
        requires: String,
        /// The resolver's explanation.
        reason: String,
    },
    /// The backend hook failed, timed out or could not be started.
    #[error("{hook} of `{subject}` (backend `{backend}`) failed: {reason}")]
    Hook {
        /// The sdist.
        subject: String,
        /// The hook that ran.
        hook: String,
        /// The backend.
        backend: String,
        /// Exit status or timeout, then the last lines of the backend's output.
        reason: String,
    },
    /// A local file operation failed.
    #[error("`{subject}`: {source}")]
    Io {
        /// The sdist or path.
        subject: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl BuildError {
    pub(crate) fn io(subject: &str, source: std::io::Error) -> Self {
        Self::Io {
            subject: subject.to_string(),
            source,
        }
    }

    pub(crate) fn invalid(subject: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            subject: subject.to_string(),
            reason: reason.into(),
        }
    }
}
