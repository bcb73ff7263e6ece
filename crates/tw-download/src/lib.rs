//! Parallel downloads for tailwheel: the files a resolution picked, fetched into a
//! directory, checked against their SHA-256, at most N at once.
//!
//! [`download_all`] takes [`DownloadRequest`]s (file name, URL, expected sha256, size if
//! known) and [`DownloadOptions`] (destination, concurrency, retries, cache), and returns a
//! [`Downloaded`] per request, in request order, saying how the file got there
//! ([`Outcome`]). Progress goes to a [`Progress`] ([`NoProgress`] ignores it).
//! [`check_wheel_metadata`] then re-reads a downloaded wheel's `METADATA` and compares it
//! with the metadata the resolution used (read from a PEP 658 file or a zip tail, which the
//! wheel's hash does not cover).
//!
//! # Design
//!
//! - **Bounded.** One `FuturesUnordered` holding at most `concurrency` downloads (the
//!   `buffer_unordered` pattern, fed by hand) drives them on the caller's task; nothing is spawned except blocking file work, which is awaited. Each
//!   request also holds one of the [`tw_client::Client`]'s permits while its body is read.
//! - **Streamed and hashed on the way.** A body goes chunk by chunk
//!   ([`tw_client::Client::get_stream`]) into a temp file `.<filename>.<random>.part` in
//!   the destination, and through SHA-256 as it is written; memory use does not grow with
//!   the file.
//! - **Resumed, not restarted.** When a body breaks off, the next attempt asks for
//!   `Range: bytes=N-` and appends if the server answers 206 from byte N, keeping the same
//!   hasher; otherwise it starts over from byte 0. Connection errors, 5xx and 429 are
//!   retried with backoff (100 ms, doubling) up to [`DownloadOptions::retries`] times.
//! - **Atomic.** Only a complete file whose hash matches is synced and renamed to its
//!   final name. The temp file is a guard: dropping the future at any point (Ctrl-C, the
//!   first error of the batch) removes it, so the final name never holds a partial or
//!   unverified file. A wrong hash is an error ([`DownloadError::Hash`]) and keeps nothing.
//! - **Interrupted runs.** A signal ends the process before any clean-up, so its `.part`
//!   files stay; temp files are locked while in use, and the next run resumes the longest
//!   unlocked `.part` of a file it needs (verified whole, refetched from byte 0 if the hash is
//!   wrong) and removes the others (`docs/download.md`).
//! - **No work twice.** A file already in the destination with the right hash is kept
//!   without a request. With [`DownloadOptions::cache_dir`], verified downloads are also
//!   hard-linked (or copied) into `<cache>/files-v1/<sha256[..2]>/<sha256>`, and a later
//!   run into any destination takes them from there, after hashing the entry again.
//! - **Fail fast.** The first failure stops scheduling, drops the downloads in flight and
//!   is returned; errors name the file and the URL (credentials redacted).
//!
//! # Example
//!
//! ```
//! use tw_download::{DownloadOptions, DownloadRequest, NoProgress, Outcome, download_all};
//! use tw_test_index::{IndexOptions, TestIndex, Universe};
//!
//! let mut universe = Universe::new();
//! universe.version("lib", "1.0");
//! let index = TestIndex::start(&universe, IndexOptions::default());
//! let filename = "lib-1.0-py3-none-any.whl";
//! let request = DownloadRequest {
//!     name: "lib".to_string(),
//!     filename: filename.to_string(),
//!     url: url::Url::parse(&index.file_url(filename))?,
//!     sha256: index.file_sha256(filename).expect("the index serves it"),
//!     size: None,
//! };
//! let dest = tempfile::tempdir()?;
//! let client = tw_client::ClientBuilder::new().build()?;
//! let runtime = tokio::runtime::Runtime::new()?;
//! let options = DownloadOptions::new(dest.path());
//! let done = runtime.block_on(download_all(&client, vec![request], &options, &NoProgress))?;
//! assert!(matches!(done[0].outcome, Outcome::Fetched { .. }));
//! assert_eq!(done[0].path, dest.path().join(filename));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cache;
mod download;
mod error;
mod fetch;
mod files;
mod metadata_check;
mod progress;
mod request;

pub use download::download_all;
pub use error::DownloadError;
pub use metadata_check::{MetadataMismatch, check_wheel_metadata};
pub use progress::{NoProgress, Progress};
pub use request::{DownloadOptions, DownloadRequest, Downloaded, Outcome};
