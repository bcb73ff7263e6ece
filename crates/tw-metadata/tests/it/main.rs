//! Integration tests of [`tw_metadata::MetadataFetcher`] against the loopback index, and a
//! deterministic fuzz of the zip tail reader.
//!
//! Each test serves one project from a [`TestIndex`], lists it through [`tw_index::Index`],
//! fetches one file's metadata, and then checks what the index saw: how many requests, which
//! `Range` headers, how many bytes.

mod errors;
mod fallbacks;
mod fuzz;
mod hosts;
mod ranges;
mod sdist;
mod tail;

use std::error::Error;

use tw_client::ClientBuilder;
use tw_index::{Index, IndexFile, IndexLocations};
use tw_metadata::{MetadataFetcher, Strategy, StrategyStats};
use tw_test_index::{IndexOptions, LoggedRequest, Pep658, Release, TestIndex, Universe};
use url::Url;

/// What a test returns: `?` on setup steps.
type TestResult = Result<(), Box<dyn Error>>;

/// The project every test serves.
const PROJECT: &str = "demo";
/// Its wheel.
const WHEEL: &str = "demo-1.0-py3-none-any.whl";

/// A served project, its listing, and a fresh fetcher.
struct Case {
    index: TestIndex,
    files: Vec<IndexFile>,
    fetcher: MetadataFetcher,
    /// Requests the index had answered before the test's own fetches (the page).
    before: usize,
}

impl Case {
    /// Serve `demo` 1.0 (wheel only, `Requires-Dist: idna>=3`) shaped by `shape`, with
    /// `options`, and list its files.
    async fn new(
        options: IndexOptions,
        shape: impl FnOnce(&mut Release),
    ) -> Result<Self, Box<dyn Error>> {
        let mut universe = Universe::new();
        let release = universe
            .version(PROJECT, "1.0")
            .requires("idna>=3")
            .requires_python(">=3.8")
            .no_sdist();
        shape(release);
        let index = TestIndex::start(&universe, options);
        let (files, fetcher) = list(&index, PROJECT).await?;
        let before = index.request_count();
        Ok(Self {
            index,
            files,
            fetcher,
            before,
        })
    }

    /// The listed wheel.
    fn wheel(&self) -> &IndexFile {
        self.files
            .iter()
            .find(|file| file.filename == WHEEL)
            .expect("the wheel is listed")
    }

    /// Requests since the listing.
    fn requests(&self) -> Vec<LoggedRequest> {
        self.index.requests().split_off(self.before)
    }

    /// Body bytes sent since the listing.
    fn bytes(&self) -> u64 {
        self.requests().iter().map(|request| request.bytes).sum()
    }

    /// Length of the first tail request for this wheel (the size rule of `tail_bytes`).
    fn tail_len(&self) -> u64 {
        tw_metadata::tail_bytes(Some(self.wheel_size()))
    }

    /// The first `Range` request's header value.
    fn tail_range(&self) -> String {
        format!("bytes=-{}", self.tail_len())
    }

    /// Size of the served wheel.
    fn wheel_size(&self) -> u64 {
        self.index.file_bytes(WHEEL).expect("wheel served").len() as u64
    }

    /// Size of the wheel's `METADATA`, read from the served wheel.
    fn metadata_size(&self) -> u64 {
        let bytes = self.index.file_bytes(WHEEL).expect("wheel served");
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the wheel is a zip");
        archive
            .by_name("demo-1.0.dist-info/METADATA")
            .expect("METADATA in the wheel")
            .size()
    }

    /// The fetcher's stats for one strategy (zero when it was not used).
    fn stats(&self, strategy: Strategy) -> StrategyStats {
        self.fetcher
            .stats()
            .into_iter()
            .find(|(used, _)| *used == strategy)
            .map(|(_, stats)| stats)
            .unwrap_or_default()
    }
}

/// The files `index` lists for `project`, and a fresh fetcher on the same client.
async fn list(
    index: &TestIndex,
    project: &str,
) -> Result<(Vec<IndexFile>, MetadataFetcher), Box<dyn Error>> {
    let client = ClientBuilder::new().build()?;
    let listing = Index::new(
        client.clone(),
        IndexLocations {
            indexes: vec![Url::parse(&index.index_url())?],
            ..Default::default()
        },
    );
    let files = listing
        .project(&project.parse::<pep508_rs::PackageName>()?)
        .await?
        .files;
    Ok((files, MetadataFetcher::new(client)))
}

/// Index options with PEP 658 switched off, so the wheel itself has to be read.
fn no_pep658() -> IndexOptions {
    IndexOptions {
        pep658: Pep658::Off,
        ..IndexOptions::default()
    }
}

/// Assert the metadata is `demo` 1.0's.
fn assert_demo(metadata: &tw_metadata::DistMetadata) {
    assert_eq!(metadata.name.to_string(), "demo");
    assert_eq!(metadata.version.to_string(), "1.0");
    let requires: Vec<String> = metadata
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(requires, ["idna>=3"]);
    assert_eq!(
        metadata
            .requires_python
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some(">=3.8")
    );
}

/// A compact view of a request log for assertion messages.
fn summary(requests: &[LoggedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|request| {
            format!(
                "{} {}{} -> {} ({} bytes){}",
                request.method,
                request.path,
                request
                    .range
                    .as_deref()
                    .map(|range| format!(" [{range}]"))
                    .unwrap_or_default(),
                request.status,
                request.bytes,
                if request.files_host {
                    " on the files host"
                } else {
                    ""
                }
            )
        })
        .collect()
}
