//! Dropping a download half-way leaves neither a final-named file nor a temp file.

use std::sync::Arc;
use std::time::Duration;

use tw_download::{NoProgress, download_all};
use tw_test_index::IndexOptions;

use crate::{Recorder, client, names_in, options, request, start};

/// Bodies come in four pieces, 300 ms apart: a download is reliably caught mid-body.
fn slow() -> tw_test_index::TestIndex {
    start(IndexOptions {
        slow_body_ms: 300,
        ..IndexOptions::default()
    })
}

#[tokio::test]
async fn aborting_mid_body_leaves_nothing() {
    let index = slow();
    let dest = tempfile::tempdir().unwrap();
    let requests = vec![request(&index, "beta"), request(&index, "epsilon")];
    let recorder = Arc::new(Recorder::default());
    let task = tokio::spawn({
        let (client, options, recorder) = (client(), options(dest.path()), Arc::clone(&recorder));
        async move { download_all(&client, requests, &options, &*recorder).await }
    });
    // Wait until bytes are on disk, so the temp files exist and are partly written.
    tokio::time::timeout(Duration::from_secs(10), async {
        while recorder.advanced() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the first piece arrives");
    let parts = names_in(dest.path());
    assert!(
        !parts.is_empty() && parts.iter().all(|name| name.ends_with(".part")),
        "{parts:?}"
    );
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(names_in(dest.path()), Vec::<String>::new());
    assert!(recorder.finished.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_timeout_mid_body_leaves_nothing() {
    let index = slow();
    let dest = tempfile::tempdir().unwrap();
    let requests = vec![request(&index, "alpha"), request(&index, "beta")];
    let outcome = tokio::time::timeout(
        Duration::from_millis(150),
        download_all(&client(), requests, &options(dest.path()), &NoProgress),
    )
    .await;
    assert!(outcome.is_err(), "finished before the timeout");
    assert_eq!(names_in(dest.path()), Vec::<String>::new());
    assert!(index.request_count() >= 1);
}
