//! Servers that do not honour ranges properly: the metadata still arrives, in a bounded
//! number of requests.

use tw_test_index::{IndexOptions, Pep658, RangeMode};

use crate::{Case, TestResult, WHEEL, assert_demo, summary};

fn mode(range: RangeMode) -> IndexOptions {
    IndexOptions {
        pep658: Pep658::Off,
        range,
        ..IndexOptions::default()
    }
}

/// A wheel bigger than the tail request, so a 200 is distinguishable from a 206.
fn padded(release: &mut tw_test_index::Release) {
    release.padding_kib(100);
}

#[tokio::test]
async fn ignored_range_uses_the_full_answer() -> TestResult {
    let case = Case::new(mode(RangeMode::Ignore), padded).await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert_eq!(requests.len(), 1, "{:#?}", summary(&requests));
    assert_eq!(
        requests[0].range.as_deref(),
        Some(case.tail_range().as_str())
    );
    assert_eq!(requests[0].status, 200);
    assert_eq!(requests[0].bytes, case.wheel_size());
    Ok(())
}

/// The older `ranges: false` switch behaves like [`RangeMode::Ignore`].
#[tokio::test]
async fn ranges_false_is_ignore() -> TestResult {
    let case = Case::new(
        IndexOptions {
            pep658: Pep658::Off,
            ranges: false,
            ..IndexOptions::default()
        },
        padded,
    )
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);
    let requests = case.requests();
    assert_eq!(requests.len(), 1, "{:#?}", summary(&requests));
    assert_eq!(requests[0].status, 200);
    Ok(())
}

#[tokio::test]
async fn refused_range_falls_back_to_a_whole_download() -> TestResult {
    let case = Case::new(mode(RangeMode::Refuse), padded).await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert!(
        (1..=2).contains(&requests.len()),
        "{:#?}",
        summary(&requests)
    );
    assert_eq!(requests[0].status, 416);
    let last = requests.last().expect("a request");
    assert_eq!(last.status, 200);
    assert_eq!(last.range, None);
    assert_eq!(last.bytes, case.wheel_size());
    Ok(())
}

#[tokio::test]
async fn missing_content_range_falls_back_to_a_whole_download() -> TestResult {
    let case = Case::new(mode(RangeMode::NoContentRange), padded).await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert!(
        (1..=2).contains(&requests.len()),
        "{:#?}",
        summary(&requests)
    );
    assert_eq!(requests[0].status, 206);
    assert!(case.bytes() <= case.tail_len() + case.wheel_size());
    Ok(())
}

#[tokio::test]
async fn gzipped_ranges_still_give_the_right_metadata() -> TestResult {
    let case = Case::new(mode(RangeMode::GzipRanges), padded).await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);

    let requests = case.requests();
    assert!(requests.len() <= 2, "{:#?}", summary(&requests));
    assert_eq!(
        requests[0].range.as_deref(),
        Some(case.tail_range().as_str())
    );
    Ok(())
}

/// Gzip on the far-`METADATA` layout, so a second range (and its decoding) is needed.
#[tokio::test]
async fn gzipped_ranges_with_metadata_first() -> TestResult {
    let case = Case::new(mode(RangeMode::GzipRanges), |release| {
        release.metadata_first().padding_kib(200);
    })
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);
    let requests = case.requests();
    assert!(requests.len() <= 2, "{:#?}", summary(&requests));
    assert!(
        requests
            .iter()
            .all(|request| request.path == format!("/files/{WHEEL}")),
        "{:#?}",
        summary(&requests)
    );
    Ok(())
}

/// Refused ranges with `METADATA` far from the tail: still one fallback download.
#[tokio::test]
async fn refused_range_with_metadata_first() -> TestResult {
    let case = Case::new(mode(RangeMode::Refuse), |release| {
        release.metadata_first().padding_kib(200);
    })
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);
    let requests = case.requests();
    assert!(requests.len() <= 2, "{:#?}", summary(&requests));
    Ok(())
}

/// Issue 13: a whole wheel served with `Content-Encoding: gzip` over its stored bytes is
/// used as sent; every request for the wheel asks for no content coding.
#[tokio::test]
async fn a_gzip_labelled_whole_wheel_is_read_as_stored() -> TestResult {
    let options = IndexOptions {
        pep658: Pep658::Off,
        range: RangeMode::Refuse,
        gzip_labelled: vec![WHEEL.to_string()],
        ..IndexOptions::default()
    };
    let case = Case::new(options, padded).await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);
    let encodings = case.index.accept_encodings();
    let wheel: Vec<_> = encodings
        .iter()
        .filter(|(path, _)| path.starts_with("/files/"))
        .collect();
    assert!(!wheel.is_empty());
    for (path, encoding) in wheel {
        assert_eq!(encoding.as_deref(), Some("identity"), "{path}");
    }
    Ok(())
}

/// Issue 13: `.metadata` files are artifacts too: asked for without a content coding.
#[tokio::test]
async fn pep658_files_are_asked_for_as_stored() -> TestResult {
    let case = Case::new(IndexOptions::default(), padded).await?;
    assert_demo(&case.fetcher.fetch(case.wheel()).await?);
    let encodings = case.index.accept_encodings();
    let (_, encoding) = encodings
        .iter()
        .find(|(path, _)| path.ends_with(".metadata"))
        .ok_or("no .metadata request")?;
    assert_eq!(encoding.as_deref(), Some("identity"));
    Ok(())
}

/// A whole-file fallback whose body is cut off mid-way is fetched again (a transient fault),
/// never turned into an error on the first try.
#[tokio::test]
async fn a_whole_download_cut_off_mid_body_is_retried() -> TestResult {
    let case = Case::new(
        IndexOptions {
            truncate_first: vec![WHEEL.to_string()],
            ..mode(RangeMode::Refuse)
        },
        padded,
    )
    .await?;
    let metadata = case.fetcher.fetch(case.wheel()).await?;
    assert_demo(&metadata);
    let requests = case.requests();
    let whole: Vec<_> = requests.iter().filter(|r| r.range.is_none()).collect();
    assert_eq!(whole.len(), 2, "{:#?}", summary(&requests));
    assert!(
        whole[0].bytes < case.wheel_size(),
        "{:#?}",
        summary(&requests)
    );
    assert_eq!(whole[1].bytes, case.wheel_size());
    Ok(())
}
