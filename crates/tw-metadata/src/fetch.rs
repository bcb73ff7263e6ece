//! The metadata ladder: for one candidate file, get its core metadata with the fewest
//! requests and bytes the index allows.
//!
//! Strategies, tried in order: PEP 658 `.metadata` when the index advertises it, then the
//! whole file (a wheel's `*.dist-info/METADATA`, an sdist's static `PKG-INFO`). Each
//! strategy is one variant of [`Strategy`], and every fetch is counted per strategy so
//! `--stats` can show where requests and bytes went. New strategies (the zip tail via HTTP
//! range requests, an on-disk cache) slot in as more variants in [`MetadataFetcher::fetch`].

use std::fmt;
use std::io::{Cursor, Read};
use std::sync::Mutex;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tracing::{debug, instrument};
use url::Url;

use tw_client::{ByteRange, Client, redact_url};
use tw_index::{CoreMetadata, DistFilename, IndexFile, SdistExtension};

use crate::core::DistMetadata;
use crate::error::MetadataError;
use crate::zip_tail::{Step, Window, read_metadata};

/// Bytes of the first tail request. `../shared/wheel-tails.md` measured 64 KiB to hold
/// `METADATA` for 73% of 60 popular wheels (16 KiB: 40%); see `docs/lazy-wheel.md`.
pub const TAIL_BYTES: u64 = 64 * 1024;

/// How a file's metadata was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// A PEP 658 `.metadata` file.
    Pep658,
    /// HTTP range requests on the wheel's zip tail.
    WheelTail,
    /// The whole wheel was downloaded.
    WholeWheel,
    /// The whole sdist was downloaded and its `PKG-INFO` read.
    SdistPkgInfo,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pep658 => "pep658",
            Self::WheelTail => "wheel-tail",
            Self::WholeWheel => "whole-wheel",
            Self::SdistPkgInfo => "sdist-pkg-info",
        })
    }
}

/// Cost of one strategy over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StrategyStats {
    /// Files whose metadata came from this strategy.
    pub files: u64,
    /// HTTP requests it sent.
    pub requests: u64,
    /// Body bytes it received.
    pub bytes: u64,
}

/// Fetches core metadata for index files.
#[derive(Debug)]
pub struct MetadataFetcher {
    client: Client,
    stats: Mutex<Vec<(Strategy, StrategyStats)>>,
}

