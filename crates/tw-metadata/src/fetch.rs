//! The metadata ladder: for one candidate file, get its core metadata with the fewest
//! round trips and bytes the index allows.
//!
//! For a wheel, in order: the on-disk cache (no request); PEP 658 `.metadata` when the index
//! advertises it (one request); HTTP range requests on the zip tail (one request for most
//! wheels, see [`tail_bytes`], one more when the central directory or `METADATA` lies
//! before that tail); the whole file. For an sdist: the cache, then its static `PKG-INFO`
//! from the whole archive. Every fetch is counted per [`Strategy`] for `--stats`.
//!
//! Servers misbehave, and the ladder copes without special cases elsewhere. Range support is
//! judged per response: a 200 answer to a range request is the whole file and is used as
//! such; 416, a 206 without `Content-Range`, or a body whose length disagrees with
//! `Content-Range` (a server that compressed a range) fall back to a plain download. Only
//! these turn ranges off for the host for the rest of the run; a 404, or a 5xx that outlasts
//! the client's retries, is an error for that one file (never "this version is unusable").
//! Whole files (a fallback download, a 200 to a range request) stream into a temporary file
//! while their sha256 is checked, and `METADATA` is read from there, so memory stays bounded
//! whatever the wheel's size. Every zip member read is checked against its CRC-32.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

use rustc_hash::{FxHashMap, FxHashSet};
use tracing::{debug, instrument};
use url::Url;

use tw_client::{ByteRange, Client, Response, StreamResponse, redact_url};
use tw_index::{CoreMetadata, DistFilename, IndexFile, SdistExtension};

use crate::archive::{
    dist_info_matches, read_sdist_pkg_info, read_wheel_metadata_from, verify, version_at_least,
};
use crate::cache::MetadataCache;
use crate::core::DistMetadata;
use crate::error::MetadataError;
use crate::zip_tail::{Step, Window, read_metadata, read_pkg_info};

/// Bytes of the first tail request when the index does not give the file size (PEP 503
/// HTML pages, find-links): 1.13 round trips and 46 KiB per wheel on the corpus wheels.
pub const TAIL_BYTES: u64 = 32 * 1024;

/// The first tail request's size for a wheel of `size` bytes: an eighth of the file, at
/// least 16 KiB and at most 64 KiB. Chosen on 203 wheels of the corpus and through a proxy
/// that hides PEP 658 files (`docs/lazy-wheel.md`): about 1.1 round trips per wheel, and
/// 1.4-1.6x uv's bytes with 0.63x its requests, where a flat 64 KiB cost 1.8-2.9x uv's bytes.
/// The size comes from the index listing (PEP 700), so the rule costs no request.
pub fn tail_bytes(size: Option<u64>) -> u64 {
    size.map_or(TAIL_BYTES, |size| (size / 8).clamp(16 * 1024, 64 * 1024))
}

/// How a file's metadata was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// The on-disk cache.
    Cache,
    /// A PEP 658 `.metadata` file.
    Pep658,
    /// HTTP range requests on the wheel's zip tail.
    WheelTail,
    /// The whole wheel was downloaded.
    WholeWheel,
    /// A `.zip` sdist's `PKG-INFO` read through HTTP range requests on its tail.
    SdistZipTail,
    /// A `.tar.gz` sdist streamed only until its `PKG-INFO` (or a whole `.zip` sdist).
    SdistPkgInfo,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cache => "cache",
            Self::Pep658 => "pep658",
            Self::WheelTail => "wheel-tail",
            Self::WholeWheel => "whole-wheel",
            Self::SdistZipTail => "sdist-zip-tail",
            Self::SdistPkgInfo => "sdist-pkg-info",
        })
    }
}

/// Cost of one strategy over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StrategyStats {
    /// Files whose metadata came from this strategy.
    pub files: u64,
    /// HTTP requests it sent (including attempts that fell back to another strategy).
    pub requests: u64,
    /// Sequential round trips, summed over files (requests sent together count once).
    pub round_trips: u64,
    /// Body bytes it received.
    pub bytes: u64,
}

/// Settings of a [`MetadataFetcher`].
#[derive(Debug, Clone)]
pub struct MetadataOptions {
    /// Where to cache metadata between runs; `None` turns the cache off.
    pub cache_dir: Option<PathBuf>,
    /// Use HTTP range requests on wheels (`--no-lazy-wheel` turns this off).
    pub lazy_wheel: bool,
    /// Whether to ask for `<wheel>.metadata` files the index does not advertise.
    pub probe_pep658: ProbeMode,
}

