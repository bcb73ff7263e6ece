//! The cheap paths: PEP 658 files, and range requests on the wheel's tail with a server that
//! honours them.

use tw_index::CoreMetadata;
use tw_metadata::Strategy;
use tw_test_index::IndexOptions;

use crate::{Case, TestResult, WHEEL, assert_demo, no_pep658, summary};

/// A typical wheel: bigger than the first tail request, `METADATA` near the end.
#[tokio::test]
async fn typical_wheel_takes_one_tail_request() -> TestResult {
    let case = Case::new(no_pep658(), |release| {
        release.padding_kib(100);
    })
    .await?;
    let wheel = case.wheel();
    assert_eq!(wheel.core_metadata, CoreMetadata::Absent);
    assert!(case.wheel_size() > 100 * 1024);

    let metadata = case.fetcher.fetch(wheel).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert_eq!(requests.len(), 1, "{:#?}", summary(&requests));
    let request = &requests[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, format!("/files/{WHEEL}"));
    assert_eq!(request.range.as_deref(), Some(case.tail_range().as_str()));
    assert_eq!(request.status, 206);
    assert_eq!(request.bytes, case.tail_len().min(case.wheel_size()));
    assert!(requests.iter().all(|request| request.method != "HEAD"));
    assert!(
        requests
            .iter()
            .all(|request| !request.path.ends_with(".metadata"))
    );

    let stats = case.stats(Strategy::WheelTail);
    assert_eq!(
        (stats.files, stats.requests, stats.bytes),
        (1, 1, case.tail_len().min(case.wheel_size()))
    );
    assert_eq!(case.stats(Strategy::WholeWheel).requests, 0);
    assert_eq!(case.stats(Strategy::Pep658).requests, 0);
    Ok(())
}

#[tokio::test]
async fn advertised_pep658_file_is_the_only_request() -> TestResult {
    let case = Case::new(IndexOptions::default(), |release| {
        release.padding_kib(100);
    })
    .await?;
    let wheel = case.wheel();
    assert!(matches!(
        wheel.core_metadata,
        CoreMetadata::Available { sha256: Some(_) }
    ));

    let metadata = case.fetcher.fetch(wheel).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert_eq!(requests.len(), 1, "{:#?}", summary(&requests));
    assert_eq!(requests[0].path, format!("/files/{WHEEL}.metadata"));
    assert_eq!(requests[0].status, 200);
    assert_eq!(requests[0].bytes, case.metadata_size());
    assert!(requests.iter().all(|request| request.range.is_none()));

    let stats = case.stats(Strategy::Pep658);
    assert_eq!((stats.files, stats.requests), (1, 1));
    assert_eq!(case.stats(Strategy::WheelTail).requests, 0);
    Ok(())
}

#[tokio::test]
async fn wheel_smaller_than_the_tail_comes_in_one_request() -> TestResult {
    let case = Case::new(no_pep658(), |_| {}).await?;
    let size = case.wheel_size();
    assert!(size < 64 * 1024);

    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert_eq!(requests.len(), 1, "{:#?}", summary(&requests));
    assert_eq!(
        requests[0].range.as_deref(),
        Some(case.tail_range().as_str())
    );
    assert_eq!(requests[0].status, 206);
    assert_eq!(requests[0].bytes, size, "the whole wheel in the one answer");
    Ok(())
}

/// `METADATA` is the first entry, 200 KiB before the central directory: one tail request,
/// then one more for exactly the entry.
#[tokio::test]
async fn metadata_far_from_the_tail_takes_a_second_small_request() -> TestResult {
    let case = Case::new(no_pep658(), |release| {
        release.metadata_first().padding_kib(200);
    })
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert_eq!(requests.len(), 2, "{:#?}", summary(&requests));
    assert!(
        requests
            .iter()
            .all(|request| request.range.is_some() && request.status == 206),
        "{:#?}",
        summary(&requests)
    );
    assert_eq!(
        requests[0].range.as_deref(),
        Some(case.tail_range().as_str())
    );
    let budget = case.tail_len() + case.metadata_size() + 1024;
    assert!(
        case.bytes() < budget,
        "{} bytes sent, budget {budget}: {:#?}",
        case.bytes(),
        summary(&requests)
    );
    assert!(case.bytes() < case.wheel_size() / 2);
    Ok(())
}

/// 5000 entries make a central directory of about 350 KiB, far more than the first tail.
#[tokio::test]
async fn large_central_directory_takes_at_most_two_range_requests() -> TestResult {
    let case = Case::new(no_pep658(), |release| {
        release.many_entries(5000);
    })
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert!(
        requests.len() <= 2,
        "{} requests: {:#?}",
        requests.len(),
        summary(&requests)
    );
    assert!(
        requests.iter().all(|request| request.range.is_some()),
        "{:#?}",
        summary(&requests)
    );
    // No more than a whole download plus the first tail.
    assert!(
        case.bytes() <= case.wheel_size() + case.tail_len(),
        "{:#?}",
        summary(&requests)
    );
    Ok(())
}

/// A zip64 wheel (zip64 end record, locator, central sizes in zip64 extra fields), with
/// `METADATA` near the tail.
#[tokio::test]
async fn zip64_wheel_is_read_from_its_tail() -> TestResult {
    let case = Case::new(no_pep658(), |release| {
        release.zip64().padding_kib(100);
    })
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert!(requests.len() <= 2, "{:#?}", summary(&requests));
    assert!(requests.iter().all(|request| request.status == 206));
    assert!(case.bytes() < case.wheel_size());
    Ok(())
}

/// A zip64 wheel whose `METADATA` is the first entry: the zip64 record, the central
/// directory and the entry all have to be found.
#[tokio::test]
async fn zip64_wheel_with_metadata_first() -> TestResult {
    let case = Case::new(no_pep658(), |release| {
        release.zip64().metadata_first().padding_kib(200);
    })
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert!(requests.len() <= 2, "{:#?}", summary(&requests));
    let budget = case.tail_len() + case.metadata_size() + 1024;
    assert!(case.bytes() < budget, "{:#?}", summary(&requests));
    Ok(())
}

/// Small zip64 wheel: everything arrives with the first request.
#[tokio::test]
async fn small_zip64_wheel_takes_one_request() -> TestResult {
    let case = Case::new(no_pep658(), |release| {
        release.zip64();
    })
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);
    let requests = case.requests();
    assert_eq!(requests.len(), 1, "{:#?}", summary(&requests));
    Ok(())
}

#[test]
fn first_tail_is_an_eighth_of_the_file_between_16_and_64_kib() {
    use tw_metadata::tail_bytes;
    assert_eq!(tail_bytes(None), 32 * 1024);
    assert_eq!(tail_bytes(Some(10_000)), 16 * 1024);
    assert_eq!(tail_bytes(Some(400 * 1024)), 50 * 1024);
    assert_eq!(tail_bytes(Some(800 * 1024 * 1024)), 64 * 1024);
}
