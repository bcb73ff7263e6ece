//! Integration tests: downloads from a loopback index with injected faults.

mod cache;
mod cancel;
mod concurrency;
mod encoding;
mod faults;
mod leftovers;
mod present;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tw_client::{Client, ClientBuilder};
use tw_download::{DownloadOptions, DownloadRequest, Progress};
use tw_test_index::{IndexOptions, LoggedRequest, TestIndex, Universe};
use url::Url;

/// The projects served; each has one wheel, `<name>-1.0-py3-none-any.whl`.
const NAMES: [&str; 6] = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];

fn wheel(name: &str) -> String {
    format!("{name}-1.0-py3-none-any.whl")
}

/// Six wheels, two of them padded to a few hundred KiB so their bodies come in many chunks.
fn start(options: IndexOptions) -> TestIndex {
    let mut universe = Universe::new();
    for name in NAMES {
        let release = universe.version(name, "1.0").no_sdist();
        if matches!(name, "beta" | "epsilon") {
            release.padding_kib(256);
        }
    }
    TestIndex::start(&universe, options)
}

/// A request for `name`'s wheel with the hash and size the index gives.
fn request(index: &TestIndex, name: &str) -> DownloadRequest {
    let filename = wheel(name);
    DownloadRequest {
        name: name.to_string(),
        url: Url::parse(&index.file_url(&filename)).expect("the index gives valid URLs"),
        sha256: index.file_sha256(&filename).expect("served"),
        size: index.file_bytes(&filename).map(|bytes| bytes.len() as u64),
        filename,
    }
}

fn all_requests(index: &TestIndex) -> Vec<DownloadRequest> {
    NAMES.iter().map(|name| request(index, name)).collect()
}

fn client() -> Client {
    ClientBuilder::new().build().expect("a client builds")
}

fn options(dest: &Path) -> DownloadOptions {
    DownloadOptions::new(dest)
}

/// The names in `dir`, sorted (hidden temp files included).
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the directory")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The requests the index saw for files.
fn file_requests(index: &TestIndex) -> Vec<LoggedRequest> {
    index
        .requests()
        .into_iter()
        .filter(|request| request.path.starts_with("/files/"))
        .collect()
}

/// Records every progress call.
#[derive(Debug, Default)]
struct Recorder {
    totals: Mutex<Vec<(usize, Option<u64>)>>,
    advanced: AtomicU64,
    finished: Mutex<Vec<String>>,
}

impl Recorder {
    fn advanced(&self) -> u64 {
        self.advanced.load(Ordering::SeqCst)
    }
}

impl Progress for Recorder {
    fn total(&self, files: usize, bytes: Option<u64>) {
        self.totals
            .lock()
            .expect("no test thread panicked")
            .push((files, bytes));
    }

    fn advance(&self, bytes: u64) {
        self.advanced.fetch_add(bytes, Ordering::SeqCst);
    }

    fn finished(&self, filename: &str) {
        self.finished
            .lock()
            .expect("no test thread panicked")
            .push(filename.to_string());
    }
}