/// Asking for PEP 658 files that the index does not advertise (some indexes serve them
/// anyway). Measured in `docs/lazy-wheel.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProbeMode {
    /// Never (the default: on the index measured in `docs/lazy-wheel.md`, a missing
    /// `.metadata` answers 404 in 120–190 ms against 26 ms for a tail range, so probing
    /// made every corpus set slower even where 89% of wheels had one).
    #[default]
    Off,
    /// Together with the tail request (one round trip, one more request per wheel).
    Concurrent,
    /// Before the tail request, per host only while it pays: at most three probes before the
    /// first hit, then only while at least one probe in five finds a file.
    First,
    /// Probe first, and when no answer has come within twice the host's usual probe latency,
    /// send the tail request too and take whichever yields metadata: a hit costs one small
    /// request, a slow 404 costs only the hedge delay. Stops probing a host as `First` does.
    Hedged,
}

impl std::str::FromStr for ProbeMode {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "off" => Ok(Self::Off),
            "concurrent" => Ok(Self::Concurrent),
            "first" => Ok(Self::First),
            "hedged" => Ok(Self::Hedged),
            other => Err(format!(
                "unknown probe mode `{other}` (expected off, concurrent, first or hedged)"
            )),
        }
    }
}

impl Default for MetadataOptions {
    fn default() -> Self {
        Self {
            cache_dir: None,
            lazy_wheel: true,
            probe_pep658: ProbeMode::default(),
        }
    }
}

/// How often a whole-file fallback is fetched when its body breaks off mid-way.
const WHOLE_FILE_ATTEMPTS: u32 = 3;

/// Fetches core metadata for index files.
#[derive(Debug)]
pub struct MetadataFetcher {
    client: Client,
    cache: MetadataCache,
    lazy_wheel: bool,
    probe_pep658: ProbeMode,
    /// Per host: probes of unadvertised `.metadata` files that found one, and that did not.
    probe_tally: Mutex<FxHashMap<String, ProbeTally>>,
    /// Per host: smoothed latency of probes that found a file (for [`ProbeMode::Hedged`]).
    probe_latency: Mutex<FxHashMap<String, std::time::Duration>>,
    /// Hosts (with port) that did not honour a range request.
    no_range_hosts: Mutex<FxHashSet<String>>,
    stats: Mutex<Vec<(Strategy, StrategyStats)>>,
    /// `name==version` of the file whose metadata was asked for last (for progress displays).
    last_fetched: Mutex<Option<String>>,
}

/// Probes of unadvertised `.metadata` files on one host.
#[derive(Clone, Copy, Debug, Default)]
struct ProbeTally {
    hits: u32,
    misses: u32,
}

/// Which member a zip tail read looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ZipKind {
    /// A wheel's `*.dist-info/METADATA`.
    Wheel,
    /// A zip sdist's `{name}-{version}/PKG-INFO`.
    Sdist,
}

/// What one strategy produced: raw metadata bytes, or a reason to fall back.
enum Attempt {
    Got(Vec<u8>),
    Unsupported,
}

impl Attempt {
    /// The metadata of a wheel tail read, tagged with its strategy.
    fn tail_metadata(self) -> Option<(Vec<u8>, Strategy)> {
        match self {
            Self::Got(bytes) => Some((bytes, Strategy::WheelTail)),
            Self::Unsupported => None,
        }
    }
}

/// What one answer to a range request gave.
enum RangeAnswer {
    /// The bytes `first..first + bytes.len()` of a file of `total` bytes.
    Partial {
        first: u64,
        bytes: Vec<u8>,
        total: u64,
    },
    /// The whole file (the server ignored `Range`), hash-checked, in a temporary file.
    Whole(fs_err::File),
    /// The host does not do ranges (416, or a 206 that cannot be used).
    NoRanges,
}

/// Length of the inclusive range `first..=last` from a `Content-Range`, if it is sane.
fn range_len(first: u64, last: u64) -> Option<u64> {
    last.checked_sub(first)?.checked_add(1)
}

fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}

impl MetadataFetcher {
    /// A fetcher with default options (no cache, range requests on).
    pub fn new(client: Client) -> Self {
        Self::with_options(client, MetadataOptions::default())
    }

    /// A fetcher with explicit options.
    pub fn with_options(client: Client, options: MetadataOptions) -> Self {
        Self {
            client,
            cache: MetadataCache::new(options.cache_dir),
            lazy_wheel: options.lazy_wheel,
            probe_pep658: options.probe_pep658,
            probe_tally: Mutex::new(FxHashMap::default()),
            probe_latency: Mutex::new(FxHashMap::default()),
            no_range_hosts: Mutex::new(FxHashSet::default()),
            stats: Mutex::new(Vec::new()),
            last_fetched: Mutex::new(None),
        }
    }

    /// `name==version` of the distribution whose metadata was asked for most recently, for a
    /// progress display; `None` before the first request.
    pub fn last_fetched(&self) -> Option<String> {
        self.last_fetched.lock().ok().and_then(|last| last.clone())
    }

    /// Per-strategy costs so far, ordered by strategy.
    pub fn stats(&self) -> Vec<(Strategy, StrategyStats)> {
        let mut stats = self.stats.lock().map(|s| s.clone()).unwrap_or_default();
        stats.sort_by_key(|(strategy, _)| *strategy);
        stats
    }

