//! Errors of the transport layer; each names the (redacted) URL it is about and, after
//! retries, how often it was tried.

use std::fmt;

/// A request that failed for good (after retries).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The HTTP client could not be built (TLS roots, proxy settings).
    #[error("cannot set up the HTTP client")]
    Build(#[source] reqwest::Error),
    /// The request could not be sent or its body not read.
    #[error("request to `{url}` failed{}", Tried(*attempts))]
    Request {
        /// The redacted URL.
        url: String,
        /// How many times it was sent.
        attempts: u32,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The server (or the connection to it) stayed silent longer than the timeout.
    #[error(
        "`{url}` did not answer within {seconds}s{} (`TAILWHEEL_HTTP_TIMEOUT` sets the timeout in seconds)",
        Tried(*attempts)
    )]
    Timeout {
        /// The redacted URL.
        url: String,
        /// How many times it was sent.
        attempts: u32,
        /// The timeout.
        seconds: f64,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The server's TLS certificate could not be verified against the trusted roots.
    #[error(
        "cannot verify the TLS certificate of `{url}`; if the index uses a private certificate authority, set `SSL_CERT_FILE` to a PEM file that contains it (or `SSL_CERT_DIR` to a folder of such files)"
    )]
    Tls {
        /// The redacted URL.
        url: String,
        /// What reqwest (rustls) reported.
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
    /// The server kept answering a transient status (429, 5xx) until the retries ran out.
    #[error(
        "`{url}` answered HTTP {status}{}; the server is overloaded or down (`TAILWHEEL_HTTP_RETRIES` sets how often tailwheel retries)",
        Tried(*attempts)
    )]
    Unavailable {
        /// The redacted URL.
        url: String,
        /// The last HTTP status code.
        status: u16,
        /// How many times it was sent.
        attempts: u32,
    },
    /// A compressed body inflated past the limit (a decompression bomb, or a broken server).
    #[error(
        "`{url}` sent a compressed body that inflates past the limit ({decoded} bytes from {compressed} bytes); refusing it"
    )]
    TooLarge {
        /// The redacted URL.
        url: String,
        /// Bytes decoded when decoding stopped.
        decoded: u64,
        /// Compressed bytes read by then.
        compressed: u64,
    },
    /// A body read into memory grew past the limit (`Client::get` and friends; streamed
    /// downloads are written to disk and not limited).
    #[error(
        "`{url}` sent more than {limit} bytes where at most that was expected in memory; refusing it"
    )]
    BodyTooLarge {
        /// The redacted URL.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A compressed body is not valid gzip.
    #[error("cannot decode the gzip body of `{url}`")]
    Decode {
        /// The redacted URL.
        url: String,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
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

/// ` after N attempts` when a request was sent more than once.
struct Tried(u32);

impl fmt::Display for Tried {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 {
            write!(formatter, " after {} attempts", self.0)
        } else {
            Ok(())
        }
    }
}

impl ClientError {
    /// The HTTP status when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::Unavailable { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The same error, saying it was the outcome of `attempts` attempts.
    pub(crate) fn in_attempt(mut self, attempts: u32) -> Self {
        if let Self::Request { attempts: n, .. } | Self::Timeout { attempts: n, .. } = &mut self {
            *n = attempts;
        }
        self
    }
}
