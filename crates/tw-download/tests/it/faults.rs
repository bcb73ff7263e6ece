//! Corrupt files, cut-off bodies, server errors.

use sha2::{Digest as _, Sha256};
use tw_download::{DownloadError, DownloadOptions, NoProgress, Outcome, download_all};
use tw_test_index::IndexOptions;

use crate::{all_requests, client, file_requests, names_in, options, request, start, wheel};

#[tokio::test]
async fn a_corrupt_file_is_a_hash_error_and_is_not_kept() {
    let corrupt = wheel("beta");
    let index = start(IndexOptions {
        corrupt: vec![corrupt.clone()],
        ..IndexOptions::default()
    });
    let dest = tempfile::tempdir().unwrap();
    let error = download_all(
        &client(),
        all_requests(&index),
        &options(dest.path()),
        &NoProgress,
    )
    .await
    .unwrap_err();

    let expected_sha256 = index.file_sha256(&corrupt).unwrap();
    let mut served = index.file_bytes(&corrupt).unwrap();
    let middle = served.len() / 2;
    served[middle] ^= 0xff;
    let served_sha256 = hex::encode(Sha256::digest(&served));
    let DownloadError::Hash {
        filename,
        url,
        expected,
        actual,
    } = &error
    else {
        panic!("not a hash error: {error:?}");
    };
    assert_eq!(filename, &corrupt);
    assert_eq!(url, &index.file_url(&corrupt));
    assert_eq!(expected, &expected_sha256);
    assert_eq!(actual, &served_sha256);
    assert_eq!(
        error.to_string(),
        format!(
            "`{corrupt}` from `{url}` does not match its hash: expected sha256 `{expected_sha256}`, got `{served_sha256}`"
        )
    );

    let left = names_in(dest.path());
    assert!(!left.contains(&corrupt), "{left:?}");
    assert!(left.iter().all(|name| !name.ends_with(".part")), "{left:?}");
}

#[tokio::test]
async fn a_cut_off_body_is_resumed_with_a_range_request() {
    let cut = wheel("epsilon");
    let index = start(IndexOptions {
        truncate_first: vec![cut.clone()],
        ..IndexOptions::default()
    });
    let dest = tempfile::tempdir().unwrap();
    let epsilon = request(&index, "epsilon");
    let size = epsilon.size.unwrap();
    let done = download_all(&client(), vec![epsilon], &options(dest.path()), &NoProgress)
        .await
        .unwrap();
    assert_eq!(done[0].outcome, Outcome::Fetched { bytes: size });
    assert_eq!(
        Some(fs_err::read(&done[0].path).unwrap()),
        index.file_bytes(&cut)
    );

    let log = file_requests(&index);
    let ranges: Vec<(Option<&str>, u16, u64)> = log
        .iter()
        .map(|r| (r.range.as_deref(), r.status, r.bytes))
        .collect();
    let half = size / 2;
    let resume = format!("bytes={half}-");
    assert_eq!(
        ranges,
        [(None, 200, half), (Some(resume.as_str()), 206, size - half)],
        "the second request picks up where the first broke off"
    );
    assert_eq!(names_in(dest.path()), [cut]);
}

#[tokio::test]
async fn a_cut_off_body_starts_over_when_the_server_ignores_ranges() {
    let cut = wheel("epsilon");
    let index = start(IndexOptions {
        truncate_first: vec![cut.clone()],
        ranges: false,
        ..IndexOptions::default()
    });
    let dest = tempfile::tempdir().unwrap();
    let epsilon = request(&index, "epsilon");
    let size = epsilon.size.unwrap();
    let recorder = crate::Recorder::default();
    let done = download_all(&client(), vec![epsilon], &options(dest.path()), &recorder)
        .await
        .unwrap();
    assert_eq!(done[0].outcome, Outcome::Fetched { bytes: size });
    assert_eq!(
        Some(fs_err::read(&done[0].path).unwrap()),
        index.file_bytes(&cut)
    );
    let statuses: Vec<(u16, u64)> = file_requests(&index)
        .iter()
        .map(|r| (r.status, r.bytes))
        .collect();
    assert_eq!(statuses, [(200, size / 2), (200, size)]);
    assert_eq!(recorder.advanced(), size, "bytes received twice count once");
}

#[tokio::test]
async fn a_500_is_retried() {
    let index = start(IndexOptions {
        fail_first: vec![wheel("alpha"), wheel("gamma")],
        ..IndexOptions::default()
    });
    let dest = tempfile::tempdir().unwrap();
    let done = download_all(
        &client(),
        all_requests(&index),
        &options(dest.path()),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(
        done.iter()
            .all(|d| matches!(d.outcome, Outcome::Fetched { .. }))
    );
    let alpha: Vec<u16> = file_requests(&index)
        .iter()
        .filter(|r| r.path.ends_with(&wheel("alpha")))
        .map(|r| r.status)
        .collect();
    assert_eq!(alpha, [500, 200]);
    assert_eq!(file_requests(&index).len(), 8);
    assert_eq!(names_in(dest.path()).len(), 6);
}

#[tokio::test]
async fn retries_run_out() {
    let index = start(IndexOptions {
        fail_first: vec![wheel("alpha")],
        ..IndexOptions::default()
    });
    let dest = tempfile::tempdir().unwrap();
    let options = DownloadOptions {
        retries: 0,
        ..options(dest.path())
    };
    let error = download_all(
        &client(),
        vec![request(&index, "alpha")],
        &options,
        &NoProgress,
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "cannot download `{}`: `{}` answered HTTP 500",
            wheel("alpha"),
            index.file_url(&wheel("alpha"))
        )
    );
    assert_eq!(file_requests(&index).len(), 1);
    assert_eq!(names_in(dest.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_404_is_not_retried_and_stops_the_batch() {
    let index = start(IndexOptions::default());
    let dest = tempfile::tempdir().unwrap();
    let mut missing = request(&index, "alpha");
    missing.filename = "missing-1.0-py3-none-any.whl".to_string();
    missing.url = url::Url::parse(&index.file_url(&missing.filename)).unwrap();
    let options = DownloadOptions {
        concurrency: 1,
        ..options(dest.path())
    };
    let error = download_all(
        &client(),
        vec![missing, request(&index, "beta")],
        &options,
        &NoProgress,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, DownloadError::Status { status: 404, .. }),
        "{error:?}"
    );
    assert_eq!(
        file_requests(&index).len(),
        1,
        "nothing is scheduled after the first failure"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_a_request_error_after_retries() {
    // A port that was just free: connecting is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dest = tempfile::tempdir().unwrap();
    let request = tw_download::DownloadRequest {
        name: "a".to_string(),
        filename: "a-1.0-py3-none-any.whl".to_string(),
        url: url::Url::parse(&format!(
            "http://user:secret@127.0.0.1:{port}/a-1.0-py3-none-any.whl"
        ))
        .unwrap(),
        sha256: "0".repeat(64),
        size: None,
    };
    let options = DownloadOptions {
        retries: 1,
        ..options(dest.path())
    };
    let error = download_all(&client(), vec![request], &options, &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(error, DownloadError::Request { .. }), "{error:?}");
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "cannot download `a-1.0-py3-none-any.whl` from `http://****@127.0.0.1:{port}/a-1.0-py3-none-any.whl`"
        )
    );
    assert_eq!(names_in(dest.path()), Vec::<String>::new());
}
