//! The loopback HTTP/1.1 server: routing, content negotiation (PEP 691), byte ranges
//! (RFC 9110), PEP 658 metadata files and the request log.

use rustc_hash::{FxHashMap, FxHashSet};
use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use crate::body::{Concurrency, InFlight, ServedBody};
use crate::catalog::{Catalog, ServedFile};
use crate::faults::{Action, Fault, Faults, basic_auth_matches};
use crate::pages::{
    JSON_CONTENT_TYPE, find_links_html, project_html, project_json, root_html, root_json,
};
use crate::range::{RangeRequest, parse_range};
use crate::universe::{Universe, normalize_name};

/// The content type of every wheel and sdist served.
const FILE_CONTENT_TYPE: &str = "application/octet-stream";

/// Which simple-API format project pages come in.
#[derive(Clone, Debug)]
pub enum PageFormat {
    /// PEP 691 JSON when the request's `Accept` asks for it, PEP 503 HTML otherwise.
    Json,
    /// Always PEP 503 HTML, like an index that predates PEP 691.
    Html,
}

/// How PEP 658 core metadata files (`<wheel>.metadata`) are offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pep658 {
    /// No `.metadata` files: requests for them get 404 and pages do not mention them.
    Off,
    /// Served, and advertised on pages (`core-metadata`, `data-core-metadata` and the older
    /// `data-dist-info-metadata`).
    Advertised,
    /// Served at `<file>.metadata` but not advertised.
    Unadvertised,
}

/// How file requests carrying a `Range` header are answered; every mode answers a request
/// without `Range` with 200 and the whole file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RangeMode {
    /// Honour `bytes=a-b`, `bytes=a-` and `bytes=-n` with 206, the bytes and
    /// `Content-Range: bytes a-b/size` (416 with `Content-Range: bytes */size` when
    /// unsatisfiable), and say `Accept-Ranges: bytes`. Malformed or multi-range headers are
    /// ignored (200, whole file), as RFC 9110 allows.
    #[default]
    Honour,
    /// Ignore `Range`: 200 with the whole file, and no `Accept-Ranges`.
    Ignore,
    /// Answer every request carrying `Range` with 416 (`Content-Range: bytes */size`), and no
    /// `Accept-Ranges`.
    Refuse,
    /// Like [`Honour`](Self::Honour), but the 206 carries no `Content-Range` header.
    NoContentRange,
    /// Like [`Honour`](Self::Honour), but the 206 body is gzip-compressed and sent with
    /// `Content-Encoding: gzip`, whatever the request's `Accept-Encoding` (even `identity`);
    /// `Content-Range` still gives the positions in the uncompressed file.
    GzipRanges,
}

