//! The one HTTP client: bounded concurrency, retries, counters, `file://` support.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_RANGE, CONTENT_TYPE, HeaderMap, RANGE};
use tokio::sync::Semaphore;
use tracing::{debug, info, instrument};
use url::Url;

use crate::error::ClientError;
use crate::redact::redact_url;

/// Requests and bytes a client has moved so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent, retries included (`file://` reads are not counted).
    pub requests: u64,
    /// Response body bytes received, after content decoding.
    pub bytes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
}

/// A byte range of a remote file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// The last `n` bytes (`Range: bytes=-n`).
    Suffix(u64),
    /// Bytes `start..=end` (`Range: bytes=start-end`).
    Inclusive(u64, u64),
}

impl ByteRange {
    fn header_value(self) -> String {
        match self {
            Self::Suffix(n) => format!("bytes=-{n}"),
            Self::Inclusive(start, end) => format!("bytes={start}-{end}"),
        }
    }
}

/// A complete response: status, final URL after redirects, headers and body.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status (200 for `file://` reads).
    pub status: u16,
    /// The URL that answered, after redirects; relative links resolve against it.
    pub url: Url,
    /// Response headers.
    pub headers: HeaderMap,
    /// The decoded body.
    pub body: Bytes,
}

impl Response {
    /// The `Content-Type` without parameters, lower-cased, if present.
    pub fn content_type(&self) -> Option<String> {
        let value = self.headers.get(CONTENT_TYPE)?.to_str().ok()?;
        Some(
            value
                .split(';')
                .next()
                .unwrap_or(value)
                .trim()
                .to_ascii_lowercase(),
        )
    }

    /// `(first, last, total)` from a 206's `Content-Range: bytes first-last/total`.
    pub fn content_range(&self) -> Option<(u64, u64, u64)> {
        let value = self.headers.get(CONTENT_RANGE)?.to_str().ok()?;
        let rest = value.trim().strip_prefix("bytes ")?;
        let (span, total) = rest.split_once('/')?;
        let (first, last) = span.split_once('-')?;
        Some((
            first.trim().parse().ok()?,
            last.trim().parse().ok()?,
            total.trim().parse().ok()?,
        ))
    }

    /// Turn any non-success status into [`ClientError::Status`].
    pub fn error_for_status(self) -> Result<Self, ClientError> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            Err(ClientError::Status {
                url: redact_url(&self.url),
                status: self.status,
            })
        }
    }
}

/// Settings for a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    concurrency: usize,
    retries: u32,
    offline: bool,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent: String,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// Defaults: 50 requests in flight, 3 retries, online.
    pub fn new() -> Self {
        Self {
            concurrency: 50,
            retries: 3,
            offline: false,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            user_agent: format!("tailwheel/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// Maximum number of requests in flight at once (at least 1).
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How many times a transient failure (connection error, 5xx, 429) is retried.
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Refuse every network request (`file://` URLs still work).
    #[must_use]
    pub fn offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// Build the client. TLS uses the platform verifier (system store, `SSL_CERT_FILE`).
    pub fn build(self) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .pool_max_idle_per_host(self.concurrency)
            .dns_resolver(crate::dns::CachingResolver::default())
            .build()
            .map_err(ClientError::Build)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                semaphore: Semaphore::new(self.concurrency),
                retries: self.retries,
                offline: self.offline,
                counters: Counters::default(),
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    semaphore: Semaphore,
    retries: u32,
    offline: bool,
    counters: Counters,
}

/// A cheap-to-clone handle on the shared HTTP client.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Requests and bytes so far.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.inner.counters.requests.load(Ordering::Relaxed),
            bytes: self.inner.counters.bytes.load(Ordering::Relaxed),
        }
    }

    /// GET a URL with an optional `Accept` header. Any status comes back as `Ok`; transient
    /// failures are retried first. Use [`Response::error_for_status`] to insist on success.
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url)))]
    pub async fn get(&self, url: &Url, accept: Option<&str>) -> Result<Response, ClientError> {
        self.send(url, accept, None).await
    }

    /// GET a byte range. The server may ignore `Range` and answer 200 with the whole body;
    /// callers check `status` (206) and [`Response::content_range`].
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url), range = ?range))]
    pub async fn get_range(&self, url: &Url, range: ByteRange) -> Result<Response, ClientError> {
        self.send(url, None, Some(range)).await
    }

    async fn send(
        &self,
        url: &Url,
        accept: Option<&str>,
        range: Option<ByteRange>,
    ) -> Result<Response, ClientError> {
        match url.scheme() {
            "file" => return read_file_url(url, range).await,
            "http" | "https" => {}
            _ => {
                return Err(ClientError::Scheme {
                    url: redact_url(url),
                });
            }
        }
        if self.inner.offline {
            return Err(ClientError::Offline {
                url: redact_url(url),
            });
        }
        let _permit = self.inner.semaphore.acquire().await;
        let mut attempt = 0;
        loop {
            let result = self.send_once(url, accept, range).await;
            let transient = match &result {
                Ok(response) => response.status == 429 || (500..600).contains(&response.status),
                Err(ClientError::Request { source, .. }) => {
                    source.is_connect()
                        || source.is_timeout()
                        || source.is_request()
                        || source.is_body()
                }
                Err(_) => false,
            };
            if !transient || attempt >= self.inner.retries {
                return result;
            }
            attempt += 1;
            let backoff = Duration::from_millis(200 * 2u64.pow(attempt - 1));
            info!(url = %redact_url(url), attempt, "transient failure, retrying in {backoff:?}");
            tokio::time::sleep(backoff).await;
        }
    }

    async fn send_once(
        &self,
        url: &Url,
        accept: Option<&str>,
        range: Option<ByteRange>,
    ) -> Result<Response, ClientError> {
        let mut request = self.inner.http.get(url.clone());
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        if let Some(range) = range {
            // Ranges address the stored bytes, so ask for no content coding.
            request = request
                .header(RANGE, range.header_value())
                .header(reqwest::header::ACCEPT_ENCODING, "identity");
        }
        self.inner.counters.requests.fetch_add(1, Ordering::Relaxed);
        let response = request
            .send()
            .await
            .map_err(|source| ClientError::Request {
                url: redact_url(url),
                source,
            })?;
        let status = response.status();
        let final_url = response.url().clone();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|source| ClientError::Request {
                url: redact_url(url),
                source,
            })?;
        self.inner
            .counters
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        debug!(status = status.as_u16(), bytes = body.len(), "response");
        Ok(Response {
            status: status_code(status),
            url: final_url,
            headers,
            body,
        })
    }
}