    fn record(&self, strategy: Strategy, update: impl FnOnce(&mut StrategyStats)) {
        if let Ok(mut stats) = self.stats.lock() {
            let index = if let Some(index) = stats.iter().position(|(s, _)| *s == strategy) {
                index
            } else {
                stats.push((strategy, StrategyStats::default()));
                stats.len() - 1
            };
            update(&mut stats[index].1);
        }
    }

    /// Count one request (one round trip) of `strategy` that returned `response`.
    fn record_request(&self, strategy: Strategy, url: &Url, response: &Response) {
        if url.scheme() == "file" {
            return;
        }
        let bytes = response.body.len() as u64;
        self.record(strategy, |stats| {
            stats.requests += 1;
            stats.round_trips += 1;
            stats.bytes += bytes;
        });
    }

    /// Count one streamed request of `bytes` body bytes against `strategy`.
    fn record_stream(&self, strategy: Strategy, url: &Url, bytes: u64) {
        if url.scheme() == "file" {
            return;
        }
        self.record(strategy, |stats| {
            stats.requests += 1;
            stats.round_trips += 1;
            stats.bytes += bytes;
        });
    }

    fn ranges_refused(&self, url: &Url) -> bool {
        self.no_range_hosts
            .lock()
            .is_ok_and(|hosts| hosts.contains(&host_key(url)))
    }

    fn refuse_ranges(&self, url: &Url) {
        debug!(host = %host_key(url), "range requests not supported; not trying them again on this host");
        if let Ok(mut hosts) = self.no_range_hosts.lock() {
            hosts.insert(host_key(url));
        }
    }

    /// The metadata of `file`, checked against its file name.
    #[instrument(level = "debug", skip_all, fields(file = %file.filename))]
    pub async fn fetch(&self, file: &IndexFile) -> Result<DistMetadata, MetadataError> {
        self.fetch_probing(file, self.probe_pep658).await
    }

    /// The metadata of `file` for a read nobody is waiting on (issue 17's per-platform
    /// check, run together after the solve), where bytes count more than one round trip: an
    /// unadvertised PEP 658 file is asked for first and the zip tail read only when there is
    /// none (`ProbeMode::First`), never both at once as `Concurrent` and, for a slow probe,
    /// `Hedged` do. With probing off it is [`fetch`](Self::fetch).
    #[instrument(level = "debug", skip_all, fields(file = %file.filename))]
    pub async fn fetch_unhurried(&self, file: &IndexFile) -> Result<DistMetadata, MetadataError> {
        let probe = match self.probe_pep658 {
            ProbeMode::Off => ProbeMode::Off,
            ProbeMode::Concurrent | ProbeMode::First | ProbeMode::Hedged => ProbeMode::First,
        };
        self.fetch_probing(file, probe).await
    }

    async fn fetch_probing(
        &self,
        file: &IndexFile,
        probe: ProbeMode,
    ) -> Result<DistMetadata, MetadataError> {
        if let Ok(mut last) = self.last_fetched.lock() {
            *last = Some(format!("{}=={}", file.dist.name(), file.dist.version()));
        }
        if let Some(bytes) = self.cache.get(file).await
            && let Ok(metadata) = self.check(&bytes, file)
        {
            self.record(Strategy::Cache, |stats| stats.files += 1);
            debug!(strategy = %Strategy::Cache, "metadata");
            return Ok(metadata);
        }
        if let DistFilename::Sdist(_) = &file.dist
            && let Some(bytes) = self.cache.get_untrusted_pkg_info(file).await
            && self.check(&bytes, file).is_ok()
        {
            debug!("sdist known from the cache to need a build");
            return Err(MetadataError::NeedsBuild {
                subject: file.filename.clone(),
            });
        }
        let (bytes, strategy) = match &file.dist {
            DistFilename::Wheel(_) => self.wheel(file, probe).await?,
            DistFilename::Sdist(sdist) => self.sdist(file, sdist.extension).await?,
        };
        let metadata = self.check(&bytes, file)?;
        if let DistFilename::Sdist(_) = &file.dist {
            // PEP 643: PKG-INFO is reliable from Metadata-Version 2.2 on, unless the
            // dependency fields are declared dynamic.
            if !version_at_least(&metadata.metadata_version, 2, 2)
                || metadata.has_dynamic_dependencies()
            {
                self.cache.put_untrusted_pkg_info(file, &bytes).await;
                return Err(MetadataError::NeedsBuild {
                    subject: file.filename.clone(),
                });
            }
        }
        self.record(strategy, |stats| stats.files += 1);
        debug!(%strategy, "metadata");
        self.cache.put(file, &bytes).await;
        Ok(metadata)
    }

