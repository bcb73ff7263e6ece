//! The shared cache across destinations.

use tw_download::{DownloadOptions, NoProgress, Outcome, download_all};
use tw_test_index::IndexOptions;

use crate::{all_requests, client, names_in, options, start};

fn cached(dest: &std::path::Path, cache: &std::path::Path) -> DownloadOptions {
    DownloadOptions {
        cache_dir: Some(cache.to_path_buf()),
        ..options(dest)
    }
}

#[tokio::test]
async fn a_second_destination_is_filled_from_the_cache() {
    let index = start(IndexOptions::default());
    let cache = tempfile::tempdir().unwrap();
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let requests = all_requests(&index);

    let done = download_all(
        &client(),
        requests.clone(),
        &cached(first.path(), cache.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(
        done.iter()
            .all(|d| matches!(d.outcome, Outcome::Fetched { .. }))
    );
    for request in &requests {
        let entry = cache
            .path()
            .join("files-v1")
            .join(&request.sha256[..2])
            .join(&request.sha256);
        assert_eq!(
            Some(fs_err::read(&entry).unwrap()),
            index.file_bytes(&request.filename),
            "{}",
            entry.display()
        );
    }
    let before = index.request_count();

    let client = client();
    let done = download_all(
        &client,
        requests.clone(),
        &cached(second.path(), cache.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(done.iter().all(|d| d.outcome == Outcome::FromCache));
    assert_eq!(index.request_count(), before, "no requests");
    assert_eq!(client.stats().requests, 0);
    for request in &requests {
        assert_eq!(
            Some(fs_err::read(second.path().join(&request.filename)).unwrap()),
            index.file_bytes(&request.filename)
        );
    }
    assert_eq!(
        names_in(second.path()).len(),
        requests.len(),
        "no temp files"
    );
    for shard in names_in(&cache.path().join("files-v1")) {
        let entries = names_in(&cache.path().join("files-v1").join(shard));
        assert!(
            entries.iter().all(|name| !name.starts_with('.')),
            "{entries:?}"
        );
    }
}

#[tokio::test]
async fn a_damaged_cache_entry_is_downloaded_again() {
    let index = start(IndexOptions::default());
    let cache = tempfile::tempdir().unwrap();
    let first = tempfile::tempdir().unwrap();
    let requests = all_requests(&index);
    download_all(
        &client(),
        requests.clone(),
        &cached(first.path(), cache.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    // The destination file is a hard link of the entry: writing it in place damages both.
    let damaged = &requests[0];
    fs_err::write(first.path().join(&damaged.filename), b"edited").unwrap();
    let before = index.request_count();

    let second = tempfile::tempdir().unwrap();
    let done = download_all(
        &client(),
        requests.clone(),
        &cached(second.path(), cache.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(matches!(done[0].outcome, Outcome::Fetched { .. }));
    assert!(done[1..].iter().all(|d| d.outcome == Outcome::FromCache));
    assert_eq!(index.request_count(), before + 1);
    assert_eq!(
        Some(fs_err::read(second.path().join(&damaged.filename)).unwrap()),
        index.file_bytes(&damaged.filename)
    );
}