impl MetadataFetcher {
    /// A fetcher sending its requests through `client`.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            stats: Mutex::new(Vec::new()),
        }
    }

    /// Per-strategy costs so far, ordered by strategy.
    pub fn stats(&self) -> Vec<(Strategy, StrategyStats)> {
        let mut stats = self.stats.lock().map(|s| s.clone()).unwrap_or_default();
        stats.sort_by_key(|(strategy, _)| *strategy);
        stats
    }

    fn record(&self, strategy: Strategy, requests: u64, bytes: u64, done: bool) {
        if let Ok(mut stats) = self.stats.lock() {
            let index = match stats.iter().position(|(s, _)| *s == strategy) {
                Some(index) => index,
                None => {
                    stats.push((strategy, StrategyStats::default()));
                    stats.len() - 1
                }
            };
            let entry = &mut stats[index].1;
            entry.requests += requests;
            entry.bytes += bytes;
            entry.files += u64::from(done);
        }
    }

    /// The metadata of `file`, checked against its file name.
    #[instrument(level = "debug", skip_all, fields(file = %file.filename))]
    pub async fn fetch(&self, file: &IndexFile) -> Result<DistMetadata, MetadataError> {
        let (metadata, strategy) = match &file.dist {
            DistFilename::Wheel(_) => {
                if let CoreMetadata::Available { sha256 } = &file.core_metadata {
                    (
                        self.pep658(file, sha256.as_deref()).await?,
                        Strategy::Pep658,
                    )
                } else {
                    self.wheel_tail(file).await?
                }
            }
            DistFilename::Sdist(sdist) => (
                self.sdist(file, sdist.extension).await?,
                Strategy::SdistPkgInfo,
            ),
        };
        metadata.check_identity(file.dist.name(), file.dist.version(), &file.filename)?;
        debug!(%strategy, "metadata");
        Ok(metadata)
    }

    async fn download(&self, url: &Url, strategy: Strategy) -> Result<Bytes, MetadataError> {
        let response = self.client.get(url, None).await?;
        let counted = u64::from(url.scheme() != "file");
        self.record(
            strategy,
            counted,
            response.body.len() as u64 * counted,
            false,
        );
        Ok(response.error_for_status()?.body)
    }

    async fn pep658(
        &self,
        file: &IndexFile,
        sha256: Option<&str>,
    ) -> Result<DistMetadata, MetadataError> {
        let mut url = file.url.clone();
        url.set_path(&format!("{}.metadata", file.url.path()));
        let body = self.download(&url, Strategy::Pep658).await?;
        if let Some(expected) = sha256 {
            verify(&body, expected, &redact_url(&url))?;
        }
        self.record(Strategy::Pep658, 0, 0, true);
        DistMetadata::parse(&body, &redact_url(&url))
    }

    /// One `Range: bytes=-N` request for the tail; at most a couple more for a central
    /// directory or `METADATA` entry outside it. A server that ignores `Range` answers 200
    /// with the whole file, which is then used as such; any other answer falls back to a
    /// plain download.
    async fn wheel_tail(
        &self,
        file: &IndexFile,
    ) -> Result<(DistMetadata, Strategy), MetadataError> {
        let response = self
            .client
            .get_range(&file.url, ByteRange::Suffix(TAIL_BYTES))
            .await?;
        let counted = u64::from(file.url.scheme() != "file");
        self.record(
            Strategy::WheelTail,
            counted,
            response.body.len() as u64 * counted,
            false,
        );
        let window = match (response.status, response.content_range()) {
            (206, Some((first, _, total))) => Window::new(first, response.body.to_vec(), total),
            (200, _) => {
                debug!("server ignored the range request; using the whole file");
                return Ok((
                    self.whole_wheel_body(&response.body, file)?,
                    Strategy::WheelTail,
                ));
            }
            (status, _) => {
                debug!(
                    status,
                    "range request not honoured; downloading the whole wheel"
                );
                return Ok((self.whole_wheel(file).await?, Strategy::WholeWheel));
            }
        };
        let mut window = window;
        let name = file.dist.name().clone();
        let version = file.dist.version().clone();
        let matches = |stem: &str| dist_info_matches(stem, &name, &version);
        // EOCD, zip64 record, central directory, local entry: never more than four steps.
        for _ in 0..4 {
            let step = read_metadata(&window, &matches).map_err(|err| MetadataError::Archive {
                subject: file.filename.clone(),
                reason: err.to_string(),
            })?;
            match step {
                Step::Done(bytes) => {
                    self.record(Strategy::WheelTail, 0, 0, true);
                    return Ok((
                        DistMetadata::parse(&bytes, &file.filename)?,
                        Strategy::WheelTail,
                    ));
                }
                Step::Need(range) => {
                    let end = range.end.saturating_sub(1).max(range.start);
                    let response = self
                        .client
                        .get_range(&file.url, ByteRange::Inclusive(range.start, end))
                        .await?;
                    self.record(
                        Strategy::WheelTail,
                        counted,
                        response.body.len() as u64 * counted,
                        false,
                    );
                    match (response.status, response.content_range()) {
                        (206, Some((first, _, _))) => window.add(first, response.body.to_vec()),
                        _ => return Ok((self.whole_wheel(file).await?, Strategy::WholeWheel)),
                    }
                }
            }
        }
        Ok((self.whole_wheel(file).await?, Strategy::WholeWheel))
    }

    fn whole_wheel_body(
        &self,
        body: &[u8],
        file: &IndexFile,
    ) -> Result<DistMetadata, MetadataError> {
        if let Some(expected) = &file.sha256 {
            verify(body, expected, &file.filename)?;
        }
        let bytes = read_wheel_metadata(body, file)?;
        DistMetadata::parse(&bytes, &file.filename)
    }

    async fn whole_wheel(&self, file: &IndexFile) -> Result<DistMetadata, MetadataError> {
        let body = self.download(&file.url, Strategy::WholeWheel).await?;
        if let Some(expected) = &file.sha256 {
            verify(&body, expected, &file.filename)?;
        }
        let bytes = read_wheel_metadata(&body, file)?;
        self.record(Strategy::WholeWheel, 0, 0, true);
        DistMetadata::parse(&bytes, &file.filename)
    }

    async fn sdist(
        &self,
        file: &IndexFile,
        extension: SdistExtension,
    ) -> Result<DistMetadata, MetadataError> {
        let needs_build = || MetadataError::NeedsBuild {
            subject: file.filename.clone(),
        };
        if extension == SdistExtension::OtherTar {
            return Err(needs_build());
        }
        let body = self.download(&file.url, Strategy::SdistPkgInfo).await?;
        if let Some(expected) = &file.sha256 {
            verify(&body, expected, &file.filename)?;
        }
        let pkg_info =
            read_sdist_pkg_info(&body, extension, &file.filename)?.ok_or_else(needs_build)?;
        let metadata = DistMetadata::parse(&pkg_info, &file.filename)?;
        // PEP 643: PKG-INFO is reliable from Metadata-Version 2.2 on, unless the dependency
        // fields are declared dynamic.
        let reliable = version_at_least(&metadata.metadata_version, 2, 2)
            && !metadata.has_dynamic_dependencies();
        if !reliable {
            return Err(needs_build());
        }
        self.record(Strategy::SdistPkgInfo, 0, 0, true);
        Ok(metadata)
    }
}

