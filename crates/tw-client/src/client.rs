//! The one HTTP client: bounded concurrency, retries, counters, `file://` support.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, HeaderMap, RANGE,
    RETRY_AFTER,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::{debug, info, instrument, warn};
use url::Url;

use crate::credentials::Credentials;
use crate::decode::{DecodeError, GzipBody};
use crate::error::ClientError;
use crate::redact::redact_url;

/// Requests and bytes a client has moved so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent, retries included (`file://` reads are not counted).
    pub requests: u64,
    /// Response body bytes received, after content decoding.
    pub bytes: u64,
    /// Bytes read from `file://` URLs (a range read counts only its range).
    pub file_bytes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
    file_bytes: AtomicU64,
}

/// A byte range of a remote file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// The last `n` bytes (`Range: bytes=-n`).
    Suffix(u64),
    /// Bytes `start..=end` (`Range: bytes=start-end`).
    Inclusive(u64, u64),
    /// From `start` to the end (`Range: bytes=start-`).
    From(u64),
}

impl ByteRange {
    fn header_value(self) -> String {
        match self {
            Self::Suffix(n) => format!("bytes=-{n}"),
            Self::Inclusive(start, end) => format!("bytes={start}-{end}"),
            Self::From(start) => format!("bytes={start}-"),
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
    /// How many times the request was sent (1 unless transient failures were retried).
    pub attempts: u32,
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
        parse_content_range(&self.headers)
    }

    /// Turn any non-success status into [`ClientError::Status`], or
    /// [`ClientError::Unavailable`] when a transient status (429, 5xx) outlasted the retries.
    pub fn error_for_status(self) -> Result<Self, ClientError> {
        status_error(&self.url, self.status, self.attempts).map_or(Ok(self), Err)
    }
}

/// A response whose body has not been read yet, from [`Client::get_stream`].
///
/// It holds one of the client's concurrency permits until it is dropped, so a slow body
/// counts against the client's limit for as long as it is being read.
#[derive(Debug)]
pub struct StreamResponse {
    status: u16,
    url: Url,
    headers: HeaderMap,
    body: StreamBody,
    attempts: u32,
}

/// Where the body of a [`StreamResponse`] comes from.
#[derive(Debug)]
enum StreamBody {
    /// An HTTP body read as it arrives, as sent (never content-decoded: streams carry
    /// artifacts, whose hashes cover the stored bytes); bytes are counted on `client`.
    Http {
        response: reqwest::Response,
        client: Arc<Inner>,
        /// The redacted request URL, for errors.
        url: String,
        /// Released when the response is dropped.
        _permit: Option<OwnedSemaphorePermit>,
    },
    /// A `file://` read, already in memory; handed out as one chunk.
    Memory(Option<Bytes>),
}

impl StreamResponse {
    /// The HTTP status (200 or 206 for `file://` reads, 416 past their end).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The URL that answered, after redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// `(first, last, total)` from a 206's `Content-Range: bytes first-last/total`.
    pub fn content_range(&self) -> Option<(u64, u64, u64)> {
        parse_content_range(&self.headers)
    }

    /// The body length, when the server gave one.
    pub fn content_length(&self) -> Option<u64> {
        match &self.body {
            StreamBody::Http { response, .. } => response.content_length(),
            StreamBody::Memory(body) => body.as_ref().map(|body| body.len() as u64),
        }
    }

    /// How many times the request was sent (1 unless transient failures were retried before
    /// the headers came).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Turn any non-success status into [`ClientError::Status`], or
    /// [`ClientError::Unavailable`] when a transient status (429, 5xx) outlasted the retries.
    pub fn error_for_status(self) -> Result<Self, ClientError> {
        status_error(&self.url, self.status, self.attempts).map_or(Ok(self), Err)
    }

