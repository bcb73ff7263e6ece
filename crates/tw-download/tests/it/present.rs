//! Files already in the destination.

use tw_download::{NoProgress, Outcome, download_all};
use tw_test_index::IndexOptions;

use crate::{all_requests, client, file_requests, names_in, options, start, wheel};

#[tokio::test]
async fn correct_files_are_kept_without_a_request() {
    let index = start(IndexOptions::default());
    let dest = tempfile::tempdir().unwrap();
    download_all(
        &client(),
        all_requests(&index),
        &options(dest.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    let before = index.request_count();

    let recorder = crate::Recorder::default();
    let client = client();
    let done = download_all(
        &client,
        all_requests(&index),
        &options(dest.path()),
        &recorder,
    )
    .await
    .unwrap();
    assert!(done.iter().all(|d| d.outcome == Outcome::AlreadyPresent));
    assert_eq!(index.request_count(), before);
    assert_eq!(client.stats().requests, 0);
    let total: u64 = all_requests(&index).iter().map(|r| r.size.unwrap()).sum();
    assert_eq!(recorder.advanced(), total, "present files count as done");
}

#[tokio::test]
async fn a_damaged_file_is_replaced_and_only_it_is_fetched() {
    let index = start(IndexOptions::default());
    let dest = tempfile::tempdir().unwrap();
    download_all(
        &client(),
        all_requests(&index),
        &options(dest.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    let damaged = wheel("gamma");
    fs_err::write(dest.path().join(&damaged), b"not a wheel").unwrap();
    let before = file_requests(&index).len();

    let done = download_all(
        &client(),
        all_requests(&index),
        &options(dest.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    for downloaded in &done {
        let expected = if downloaded.request.filename == damaged {
            Outcome::Fetched {
                bytes: downloaded.request.size.unwrap(),
            }
        } else {
            Outcome::AlreadyPresent
        };
        assert_eq!(
            downloaded.outcome, expected,
            "{}",
            downloaded.request.filename
        );
    }
    let log = file_requests(&index);
    let paths: Vec<&str> = log[before..].iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, [format!("/files/{damaged}")]);
    assert_eq!(
        Some(fs_err::read(dest.path().join(&damaged)).unwrap()),
        index.file_bytes(&damaged)
    );
    assert_eq!(names_in(dest.path()).len(), 6);
}
