//! The on-disk cache of project pages, so a warm run asks the index for few or no pages.
//!
//! # Layout and format
//!
//! `<cache-dir>/pages-v1/<2 hex>/<62 hex>`, the name being the sha256 of the page URL as
//! requested (credentials included, so two logins never share an entry; they are never
//! written into the entry itself). An entry is `sha256(payload) ‖ payload`, the payload a
//! [postcard](https://docs.rs/postcard) encoding of [`CachedPage`]: the *parsed* file list
//! (raw fields; names, versions, URLs and `requires-python` are parsed again on load, which
//! is much cheaper than the JSON or HTML it came from), the final URL and status, the
//! validators (`ETag`, `Last-Modified`), the `Cache-Control` lifetime, and when the page was
//! fetched. An entry whose checksum or encoding does not match, or that was written for
//! another URL, is a miss: it is fetched again and overwritten, never trusted.
//!
//! **Compatibility.** Postcard is not self-describing, so any change to [`CachedPage`] or to
//! what the page parsers keep must bump the folder (`pages-v2`); old folders are simply no
//! longer read. Files a newer parser rejects are dropped on load, as the parser would.
//!
//! # Policy (per page, first match wins)
//!
//! 1. `--offline`: any cached page, whatever its age.
//! 2. `--refresh`: skip 3 and 4, always ask the index (conditionally when possible).
//! 3. `--exclude-newer T` and the page was fetched after `T` + 10 minutes: reuse without a
//!    request. A file uploaded after the fetch is excluded anyway, so the page cannot have
//!    gained a usable file. Only for pages whose every file carries a PEP 700 upload time
//!    (JSON pages), and for projects the index did not have (404/410: files of a project
//!    created later are all newer than `T`). Caveat: a file yanked after the fetch still
//!    looks unyanked until `--refresh`.
//! 4. Fresh per `Cache-Control: max-age` (less `Age`), and not `no-cache`: reuse.
//! 5. Validators stored: a conditional GET (`If-None-Match`, `If-Modified-Since`); a 304
//!    keeps the entry and restarts its clock, a 200 replaces it.
//! 6. Otherwise a plain GET.
//!
//! Responses with `Cache-Control: no-store` are never stored; `Expires` and heuristic
//! freshness (RFC 9111 §4.2.2) are not used, so a page without `max-age` is always
//! revalidated or fetched unless rule 3 applies.
//!
//! # Concurrency
//!
//! Entries are written to a temporary file in the entry's directory (named after the
//! process and a counter) and renamed over the entry, which is atomic on one file system:
//! a reader, in this process or another tailwheel running at the same time, sees the old
//! entry or the new one, never half of one. Two processes storing the same page both write
//! a complete entry and the last rename wins.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::{SignedDuration, Timestamp};
use pep508_rs::PackageName;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing::debug;
use tw_client::header::{
    AGE, CACHE_CONTROL, ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED,
};
use tw_client::redact_url;
use url::Url;

use crate::file::{CoreMetadata, IndexFile};
use crate::filename::DistFilename;

/// The folder inside the cache directory; bump it when [`CachedPage`] changes.
const FOLDER: &str = "pages-v1";

/// How long after `--exclude-newer` a page must have been fetched to be reused without a
/// request: slack for uploads still being processed and for clock skew between hosts.
const EXCLUDE_NEWER_MARGIN: SignedDuration = SignedDuration::from_mins(10);

/// Length of the checksum in front of every entry.
const CHECKSUM_LEN: usize = 32;

/// How [`Index`](crate::Index) caches project pages on disk; the default caches nothing.
#[derive(Clone, Debug, Default)]
pub struct IndexCacheOptions {
    /// The cache directory (pages go to `pages-v1/` inside it); `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Ask the index about every page, however fresh its cached copy (`--refresh`).
    pub refresh: bool,
    /// Use cached pages whatever their age (`--offline`); pages not in the cache fail with
    /// the client's offline error.
    pub offline: bool,
    /// The run ignores files uploaded after this instant (`--exclude-newer`), so a page
    /// fetched well after it can be reused without asking the index.
    pub exclude_newer: Option<Timestamp>,
}

