//! A loopback Python package index for tests (dev-only).
//!
//! Describe a [`Universe`] of projects and versions, then [`TestIndex::start`] builds every
//! wheel and sdist in memory and serves them on `127.0.0.1` from a background thread:
//!
//! - the simple repository API as [PEP 503] HTML or [PEP 691] JSON (negotiated by `Accept`),
//!   with [PEP 592] yanking, [PEP 658]/[PEP 714] core metadata files and [PEP 700] fields;
//! - files under `/files/`, with single byte ranges ([RFC 9110 section 14]) answered as
//!   [`RangeMode`] says (honoured, ignored, refused, without `Content-Range`, or gzipped),
//!   optionally from a second listener that the index's `/files/` redirects to;
//! - a flat `/find-links/` page, as pip's `--find-links` reads it;
//! - a log of every request and the bytes sent, so a test can assert "resolved in N requests".
//!
//! [`IndexOptions::faults`] injects network faults per path ([`Fault`]: statuses with
//! `Retry-After`, resets mid-body, slow headers, redirect loops, invalid pages, gzip bombs),
//! [`IndexOptions::basic_auth`] demands credentials (every request's `Authorization` header is
//! logged) and [`IndexOptions::tls`] serves HTTPS with a certificate of a test CA.
//!
//! [`IndexOptions`] switches the format, PEP 658 support, range handling, a second files
//! host and an injected 500, and injects download faults per file: a first request that
//! fails, a first body cut off short of its `Content-Length`, bytes that do not match the
//! page's hash, slow bodies; [`TestIndex::peak_concurrency`] reports how many requests
//! overlapped. Project pages can carry `ETag`/`Last-Modified` (answering conditional
//! requests with 304) and `Cache-Control`, for tests of a client's page cache. [`Release`] knobs shape a wheel's zip layout (`METADATA` first,
//! padding, zip64, a huge central directory, two or no `.dist-info`, a cut-off tail).
//! [`build_wheel`] builds a wheel without a server. The files are written here, independently
//! of the parsers under test, and are byte-for-byte deterministic.
//!
//! ```
//! use tw_test_index::{IndexOptions, TestIndex, Universe};
//!
//! let mut universe = Universe::new();
//! universe.version("app", "1.0.0").requires("lib>=1").requires_python(">=3.8");
//! universe.version("lib", "1.2.0").extra("fast", &["speedups"]).wheel_tags(&["py3-none-any"]);
//!
//! let index = TestIndex::start(&universe, IndexOptions::default());
//! assert!(index.index_url().starts_with("http://127.0.0.1:"));
//! assert!(index.index_url().ends_with("/simple/"));
//! assert!(index.file_bytes("lib-1.2.0-py3-none-any.whl").is_some());
//! assert!(index.file_sha256("app-1.0.0.tar.gz").is_some());
//! assert_eq!(index.request_count(), 0);
//! // Dropping the index stops the server.
//! ```
//!
//! [PEP 503]: https://peps.python.org/pep-0503/
//! [PEP 691]: https://peps.python.org/pep-0691/
//! [PEP 592]: https://peps.python.org/pep-0592/
//! [PEP 658]: https://peps.python.org/pep-0658/
//! [PEP 714]: https://peps.python.org/pep-0714/
//! [PEP 700]: https://peps.python.org/pep-0700/
//! [RFC 9110 section 14]: https://www.rfc-editor.org/rfc/rfc9110#section-14

mod artifacts;
mod body;
mod catalog;
mod faults;
mod pages;
mod quirks;
mod range;
mod server;
mod tls;
mod universe;

pub use artifacts::build_wheel;
pub use faults::{Fault, FaultKind};
pub use server::{IndexOptions, LoggedRequest, PageFormat, Pep658, RangeMode, TestIndex};
pub use universe::{Release, Universe};
