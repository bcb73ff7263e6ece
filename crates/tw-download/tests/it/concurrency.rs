//! Bounded parallelism, result order, progress, and the batch-level checks.

use tw_download::{DownloadError, NoProgress, Outcome, download_all};
use tw_test_index::IndexOptions;

use crate::{Recorder, all_requests, client, file_requests, names_in, options, request, start};

fn jittered() -> tw_test_index::TestIndex {
    start(IndexOptions {
        jitter_ms: 20,
        ..IndexOptions::default()
    })
}

#[tokio::test]
async fn downloads_overlap_up_to_the_limit() {
    let index = jittered();
    let dest = tempfile::tempdir().unwrap();
    let options = tw_download::DownloadOptions {
        concurrency: 4,
        ..options(dest.path())
    };
    let requests = all_requests(&index);
    let done = download_all(&client(), requests.clone(), &options, &NoProgress)
        .await
        .unwrap();
    let peak = index.peak_concurrency();
    assert!((2..=4).contains(&peak), "peak {peak}");

    // Results come in request order, whatever order the responses arrived in.
    assert_eq!(
        done.iter().map(|d| &d.request).collect::<Vec<_>>(),
        requests.iter().collect::<Vec<_>>()
    );
    for (downloaded, request) in done.iter().zip(&requests) {
        assert_eq!(downloaded.path, dest.path().join(&request.filename));
        assert_eq!(
            downloaded.outcome,
            Outcome::Fetched {
                bytes: request.size.unwrap()
            }
        );
        assert_eq!(
            Some(fs_err::read(&downloaded.path).unwrap()),
            index.file_bytes(&request.filename)
        );
    }
    let mut expected: Vec<String> = requests.iter().map(|r| r.filename.clone()).collect();
    expected.sort();
    assert_eq!(names_in(dest.path()), expected, "no temp files left");
    assert_eq!(file_requests(&index).len(), requests.len());
}

#[tokio::test]
async fn concurrency_one_is_one_at_a_time() {
    let index = jittered();
    let dest = tempfile::tempdir().unwrap();
    let options = tw_download::DownloadOptions {
        concurrency: 1,
        ..options(dest.path())
    };
    download_all(&client(), all_requests(&index), &options, &NoProgress)
        .await
        .unwrap();
    assert_eq!(index.peak_concurrency(), 1);
    assert_eq!(names_in(dest.path()).len(), 6);
}

#[tokio::test]
async fn progress_sees_every_byte_and_file_once() {
    let index = start(IndexOptions::default());
    let dest = tempfile::tempdir().unwrap();
    let requests = all_requests(&index);
    let total: u64 = requests.iter().map(|r| r.size.unwrap()).sum();
    let recorder = Recorder::default();
    download_all(
        &client(),
        requests.clone(),
        &options(dest.path()),
        &recorder,
    )
    .await
    .unwrap();
    assert_eq!(*recorder.totals.lock().unwrap(), [(6, Some(total))]);
    assert_eq!(recorder.advanced(), total);
    let mut finished = recorder.finished.lock().unwrap().clone();
    finished.sort();
    let mut expected: Vec<String> = requests.iter().map(|r| r.filename.clone()).collect();
    expected.sort();
    assert_eq!(finished, expected);
}

#[tokio::test]
async fn the_same_file_twice_is_fetched_once() {
    let index = start(IndexOptions::default());
    let dest = tempfile::tempdir().unwrap();
    let alpha = request(&index, "alpha");
    let mut again = alpha.clone();
    again.name = "alpha-again".to_string();
    again.sha256 = again.sha256.to_uppercase();
    let done = download_all(
        &client(),
        vec![alpha.clone(), request(&index, "beta"), again.clone()],
        &options(dest.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    assert_eq!(done.len(), 3);
    assert_eq!(done[0].request, alpha);
    assert_eq!(done[2].request, again);
    assert_eq!(done[0].path, done[2].path);
    assert_eq!(file_requests(&index).len(), 2);
}

#[tokio::test]
async fn bad_requests_fail_before_any_request() {
    let index = start(IndexOptions::default());
    let dest = tempfile::tempdir().unwrap();
    let inner = dest.path().join("inner");
    let client = client();

    let mut escaping = request(&index, "alpha");
    escaping.filename = "../alpha-1.0-py3-none-any.whl".to_string();
    let error = download_all(&client, vec![escaping], &options(&inner), &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(error, DownloadError::Filename { .. }), "{error}");

    let mut bad_hash = request(&index, "alpha");
    bad_hash.sha256 = "sha256:abc".to_string();
    let error = download_all(&client, vec![bad_hash], &options(&inner), &NoProgress)
        .await
        .unwrap_err();
    assert!(
        matches!(error, DownloadError::InvalidHash { .. }),
        "{error}"
    );

    let alpha = request(&index, "alpha");
    let mut other = alpha.clone();
    other.sha256 = "0".repeat(64);
    let error = download_all(&client, vec![alpha, other], &options(&inner), &NoProgress)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`alpha-1.0-py3-none-any.whl` is requested twice with different hashes: `{}` and `{}`",
            index.file_sha256("alpha-1.0-py3-none-any.whl").unwrap(),
            "0".repeat(64)
        )
    );

    assert_eq!(index.request_count(), 0);
    assert_eq!(names_in(dest.path()), Vec::<String>::new());
}

#[tokio::test]
async fn an_empty_batch_only_creates_the_directory() {
    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("a").join("b");
    let recorder = Recorder::default();
    let done = download_all(&client(), Vec::new(), &options(&target), &recorder)
        .await
        .unwrap();
    assert!(done.is_empty());
    assert!(target.is_dir());
    assert_eq!(*recorder.totals.lock().unwrap(), [(0, Some(0))]);
}
