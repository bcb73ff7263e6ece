//! One file from the network into a temp file next to its final name: streamed to disk and
//! hashed on the way, resumed with `Range: bytes=N-` after a body is cut off, restarted from
//! byte 0 when the server will not resume, retried with backoff after connection errors,
//! 5xx and 429.

use std::path::Path;
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use tempfile::TempPath;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};
use tracing::{debug, info};
use tw_client::{Client, ClientError, redact_url};

use crate::error::DownloadError;
use crate::files::new_temp_file;
use crate::progress::Progress;
use crate::request::DownloadRequest;

/// The first retry waits this long; each further one twice as long as the one before.
const BACKOFF: Duration = Duration::from_millis(100);

/// A complete download with the expected hash, synced to disk under a temp name in the
/// destination directory; the temp file is removed if this is dropped.
pub(crate) struct Fetched {
    pub(crate) temp: TempPath,
    pub(crate) bytes: u64,
}

/// What one request came to.
enum Attempt {
    /// The body arrived to its end.
    Complete,
    /// A failure worth another try; the state says where to pick up.
    Retry(DownloadError),
}

/// The state of one file's download, across attempts.
struct Transfer<'a> {
    client: &'a Client,
    request: &'a DownloadRequest,
    dir: &'a Path,
    progress: &'a dyn Progress,
    file: tokio::fs::File,
    /// Hashes exactly the bytes in `file`, in order.
    hasher: Sha256,
    /// Bytes in `file`.
    written: u64,
    /// Bytes reported to `progress`: the most that were ever in `file`.
    reported: u64,
}

/// Download `request` into a temp file in `dir` and check it against `expected` (lower-case
/// hex), retrying each run of failures up to `retries` times.
pub(crate) async fn fetch(
    client: &Client,
    request: &DownloadRequest,
    expected: &str,
    dir: &Path,
    retries: u32,
    progress: &dyn Progress,
) -> Result<Fetched, DownloadError> {
    // Created directly, not on the blocking pool: one `open`, and the temp guard then exists
    // before this future can be dropped.
    let (file, temp) = new_temp_file(dir, &request.filename)
        .map_err(|source| io_error(request, dir, source))?
        .into_parts();
    let mut transfer = Transfer {
        client,
        request,
        dir,
        progress,
        file: tokio::fs::File::from_std(file),
        hasher: Sha256::new(),
        written: 0,
        reported: 0,
    };
    let mut failures = 0u32;
    let mut furthest = 0u64;
    loop {
        match transfer.attempt().await? {
            Attempt::Complete => break,
            Attempt::Retry(error) => {
                // A retry that got further than any before starts a new run of failures,
                // so a long file over a flaky connection is not given up on while it
                // progresses; a server that always fails at the same point still is.
                if transfer.written > furthest {
                    furthest = transfer.written;
                    failures = 0;
                }
                failures += 1;
                if failures > retries {
                    return Err(error);
                }
                let backoff = BACKOFF * 2u32.pow((failures - 1).min(10));
                info!(
                    filename = %request.filename,
                    attempt = failures,
                    from = transfer.written,
                    error = %error_chain(&error),
                    "retrying in {backoff:?}"
                );
                tokio::time::sleep(backoff).await;
            }
        }
    }
    let Transfer {
        mut file,
        hasher,
        written,
        ..
    } = transfer;
    file.flush()
        .await
        .map_err(|source| io_error(request, dir, source))?;
    file.sync_all()
        .await
        .map_err(|source| io_error(request, dir, source))?;
    drop(file);
    let actual = hex::encode(hasher.finalize());
    if actual != expected {
        // Dropping `temp` removes the bad bytes.
        return Err(DownloadError::Hash {
            filename: request.filename.clone(),
            url: redact_url(&request.url),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(Fetched {
        temp,
        bytes: written,
    })
}

impl Transfer<'_> {
    /// One request: from byte 0, or from `written` after a cut-off body.
    async fn attempt(&mut self) -> Result<Attempt, DownloadError> {
        let start = self.written;
        let mut response = match self.client.get_stream(&self.request.url, start).await {
            Ok(response) => response,
            Err(error) => return self.client_error(error),
        };
        let status = response.status();
        let resumes = response
            .content_range()
            .is_some_and(|(first, _, _)| first == start);
        match status {
            206 if start > 0 && resumes => {
                debug!(filename = %self.request.filename, start, "resuming");
            }
            200 => {
                if start > 0 {
                    debug!(filename = %self.request.filename, "the server sent the whole file again");
                    self.restart().await?;
                }
            }
            // Kept bytes stay: the next attempt resumes after them.
            429 | 500..=599 => return Ok(Attempt::Retry(self.status_error(status))),
            // A range the server cannot or will not give as asked: start over.
            206 | 416 if start > 0 => {
                debug!(filename = %self.request.filename, status, "cannot resume; starting over");
                self.restart().await?;
                return Ok(Attempt::Retry(self.status_error(status)));
            }
            _ => return Err(self.status_error(status)),
        }
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => self.append(&chunk).await?,
                Ok(None) => return Ok(Attempt::Complete),
                Err(error) => return self.client_error(error),
            }
        }
    }

    async fn append(&mut self, chunk: &[u8]) -> Result<(), DownloadError> {
        self.file
            .write_all(chunk)
            .await
            .map_err(|source| io_error(self.request, self.dir, source))?;
        self.hasher.update(chunk);
        self.written += chunk.len() as u64;
        if self.written > self.reported {
            self.progress.advance(self.written - self.reported);
            self.reported = self.written;
        }
        Ok(())
    }

    /// Empty the file and the hasher, for a body that starts again at byte 0.
    async fn restart(&mut self) -> Result<(), DownloadError> {
        self.hasher = Sha256::new();
        self.written = 0;
        let emptied = async {
            self.file.flush().await?;
            self.file.set_len(0).await?;
            self.file.rewind().await.map(drop)
        };
        emptied
            .await
            .map_err(|source| io_error(self.request, self.dir, source))
    }

    fn client_error(&self, source: ClientError) -> Result<Attempt, DownloadError> {
        let transient = source.is_transient();
        let error = DownloadError::Request {
            filename: self.request.filename.clone(),
            url: redact_url(&self.request.url),
            source,
        };
        if transient {
            Ok(Attempt::Retry(error))
        } else {
            Err(error)
        }
    }

    fn status_error(&self, status: u16) -> DownloadError {
        DownloadError::Status {
            filename: self.request.filename.clone(),
            url: redact_url(&self.request.url),
            status,
        }
    }
}

/// An I/O error writing `request`'s file into `dir`.
pub(crate) fn io_error(
    request: &DownloadRequest,
    dir: &Path,
    source: std::io::Error,
) -> DownloadError {
    DownloadError::Io {
        filename: request.filename.clone(),
        url: redact_url(&request.url),
        dir: dir.to_path_buf(),
        source,
    }
}

/// `error` and its causes, `: `-separated, for a log line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}