/// How the project pages of a run were obtained, for `--stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageStats {
    /// Pages taken from the cache without a request.
    pub cached: u64,
    /// Pages the index confirmed unchanged (HTTP 304).
    pub revalidated: u64,
    /// Pages downloaded in full (or answered 404/410), cached or not.
    pub fetched: u64,
}

/// Counters behind [`PageStats`].
#[derive(Debug, Default)]
pub(crate) struct PageCounters {
    cached: AtomicU64,
    revalidated: AtomicU64,
    fetched: AtomicU64,
}

impl PageCounters {
    pub(crate) fn snapshot(&self) -> PageStats {
        PageStats {
            cached: self.cached.load(Ordering::Relaxed),
            revalidated: self.revalidated.load(Ordering::Relaxed),
            fetched: self.fetched.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn count_cached(&self) {
        self.cached.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_revalidated(&self) {
        self.revalidated.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_fetched(&self) {
        self.fetched.fetch_add(1, Ordering::Relaxed);
    }
}

/// The `Cache-Control` directives the page cache acts on (RFC 9111 §5.2.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CacheControl {
    /// Seconds the response stays fresh from when it was received (`max-age` less `Age`).
    max_age: Option<u64>,
    /// `no-cache`: may be stored, but must be revalidated before each use.
    no_cache: bool,
    /// `no-store`: must not be stored.
    no_store: bool,
}

impl CacheControl {
    /// The directives of every `Cache-Control` header, with `max-age` reduced by `Age`.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let mut control = Self::default();
        for value in headers.get_all(CACHE_CONTROL) {
            let Ok(value) = value.to_str() else { continue };
            for directive in value.split(',') {
                let (name, argument) = match directive.split_once('=') {
                    Some((name, argument)) => {
                        (name.trim(), Some(argument.trim().trim_matches('"')))
                    }
                    None => (directive.trim(), None),
                };
                if name.eq_ignore_ascii_case("max-age") {
                    // RFC 9111 §4.2.1: with a repeated or invalid `max-age`, be conservative.
                    let seconds = argument.and_then(|a| a.parse::<u64>().ok()).unwrap_or(0);
                    control.max_age = Some(control.max_age.map_or(seconds, |s| s.min(seconds)));
                } else if name.eq_ignore_ascii_case("no-cache") {
                    control.no_cache = true;
                } else if name.eq_ignore_ascii_case("no-store") {
                    control.no_store = true;
                }
            }
        }
        let age = headers
            .get(AGE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .unwrap_or(0);
        control.max_age = control.max_age.map(|seconds| seconds.saturating_sub(age));
        control
    }

    /// `no-store`: the response must not be written to the cache.
    pub(crate) fn no_store(self) -> bool {
        self.no_store
    }
}

/// One cached project page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct CachedPage {
    /// The redacted URL the page was requested as (an entry found under another URL's key
    /// is not used).
    url: String,
    /// The redacted URL that answered, after redirects.
    final_url: String,
    /// 200 for a page, 404 or 410 for a project the index does not have.
    status: u16,
    /// When the page was fetched or last revalidated, in Unix seconds.
    fetched: i64,
    /// The response's caching directives.
    control: CacheControl,
    /// The `ETag` validator, verbatim.
    etag: Option<String>,
    /// The `Last-Modified` validator, verbatim.
    last_modified: Option<String>,
    /// Every file has a PEP 700 upload time (or the project did not exist), so the
    /// `--exclude-newer` rule can apply.
    dated: bool,
    /// The files, as the parser produced them.
    files: Vec<CachedFile>,
}

/// An [`IndexFile`] as raw fields; the derived ones are parsed again on load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CachedFile {
    filename: String,
    url: String,
    sha256: Option<String>,
    requires_python: Option<String>,
    yanked: Option<String>,
    /// Nanoseconds since the Unix epoch (PEP 700 times carry microseconds).
    upload_time: Option<i128>,
    size: Option<u64>,
    /// `None`: not advertised; `Some(hash)`: advertised, with its sha256 when given.
    #[expect(
        clippy::option_option,
        reason = "three states of PEP 658, stored as postcard; a new enum would change pages-v1"
    )]
    core_metadata: Option<Option<String>>,
}