    /// The next piece of the body, exactly as sent, or `None` at its end. An error means the
    /// body was cut off; the bytes returned before it are good, so a caller can resume from
    /// there with [`Client::get_stream`]. Cancel-safe in the sense that dropping the future
    /// loses at most the piece in flight.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, ClientError> {
        match &mut self.body {
            StreamBody::Memory(body) => Ok(body.take().filter(|body| !body.is_empty())),
            StreamBody::Http {
                response,
                client,
                url,
                ..
            } => {
                let chunk = response
                    .chunk()
                    .await
                    .map_err(|source| client.request_error(url, source, 1))?;
                if let Some(chunk) = &chunk {
                    client
                        .counters
                        .bytes
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
                Ok(chunk)
            }
        }
    }
}

/// The error for a response with `status` from `url` after `attempts` attempts, or `None` for
/// a success.
fn status_error(url: &Url, status: u16, attempts: u32) -> Option<ClientError> {
    if (200..300).contains(&status) {
        None
    } else if attempts > 1 && is_transient_status(status) {
        Some(ClientError::Unavailable {
            url: redact_url(url),
            status,
            attempts,
        })
    } else {
        Some(ClientError::Status {
            url: redact_url(url),
            status,
        })
    }
}

/// Settings for a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    concurrency: usize,
    retries: u32,
    max_retry_wait: Duration,
    offline: bool,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent: String,
    credentials: Credentials,
    max_memory_body: u64,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// Defaults: 50 requests in flight, 3 retries waiting at most 60 s in all, a 30 s
    /// connect timeout and a 60 s read timeout, no credentials, online.
    pub fn new() -> Self {
        Self {
            concurrency: 50,
            retries: 3,
            max_retry_wait: Duration::from_mins(1),
            offline: false,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_mins(1),
            user_agent: format!("tailwheel/{}", env!("CARGO_PKG_VERSION")),
            credentials: Credentials::new(),
            max_memory_body: MAX_MEMORY_BODY,
        }
    }