/// Switches for how a [`TestIndex`] serves its universe.
#[derive(Clone, Debug)]
pub struct IndexOptions {
    /// JSON (negotiated by `Accept`) or HTML-only pages.
    pub format: PageFormat,
    /// Whether wheels' `.metadata` files are served and advertised.
    pub pep658: Pep658,
    /// The older switch for ranges: when false, files are served as with
    /// [`RangeMode::Ignore`] whatever [`range`](Self::range) says; when true (the default),
    /// `range` decides.
    pub ranges: bool,
    /// How `Range` requests for files are answered (default [`RangeMode::Honour`]).
    pub range: RangeMode,
    /// Serve files from a second listener (another port on `127.0.0.1`, so another origin):
    /// pages link files there, and the index's own `/files/...` answers 302 to the same path
    /// on it. Off by default.
    pub files_on_other_host: bool,
    /// Answer 500 for this project's page (matched after PEP 503 normalization).
    pub fail_package: Option<String>,
    /// Delay every response by a pseudo-random 0..`jitter_ms` milliseconds (a fixed
    /// sequence), so responses arrive in a different order than requests were sent: for
    /// tests that output does not depend on network timing. 0 (the default) is off.
    pub jitter_ms: u64,
    /// File names whose first request (any method, with or without `Range`) answers 500;
    /// later requests succeed. Empty by default.
    pub fail_first: Vec<String>,
    /// File names whose first full `GET` (no `Range`) advertises the whole `Content-Length`
    /// but sends only the first half of the body, then closes the connection; later requests,
    /// `Range: bytes=N-` included, succeed. Empty by default.
    pub truncate_first: Vec<String>,
    /// File names served with one byte flipped (the middle one), whole and in ranges, while
    /// pages, [`TestIndex::file_sha256`] and [`TestIndex::file_bytes`] keep the real file's
    /// hash and bytes: a client checking hashes must refuse them. Empty by default.
    pub corrupt: Vec<String>,
    /// Send file bodies (200 and 206) in four pieces with this many milliseconds before each
    /// piece after the first, so a client can be interrupted mid-body. 0 (the default) sends
    /// each body at once.
    pub slow_body_ms: u64,
    /// Injected network faults ([`Fault`]): statuses with or without `Retry-After`, bodies
    /// cut off mid-way, slow headers, redirect loops, invalid pages, gzip bombs. Empty by
    /// default.
    pub faults: Vec<Fault>,
    /// Require HTTP Basic authentication with this `(user, password)` on the index's own
    /// listener (pages and its `/files/`): anything else gets 401 with `WWW-Authenticate`.
    /// The files listener of [`files_on_other_host`](Self::files_on_other_host) stays open.
    /// `None` by default.
    pub basic_auth: Option<(String, String)>,
    /// Serve HTTPS (every listener) with a certificate for `127.0.0.1` signed by a test CA
    /// ([`TestIndex::ca_certificate_pem`]) that no system trusts. Off by default.
    pub tls: bool,
    /// Send `ETag` (from the page's bytes) and a fixed `Last-Modified` with project pages,
    /// and answer a matching `If-None-Match` (or, without one, an equal
    /// `If-Modified-Since`) with 304 and no body, as a cache-friendly index does. Off by
    /// default, like the index tailwheel meets most.
    pub page_validators: bool,
    /// A `Cache-Control` value sent with project pages and their 304s (`max-age=600`,
    /// `no-store`). `None` (the default) sends none.
    pub page_cache_control: Option<String>,
    /// File names whose whole-file answers (200, no `Range`) carry `Content-Encoding: gzip`
    /// over the stored bytes, unchanged: what servers do that label `.tar.gz` (or any) files
    /// by extension. A client that decodes them gets other bytes than the page's hash
    /// describes. Empty by default.
    pub gzip_labelled: Vec<String>,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            format: PageFormat::Json,
            pep658: Pep658::Advertised,
            ranges: true,
            range: RangeMode::Honour,
            files_on_other_host: false,
            fail_package: None,
            jitter_ms: 0,
            fail_first: Vec::new(),
            truncate_first: Vec::new(),
            corrupt: Vec::new(),
            slow_body_ms: 0,
            faults: Vec::new(),
            basic_auth: None,
            tls: false,
            page_validators: false,
            page_cache_control: None,
            gzip_labelled: Vec::new(),
        }
    }
}

/// One request as the index saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// The HTTP method, such as `GET` or `HEAD`.
    pub method: String,
    /// The request path as sent (still percent-encoded), without the query.
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The `Accept` header, if any.
    pub accept: Option<String>,
    /// The response status code.
    pub status: u16,
    /// How many body bytes the response carried, as sent (compressed, for a gzip answer; 0
    /// for `HEAD`).
    pub bytes: u64,
    /// Whether the request came to the second, files-only listener
    /// ([`IndexOptions::files_on_other_host`]) rather than the index's own.
    pub files_host: bool,
    /// The `Authorization` header, if any, exactly as received (to check which host was
    /// sent credentials).
    pub authorization: Option<String>,
}

/// A running loopback index; dropping it shuts the server down.
///
/// Every file is built in [`TestIndex::start`], so request handling only looks things up.
pub struct TestIndex {
    site: Arc<Site>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("TestIndex")
            .field("base", &self.site.base)
            .finish_non_exhaustive()
    }
}

impl TestIndex {
    /// Build every file up front, bind `127.0.0.1:0`, and serve on a background thread with its
    /// own tokio runtime, so it works from plain `#[test]` fns and from inside other runtimes.
    ///
    /// With [`IndexOptions::files_on_other_host`] a second listener is bound and served by the
    /// same thread.
    pub fn start(universe: &Universe, options: IndexOptions) -> Self {
        let (listener, address) = bind_loopback();
        let mut listeners = vec![(listener, false)];
        let files_address = if options.files_on_other_host {
            let (files_listener, files_address) = bind_loopback();
            listeners.push((files_listener, true));
            Some(files_address)
        } else {
            None
        };
        let site = Arc::new(Site::new(
            Catalog::build(universe),
            options,
            address,
            files_address,
        ));
        let (shutdown, shutdown_signal) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("tw-test-index-{}", address.port()))
            .spawn({
                let site = Arc::clone(&site);
                move || serve(listeners, site, shutdown_signal)
            })
            .expect("spawning the index thread must work in tests");
        Self {
            site,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The PEM certificate of the CA that signed the certificate of an
    /// [`IndexOptions::tls`] index: trust it (for example with `SSL_CERT_FILE`) to connect.
    pub fn ca_certificate_pem() -> &'static str {
        crate::tls::CA_CERTIFICATE_PEM
    }