fn status_code(status: StatusCode) -> u16 {
    status.as_u16()
}

async fn read_file_url(url: &Url, range: Option<ByteRange>) -> Result<Response, ClientError> {
    let path = url.to_file_path().map_err(|()| ClientError::Scheme {
        url: redact_url(url),
    })?;
    let data = tokio::fs::read(&path)
        .await
        .map_err(|source| ClientError::File {
            path: path.display().to_string(),
            source,
        })?;
    let total = data.len() as u64;
    let mut headers = HeaderMap::new();
    let (status, body) = match range {
        None => (200, Bytes::from(data)),
        Some(range) => {
            let (first, last) = match range {
                ByteRange::Suffix(n) => (total.saturating_sub(n), total.saturating_sub(1)),
                ByteRange::Inclusive(first, last) => (first, last.min(total.saturating_sub(1))),
            };
            if total == 0 || first > last {
                (416, Bytes::new())
            } else {
                if let Ok(value) = format!("bytes {first}-{last}/{total}").parse() {
                    headers.insert(CONTENT_RANGE, value);
                }
                // Both bounds are within `data`, checked above.
                let slice = Bytes::from(data).slice(first as usize..=last as usize);
                (206, slice)
            }
        }
    };
    Ok(Response {
        status,
        url: url.clone(),
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_urls_and_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.bin");
        std::fs::write(&path, b"0123456789").unwrap();
        let url = Url::from_file_path(&path).unwrap();
        let client = ClientBuilder::new().build().unwrap();
        let whole = client.get(&url, None).await.unwrap();
        assert_eq!(&whole.body[..], b"0123456789");
        let tail = client.get_range(&url, ByteRange::Suffix(3)).await.unwrap();
        assert_eq!((tail.status, &tail.body[..]), (206, &b"789"[..]));
        assert_eq!(tail.content_range(), Some((7, 9, 10)));
        let mid = client
            .get_range(&url, ByteRange::Inclusive(2, 4))
            .await
            .unwrap();
        assert_eq!(&mid.body[..], b"234");
        assert_eq!(client.stats().requests, 0);
    }

    #[tokio::test]
    async fn offline_refuses_network() {
        let client = ClientBuilder::new().offline(true).build().unwrap();
        let url = Url::parse("http://127.0.0.1:9/simple/").unwrap();
        let err = client.get(&url, None).await.unwrap_err();
        assert!(matches!(err, ClientError::Offline { .. }), "{err}");
    }
}