    /// How long to wait for a connection, and then for each read of the response (headers
    /// included); a request that is silent that long fails as a (transient) timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self.read_timeout = timeout;
        self
    }

    /// The most time spent waiting between retries of one request, all waits together; a
    /// `Retry-After` that asks for more ends the retries instead.
    #[must_use]
    pub fn max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    /// Credentials to send, each only to its own origin (see [`Credentials`]). URLs with
    /// `user:password@` add theirs to the same store as they are requested.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Maximum number of requests in flight at once (at least 1).
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How many times a transient failure (connection error, timeout, 408, 429, 500, 502,
    /// 503, 504) is retried.
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The most a response read into memory ([`Client::get`] and friends) may hold; more is
    /// [`ClientError::BodyTooLarge`]. Streamed downloads are not limited.
    #[must_use]
    pub fn max_memory_body(mut self, bytes: u64) -> Self {
        self.max_memory_body = bytes;
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
            // Bodies are decoded here, with a size limit (see `decode`).
            .gzip(false)
            .build()
            .map_err(ClientError::Build)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                semaphore: Arc::new(Semaphore::new(self.concurrency)),
                retries: self.retries,
                max_retry_wait: self.max_retry_wait,
                timeout: self.read_timeout,
                offline: self.offline,
                counters: Counters::default(),
                credentials: self.credentials,
                max_memory_body: self.max_memory_body,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    /// Shared with [`StreamResponse`]s, which hold a permit while their body is read.
    semaphore: Arc<Semaphore>,
    retries: u32,
    max_retry_wait: Duration,
    /// The read timeout, for messages.
    timeout: Duration,
    offline: bool,
    counters: Counters,
    credentials: Credentials,
    /// The most a body read into memory may hold.
    max_memory_body: u64,
}

impl Inner {
    /// A failed send or body read as a [`ClientError`] that names the URL, the attempts and,
    /// for a timeout or an unverifiable certificate, what to do about it.
    fn request_error(&self, url: &str, source: reqwest::Error, attempts: u32) -> ClientError {
        let url = url.to_string();
        if is_certificate_error(&source) {
            ClientError::Tls { url, source }
        } else if source.is_timeout() {
            ClientError::Timeout {
                url,
                attempts,
                seconds: self.timeout.as_secs_f64(),
                source,
            }
        } else {
            ClientError::Request {
                url,
                attempts,
                source,
            }
        }
    }
}

/// A cheap-to-clone handle on the shared HTTP client.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// The credentials this client sends (shared: what it learns from URLs shows up here).
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// Requests and bytes so far.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.inner.counters.requests.load(Ordering::Relaxed),
            bytes: self.inner.counters.bytes.load(Ordering::Relaxed),
            file_bytes: self.inner.counters.file_bytes.load(Ordering::Relaxed),
        }
    }

    /// GET a page with an optional `Accept` header, asking for gzip (decoded here, with a size
    /// limit). Any status comes back as `Ok`; transient failures are retried first. Use
    /// [`Response::error_for_status`] to insist on success. For files whose hash matters use
    /// [`Client::get_artifact`].
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url)))]
    pub async fn get(&self, url: &Url, accept: Option<&str>) -> Result<Response, ClientError> {
        self.send(url, accept, None, &HeaderMap::new(), Coding::Gzip)
            .await
    }

    /// GET a page with an optional `Accept` header plus `headers` (for example
    /// `If-None-Match` for a conditional request). Retries and status handling as [`Client::get`].
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url)))]
    pub async fn get_with_headers(
        &self,
        url: &Url,
        accept: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Response, ClientError> {
        self.send(url, accept, None, headers, Coding::Gzip).await
    }

    /// GET an artifact (a wheel, an sdist, a `.metadata` file) whole, into memory, with
    /// `Accept-Encoding: identity` and the body exactly as sent: never content-decoded, so a
    /// hash of it is a hash of what the server stores (a `.tar.gz` labelled
    /// `Content-Encoding: gzip` stays a `.tar.gz`). Retries as [`Client::get`].
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url)))]
    pub async fn get_artifact(&self, url: &Url) -> Result<Response, ClientError> {
        self.send(url, None, None, &HeaderMap::new(), Coding::Identity)
            .await
    }

    /// GET a byte range of an artifact, with `Accept-Encoding: identity` and the body as sent.
    /// The server may ignore `Range` and answer 200 with the whole body; callers check
    /// `status` (206) and [`Response::content_range`].
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url), range = ?range))]
    pub async fn get_range(&self, url: &Url, range: ByteRange) -> Result<Response, ClientError> {
        self.send(url, None, Some(range), &HeaderMap::new(), Coding::Identity)
            .await
    }

    /// GET a byte range of an artifact and return as soon as the headers are in, so a server
    /// that ignores `Range` and sends the whole file can be streamed to disk
    /// ([`StreamResponse::chunk`]) instead of memory. Transient failures before the headers
    /// (connection errors, 408/429/5xx) are retried as in [`Client::get`]; the status is the
    /// caller's to judge. `file://` URLs read only the range (seek, then read).
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url), range = ?range))]
    pub async fn get_range_stream(
        &self,
        url: &Url,
        range: ByteRange,
    ) -> Result<StreamResponse, ClientError> {
        self.stream_with_retries(url, Some(range)).await
    }

    /// GET an artifact whole and return as soon as the headers are in, to stream it to disk:
    /// `Accept-Encoding: identity`, the body as sent, transient failures before the headers
    /// retried as in [`Client::get`]. A body cut off later is the caller's to retry.
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url)))]
    pub async fn get_artifact_stream(&self, url: &Url) -> Result<StreamResponse, ClientError> {
        self.stream_with_retries(url, None).await
    }

    async fn stream_with_retries(
        &self,
        url: &Url,
        range: Option<ByteRange>,
    ) -> Result<StreamResponse, ClientError> {
        if url.scheme() == "file" {
            return Ok(StreamResponse::from(
                read_file_url(url, range, &self.inner).await?,
            ));
        }
        self.check_network(url)?;
        // The semaphore is never closed, so this only fails if that changes; then the
        // request goes out unbounded rather than not at all.
        let permit = Arc::clone(&self.inner.semaphore).acquire_owned().await.ok();
        let empty = HeaderMap::new();
        let (response, attempts) = self
            .retrying(
                url,
                || self.request(url, None, range, &empty, Coding::Identity),
                |response: &reqwest::Response| (response.status().as_u16(), response.headers()),
            )
            .await?;
        Ok(self.stream_response(url, response, permit, attempts))
    }

    /// GET an artifact from byte `start` and return as soon as the headers are in; read the
    /// body with [`StreamResponse::chunk`], so a large file never sits in memory.
    ///
    /// The request says `Accept-Encoding: identity` and the body is handed out exactly as
    /// sent, never content-decoded: downloads are hashed over the stored bytes. `start == 0`
    /// asks for the whole file. `start > 0` sends `Range: bytes=start-`; the server may still
    /// answer 200 with the whole file, so callers check for 206 and
    /// [`StreamResponse::content_range`] before appending. Any status comes back as `Ok`.
    ///
    /// Nothing is retried here: a caller streaming to disk knows how many bytes it has and
    /// resumes from there (see [`ClientError::is_transient`]). The response holds one of the
    /// client's concurrency permits until it is dropped; the request and the body bytes are
    /// counted in [`Client::stats`] as they arrive. `file://` URLs are read into memory and
    /// handed out as one chunk.
    #[instrument(level = "debug", skip_all, fields(url = %redact_url(url), start))]
    pub async fn get_stream(&self, url: &Url, start: u64) -> Result<StreamResponse, ClientError> {
        let range = (start > 0).then_some(ByteRange::From(start));
        if url.scheme() == "file" {
            return Ok(StreamResponse::from(
                read_file_url(url, range, &self.inner).await?,
            ));
        }
        self.check_network(url)?;
        // As in `get_range_stream`: a closed semaphore would mean an unbounded request.
        let permit = Arc::clone(&self.inner.semaphore).acquire_owned().await.ok();
        let response = self
            .request(url, None, range, &HeaderMap::new(), Coding::Identity)
            .await?;
        Ok(self.stream_response(url, response, permit, 1))
    }

    /// Wrap a response whose body is still to be read.
    fn stream_response(
        &self,
        url: &Url,
        response: reqwest::Response,
        permit: Option<OwnedSemaphorePermit>,
        attempts: u32,
    ) -> StreamResponse {
        let status = response.status().as_u16();
        debug!(status, attempts, "streaming response");
        StreamResponse {
            status,
            url: response.url().clone(),
            headers: response.headers().clone(),
            body: StreamBody::Http {
                response,
                client: Arc::clone(&self.inner),
                url: redact_url(url),
                _permit: permit,
            },
            attempts,
        }
    }

    /// A network URL may be requested: its scheme is HTTP(S) and `--offline` is not set.
    fn check_network(&self, url: &Url) -> Result<(), ClientError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ClientError::Scheme {
                url: redact_url(url),
            });
        }
        if self.inner.offline {
            return Err(ClientError::Offline {
                url: redact_url(url),
            });
        }
        Ok(())
    }

    async fn send(
        &self,
        url: &Url,
        accept: Option<&str>,
        range: Option<ByteRange>,
        extra: &HeaderMap,
        coding: Coding,
    ) -> Result<Response, ClientError> {
        if url.scheme() == "file" {
            return read_file_url(url, range, &self.inner).await;
        }
        self.check_network(url)?;
        let _permit = self.inner.semaphore.acquire().await;
        let (mut response, attempts) = self
            .retrying(
                url,
                || self.send_once(url, accept, range, extra, coding),
                |response: &Response| (response.status, &response.headers),
            )
            .await?;
        response.attempts = attempts;
        Ok(response)
    }

    /// Run `once` until it succeeds with a status that is not transient, fails with an error
    /// that is not transient, or the retries (in count and in waiting time) run out; the last
    /// outcome comes back with the number of attempts. `status` reads the status and headers
    /// of a success, for transient statuses and `Retry-After`.
    async fn retrying<T, F>(
        &self,
        url: &Url,
        mut once: impl FnMut() -> F,
        status: impl Fn(&T) -> (u16, &HeaderMap),
    ) -> Result<(T, u32), ClientError>
    where
        F: Future<Output = Result<T, ClientError>>,
    {
        let mut attempts = 0;
        let mut waited = Duration::ZERO;
        loop {
            attempts += 1;
            let result = once().await;
            let retry_after = match &result {
                Ok(value) => {
                    let (code, headers) = status(value);
                    is_transient_status(code).then(|| retry_after(headers))
                }
                Err(error) if error.is_transient() => Some(None),
                Err(_) => None,
            };
            let finish = |result: Result<T, ClientError>| {
                result
                    .map(|value| (value, attempts))
                    .map_err(|error| error.in_attempt(attempts))
            };
            let Some(retry_after) = retry_after else {
                return finish(result);
            };
            if attempts > self.inner.retries {
                return finish(result);
            }
            let backoff = retry_after.unwrap_or_else(|| backoff(attempts));
            if waited + backoff > self.inner.max_retry_wait {
                warn!(
                    "not retrying `{}`: waiting {backoff:?} more would exceed the retry budget of {:?}",
                    redact_url(url),
                    self.inner.max_retry_wait
                );
                return finish(result);
            }
            waited += backoff;
            let what = match &result {
                Ok(value) => format!("HTTP {}", status(value).0),
                Err(error) => error.to_string(),
            };
            info!(url = %redact_url(url), attempts, "{what}; retrying in {backoff:?}");
            tokio::time::sleep(backoff).await;
        }
    }

    /// Send one counted GET and return once the headers are in.
    async fn request(
        &self,
        url: &Url,
        accept: Option<&str>,
        range: Option<ByteRange>,
        extra: &HeaderMap,
        coding: Coding,
    ) -> Result<reqwest::Response, ClientError> {
        // The URL goes out without user info; the credential for its origin (its own user
        // info, or one configured or learnt before) goes in a sensitive header, which reqwest
        // drops if a redirect leaves the origin.
        let (bare, secret) = self.inner.credentials.authenticate(url);
        let mut request = self.inner.http.get(bare).headers(extra.clone());
        if let Some(secret) = secret {
            request = request.basic_auth(secret.username(), secret.password());
        }
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        if let Some(range) = range {
            request = request.header(RANGE, range.header_value());
        }
        // Artifacts and ranges address the stored bytes, so they ask for no content coding;
        // pages may come compressed.
        let coding = if range.is_some() {
            Coding::Identity
        } else {
            coding
        };
        if !extra.contains_key(ACCEPT_ENCODING) {
            request = request.header(
                ACCEPT_ENCODING,
                match coding {
                    Coding::Gzip => "gzip",
                    Coding::Identity => "identity",
                },
            );
        }
        self.inner.counters.requests.fetch_add(1, Ordering::Relaxed);
        request
            .send()
            .await
            .map_err(|source| self.inner.request_error(&redact_url(url), source, 1))
    }

    async fn send_once(
        &self,
        url: &Url,
        accept: Option<&str>,
        range: Option<ByteRange>,
        extra: &HeaderMap,
        coding: Coding,
    ) -> Result<Response, ClientError> {
        let mut response = self.request(url, accept, range, extra, coding).await?;
        let status = response.status();
        let final_url = response.url().clone();
        let headers = response.headers().clone();
        let redacted = redact_url(url);
        // Only pages are decoded: an artifact's `Content-Encoding` is ignored, and its bytes
        // are kept as sent (a hash covers them; a range's offsets address them).
        let decode = coding == Coding::Gzip && range.is_none() && is_gzip(&headers);
        let mut decoder = decode.then(GzipBody::new);
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|source| self.inner.request_error(&redacted, source, 1))?
        {
            match decoder.as_mut() {
                Some(decoder) => body.extend(
                    decoder
                        .push(&chunk)
                        .map_err(|error| decode_error(&redacted, error))?,
                ),
                None => body.extend_from_slice(&chunk),
            }
            if body.len() as u64 > self.inner.max_memory_body {
                return Err(ClientError::BodyTooLarge {
                    url: redacted,
                    limit: self.inner.max_memory_body,
                });
            }
        }
        if let Some(decoder) = decoder.as_mut() {
            body.extend(
                decoder
                    .finish()
                    .map_err(|error| decode_error(&redacted, error))?,
            );
        }
        let body = Bytes::from(body);
        self.inner
            .counters
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        debug!(status = status.as_u16(), bytes = body.len(), "response");
        Ok(Response {
            status: status.as_u16(),
            url: final_url,
            headers,
            body,
            attempts: 1,
        })
    }
}