fn archive_error(subject: &str, reason: String) -> MetadataError {
    MetadataError::Archive {
        subject: subject.to_string(),
        reason,
    }
}

/// Read an archive member to its end.
fn read_all(
    mut entry: impl Read,
    error: &dyn Fn(String) -> MetadataError,
) -> Result<Vec<u8>, MetadataError> {
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|err| error(err.to_string()))?;
    Ok(bytes)
}

fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version
        .trim()
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= (major, minor)
}

/// Check `body` against a sha256 hex digest.
pub fn verify(body: &[u8], expected: &str, subject: &str) -> Result<(), MetadataError> {
    let actual = hex::encode(Sha256::digest(body));
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(MetadataError::Hash {
            subject: subject.to_string(),
            expected: expected.to_string(),
            actual,
        })
    }
}

/// The `METADATA` bytes of a whole wheel: the one `*.dist-info/METADATA` at the top level
/// whose folder name matches the distribution (names compared normalised, as pip does).
pub fn read_wheel_metadata(wheel: &[u8], file: &IndexFile) -> Result<Vec<u8>, MetadataError> {
    let archive_error = |reason: String| archive_error(&file.filename, reason);
    let mut archive =
        zip::ZipArchive::new(Cursor::new(wheel)).map_err(|err| archive_error(err.to_string()))?;
    let mut candidates = Vec::new();
    for index in 0..archive.len() {
        let Some(name) = archive.name_for_index(index) else {
            continue;
        };
        let Some((folder, rest)) = name.split_once('/') else {
            continue;
        };
        if rest != "METADATA" {
            continue;
        }
        let Some(stem) = folder
            .strip_suffix(".dist-info")
            .or_else(|| folder.strip_suffix(".DIST-INFO"))
        else {
            continue;
        };
        candidates.push((index, stem.to_string()));
    }
    let matching: Vec<_> = candidates
        .iter()
        .filter(|(_, stem)| dist_info_matches(stem, file.dist.name(), file.dist.version()))
        .collect();
    let index = match (matching.as_slice(), candidates.as_slice()) {
        ([(index, _)], _) => *index,
        ([], []) => {
            return Err(archive_error(
                "no `.dist-info/METADATA` in the wheel".into(),
            ));
        }
        ([], [(_, stem)]) => {
            return Err(archive_error(format!(
                "its `{stem}.dist-info` does not match the file name"
            )));
        }
        _ => return Err(archive_error("more than one `.dist-info` folder".into())),
    };
    let entry = archive
        .by_index(index)
        .map_err(|err| archive_error(err.to_string()))?;
    read_all(entry, &archive_error)
}

fn dist_info_matches(
    stem: &str,
    name: &pep508_rs::PackageName,
    version: &pep440_rs::Version,
) -> bool {
    let Some((found_name, found_version)) = stem.rsplit_once('-') else {
        return false;
    };
    let name_ok = found_name
        .parse::<pep508_rs::PackageName>()
        .is_ok_and(|n| &n == name);
    let version_ok = found_version
        .parse::<pep440_rs::Version>()
        .is_ok_and(|v| &v == version);
    name_ok && version_ok
}

/// The top-level `PKG-INFO` of an sdist (`<name>-<version>/PKG-INFO`), if there is one.
fn read_sdist_pkg_info(
    body: &[u8],
    extension: SdistExtension,
    subject: &str,
) -> Result<Option<Vec<u8>>, MetadataError> {
    let archive_error = |reason: String| archive_error(subject, reason);
    let is_pkg_info = |path: &str| {
        let mut parts = path.trim_start_matches("./").split('/');
        matches!(
            (parts.next(), parts.next(), parts.next()),
            (Some(_), Some("PKG-INFO"), None)
        )
    };
    match extension {
        SdistExtension::TarGz => {
            let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(body));
            let entries = archive
                .entries()
                .map_err(|err| archive_error(err.to_string()))?;
            for entry in entries {
                let entry = entry.map_err(|err| archive_error(err.to_string()))?;
                let path = entry.path().map_err(|err| archive_error(err.to_string()))?;
                if is_pkg_info(&path.to_string_lossy()) {
                    return read_all(entry, &archive_error).map(Some);
                }
            }
            Ok(None)
        }
        SdistExtension::Zip => {
            let mut archive = zip::ZipArchive::new(Cursor::new(body))
                .map_err(|err| archive_error(err.to_string()))?;
            for index in 0..archive.len() {
                let Some(name) = archive.name_for_index(index) else {
                    continue;
                };
                if is_pkg_info(name) {
                    let entry = archive
                        .by_index(index)
                        .map_err(|err| archive_error(err.to_string()))?;
                    return read_all(entry, &archive_error).map(Some);
                }
            }
            Ok(None)
        }
        SdistExtension::OtherTar => Ok(None),
    }
}
