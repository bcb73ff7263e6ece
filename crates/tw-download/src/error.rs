//! Errors of the downloader; each names the file and the (redacted) URL it is about.

use std::path::PathBuf;

use tw_client::ClientError;

/// A download that failed for good (after retries). The first one stops the whole batch.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The file name is not a plain name inside the destination directory (it has a path
    /// separator, is empty, `.` or `..`), so writing it could land anywhere.
    #[error("refusing to download `{filename}` from `{url}`: not a plain file name")]
    Filename {
        /// The file name as given.
        filename: String,
        /// The redacted URL.
        url: String,
    },
    /// The expected hash is not a SHA-256 in hex.
    #[error("the sha256 given for `{filename}` from `{url}` is not 64 hex digits: `{sha256}`")]
    InvalidHash {
        /// The file name.
        filename: String,
        /// The redacted URL.
        url: String,
        /// The hash as given.
        sha256: String,
    },
    /// Two requests name the same file with different hashes; at most one can be right.
    #[error("`{filename}` is requested twice with different hashes: `{first}` and `{second}`")]
    Conflict {
        /// The file name both requests share.
        filename: String,
        /// The first request's sha256.
        first: String,
        /// The other request's sha256.
        second: String,
    },
    /// The destination directory could not be created.
    #[error("cannot create the download directory `{}`", dir.display())]
    CreateDir {
        /// The destination directory.
        dir: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The request failed (connection refused, body cut off, offline, …), after retries.
    #[error("cannot download `{filename}` from `{url}`")]
    Request {
        /// The file name.
        filename: String,
        /// The redacted URL.
        url: String,
        /// What the transport reported.
        #[source]
        source: ClientError,
    },
    /// The server answered with a status that is not a success, after retries for 5xx and 429.
    #[error("cannot download `{filename}`: `{url}` answered HTTP {status}")]
    Status {
        /// The file name.
        filename: String,
        /// The redacted URL.
        url: String,
        /// The last HTTP status.
        status: u16,
    },
    /// The downloaded bytes do not have the expected SHA-256; nothing was kept.
    #[error(
        "`{filename}` from `{url}` does not match its hash: expected sha256 `{expected}`, got `{actual}`"
    )]
    Hash {
        /// The file name.
        filename: String,
        /// The redacted URL.
        url: String,
        /// The sha256 the request gave.
        expected: String,
        /// The sha256 of the bytes received.
        actual: String,
    },
    /// Reading or writing files in the destination directory failed.
    #[error("cannot write `{filename}` (from `{url}`) to `{}`", dir.display())]
    Io {
        /// The file name.
        filename: String,
        /// The redacted URL.
        url: String,
        /// The destination directory.
        dir: PathBuf,
        /// The I/O error (naming the path, where one is involved).
        #[source]
        source: std::io::Error,
    },
    /// A downloaded file could not be read back for the METADATA check.
    #[error("cannot read the downloaded `{}`", path.display())]
    ReadDownloaded {
        /// The downloaded file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A downloaded wheel's archive or `METADATA` is broken.
    #[error("cannot read the METADATA of `{filename}`")]
    Metadata {
        /// The wheel's file name.
        filename: String,
        /// What the archive or metadata reader reported.
        #[source]
        source: Box<tw_metadata::MetadataError>,
    },
    /// A downloaded wheel's `METADATA` differs from what the resolution used.
    #[error("{0}")]
    MetadataMismatch(Box<crate::metadata_check::MetadataMismatch>),
}