/// Whether a request may receive a content-coded body (decoded here) or asks for the stored
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    /// A page: `Accept-Encoding: gzip`, decoded with a size limit.
    Gzip,
    /// An artifact or a range: `Accept-Encoding: identity`, body kept as sent.
    Identity,
}

impl From<Response> for StreamResponse {
    /// A response already in memory (a `file://` read), handed out as one chunk.
    fn from(response: Response) -> Self {
        Self {
            status: response.status,
            url: response.url,
            headers: response.headers,
            body: StreamBody::Memory(Some(response.body)),
            attempts: response.attempts,
        }
    }
}

/// The default of [`ClientBuilder::max_memory_body`]: 2 GiB, above the largest wheels on
/// public indexes (a few hundred MB) and far above any index page, so an endless body from a
/// broken or hostile server ends with an error instead of exhausting memory.
pub const MAX_MEMORY_BODY: u64 = 2 * 1024 * 1024 * 1024;

/// Statuses worth retrying: the server is busy, restarting or overloaded (RFC 9110 15.5.9,
/// 15.6.1, 15.6.3-5; RFC 6585 4). Not 501 or 505, which will not change.
fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// The wait before attempt `attempts + 1` when the server gave no `Retry-After`: 250 ms,
/// doubling, at most 8 s.
fn backoff(attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(5);
    Duration::from_millis(250 * (1 << exponent))
}

