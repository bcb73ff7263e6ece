//! Issue 13: artifacts are fetched with `Accept-Encoding: identity` and never decoded, so
//! the hash is taken over the bytes the server stores.

use tw_download::{DownloadRequest, NoProgress, download_all};
use tw_test_index::{IndexOptions, TestIndex, Universe};
use url::Url;

use crate::{client, options};

/// A `.tar.gz` sdist (and a wheel) served with `Content-Encoding: gzip` over the stored bytes.
fn labelled() -> (TestIndex, [String; 2]) {
    let mut universe = Universe::new();
    universe.version("app", "1.0");
    let files = [
        "app-1.0.tar.gz".to_string(),
        "app-1.0-py3-none-any.whl".to_string(),
    ];
    let index = TestIndex::start(
        &universe,
        IndexOptions {
            gzip_labelled: files.to_vec(),
            ..IndexOptions::default()
        },
    );
    (index, files)
}

#[tokio::test]
async fn a_gzip_labelled_download_is_kept_as_sent_and_verified() {
    let (index, files) = labelled();
    let requests: Vec<DownloadRequest> = files
        .iter()
        .map(|filename| DownloadRequest {
            name: "app".to_string(),
            filename: filename.clone(),
            url: Url::parse(&index.file_url(filename)).unwrap(),
            sha256: index.file_sha256(filename).unwrap(),
            size: None,
        })
        .collect();
    let dest = tempfile::tempdir().unwrap();
    download_all(&client(), requests, &options(dest.path()), &NoProgress)
        .await
        .expect("the bytes as sent match the index hash");
    for filename in &files {
        assert_eq!(
            fs_err::read(dest.path().join(filename)).unwrap(),
            index.file_bytes(filename).unwrap(),
            "{filename}"
        );
    }
    let encodings = index.accept_encodings();
    assert_eq!(encodings.len(), 2, "{encodings:?}");
    for (path, encoding) in encodings {
        assert_eq!(encoding.as_deref(), Some("identity"), "{path}");
    }
}
