//! Errors of the transport layer; each names the (redacted) URL it is about.

/// A request that failed for good (after retries).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The HTTP client could not be built (TLS roots, proxy settings).
    #[error("cannot set up the HTTP client")]
    Build(#[source] reqwest::Error),
    /// The request could not be sent or its body not read.
    #[error("request to `{url}` failed")]
    Request {
        /// The redacted URL.
        url: String,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an unexpected status.
    #[error("`{url}` answered HTTP {status}")]
    Status {
        /// The redacted URL.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// A `file://` URL could not be read.
    #[error("cannot read `{path}`")]
    File {
        /// The local path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A URL scheme the client does not speak.
    #[error("unsupported URL scheme in `{url}` (expected http, https or file)")]
    Scheme {
        /// The redacted URL.
        url: String,
    },
    /// `--offline` forbids network access.
    #[error("`{url}` is not in the cache and network access is disabled (`--offline`)")]
    Offline {
        /// The redacted URL.
        url: String,
    },
}

impl ClientError {
    /// The HTTP status when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}