    /// `http://127.0.0.1:PORT/simple/`: the PEP 503 root, with its trailing slash
    /// (`https://` with [`IndexOptions::tls`]).
    pub fn index_url(&self) -> String {
        format!("{}/simple/", self.site.base)
    }

    /// `http://127.0.0.1:PORT/find-links/`: one flat HTML page linking every file, as pip's
    /// `--find-links` reads it.
    pub fn find_links_url(&self) -> String {
        format!("{}/find-links/", self.site.base)
    }

    /// The URL index pages give for one file: `http://127.0.0.1:PORT/files/<filename>`, on
    /// the files listener when [`IndexOptions::files_on_other_host`] is on.
    pub fn file_url(&self, filename: &str) -> String {
        format!("{}/files/{filename}", self.site.files_base)
    }

    /// The file's URL on the index's own listener: the same as [`TestIndex::file_url`],
    /// except with [`IndexOptions::files_on_other_host`], where this URL answers 302 to
    /// `file_url`.
    pub fn index_host_file_url(&self, filename: &str) -> String {
        format!("{}/files/{filename}", self.site.base)
    }

    /// Snapshot of the request log, oldest first: method, path, `Range`, `Accept`, status and
    /// body bytes sent.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.site.log().clone()
    }

    /// The path and `Accept-Encoding` header of every request so far, oldest first (in the
    /// order of [`TestIndex::requests`]).
    pub fn accept_encodings(&self) -> Vec<(String, Option<String>)> {
        self.site
            .accept_encodings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How many requests the index has answered so far.
    pub fn request_count(&self) -> usize {
        self.site.log().len()
    }

    /// Block until the index has logged at least `count` requests (true), or `deadline` has
    /// passed (false). For tests that act on a client mid-run ("kill it after the 10th
    /// request") without sleeping for a guessed time.
    pub fn wait_for_requests(&self, count: usize, deadline: std::time::Duration) -> bool {
        let started = std::time::Instant::now();
        let mut log = self.site.log();
        while log.len() < count {
            let Some(left) = deadline.checked_sub(started.elapsed()) else {
                return false;
            };
            log = match self.site.logged.wait_timeout(log, left) {
                Ok((log, _)) => log,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    /// The most requests that were in flight at once so far. A request is in flight from the
    /// moment its headers arrive until its response body has been handed to the connection
    /// (or the client went away); with [`IndexOptions::jitter_ms`] or
    /// [`IndexOptions::slow_body_ms`] set, overlapping requests are observable.
    pub fn peak_concurrency(&self) -> usize {
        self.site.concurrency.peak()
    }

    /// How many body bytes the index has sent so far, over all requests.
    pub fn bytes_sent(&self) -> u64 {
        self.site.log().iter().map(|request| request.bytes).sum()
    }

    /// Lowercase hex SHA-256 of a served file (a wheel's `<name>.metadata` file included), to
    /// compare with what a client wrote.
    pub fn file_sha256(&self, filename: &str) -> Option<String> {
        self.file_bytes(filename)
            .map(|bytes| crate::artifacts::sha256_hex(&bytes))
    }

    /// The bytes of a served file (a wheel's `<name>.metadata` file included).
    pub fn file_bytes(&self, filename: &str) -> Option<Vec<u8>> {
        if let Some(file) = self.site.catalog.files.get(filename) {
            return Some(file.bytes.to_vec());
        }
        let (metadata, _) = self.site.metadata_file(filename)?;
        Some(metadata.to_vec())
    }

    /// Write every wheel and sdist into `dir` (to test local find-links directories);
    /// `.metadata` files are not written.
    pub fn write_files_to(&self, dir: &Path) -> std::io::Result<()> {
        for file in self.site.catalog.files.values() {
            fs_err::write(dir.join(&file.filename), &file.bytes)?;
        }
        Ok(())
    }
}

impl Drop for TestIndex {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may already be gone; nothing to tell it then.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panicked server thread has already failed the test through its requests.
            let _ = thread.join();
        }
    }
}

/// Bind `127.0.0.1:0` for a tokio runtime on another thread.
fn bind_loopback() -> (TcpListener, SocketAddr) {
    let listener =
        TcpListener::bind(("127.0.0.1", 0)).expect("binding a loopback port must work in tests");
    listener
        .set_nonblocking(true)
        .expect("a fresh listener can be made non-blocking");
    let address = listener
        .local_addr()
        .expect("a bound listener has an address");
    (listener, address)
}

/// Accept connections on every listener until told to stop; runs on the index's own thread
/// and runtime. Each listener is paired with whether it is the files-only one.
fn serve(listeners: Vec<(TcpListener, bool)>, site: Arc<Site>, shutdown: oneshot::Receiver<()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building a current-thread runtime must work in tests");
    runtime.block_on(async move {
        let mut accept_loops = tokio::task::JoinSet::new();
        for (listener, files_host) in listeners {
            let listener = tokio::net::TcpListener::from_std(listener)
                .expect("a non-blocking std listener converts inside a runtime");
            let tls = site.options.tls.then(crate::tls::acceptor);
            accept_loops.spawn(accept_loop(listener, Arc::clone(&site), files_host, tls));
        }
        // A dropped sender means the same as a sent one: stop.
        let _ = shutdown.await;
        // Aborting an accept loop drops its connection set, which aborts connections still
        // open (keep-alive clients).
        accept_loops.abort_all();
    });
}

/// Serve one listener's connections.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    site: Arc<Site>,
    files_host: bool,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = listener.accept().await;
        // Reap finished connections so the set stays small.
        while connections.try_join_next().is_some() {}
        let Ok((stream, _)) = accepted else {
            // Transient accept errors (a reset before accept, EMFILE): keep serving.
            tokio::task::yield_now().await;
            continue;
        };
        let site = Arc::clone(&site);
        let tls = tls.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let in_flight = site.concurrency.enter();
                let response = site.respond(&request, files_host, in_flight);
                let delay = site.jitter() + site.header_delay(request.uri().path());
                async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    Ok::<_, Infallible>(response)
                }
            });
            // A client hanging up mid-response (or refusing the certificate) is its own
            // business.
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
                None => {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
            }
        });
    }
}

