//! HTTP transport for tailwheel.
//!
//! One [`Client`] wraps one `reqwest` client (rustls with the platform verifier, so the
//! system trust store and `SSL_CERT_FILE` apply; proxies from `HTTPS_PROXY`/`NO_PROXY`),
//! bounds the number of requests in flight, retries transient failures with backoff, and
//! counts requests and body bytes so `--stats` and tests can see what a run cost.
//! `file://` URLs are served from the local file system through the same interface, so
//! local find-links directories need no special case higher up.
//!
//! Artifacts (wheels, sdists, `.metadata` files, ranges) are asked for with
//! `Accept-Encoding: identity` and handed out exactly as sent ([`Client::get_artifact`],
//! [`Client::get_range`], [`Client::get_range_stream`], [`Client::get_stream`]); only pages
//! ([`Client::get`]) may come gzip-compressed and are decoded here.
//!
//! [`Client::get_stream`] hands out a body piece by piece ([`StreamResponse`]) for downloads
//! that go to disk: it can start at an offset (`Range: bytes=N-`), holds a concurrency permit
//! while the body is read, and leaves retrying to the caller, which can resume where the body
//! broke off.
//!
//! Reliability and safety, in one place (see `docs/reliability.md`): transient failures
//! (connection errors, timeouts, 408/429/500/502/503/504) are retried a bounded number of
//! times with exponential backoff or the server's `Retry-After`, within a bounded total wait;
//! gzip bodies are decoded here with a size limit against decompression bombs; credentials
//! ([`Credentials`]) are sent only to the origin they belong to; every error names its URL
//! with credentials redacted, and how often it was tried.
//!
//! This crate knows nothing about Python: it moves bytes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tw_client::ClientError> {
//! let client = tw_client::ClientBuilder::new().concurrency(16).build()?;
//! let url = url::Url::parse("https://index.example.invalid/simple/").expect("valid URL");
//! let response = client.get(&url, Some("text/html")).await?;
//! println!("{} bytes, {} requests so far", response.body.len(), client.stats().requests);
//! # Ok(()) }
//! ```

mod client;
mod credentials;
mod decode;
mod dns;
mod error;
mod redact;

pub use client::{
    ByteRange, Client, ClientBuilder, MAX_MEMORY_BODY, Response, Stats, StreamResponse,
};
pub use credentials::{Credentials, Secret, origin_of, percent_decode};
pub use error::ClientError;
pub use redact::redact_url;
pub use reqwest::header;