/// The wait a `Retry-After` header asks for: delay-seconds or an HTTP-date (RFC 9110 10.2.3);
/// `None` when absent or malformed (then the usual backoff applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = jiff::fmt::rfc2822::parse(value).ok()?;
    let wait = date.timestamp().duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// Whether the response body is gzip-encoded (the only coding the client asks for).
fn is_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            let value = value.trim();
            value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip")
        })
}

fn decode_error(url: &str, error: DecodeError) -> ClientError {
    match error {
        DecodeError::TooLarge {
            decoded,
            compressed,
        } => ClientError::TooLarge {
            url: url.to_string(),
            decoded,
            compressed,
        },
        DecodeError::Corrupt(source) => ClientError::Decode {
            url: url.to_string(),
            source,
        },
    }
}

/// Whether a certificate check failed somewhere in the chain of `error` (rustls reports
/// `invalid peer certificate: ...`).
fn is_certificate_error(error: &reqwest::Error) -> bool {
    let mut cause: Option<&dyn std::error::Error> = Some(error);
    while let Some(error) = cause {
        let text = error.to_string();
        if text.contains("certificate") || text.contains("Certificate") {
            return true;
        }
        cause = error.source();
    }
    false
}

impl ClientError {
    /// Whether trying again may help: the connection failed, timed out, or broke off while the
    /// request was sent or the body read. Statuses are not errors here; callers decide about
    /// 5xx and 429 themselves.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::Request { source, .. } => {
                source.is_connect()
                    || source.is_timeout()
                    || source.is_request()
                    || source.is_body()
                    // With content decoding on, reqwest reports a body cut off mid-way as a
                    // decode error whose cause is the body error.
                    || (source.is_decode() && caused_by_body(source))
            }
            _ => false,
        }
    }
}