/// Everything the server answers from, rendered once.
struct Site {
    options: IndexOptions,
    /// Responses so far, the seed of the jitter sequence.
    responses: std::sync::atomic::AtomicU64,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    base: String,
    /// Where files are served: `base`, or the files listener's `http://127.0.0.1:PORT`.
    files_base: String,
    /// `files_base` differs from `base`.
    files_elsewhere: bool,
    catalog: Catalog,
    root_json: Bytes,
    root_html: Bytes,
    find_links: Bytes,
    /// Normalized project name → (JSON page, HTML page).
    pages: FxHashMap<String, (Bytes, Bytes)>,
    fail_package: Option<String>,
    log: Mutex<Vec<LoggedRequest>>,
    /// Requests in flight and their peak.
    concurrency: Arc<Concurrency>,
    /// Files of [`IndexOptions::fail_first`] that have failed once.
    failed: Mutex<FxHashSet<String>>,
    /// Files of [`IndexOptions::truncate_first`] that have been cut off once.
    truncated: Mutex<FxHashSet<String>>,
    /// [`IndexOptions::faults`] and how often each fired.
    faults: Faults,
    /// Notified whenever a request is logged ([`TestIndex::wait_for_requests`]).
    logged: std::sync::Condvar,
    /// Path and `Accept-Encoding` of every request, in log order
    /// ([`TestIndex::accept_encodings`]).
    accept_encodings: Mutex<Vec<(String, Option<String>)>>,
}

/// A response before it is turned into hyper's type; `body` is what a GET would carry.
struct Reply {
    status: StatusCode,
    headers: Vec<(header::HeaderName, String)>,
    body: Bytes,
    /// Send only the first half of `body`, then close the connection.
    truncate: bool,
    /// A file body: sent slowly with [`IndexOptions::slow_body_ms`].
    file_body: bool,
}

