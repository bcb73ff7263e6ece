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
use crate::files::{Leftover, blocking, new_temp_file};
use crate::progress::Progress;
use crate::request::DownloadRequest;

/// The first retry waits this long; each further one twice as long as the one before.
const BACKOFF: Duration = Duration::from_millis(100);

/// A complete download with the expected hash, synced to disk under a temp name in the
/// destination directory; the temp file is removed if this is dropped. `file` is the open
/// (and locked) temp file: keep it until the rename, so no other run takes the temp name
/// for an abandoned one in between.
pub(crate) struct Fetched {
    pub(crate) temp: TempPath,
    pub(crate) bytes: u64,
    pub(crate) file: tokio::fs::File,
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
    /// `file` began as an interrupted run's leftover, whose bytes nothing vouches for until
    /// the whole file's hash matches.
    from_leftover: bool,
}

/// Download `request` into a temp file in `dir` and check it against `expected` (lower-case
/// hex), retrying each run of failures up to `retries` times.
///
/// With a `leftover` (the `.part` file of an interrupted run), the download resumes after
/// its bytes; if the whole file then has another hash, the leftover was bad and the file is
/// fetched once more from byte 0 (a wrong file is never kept).
pub(crate) async fn fetch(
    client: &Client,
    request: &DownloadRequest,
    expected: &str,
    dir: &Path,
    retries: u32,
    progress: &dyn Progress,
    leftover: Option<Leftover>,
) -> Result<Fetched, DownloadError> {
    let (file, temp, hasher, written) = if let Some(Leftover { file, temp, len }) = leftover {
        debug!(filename = %request.filename, bytes = len, "resuming an interrupted run's download");
        let (file, hasher) = blocking(move || hash_open_file(file))
            .await
            .map_err(|source| io_error(request, dir, source))?;
        (file, temp, hasher, len)
    } else {
        // Created directly, not on the blocking pool: one `open`, and the temp guard then
        // exists before this future can be dropped.
        let (file, temp) = new_temp_file(dir, &request.filename)
            .map_err(|source| io_error(request, dir, source))?
            .into_parts();
        (tokio::fs::File::from_std(file), temp, Sha256::new(), 0)
    };
    let mut transfer = Transfer {
        client,
        request,
        dir,
        progress,
        file,
        hasher,
        written,
        reported: 0,
        from_leftover: written > 0,
    };
    transfer.report();
    loop {
        transfer.run(retries).await?;
        let actual = hex::encode(transfer.hasher.clone().finalize());
        if actual == expected {
            break;
        }
        if transfer.from_leftover {
            // The interrupted run's bytes were not the start of this file.
            debug!(filename = %request.filename, "a resumed leftover gave another hash; fetching from byte 0");
            transfer.from_leftover = false;
            transfer.restart().await?;
            continue;
        }
        // Dropping `temp` removes the bad bytes.
        return Err(DownloadError::Hash {
            filename: request.filename.clone(),
            url: redact_url(&request.url),
            expected: expected.to_string(),
            actual,
        });
    }
    let Transfer {
        mut file, written, ..
    } = transfer;
    file.flush()
        .await
        .map_err(|source| io_error(request, dir, source))?;
    file.sync_all()
        .await
        .map_err(|source| io_error(request, dir, source))?;
    Ok(Fetched {
        temp,
        bytes: written,
        file,
    })
}

/// Hash the bytes of an open file from its start and leave it positioned at its end.
fn hash_open_file(file: fs_err::File) -> std::io::Result<(tokio::fs::File, Sha256)> {
    use std::io::{Read as _, Seek as _};
    let (mut file, _) = file.into_parts();
    file.rewind()?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok((tokio::fs::File::from_std(file), hasher))
}

impl Transfer<'_> {
    /// Attempts until the body is complete, retrying each run of failures up to `retries`
    /// times.
    async fn run(&mut self, retries: u32) -> Result<(), DownloadError> {
        let mut failures = 0u32;
        let mut furthest = self.written;
        loop {
            match self.attempt().await? {
                Attempt::Complete => return Ok(()),
                Attempt::Retry(error) => {
                    // A retry that got further than any before starts a new run of failures,
                    // so a long file over a flaky connection is not given up on while it
                    // progresses; a server that always fails at the same point still is.
                    if self.written > furthest {
                        furthest = self.written;
                        failures = 0;
                    }
                    failures += 1;
                    if failures > retries {
                        return Err(error);
                    }
                    let backoff = BACKOFF * 2u32.pow((failures - 1).min(10));
                    info!(
                        filename = %self.request.filename,
                        attempt = failures,
                        from = self.written,
                        error = %error_chain(&error),
                        "retrying in {backoff:?}"
                    );
                    tokio::time::sleep(backoff).await;
                }
            }
        }
    }

    /// Tell `progress` about bytes in `file` it has not heard of.
    fn report(&mut self) {
        if self.written > self.reported {
            self.progress.advance(self.written - self.reported);
            self.reported = self.written;
        }
    }
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
        self.report();
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