/// Whether a body error is among the causes of `error`.
fn caused_by_body(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        if error
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_body)
        {
            return true;
        }
        cause = error.source();
    }
    false
}

/// `(first, last, total)` from `Content-Range: bytes first-last/total`.
fn parse_content_range(headers: &HeaderMap) -> Option<(u64, u64, u64)> {
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    Some((
        first.trim().parse().ok()?,
        last.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

/// Read a `file://` URL: the whole file, or only the bytes of `range` (seek, then read), so
/// a range read of a large local wheel costs what the range costs.
async fn read_file_url(
    url: &Url,
    range: Option<ByteRange>,
    inner: &Inner,
) -> Result<Response, ClientError> {
    use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

    let path = url.to_file_path().map_err(|()| ClientError::Scheme {
        url: redact_url(url),
    })?;
    let file_error = |source| ClientError::File {
        path: path.display().to_string(),
        source,
    };
    let mut file = tokio::fs::File::open(&path).await.map_err(file_error)?;
    let total = file.metadata().await.map_err(file_error)?.len();
    let mut headers = HeaderMap::new();
    let mut data = Vec::new();
    let status = match range {
        None => {
            file.read_to_end(&mut data).await.map_err(file_error)?;
            200
        }
        Some(range) => {
            let (first, last) = match range {
                ByteRange::Suffix(n) => (total.saturating_sub(n), total.saturating_sub(1)),
                ByteRange::Inclusive(first, last) => (first, last.min(total.saturating_sub(1))),
                ByteRange::From(first) => (first, total.saturating_sub(1)),
            };
            if total == 0 || first > last {
                if let Ok(value) = format!("bytes */{total}").parse() {
                    headers.insert(CONTENT_RANGE, value);
                }
                416
            } else {
                let len = last - first + 1;
                if len > inner.max_memory_body {
                    return Err(ClientError::BodyTooLarge {
                        url: redact_url(url),
                        limit: inner.max_memory_body,
                    });
                }
                file.seek(std::io::SeekFrom::Start(first))
                    .await
                    .map_err(file_error)?;
                // `len` is at most `max_memory_body`, which fits in memory by definition.
                data = vec![0; usize::try_from(len).unwrap_or(usize::MAX)];
                file.read_exact(&mut data).await.map_err(file_error)?;
                if let Ok(value) = format!("bytes {first}-{last}/{total}").parse() {
                    headers.insert(CONTENT_RANGE, value);
                }
                206
            }
        }
    };
    inner
        .counters
        .file_bytes
        .fetch_add(data.len() as u64, Ordering::Relaxed);
    Ok(Response {
        status,
        url: url.clone(),
        headers,
        body: Bytes::from(data),
        attempts: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_urls_and_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.bin");
        fs_err::write(&path, b"0123456789").unwrap();
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

    /// Issue 13: a `file://` range read reads the range, not the whole file.
    #[tokio::test]
    async fn file_range_reads_read_only_the_range() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let data: Vec<u8> = (0..1024 * 1024_u32)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        fs_err::write(&path, &data).unwrap();
        let url = Url::from_file_path(&path).unwrap();
        let client = ClientBuilder::new().build().unwrap();
        let tail = client.get_range(&url, ByteRange::Suffix(10)).await.unwrap();
        assert_eq!(tail.body[..], data[data.len() - 10..]);
        let mid = client
            .get_range(&url, ByteRange::Inclusive(1000, 1099))
            .await
            .unwrap();
        assert_eq!(mid.body[..], data[1000..1100]);
        let mut streamed = client
            .get_range_stream(&url, ByteRange::Inclusive(5, 9))
            .await
            .unwrap();
        assert_eq!(streamed.status(), 206);
        assert_eq!(read_all(&mut streamed).await.unwrap(), data[5..10]);
        assert_eq!(client.stats().file_bytes, 10 + 100 + 5);
    }

    fn one_wheel_index(options: tw_test_index::IndexOptions) -> (tw_test_index::TestIndex, Url) {
        let mut universe = tw_test_index::Universe::new();
        universe.version("a", "1.0");
        let index = tw_test_index::TestIndex::start(&universe, options);
        let url = Url::parse(&index.file_url("a-1.0-py3-none-any.whl")).unwrap();
        (index, url)
    }

    async fn read_all(response: &mut StreamResponse) -> Result<Vec<u8>, ClientError> {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    #[tokio::test]
    async fn streams_whole_files_and_tails() {
        let (index, url) = one_wheel_index(tw_test_index::IndexOptions::default());
        let expected = index.file_bytes("a-1.0-py3-none-any.whl").unwrap();
        let size = expected.len() as u64;
        let client = ClientBuilder::new().build().unwrap();

        let mut whole = client.get_stream(&url, 0).await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.content_length(), Some(size));
        assert_eq!(whole.content_range(), None);
        assert_eq!(whole.url(), &url);
        assert_eq!(read_all(&mut whole).await.unwrap(), expected);

        let mut tail = client.get_stream(&url, 10).await.unwrap();
        assert_eq!(tail.status(), 206);
        assert_eq!(tail.content_range(), Some((10, size - 1, size)));
        assert_eq!(read_all(&mut tail).await.unwrap(), expected[10..]);

        assert_eq!(
            client.stats(),
            Stats {
                requests: 2,
                bytes: 2 * size - 10,
                file_bytes: 0,
            }
        );
        let log = index.requests();
        assert_eq!(log[0].range, None);
        assert_eq!(log[1].range.as_deref(), Some("bytes=10-"));
    }

    #[tokio::test]
    async fn a_stream_holds_a_permit_until_dropped() {
        let (_index, url) = one_wheel_index(tw_test_index::IndexOptions::default());
        let client = ClientBuilder::new().concurrency(1).build().unwrap();
        let first = client.get_stream(&url, 0).await.unwrap();
        let blocked =
            tokio::time::timeout(Duration::from_millis(100), client.get_stream(&url, 0)).await;
        assert!(
            blocked.is_err(),
            "a second stream started while the first was open"
        );
        drop(first);
        let second = client.get_stream(&url, 0).await.unwrap();
        assert_eq!(second.status(), 200);
    }

    #[tokio::test]
    async fn a_cut_off_body_is_a_transient_error() {
        let (index, url) = one_wheel_index(tw_test_index::IndexOptions {
            truncate_first: vec!["a-1.0-py3-none-any.whl".to_string()],
            ..tw_test_index::IndexOptions::default()
        });
        let size = index.file_bytes("a-1.0-py3-none-any.whl").unwrap().len() as u64;
        let client = ClientBuilder::new().build().unwrap();
        let mut cut = client.get_stream(&url, 0).await.unwrap();
        assert_eq!(cut.content_length(), Some(size));
        let mut received = 0;
        let error = loop {
            match cut.chunk().await {
                Ok(Some(chunk)) => received += chunk.len() as u64,
                Ok(None) => panic!("the body ended cleanly after {received} bytes"),
                Err(error) => break error,
            }
        };
        assert!(error.is_transient(), "{error:?}");
        assert_eq!(received, size / 2);
        assert_eq!(client.stats().bytes, size / 2);
        let mut rest = client.get_stream(&url, received).await.unwrap();
        assert_eq!(rest.status(), 206);
        assert_eq!(
            read_all(&mut rest).await.unwrap().len() as u64,
            size - received
        );
    }

    #[tokio::test]
    async fn streams_file_urls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.bin");
        fs_err::write(&path, b"0123456789").unwrap();
        let url = Url::from_file_path(&path).unwrap();
        let client = ClientBuilder::new().build().unwrap();
        let mut whole = client.get_stream(&url, 0).await.unwrap();
        assert_eq!((whole.status(), whole.content_length()), (200, Some(10)));
        assert_eq!(read_all(&mut whole).await.unwrap(), b"0123456789");
        let mut tail = client.get_stream(&url, 7).await.unwrap();
        assert_eq!(tail.status(), 206);
        assert_eq!(tail.content_range(), Some((7, 9, 10)));
        assert_eq!(read_all(&mut tail).await.unwrap(), b"789");
        let past = client.get_stream(&url, 10).await.unwrap();
        assert_eq!(past.status(), 416);
        assert_eq!(client.stats().requests, 0);
    }

    #[tokio::test]
    async fn offline_refuses_network() {
        let client = ClientBuilder::new().offline(true).build().unwrap();
        let url = Url::parse("http://127.0.0.1:9/simple/").unwrap();
        let err = client.get(&url, None).await.unwrap_err();
        assert!(matches!(err, ClientError::Offline { .. }), "{err}");
        let err = client.get_stream(&url, 0).await.unwrap_err();
        assert!(matches!(err, ClientError::Offline { .. }), "{err}");
        assert!(!err.is_transient());
    }
}