impl Reply {
    fn new(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: vec![(header::CONTENT_TYPE, content_type.to_string())],
            body: body.into(),
            truncate: false,
            file_body: false,
        }
    }

    fn text(status: StatusCode, message: &str) -> Self {
        Self::new(status, "text/plain; charset=utf-8", format!("{message}\n"))
    }

    fn redirect(location: String) -> Self {
        let mut reply = Self::text(StatusCode::MOVED_PERMANENTLY, "moved");
        reply.headers.push((header::LOCATION, location));
        reply
    }

    fn found(location: String) -> Self {
        let mut reply = Self::text(StatusCode::FOUND, "found elsewhere");
        reply.headers.push((header::LOCATION, location));
        reply
    }

    fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl Site {
    fn new(
        catalog: Catalog,
        options: IndexOptions,
        address: SocketAddr,
        files_address: Option<SocketAddr>,
    ) -> Self {
        let scheme = if options.tls { "https" } else { "http" };
        let base = format!("{scheme}://{address}");
        let files_base =
            files_address.map_or_else(|| base.clone(), |files| format!("{scheme}://{files}"));
        let files_elsewhere = files_address.is_some();
        let absolute_files = format!("{files_base}/files/");
        // HTML pages link files relatively unless they live on another origin.
        let (project_files, flat_files) = if files_elsewhere {
            (absolute_files.clone(), absolute_files.clone())
        } else {
            ("../../files/".to_string(), "../files/".to_string())
        };
        let pages = catalog
            .projects
            .iter()
            .map(|project| {
                let json = project_json(&catalog, project, options.pep658, &absolute_files);
                let html = project_html(&catalog, project, options.pep658, &project_files);
                (
                    project.normalized.clone(),
                    (Bytes::from(json), Bytes::from(html)),
                )
            })
            .collect();
        let faults = Faults::new(options.faults.clone());
        Self {
            responses: std::sync::atomic::AtomicU64::new(0),
            root_json: Bytes::from(root_json(&catalog)),
            root_html: Bytes::from(root_html(&catalog)),
            find_links: Bytes::from(find_links_html(&catalog, options.pep658, &flat_files)),
            fail_package: options.fail_package.as_deref().map(normalize_name),
            pages,
            catalog,
            options,
            base,
            files_base,
            files_elsewhere,
            log: Mutex::new(Vec::new()),
            concurrency: Arc::default(),
            failed: Mutex::default(),
            truncated: Mutex::default(),
            faults,
            logged: std::sync::Condvar::new(),
            accept_encodings: Mutex::default(),
        }
    }

    /// Whether `filename` is in `names` and this is the first time `seen` is asked about it.
    fn first_time(names: &[String], seen: &Mutex<FxHashSet<String>>, filename: &str) -> bool {
        names.iter().any(|name| name == filename)
            && seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(filename.to_string())
    }

    fn log(&self) -> MutexGuard<'_, Vec<LoggedRequest>> {
        // A poisoned log only means another test thread panicked; the entries are still good.
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The `.metadata` file named `filename`, if PEP 658 files are served and it belongs to a
    /// wheel.
    fn metadata_file(&self, filename: &str) -> Option<&(Bytes, String)> {
        if self.options.pep658 == Pep658::Off {
            return None;
        }
        let file = self
            .catalog
            .files
            .get(filename.strip_suffix(".metadata")?)?;
        file.metadata.as_ref()
    }

    /// Answer one request (that came to the files listener when `files_host`) and log it.
    /// The next delay of the jitter sequence (splitmix64 of the response count).
    fn jitter(&self) -> std::time::Duration {
        if self.options.jitter_ms == 0 {
            return std::time::Duration::ZERO;
        }
        let n = self
            .responses
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        std::time::Duration::from_millis(z % (self.options.jitter_ms + 1))
    }

    fn respond(
        &self,
        request: &Request<Incoming>,
        files_host: bool,
        in_flight: InFlight,
    ) -> Response<ServedBody> {
        let header_text = |name: header::HeaderName| {
            request
                .headers()
                .get(name)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        };
        let range = header_text(header::RANGE);
        let accept = header_text(header::ACCEPT);
        let path = request.uri().path();
        let method = request.method();
        let is_head = method == Method::HEAD;

        let authorization = header_text(header::AUTHORIZATION);
        let reply = if let Some(denied) = self.unauthorized(authorization.as_deref(), files_host) {
            denied
        } else if method != Method::GET && method != Method::HEAD {
            Reply::text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD")
                .with_header(header::ALLOW, "GET, HEAD")
        } else if files_host {
            match path.strip_prefix("/files/") {
                Some(rest) => self.file(rest, range.as_deref(), is_head),
                None => Reply::text(StatusCode::NOT_FOUND, "this host serves only /files/"),
            }
        } else {
            self.route(path, range.as_deref(), accept.as_deref(), is_head)
        };

        let reply = if !files_host && path.starts_with("/simple/") && reply.status == StatusCode::OK
        {
            self.page_caching(
                reply,
                header_text(header::IF_NONE_MATCH).as_deref(),
                header_text(header::IF_MODIFIED_SINCE).as_deref(),
            )
        } else {
            reply
        };
        let reply = self.inject_fault(path, reply);
        let content_length = reply.body.len();
        let body = if is_head {
            Bytes::new()
        } else if reply.truncate {
            reply.body.slice(..reply.body.len() / 2)
        } else {
            reply.body
        };
        self.accept_encodings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((path.to_string(), header_text(header::ACCEPT_ENCODING)));
        self.log().push(LoggedRequest {
            method: method.to_string(),
            path: path.to_string(),
            range,
            accept,
            status: reply.status.as_u16(),
            bytes: body.len() as u64,
            files_host,
            authorization,
        });
        self.logged.notify_all();

        let (pieces, delay) = if reply.file_body && self.options.slow_body_ms > 0 {
            (
                4,
                std::time::Duration::from_millis(self.options.slow_body_ms),
            )
        } else {
            (1, std::time::Duration::ZERO)
        };
        let body = ServedBody::new(body, pieces, delay, reply.truncate, in_flight);
        let mut response = Response::new(body);
        *response.status_mut() = reply.status;
        let headers = response.headers_mut();
        for (name, value) in reply.headers {
            // Values are built here from ASCII pieces; a bad one is dropped, not a panic.
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(content_length));
        response
    }

    /// The 401 for a request to the index's own listener without the credentials of
    /// [`IndexOptions::basic_auth`]; `None` when it may pass.
    fn unauthorized(&self, authorization: Option<&str>, files_host: bool) -> Option<Reply> {
        let (user, password) = self.options.basic_auth.as_ref()?;
        if files_host || basic_auth_matches(authorization, user, password) {
            return None;
        }
        Some(
            Reply::text(StatusCode::UNAUTHORIZED, "authentication required")
                .with_header(header::WWW_AUTHENTICATE, "Basic realm=\"tw-test-index\""),
        )
    }

    /// How long to hold back the headers of a request to `path`
    /// ([`FaultKind::SlowHeaders`](crate::FaultKind::SlowHeaders)).
    fn header_delay(&self, path: &str) -> std::time::Duration {
        match self.faults.take(path, true) {
            Some(Action::Delay(delay)) => delay,
            _ => std::time::Duration::ZERO,
        }
    }

    /// Apply the first [`IndexOptions::faults`] entry that matches `path` to `reply`.
    fn inject_fault(&self, path: &str, mut reply: Reply) -> Reply {
        let Some(action) = self.faults.take(path, false) else {
            return reply;
        };
        match action {
            Action::Status { status, headers } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut faulty = Reply::text(status, "injected fault");
                for (name, value) in headers {
                    if let Ok(name) = header::HeaderName::from_bytes(name.as_bytes()) {
                        faulty.headers.push((name, value));
                    }
                }
                faulty
            }
            Action::Truncate => {
                reply.truncate = true;
                reply
            }
            Action::RedirectToSelf => Reply::found(format!("{}{path}", self.base)),
            Action::ReplaceBody(body) => {
                reply.body = body;
                reply
            }
            Action::Gzip(body) => Reply::new(StatusCode::OK, JSON_CONTENT_TYPE, body)
                .with_header(header::CONTENT_ENCODING, "gzip"),
            // Delays are taken before the reply is built, in `header_delay`.
            Action::Delay(_) => reply,
        }
    }

    /// Add the caching headers of [`IndexOptions::page_validators`] and
    /// [`IndexOptions::page_cache_control`] to a 200 page, or turn it into a 304 when the
    /// request's validators match.
    fn page_caching(
        &self,
        mut reply: Reply,
        if_none_match: Option<&str>,
        if_modified_since: Option<&str>,
    ) -> Reply {
        const LAST_MODIFIED: &str = "Mon, 01 Jan 2024 00:00:00 GMT";
        let mut headers = Vec::new();
        if let Some(control) = &self.options.page_cache_control {
            headers.push((header::CACHE_CONTROL, control.clone()));
        }
        if self.options.page_validators {
            let etag = format!("\"{}\"", &crate::artifacts::sha256_hex(&reply.body)[..16]);
            let unchanged = match if_none_match {
                Some(tags) => tags
                    .split(',')
                    .map(|tag| tag.trim().trim_start_matches("W/"))
                    .any(|tag| tag == etag || tag == "*"),
                None => if_modified_since == Some(LAST_MODIFIED),
            };
            headers.push((header::ETAG, etag));
            headers.push((header::LAST_MODIFIED, LAST_MODIFIED.to_string()));
            if unchanged {
                reply = Reply {
                    status: StatusCode::NOT_MODIFIED,
                    headers: vec![(header::VARY, "Accept".to_string())],
                    body: Bytes::new(),
                    truncate: false,
                    file_body: false,
                };
            }
        }
        reply.headers.extend(headers);
        reply
    }

    fn route(&self, path: &str, range: Option<&str>, accept: Option<&str>, is_head: bool) -> Reply {
        if path == "/simple" {
            return Reply::redirect(format!("{}/simple/", self.base));
        }
        if path == "/simple/" {
            return self.root(accept);
        }
        if let Some(rest) = path.strip_prefix("/simple/") {
            return self.project(rest, accept);
        }
        if path == "/find-links" {
            return Reply::redirect(format!("{}/find-links/", self.base));
        }
        if path == "/find-links/" {
            return Reply::new(StatusCode::OK, "text/html", self.find_links.clone());
        }
        if let Some(rest) = path.strip_prefix("/files/") {
            if self.files_elsewhere {
                // `rest` is passed on as sent, percent-encoding and all.
                return Reply::found(format!("{}/files/{rest}", self.files_base));
            }
            return self.file(rest, range, is_head);
        }
        Reply::text(StatusCode::NOT_FOUND, "not found")
    }

    fn wants_json(&self, accept: Option<&str>) -> bool {
        matches!(self.options.format, PageFormat::Json) && accept.is_some_and(accepts_json)
    }

    fn root(&self, accept: Option<&str>) -> Reply {
        let reply = if self.wants_json(accept) {
            Reply::new(StatusCode::OK, JSON_CONTENT_TYPE, self.root_json.clone())
        } else {
            Reply::new(StatusCode::OK, "text/html", self.root_html.clone())
        };
        reply.with_header(header::VARY, "Accept")
    }

    /// `/simple/<rest>`: one project page, a redirect to the normalized name, or an error.
    fn project(&self, rest: &str, accept: Option<&str>) -> Reply {
        let (name, trailing_slash) = match rest.strip_suffix('/') {
            Some(name) => (name, true),
            None => (rest, false),
        };
        if name.is_empty() || name.contains('/') {
            return Reply::text(StatusCode::NOT_FOUND, "not found");
        }
        let Some(name) = percent_decode(name) else {
            return Reply::text(StatusCode::BAD_REQUEST, "bad percent-encoding in path");
        };
        let normalized = normalize_name(&name);
        if self.fail_package.as_deref() == Some(normalized.as_str()) {
            return Reply::text(StatusCode::INTERNAL_SERVER_ERROR, "injected failure");
        }
        let Some((json, html)) = self.pages.get(&normalized) else {
            return Reply::text(StatusCode::NOT_FOUND, "no such project");
        };
        if name != normalized || !trailing_slash {
            return Reply::redirect(format!("{}/simple/{normalized}/", self.base));
        }
        let reply = if self.wants_json(accept) {
            Reply::new(StatusCode::OK, JSON_CONTENT_TYPE, json.clone())
        } else {
            Reply::new(StatusCode::OK, "text/html", html.clone())
        };
        reply.with_header(header::VARY, "Accept")
    }

    /// `/files/<filename>` and `/files/<wheel>.metadata`, ranges answered per
    /// [`RangeMode`], with the injected faults of [`IndexOptions`].
    fn file(&self, rest: &str, range: Option<&str>, is_head: bool) -> Reply {
        let mut reply = self.file_reply(rest, range, is_head);
        reply.file_body = reply.status.is_success();
        reply
    }

    fn file_reply(&self, rest: &str, range: Option<&str>, is_head: bool) -> Reply {
        let Some(filename) = percent_decode(rest) else {
            return Reply::text(StatusCode::BAD_REQUEST, "bad percent-encoding in path");
        };
        let mut bytes = match self.catalog.files.get(&filename) {
            Some(ServedFile { bytes, .. }) => bytes.clone(),
            None => match self.metadata_file(&filename) {
                Some((metadata, _)) => metadata.clone(),
                None => return Reply::text(StatusCode::NOT_FOUND, "no such file"),
            },
        };
        if Self::first_time(&self.options.fail_first, &self.failed, &filename) {
            return Reply::text(StatusCode::INTERNAL_SERVER_ERROR, "injected first failure");
        }
        if self.options.corrupt.contains(&filename) && !bytes.is_empty() {
            let mut flipped = bytes.to_vec();
            let middle = flipped.len() / 2;
            flipped[middle] ^= 0xff;
            bytes = Bytes::from(flipped);
        }
        let mode = if self.options.ranges {
            self.options.range
        } else {
            RangeMode::Ignore
        };
        let size = bytes.len() as u64;
        let unsatisfiable = || {
            Reply::text(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable")
                .with_header(header::CONTENT_RANGE, format!("bytes */{size}"))
        };
        let Some(range) = range else {
            let mut reply = Reply::new(StatusCode::OK, FILE_CONTENT_TYPE, bytes);
            if self.options.gzip_labelled.contains(&filename) {
                reply = reply.with_header(header::CONTENT_ENCODING, "gzip");
            }
            reply.truncate = !is_head
                && Self::first_time(&self.options.truncate_first, &self.truncated, &filename);
            return match mode {
                RangeMode::Ignore | RangeMode::Refuse => reply,
                _ => reply.with_header(header::ACCEPT_RANGES, "bytes"),
            };
        };
        match mode {
            RangeMode::Ignore => return Reply::new(StatusCode::OK, FILE_CONTENT_TYPE, bytes),
            RangeMode::Refuse => return unsatisfiable(),
            RangeMode::Honour | RangeMode::NoContentRange | RangeMode::GzipRanges => {}
        }
        let reply = match parse_range(range, size) {
            RangeRequest::Whole => Reply::new(StatusCode::OK, FILE_CONTENT_TYPE, bytes),
            RangeRequest::Partial { start, end } => {
                // `parse_range` keeps `start <= end < size`, and `size` came from a `usize`.
                let (Ok(first), Ok(last)) = (usize::try_from(start), usize::try_from(end)) else {
                    return unsatisfiable();
                };
                let slice = bytes.slice(first..=last);
                let content_range = format!("bytes {start}-{end}/{size}");
                match mode {
                    RangeMode::NoContentRange => {
                        Reply::new(StatusCode::PARTIAL_CONTENT, FILE_CONTENT_TYPE, slice)
                    }
                    RangeMode::GzipRanges => match gzip(&slice) {
                        Some(compressed) => {
                            Reply::new(StatusCode::PARTIAL_CONTENT, FILE_CONTENT_TYPE, compressed)
                                .with_header(header::CONTENT_RANGE, content_range)
                                .with_header(header::CONTENT_ENCODING, "gzip")
                        }
                        None => Reply::text(StatusCode::INTERNAL_SERVER_ERROR, "gzip failed"),
                    },
                    _ => Reply::new(StatusCode::PARTIAL_CONTENT, FILE_CONTENT_TYPE, slice)
                        .with_header(header::CONTENT_RANGE, content_range),
                }
            }
            RangeRequest::Unsatisfiable => unsatisfiable(),
        };
        reply.with_header(header::ACCEPT_RANGES, "bytes")
    }
}