impl CachedFile {
    fn new(file: &IndexFile) -> Self {
        Self {
            filename: file.filename.clone(),
            url: file.url.to_string(),
            sha256: file.sha256.clone(),
            requires_python: file.requires_python.as_ref().map(ToString::to_string),
            yanked: file.yanked.clone(),
            upload_time: file.upload_time.map(Timestamp::as_nanosecond),
            size: file.size,
            core_metadata: match &file.core_metadata {
                CoreMetadata::Absent => None,
                CoreMetadata::Available { sha256 } => Some(sha256.clone()),
            },
        }
    }
}

impl CachedPage {
    /// A page the index answered 200 for, fetched at `now`.
    pub(crate) fn found(
        page_url: &Url,
        final_url: &Url,
        headers: &HeaderMap,
        files: &[IndexFile],
        json: bool,
        now: Timestamp,
    ) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
                .map(str::to_string)
        };
        Self {
            url: redact_url(page_url),
            final_url: redact_url(final_url),
            status: 200,
            fetched: now.as_second(),
            control: CacheControl::from_headers(headers),
            etag: text(ETAG),
            last_modified: text(LAST_MODIFIED),
            dated: json && files.iter().all(|file| file.upload_time.is_some()),
            files: files.iter().map(CachedFile::new).collect(),
        }
    }

    /// A project the index does not have (`status` 404 or 410), as answered at `now`.
    pub(crate) fn missing(
        page_url: &Url,
        final_url: &Url,
        status: u16,
        headers: &HeaderMap,
        now: Timestamp,
    ) -> Self {
        Self {
            url: redact_url(page_url),
            final_url: redact_url(final_url),
            status,
            fetched: now.as_second(),
            control: CacheControl::from_headers(headers),
            etag: None,
            last_modified: None,
            dated: true,
            files: Vec::new(),
        }
    }

    /// Whether the page may be used without asking the index, under `options`, at `now`.
    pub(crate) fn usable_without_request(
        &self,
        options: &IndexCacheOptions,
        now: Timestamp,
    ) -> bool {
        if options.offline {
            return true;
        }
        if options.refresh {
            return false;
        }
        if let Some(cutoff) = options.exclude_newer
            && self.dated
            && self.fetched
                > cutoff
                    .as_second()
                    .saturating_add(EXCLUDE_NEWER_MARGIN.as_secs())
        {
            return true;
        }
        !self.control.no_cache
            && self.control.max_age.is_some_and(|max_age| {
                let age = now.as_second().saturating_sub(self.fetched);
                // A clock that went backwards makes the entry stale, not fresher.
                age >= 0 && age.unsigned_abs() < max_age
            })
    }

    /// `If-None-Match` / `If-Modified-Since` for a conditional request; empty without
    /// validators (or with unusable ones).
    pub(crate) fn conditional_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = self
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(IF_NONE_MATCH, value);
        }
        if let Some(value) = self
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(IF_MODIFIED_SINCE, value);
        }
        headers
    }

    /// The index answered 304 at `now`: restart the clock and take the new caching headers
    /// and validators it sent (RFC 9111 §4.3.4).
    pub(crate) fn revalidated(&mut self, headers: &HeaderMap, now: Timestamp) {
        self.fetched = now.as_second();
        if headers.contains_key(CACHE_CONTROL) {
            self.control = CacheControl::from_headers(headers);
        }
        if let Some(etag) = headers.get(ETAG).and_then(|v| v.to_str().ok()) {
            self.etag = Some(etag.to_string());
        }
        if let Some(modified) = headers.get(LAST_MODIFIED).and_then(|v| v.to_str().ok()) {
            self.last_modified = Some(modified.to_string());
        }
    }

    /// `None` for a project the index does not have, else its files as [`IndexFile`]s of
    /// `project` from `source`. Files that no longer parse are dropped, as the page parser
    /// would drop them.
    pub(crate) fn files(&self, project: &PackageName, source: &Url) -> Option<Vec<IndexFile>> {
        if self.status != 200 {
            return None;
        }
        let source = std::sync::Arc::new(source.clone());
        let mut parser = crate::simple::PageParser::default();
        let mut files = Vec::with_capacity(self.files.len());
        for file in &self.files {
            let Some(dist) = DistFilename::parse(&file.filename, project) else {
                continue;
            };
            let dist = parser.share(dist);
            let Ok(url) = Url::parse(&file.url) else {
                continue;
            };
            let requires_python = parser.requires_python(file.requires_python.as_deref());
            files.push(IndexFile {
                filename: file.filename.clone(),
                dist,
                url,
                sha256: file.sha256.clone(),
                requires_python,
                yanked: file.yanked.clone(),
                upload_time: file
                    .upload_time
                    .and_then(|nanos| Timestamp::from_nanosecond(nanos).ok()),
                size: file.size,
                core_metadata: match &file.core_metadata {
                    None => CoreMetadata::Absent,
                    Some(sha256) => CoreMetadata::Available {
                        sha256: sha256.clone(),
                    },
                },
                source: std::sync::Arc::clone(&source),
            });
        }
        Some(files)
    }

    /// The entry as stored: checksum, then payload.
    fn encode(&self) -> Result<Vec<u8>, postcard::Error> {
        let payload = postcard::to_allocvec(self)?;
        let mut bytes = Vec::with_capacity(CHECKSUM_LEN + payload.len());
        bytes.extend_from_slice(&Sha256::digest(&payload));
        bytes.extend_from_slice(&payload);
        Ok(bytes)
    }

    /// Read an entry; `None` when it is truncated, damaged or not an entry of this version.
    fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < CHECKSUM_LEN {
            return None;
        }
        let (checksum, payload) = bytes.split_at(CHECKSUM_LEN);
        if Sha256::digest(payload).as_slice() != checksum {
            return None;
        }
        postcard::from_bytes(payload).ok()
    }
}