    /// Keep metadata obtained elsewhere (an sdist's build) in the cache under `file`, so the
    /// next run's [`fetch`](Self::fetch) answers from the cache with no request and no build.
    pub async fn remember(&self, file: &IndexFile, metadata: &[u8]) {
        self.cache.put(file, metadata).await;
    }

    #[expect(
        clippy::unused_self,
        reason = "a step of the fetcher's ladder, kept with the others"
    )]
    fn check(&self, bytes: &[u8], file: &IndexFile) -> Result<DistMetadata, MetadataError> {
        let metadata = DistMetadata::parse(bytes, &file.filename)?;
        metadata.check_identity(file.dist.name(), file.dist.version(), &file.filename)?;
        Ok(metadata)
    }

    async fn wheel(
        &self,
        file: &IndexFile,
        probe: ProbeMode,
    ) -> Result<(Vec<u8>, Strategy), MetadataError> {
        if let CoreMetadata::Available { sha256 } = &file.core_metadata {
            return Ok((
                self.pep658(file, sha256.as_deref()).await?,
                Strategy::Pep658,
            ));
        }
        if self.lazy_wheel && !self.ranges_refused(&file.url) {
            match probe {
                ProbeMode::Concurrent => {
                    let (probe, tail) =
                        tokio::join!(self.probe(file), self.zip_tail(file, ZipKind::Wheel));
                    if let Some(bytes) = probe {
                        return Ok((bytes, Strategy::Pep658));
                    }
                    if let Attempt::Got(bytes) = tail? {
                        return Ok((bytes, Strategy::WheelTail));
                    }
                }
                ProbeMode::Hedged if self.probe_pays(&file.url) => {
                    if let Some(got) = self.hedged(file).await? {
                        return Ok(got);
                    }
                }
                ProbeMode::First if self.probe_pays(&file.url) => {
                    if let Some(bytes) = self.probe(file).await {
                        return Ok((bytes, Strategy::Pep658));
                    }
                    if let Attempt::Got(bytes) = self.zip_tail(file, ZipKind::Wheel).await? {
                        return Ok((bytes, Strategy::WheelTail));
                    }
                }
                _ => {
                    if let Attempt::Got(bytes) = self.zip_tail(file, ZipKind::Wheel).await? {
                        return Ok((bytes, Strategy::WheelTail));
                    }
                }
            }
        } else if probe != ProbeMode::Off
            && self.probe_pays(&file.url)
            && let Some(bytes) = self.probe(file).await
        {
            return Ok((bytes, Strategy::Pep658));
        }
        Ok((self.whole_wheel(file).await?, Strategy::WholeWheel))
    }

    /// The hedged probe: `.metadata` first; the tail joins when the probe is slow. `None`
    /// when neither produced metadata (the caller falls back to the whole file).
    async fn hedged(&self, file: &IndexFile) -> Result<Option<(Vec<u8>, Strategy)>, MetadataError> {
        let started = std::time::Instant::now();
        let delay = self.hedge_delay(&file.url);
        let probe = self.probe(file);
        tokio::pin!(probe);
        let early = tokio::select! {
            found = &mut probe => Some(found),
            () = tokio::time::sleep(delay) => None,
        };
        match early {
            Some(Some(bytes)) => {
                self.observe_probe(&file.url, started.elapsed());
                return Ok(Some((bytes, Strategy::Pep658)));
            }
            Some(None) => {
                // A quick miss: the tail alone, as without probing.
                return Ok(self.zip_tail(file, ZipKind::Wheel).await?.tail_metadata());
            }
            None => {}
        }
        let tail = self.zip_tail(file, ZipKind::Wheel);
        tokio::pin!(tail);
        tokio::select! {
            found = &mut probe => match found {
                Some(bytes) => {
                    self.observe_probe(&file.url, started.elapsed());
                    Ok(Some((bytes, Strategy::Pep658)))
                }
                None => Ok(tail.await?.tail_metadata()),
            },
            result = &mut tail => match result? {
                Attempt::Got(bytes) => {
                    // The probe is dropped unanswered: it counts as neither hit nor miss.
                    Ok(Some((bytes, Strategy::WheelTail)))
                }
                Attempt::Unsupported => Ok(probe.await.map(|bytes| (bytes, Strategy::Pep658))),
            },
        }
    }

    /// How long a probe of `url`'s host may take before the tail request joins it: twice the
    /// smoothed latency of its probes that found a file (100 ms before the first), at least
    /// 10 ms.
    fn hedge_delay(&self, url: &Url) -> std::time::Duration {
        let latency = self
            .probe_latency
            .lock()
            .ok()
            .and_then(|latency| latency.get(&host_key(url)).copied())
            .unwrap_or(std::time::Duration::from_millis(50));
        (latency * 2).max(std::time::Duration::from_millis(10))
    }

    fn observe_probe(&self, url: &Url, elapsed: std::time::Duration) {
        if let Ok(mut latency) = self.probe_latency.lock() {
            latency
                .entry(host_key(url))
                .and_modify(|smoothed| *smoothed = (*smoothed * 7 + elapsed) / 8)
                .or_insert(elapsed);
        }
    }

    fn tally(&self, url: &Url, found: bool) {
        if let Ok(mut tally) = self.probe_tally.lock() {
            let entry = tally.entry(host_key(url)).or_default();
            if found {
                entry.hits += 1;
            } else {
                entry.misses += 1;
            }
        }
    }

    /// Whether probing `url`'s host for unadvertised `.metadata` files still pays.
    ///
    /// Until a host has answered one probe with a file, probing goes on while fewer than three
    /// probes found nothing (a miss is a bodiless 404, so an index without `.metadata` files
    /// costs one burst of small requests); after the first hit, while at least one probe in
    /// five finds a file. A probe abandoned because the tail answered first tells nothing and
    /// counts as neither.
    fn probe_pays(&self, url: &Url) -> bool {
        let Ok(mut tally) = self.probe_tally.lock() else {
            return false;
        };
        let entry = tally.entry(host_key(url)).or_default();
        if entry.hits == 0 {
            entry.misses < 3
        } else {
            entry.hits * 4 >= entry.misses
        }
    }

    /// Ask for an unadvertised `.metadata` file; `None` when there is none (or it failed).
    async fn probe(&self, file: &IndexFile) -> Option<Vec<u8>> {
        let found = self.pep658(file, None).await.ok();
        self.tally(&file.url, found.is_some());
        found
    }

    async fn pep658(
        &self,
        file: &IndexFile,
        sha256: Option<&str>,
    ) -> Result<Vec<u8>, MetadataError> {
        let mut url = file.url.clone();
        url.set_path(&format!("{}.metadata", file.url.path()));
        let response = self.client.get_artifact(&url).await?;
        self.record_request(Strategy::Pep658, &url, &response);
        let body = response.error_for_status()?.body;
        if let Some(expected) = sha256 {
            verify(&body, expected, &redact_url(&url))?;
        }
        Ok(body.to_vec())
    }

    /// One `Range: bytes=-N` request for the tail; then exactly the missing bytes when the
    /// central directory or the metadata entry lies before it.
    ///
    /// Each answer is judged on its own ([`Self::range_answer`]): a usable 206 is used, a 200
    /// is the whole file (streamed to a temporary file and read there), 416 or an unusable
    /// 206 mean the host does not do ranges (`Unsupported`: the caller downloads the file
    /// whole), and any other status is an error for this file only.
    async fn zip_tail(&self, file: &IndexFile, kind: ZipKind) -> Result<Attempt, MetadataError> {
        let url = &file.url;
        let strategy = match kind {
            ZipKind::Wheel => Strategy::WheelTail,
            ZipKind::Sdist => Strategy::SdistZipTail,
        };
        let response = self
            .client
            .get_range_stream(url, ByteRange::Suffix(tail_bytes(file.size)))
            .await?;
        let mut window = match self.range_answer(file, strategy, response).await? {
            RangeAnswer::Partial {
                first,
                bytes,
                total,
            } => Window::new(first, bytes, total),
            RangeAnswer::Whole(spooled) => return self.read_spooled(file, kind, spooled).await,
            RangeAnswer::NoRanges => return Ok(Attempt::Unsupported),
        };
        let matches = {
            let name = file.dist.name().clone();
            let version = file.dist.version().clone();
            move |stem: &str| dist_info_matches(stem, &name, &version)
        };
        // A long archive comment, the zip64 locator and record, the central directory, the
        // local entry: never more than five fetches.
        for _ in 0..6 {
            let step = match kind {
                ZipKind::Wheel => read_metadata(&window, &matches),
                ZipKind::Sdist => read_pkg_info(&window),
            };
            let step = step.map_err(|err| MetadataError::from_zip(&redact_url(url), err))?;
            match step {
                Step::Done(bytes, geometry) => {
                    tracing::trace!(?geometry, "wheel geometry");
                    return Ok(Attempt::Got(bytes));
                }
                Step::Need(range) => {
                    let end = range.end.saturating_sub(1).max(range.start);
                    let response = self
                        .client
                        .get_range_stream(url, ByteRange::Inclusive(range.start, end))
                        .await?;
                    match self.range_answer(file, strategy, response).await? {
                        RangeAnswer::Partial { first, bytes, .. } => window.add(first, bytes),
                        RangeAnswer::Whole(spooled) => {
                            return self.read_spooled(file, kind, spooled).await;
                        }
                        RangeAnswer::NoRanges => return Ok(Attempt::Unsupported),
                    }
                }
            }
        }
        Ok(Attempt::Unsupported)
    }

    /// Judge one answer to a range request. Only a real sign that the host does not do ranges
    /// turns them off for it: a 200 (the whole file, which is used), 416, or a 206 whose
    /// `Content-Range` is missing or disagrees with the body (a server that compressed the
    /// range). A 404, a 5xx after the client's retries or any other status is an error for
    /// this file, never a reason to call the version unusable or to stop using ranges.
    async fn range_answer(
        &self,
        file: &IndexFile,
        strategy: Strategy,
        mut response: StreamResponse,
    ) -> Result<RangeAnswer, MetadataError> {
        let url = &file.url;
        match response.status() {
            206 => {
                let Some((first, last, total)) = response.content_range() else {
                    debug!("206 without `Content-Range`");
                    self.record_stream(strategy, url, 0);
                    self.refuse_ranges(url);
                    return Ok(RangeAnswer::NoRanges);
                };
                let expected = range_len(first, last).filter(|_| last < total);
                let mut bytes = Vec::new();
                let mut usable = expected.is_some();
                while usable && let Some(chunk) = response.chunk().await? {
                    bytes.extend_from_slice(&chunk);
                    // Never hold more than the range asked for.
                    usable = expected.is_some_and(|len| bytes.len() as u64 <= len);
                }
                self.record_stream(strategy, url, bytes.len() as u64);
                if usable && expected == Some(bytes.len() as u64) {
                    Ok(RangeAnswer::Partial {
                        first,
                        bytes,
                        total,
                    })
                } else {
                    debug!(
                        ?expected,
                        received = bytes.len(),
                        "206 body does not match its `Content-Range`"
                    );
                    self.refuse_ranges(url);
                    Ok(RangeAnswer::NoRanges)
                }
            }
            200 => {
                // The server ignored `Range`: this is the whole file, use it.
                self.refuse_ranges(url);
                match self.spool(file, strategy, response).await {
                    // Cut off mid-way: the whole-file path fetches it again.
                    Err(MetadataError::Client(error)) if error.is_transient() => {
                        debug!(%error, "whole answer to a range cut off");
                        Ok(RangeAnswer::NoRanges)
                    }
                    result => Ok(RangeAnswer::Whole(result?)),
                }
            }
            416 => {
                debug!("416 to a range request");
                self.record_stream(strategy, url, 0);
                self.refuse_ranges(url);
                Ok(RangeAnswer::NoRanges)
            }
            status => {
                self.record_stream(strategy, url, 0);
                match response.error_for_status() {
                    Err(error) => Err(error.into()),
                    Ok(_) => Err(MetadataError::Archive {
                        subject: redact_url(url),
                        reason: format!("unexpected HTTP {status} to a range request"),
                    }),
                }
            }
        }
    }

    /// Stream a whole-file answer into a temporary file (memory stays bounded whatever the
    /// file's size) while hashing it, and check the index's sha256.
    async fn spool(
        &self,
        file: &IndexFile,
        strategy: Strategy,
        mut response: StreamResponse,
    ) -> Result<fs_err::File, MetadataError> {
        use sha2::Digest as _;
        use std::io::Write as _;

        let subject = redact_url(&file.url);
        let temp_error = |source| MetadataError::TempFile {
            subject: subject.clone(),
            source,
        };
        let temp = tempfile::tempfile().map_err(temp_error)?;
        let mut temp = fs_err::File::from_parts(temp, "<temporary file>");
        let mut hasher = sha2::Sha256::new();
        let mut received = 0u64;
        let mut failure = None;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    hasher.update(&chunk);
                    received += chunk.len() as u64;
                    // One network chunk into a fresh local file: a short blocking write.
                    if let Err(source) = temp.write_all(&chunk) {
                        failure = Some(temp_error(source));
                        break;
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    failure = Some(error.into());
                    break;
                }
            }
        }
        self.record_stream(strategy, &file.url, received);
        if let Some(error) = failure {
            return Err(error);
        }
        if let Some(expected) = &file.sha256 {
            let actual = hex::encode(hasher.finalize());
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(MetadataError::Hash {
                    subject,
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        Ok(temp)
    }

    /// Read `METADATA` (or a zip sdist's `PKG-INFO`) out of a whole file spooled to disk, on
    /// the blocking pool.
    async fn read_spooled(
        &self,
        file: &IndexFile,
        kind: ZipKind,
        mut spooled: fs_err::File,
    ) -> Result<Attempt, MetadataError> {
        use std::io::Seek as _;

        let file = file.clone();
        let subject = redact_url(&file.url);
        let read = tokio::task::spawn_blocking(move || {
            let subject = redact_url(&file.url);
            spooled.rewind().map_err(|source| MetadataError::TempFile {
                subject: subject.clone(),
                source,
            })?;
            match kind {
                ZipKind::Wheel => read_wheel_metadata_from(spooled, &file).map(Attempt::Got),
                ZipKind::Sdist => Ok(read_sdist_pkg_info(spooled, SdistExtension::Zip, &subject)?
                    .map_or(Attempt::Unsupported, Attempt::Got)),
            }
        });
        read.await.map_err(|err| MetadataError::Archive {
            subject,
            reason: err.to_string(),
        })?
    }

    /// Download `file` whole into a temporary file (hash checked) and read its `METADATA` or
    /// zip `PKG-INFO` there.
    async fn whole(
        &self,
        file: &IndexFile,
        kind: ZipKind,
        strategy: Strategy,
    ) -> Result<Attempt, MetadataError> {
        // The client retries failures before the headers; a body that breaks off later (a
        // reset, a proxy cutting the transfer) is fetched again here, from the start: the
        // hash covers the whole file, so a partial one is never used.
        let mut attempt = 1;
        let spooled = loop {
            let response = self.client.get_artifact_stream(&file.url).await?;
            if !(200..300).contains(&response.status()) {
                self.record_stream(strategy, &file.url, 0);
            }
            let response = response.error_for_status()?;
            match self.spool(file, strategy, response).await {
                Err(MetadataError::Client(error))
                    if error.is_transient() && attempt < WHOLE_FILE_ATTEMPTS =>
                {
                    debug!(url = %redact_url(&file.url), attempt, %error, "body cut off; fetching the file again");
                    attempt += 1;
                }
                result => break result?,
            }
        };
        self.read_spooled(file, kind, spooled).await
    }

    async fn whole_wheel(&self, file: &IndexFile) -> Result<Vec<u8>, MetadataError> {
        match self
            .whole(file, ZipKind::Wheel, Strategy::WholeWheel)
            .await?
        {
            Attempt::Got(bytes) => Ok(bytes),
            Attempt::Unsupported => Err(MetadataError::Archive {
                subject: redact_url(&file.url),
                reason: "no `.dist-info/METADATA` in the wheel".into(),
            }),
        }
    }

    /// An sdist's `PKG-INFO`: for a `.zip`, through range requests on its tail (else the
    /// whole file); for a `.tar.gz`, streamed and decompressed only until `PKG-INFO` is read.
    async fn sdist(
        &self,
        file: &IndexFile,
        extension: SdistExtension,
    ) -> Result<(Vec<u8>, Strategy), MetadataError> {
        let needs_build = || MetadataError::NeedsBuild {
            subject: file.filename.clone(),
        };
        match extension {
            SdistExtension::OtherTar => Err(needs_build()),
            SdistExtension::Zip => {
                if self.lazy_wheel
                    && !self.ranges_refused(&file.url)
                    && let Attempt::Got(bytes) = self.zip_tail(file, ZipKind::Sdist).await?
                {
                    return Ok((bytes, Strategy::SdistZipTail));
                }
                match self
                    .whole(file, ZipKind::Sdist, Strategy::SdistPkgInfo)
                    .await?
                {
                    Attempt::Got(bytes) => Ok((bytes, Strategy::SdistPkgInfo)),
                    Attempt::Unsupported => Err(needs_build()),
                }
            }
            SdistExtension::TarGz => {
                let bytes = self
                    .stream_tar_pkg_info(file, None)
                    .await?
                    .ok_or_else(needs_build)?;
                Ok((bytes, Strategy::SdistPkgInfo))
            }
        }
    }

    /// The metadata of sdist `file` when its `PKG-INFO` arrives within the first
    /// `max_bytes` of the download, else `None` (the rest is not fetched); `None` too for an
    /// archive format it cannot stream. The metadata may be dynamic (PEP 643): the caller
    /// decides what it is worth. One request at most (a `.zip` sdist: its zip tail), or none
    /// from the cache.
    ///
    /// Issue 17's per-platform check uses it to let a static sdist stand for a version's
    /// wheels only when that costs no more than reading them: flit, hatchling and
    /// meson-python put `PKG-INFO` at the end of the archive.
    #[instrument(level = "debug", skip_all, fields(file = %file.filename, max_bytes))]
    pub async fn sdist_metadata_within(
        &self,
        file: &IndexFile,
        max_bytes: u64,
    ) -> Result<Option<DistMetadata>, MetadataError> {
        let DistFilename::Sdist(sdist) = &file.dist else {
            return Ok(None);
        };
        for bytes in [
            self.cache.get(file).await,
            self.cache.get_untrusted_pkg_info(file).await,
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(metadata) = self.check(&bytes, file) {
                self.record(Strategy::Cache, |stats| stats.files += 1);
                return Ok(Some(metadata));
            }
        }
        match sdist.extension {
            SdistExtension::TarGz => {
                let Some(bytes) = self.stream_tar_pkg_info(file, Some(max_bytes)).await? else {
                    return Ok(None);
                };
                let metadata = self.check(&bytes, file)?;
                self.record(Strategy::SdistPkgInfo, |stats| stats.files += 1);
                if version_at_least(&metadata.metadata_version, 2, 2)
                    && !metadata.has_dynamic_dependencies()
                {
                    self.cache.put(file, &bytes).await;
                } else {
                    self.cache.put_untrusted_pkg_info(file, &bytes).await;
                }
                Ok(Some(metadata))
            }
            SdistExtension::Zip => match self.fetch(file).await {
                Ok(metadata) => Ok(Some(metadata)),
                Err(MetadataError::NeedsBuild { .. }) => Ok(None),
                Err(error) => Err(error),
            },
            SdistExtension::OtherTar => Ok(None),
        }
    }

    /// Open the download of a `.tar.gz` sdist. With a `limit`, only its first `limit + 1`
    /// bytes are asked for (`Range: bytes=0-limit`) where the host does ranges: dropping a
    /// plain download after the limit leaves the server sending until it sees the reset (on
    /// HTTP/2, up to a flow-control window per file). Returns the response and whether it is
    /// a prefix of a longer file. A host that ignores the range (200) sends the whole file,
    /// which is read as before; one that answers it wrongly gets the plain download.
    async fn open_sdist_stream(
        &self,
        file: &IndexFile,
        limit: Option<u64>,
    ) -> Result<(StreamResponse, bool), MetadataError> {
        if let Some(limit) = limit
            && self.lazy_wheel
            && file.url.scheme() != "file"
            && !self.ranges_refused(&file.url)
        {
            let response = self
                .client
                .get_range_stream(&file.url, ByteRange::Inclusive(0, limit))
                .await?;
            match response.status() {
                206 => match response.content_range() {
                    Some((0, last, total)) if last < total => {
                        return Ok((response, last + 1 < total));
                    }
                    _ => {
                        debug!("206 without a usable `Content-Range` for an sdist prefix");
                        self.refuse_ranges(&file.url);
                    }
                },
                200 => {
                    // The whole file: read it as a plain download.
                    self.refuse_ranges(&file.url);
                    return Ok((response, false));
                }
                416 => {
                    debug!("416 to an sdist prefix");
                    self.refuse_ranges(&file.url);
                }
                _ => return Ok((response, false)),
            }
        }
        Ok((self.client.get_stream(&file.url, 0).await?, false))
    }

    /// Stream a `.tar.gz` sdist through a decompressing tar reader on a blocking thread and
    /// stop the download as soon as `PKG-INFO` has been read, or (`Ok(None)`) once more than
    /// `limit` bytes arrived without it. A `file://` sdist is read whole.
    async fn stream_tar_pkg_info(
        &self,
        file: &IndexFile,
        limit: Option<u64>,
    ) -> Result<Option<Vec<u8>>, MetadataError> {
        let (mut response, prefix) = self.open_sdist_stream(file, limit).await?;
        if !(200..300).contains(&response.status()) {
            return Err(MetadataError::Client(tw_client::ClientError::Status {
                url: redact_url(&file.url),
                status: response.status(),
            }));
        }
        // One chunk in flight: the reader stops as soon as it has `PKG-INFO`, and so should
        // the download.
        let (sender, receiver) = tokio::sync::mpsc::channel::<bytes::Bytes>(1);
        let subject = file.filename.clone();
        let reader = tokio::task::spawn_blocking(move || {
            crate::archive::read_tar_gz_pkg_info(ChannelReader::new(receiver), &subject)
        });
        let mut received = 0u64;
        let mut complete = false;
        let mut failure = None;
        let mut cut = false;
        while !sender.is_closed() {
            if limit.is_some_and(|limit| received > limit) {
                cut = true;
                break;
            }
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    received += chunk.len() as u64;
                    if sender.send(chunk).await.is_err() {
                        // The reader has what it needs (or gave up): stop downloading.
                        break;
                    }
                }
                Ok(None) => {
                    complete = true;
                    break;
                }
                Err(err) => {
                    failure = Some(err);
                    break;
                }
            }
        }
        // A prefix asked for with `Range` ends where the bound does: that is a cut too.
        if complete && prefix {
            cut = true;
        }
        drop(sender);
        drop(response);
        if file.url.scheme() != "file" {
            self.record(Strategy::SdistPkgInfo, |stats| {
                stats.requests += 1;
                stats.round_trips += 1;
                stats.bytes += received;
            });
        }
        debug!(received, complete, cut, "streamed sdist");
        let found = reader.await.map_err(|err| MetadataError::Archive {
            subject: file.filename.clone(),
            reason: err.to_string(),
        })?;
        match (found, failure) {
            (Ok(Some(bytes)), _) => Ok(Some(bytes)),
            (_, Some(err)) => Err(err.into()),
            // Cut short on purpose: the reader saw a truncated archive, which says nothing.
            (_, None) if cut => Ok(None),
            (result, None) => result,
        }
    }
}

/// A blocking [`std::io::Read`] over chunks arriving on a channel; the end of the channel is
/// the end of the stream.
struct ChannelReader {
    receiver: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    current: bytes::Bytes,
}

impl ChannelReader {
    fn new(receiver: tokio::sync::mpsc::Receiver<bytes::Bytes>) -> Self {
        Self {
            receiver,
            current: bytes::Bytes::new(),
        }
    }
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.receiver.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}