/// `bytes` as a gzip stream with mtime 0 and no file name (deterministic).
fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// Whether an `Accept` header lists the PEP 691 JSON type (or its `latest` alias) with a
/// non-zero quality.
fn accepts_json(accept: &str) -> bool {
    accept.split(',').any(|media_range| {
        let mut parts = media_range.split(';');
        let media_type = parts.next().unwrap_or_default().trim();
        let is_json = media_type.eq_ignore_ascii_case(JSON_CONTENT_TYPE)
            || media_type.eq_ignore_ascii_case("application/vnd.pypi.simple.latest+json");
        let quality = parts
            .filter_map(|parameter| parameter.trim().strip_prefix("q="))
            .find_map(|value| value.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        is_json && quality > 0.0
    })
}

/// Decode `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut decoded = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let high = char::from(bytes.next()?).to_digit(16)?;
            let low = char::from(bytes.next()?).to_digit(16)?;
            decoded.push(u8::try_from(high * 16 + low).ok()?);
        } else {
            decoded.push(byte);
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_json_by_accept() {
        assert!(accepts_json(JSON_CONTENT_TYPE));
        assert!(accepts_json(
            "application/vnd.pypi.simple.v1+json, text/html;q=0.01"
        ));
        assert!(accepts_json(
            "text/html, application/vnd.pypi.simple.latest+json;q=0.5"
        ));
        assert!(!accepts_json("application/vnd.pypi.simple.v1+json;q=0"));
        assert!(!accepts_json("text/html"));
        assert!(!accepts_json("*/*"));
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%2Bb").as_deref(), Some("a+b"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