/// A directory of cached pages; every failure to read or write it only costs a request.
#[derive(Debug, Default)]
pub(crate) struct PageCache {
    dir: Option<PathBuf>,
    /// Makes temporary file names unique within the process.
    writes: AtomicU64,
}

impl PageCache {
    /// The cache under `cache_dir`; `None` caches nothing.
    pub(crate) fn new(cache_dir: Option<&Path>) -> Self {
        Self {
            dir: cache_dir.map(|dir| dir.join(FOLDER)),
            writes: AtomicU64::new(0),
        }
    }

    /// Where the entry of `page_url` lives; `None` when caching is off or for `file://`.
    pub(crate) fn path(&self, page_url: &Url) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        if !matches!(page_url.scheme(), "http" | "https") {
            return None;
        }
        let key = hex::encode(Sha256::digest(page_url.as_str().as_bytes()));
        Some(dir.join(&key[..2]).join(&key[2..]))
    }

    /// The entry at `path` if it is intact and was written for `page_url`.
    pub(crate) async fn read(&self, path: &Path, page_url: &Url) -> Option<CachedPage> {
        let bytes = match tokio::fs::read(path).await {
            Ok(bytes) => bytes,
            Err(err) => {
                if err.kind() != std::io::ErrorKind::NotFound {
                    debug!(path = %path.display(), "cannot read the page cache: {err}");
                }
                return None;
            }
        };
        let page = CachedPage::decode(&bytes).filter(|page| page.url == redact_url(page_url));
        if page.is_none() {
            debug!(path = %path.display(), "damaged page cache entry, fetching again");
        }
        page
    }

    /// Store `page` at `path`: a temporary file in the same directory, then a rename.
    pub(crate) async fn write(&self, path: &Path, page: &CachedPage) {
        let Some(parent) = path.parent() else { return };
        let bytes = match page.encode() {
            Ok(bytes) => bytes,
            Err(err) => {
                debug!(path = %path.display(), "cannot encode a page cache entry: {err}");
                return;
            }
        };
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = parent.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            self.writes.fetch_add(1, Ordering::Relaxed)
        ));
        let result = async {
            tokio::fs::create_dir_all(parent).await?;
            tokio::fs::write(&temporary, &bytes).await?;
            tokio::fs::rename(&temporary, path).await
        }
        .await;
        if let Err(err) = result {
            debug!(path = %path.display(), "cannot write the page cache: {err}");
            // Whatever is left of the temporary file is garbage; it may not exist.
            let _ = tokio::fs::remove_file(&temporary).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::simple::{SIMPLE_JSON, parse_project_page};

    fn project() -> PackageName {
        PackageName::from_str("foo-bar").unwrap()
    }

    fn page_url() -> Url {
        Url::parse("https://user:secret@index.example.invalid/simple/foo-bar/").unwrap()
    }

    fn source() -> Url {
        Url::parse("https://user:secret@index.example.invalid/simple/").unwrap()
    }

    const BODY: &[u8] = br#"{"meta":{"api-version":"1.1"},"name":"foo-bar","files":[
        {"filename":"foo_bar-1.0-py3-none-any.whl","url":"../../files/foo_bar-1.0-py3-none-any.whl",
         "hashes":{"sha256":"abcd"},"requires-python":">=3.8","upload-time":"2024-01-01T00:00:00.123456Z",
         "size":10,"yanked":false,"core-metadata":{"sha256":"ef"}},
        {"filename":"foo_bar-1.0.tar.gz","url":"../../files/foo_bar-1.0.tar.gz",
         "hashes":{},"requires-python":">=3.8","upload-time":"2024-01-01T00:00:01Z",
         "yanked":"broken","dist-info-metadata":true}]}"#;

    fn parsed() -> Vec<IndexFile> {
        parse_project_page(BODY, Some(SIMPLE_JSON), &page_url(), &project(), &source()).unwrap()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                tw_client::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn now() -> Timestamp {
        Timestamp::from_str("2026-06-01T12:00:00Z").unwrap()
    }

    fn entry(pairs: &[(&str, &str)]) -> CachedPage {
        CachedPage::found(
            &page_url(),
            &page_url(),
            &headers(pairs),
            &parsed(),
            true,
            now(),
        )
    }

    /// Compare through `Debug`: `IndexFile` has no `PartialEq`, and every field prints.
    fn same(a: &[IndexFile], b: &[IndexFile]) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let page = entry(&[("etag", "\"v1\""), ("cache-control", "max-age=60")]);
        assert!(!page.url.contains("secret"), "credentials are not stored");
        let bytes = page.encode().unwrap();
        let decoded = CachedPage::decode(&bytes).unwrap();
        assert_eq!(decoded, page);
        let files = decoded.files(&project(), &source()).unwrap();
        assert!(same(&files, &parsed()));
        assert_eq!(
            files[0].upload_time.unwrap().to_string(),
            "2024-01-01T00:00:00.123456Z"
        );
        let missing = CachedPage::missing(&page_url(), &page_url(), 404, &HeaderMap::new(), now());
        let decoded = CachedPage::decode(&missing.encode().unwrap()).unwrap();
        assert!(decoded.files(&project(), &source()).is_none());
    }

    #[test]
    fn damaged_entries_are_misses() {
        let bytes = entry(&[]).encode().unwrap();
        for cut in [0, 5, CHECKSUM_LEN, bytes.len() / 2, bytes.len() - 1] {
            assert!(CachedPage::decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        for position in [0, CHECKSUM_LEN, bytes.len() - 1] {
            let mut flipped = bytes.clone();
            flipped[position] ^= 0x01;
            assert!(CachedPage::decode(&flipped).is_none(), "flip at {position}");
        }
        // A valid checksum over something that is not an entry.
        let mut forged = Sha256::digest(b"xyz").to_vec();
        forged.extend_from_slice(b"xyz");
        assert!(CachedPage::decode(&forged).is_none());
    }

    #[tokio::test]
    async fn store_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PageCache::new(Some(dir.path()));
        let path = cache.path(&page_url()).unwrap();
        assert!(path.starts_with(dir.path().join("pages-v1")));
        assert!(cache.read(&path, &page_url()).await.is_none());
        let page = entry(&[]);
        cache.write(&path, &page).await;
        assert_eq!(cache.read(&path, &page_url()).await, Some(page.clone()));
        // Only the entry is left: the temporary file was renamed.
        let siblings = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(siblings, 1);
        // Another URL whose key happened to land here is a miss.
        let other = Url::parse("https://index.example.invalid/simple/other/").unwrap();
        assert!(cache.read(&path, &other).await.is_none());
        // A truncated file is a miss, and the next write replaces it.
        let bytes = fs_err::read(&path).unwrap();
        fs_err::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(cache.read(&path, &page_url()).await.is_none());
        cache.write(&path, &page).await;
        assert_eq!(cache.read(&path, &page_url()).await, Some(page));
        // Local indexes are never cached.
        let local = Url::parse("file:///srv/simple/foo-bar/").unwrap();
        assert!(cache.path(&local).is_none());
        assert!(PageCache::new(None).path(&page_url()).is_none());
    }

    #[test]
    fn cache_control_directives() {
        let control = CacheControl::from_headers(&headers(&[
            ("cache-control", "public, Max-Age=\"600\""),
            ("age", "100"),
        ]));
        assert_eq!(control.max_age, Some(500));
        assert!(!control.no_cache && !control.no_store);
        let control = CacheControl::from_headers(&headers(&[
            ("cache-control", "max-age=60"),
            ("cache-control", "no-cache, max-age=30"),
        ]));
        assert_eq!(control.max_age, Some(30));
        assert!(control.no_cache);
        let control = CacheControl::from_headers(&headers(&[("cache-control", "no-store")]));
        assert!(control.no_store());
        let control = CacheControl::from_headers(&headers(&[("cache-control", "max-age=soon")]));
        assert_eq!(control.max_age, Some(0));
    }

    #[test]
    fn policy() {
        let options = |exclude_newer: Option<&str>| IndexCacheOptions {
            exclude_newer: exclude_newer.map(|t| Timestamp::from_str(t).unwrap()),
            ..IndexCacheOptions::default()
        };
        let later = |seconds: i64| {
            now()
                .checked_add(SignedDuration::from_secs(seconds))
                .unwrap()
        };
        let plain = entry(&[]);
        assert!(!plain.usable_without_request(&options(None), now()));
        // `--exclude-newer`: fetched more than 10 minutes after the cutoff.
        assert!(plain.usable_without_request(&options(Some("2026-06-01T11:49:00Z")), later(1)));
        assert!(!plain.usable_without_request(&options(Some("2026-06-01T11:55:00Z")), later(1)));
        // ... but not for pages without upload times.
        let mut undated = plain.clone();
        undated.dated = false;
        assert!(!undated.usable_without_request(&options(Some("2020-01-01T00:00:00Z")), now()));
        // `max-age`, unless `no-cache`.
        let fresh = entry(&[("cache-control", "max-age=60")]);
        assert!(fresh.usable_without_request(&options(None), later(59)));
        assert!(!fresh.usable_without_request(&options(None), later(60)));
        assert!(!fresh.usable_without_request(&options(None), later(-10)));
        let no_cache = entry(&[("cache-control", "max-age=60, no-cache")]);
        assert!(!no_cache.usable_without_request(&options(None), later(1)));
        // `--refresh` beats both; `--offline` beats everything.
        let refresh = IndexCacheOptions {
            refresh: true,
            ..options(Some("2020-01-01T00:00:00Z"))
        };
        assert!(!fresh.usable_without_request(&refresh, later(1)));
        let offline = IndexCacheOptions {
            offline: true,
            ..IndexCacheOptions::default()
        };
        assert!(undated.usable_without_request(&offline, later(1_000_000)));
    }

    #[test]
    fn conditional_requests() {
        let mut page = entry(&[
            ("etag", "W/\"v1\""),
            ("last-modified", "Mon, 01 Jun 2026 00:00:00 GMT"),
        ]);
        let conditional = page.conditional_headers();
        assert_eq!(conditional[IF_NONE_MATCH], "W/\"v1\"");
        assert_eq!(
            conditional[IF_MODIFIED_SINCE],
            "Mon, 01 Jun 2026 00:00:00 GMT"
        );
        assert!(entry(&[]).conditional_headers().is_empty());
        let later = now().checked_add(SignedDuration::from_hours(1)).unwrap();
        page.revalidated(
            &headers(&[("etag", "\"v2\""), ("cache-control", "max-age=5")]),
            later,
        );
        assert_eq!(page.fetched, later.as_second());
        assert_eq!(page.etag.as_deref(), Some("\"v2\""));
        assert_eq!(page.control.max_age, Some(5));
        assert!(page.last_modified.is_some());
    }
}
