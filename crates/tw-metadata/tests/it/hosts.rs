//! Files served from a second host: directly, and through the index host's redirect.

use tw_test_index::{IndexOptions, Pep658};
use url::Url;

use crate::{Case, TestResult, WHEEL, assert_demo, summary};

fn other_host(pep658: Pep658) -> IndexOptions {
    IndexOptions {
        pep658,
        files_on_other_host: true,
        ..IndexOptions::default()
    }
}

#[tokio::test]
async fn listed_url_on_the_files_host_is_read_directly() -> TestResult {
    let case = Case::new(other_host(Pep658::Off), |release| {
        release.padding_kib(100);
    })
    .await?;
    let wheel = case.wheel();
    assert_eq!(wheel.url.as_str(), case.index.file_url(WHEEL));
    assert_ne!(
        wheel.url.port(),
        Url::parse(&case.index.index_url())?.port()
    );

    let metadata = case.fetcher.fetch(wheel).await?;
    assert_demo(&metadata);
    let requests = case.requests();
    assert_eq!(requests.len(), 1, "{:#?}", summary(&requests));
    assert!(requests[0].files_host);
    assert_eq!(requests[0].status, 206);
    Ok(())
}

/// The wheel's URL on the index host answers 302 to the files host; the range request
/// follows it.
#[tokio::test]
async fn metadata_is_read_through_the_redirect() -> TestResult {
    let case = Case::new(other_host(Pep658::Off), |release| {
        release.padding_kib(100);
    })
    .await?;
    let mut wheel = case.wheel().clone();
    wheel.url = Url::parse(&case.index.index_host_file_url(WHEEL))?;

    let metadata = case.fetcher.fetch(&wheel).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert_eq!(requests.len(), 2, "{:#?}", summary(&requests));
    assert_eq!(
        (requests[0].files_host, requests[0].status),
        (false, 302),
        "{:#?}",
        summary(&requests)
    );
    assert_eq!(
        (requests[1].files_host, requests[1].status),
        (true, 206),
        "{:#?}",
        summary(&requests)
    );
    assert_eq!(
        requests[1].range.as_deref(),
        Some(case.tail_range().as_str())
    );
    Ok(())
}

/// Redirect plus `METADATA` far from the tail: the second range also goes through.
#[tokio::test]
async fn far_metadata_through_the_redirect() -> TestResult {
    let case = Case::new(other_host(Pep658::Off), |release| {
        release.metadata_first().padding_kib(200);
    })
    .await?;
    let mut wheel = case.wheel().clone();
    wheel.url = Url::parse(&case.index.index_host_file_url(WHEEL))?;

    let metadata = case.fetcher.fetch(&wheel).await?;
    assert_demo(&metadata);
    let requests = case.requests();
    let served: Vec<_> = requests
        .iter()
        .filter(|request| request.files_host)
        .collect();
    assert_eq!(served.len(), 2, "{:#?}", summary(&requests));
    assert!(served.iter().all(|request| request.status == 206));
    Ok(())
}

#[tokio::test]
async fn pep658_file_on_the_files_host() -> TestResult {
    let case = Case::new(other_host(Pep658::Advertised), |_| {}).await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);
    let requests = case.requests();
    assert_eq!(requests.len(), 1, "{:#?}", summary(&requests));
    assert!(requests[0].files_host);
    assert_eq!(requests[0].path, format!("/files/{WHEEL}.metadata"));
    Ok(())
}
