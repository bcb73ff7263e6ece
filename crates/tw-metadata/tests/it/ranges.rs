//! Issue 13: range support is judged per response. Only a real sign that a host does not do
//! ranges (200 to a range request, 416, a 206 without a usable `Content-Range`) turns them
//! off for the host; a 404 or a 5xx is an error for that one file.

use tw_index::IndexFile;
use tw_metadata::{MetadataError, Strategy};
use tw_test_index::{Fault, FaultKind, IndexOptions, Pep658, TestIndex, Universe};

use crate::{TestResult, summary};

/// `a` and `b` 1.0, wheels only, padded past the tail request, no PEP 658 files, with `faults`.
async fn two_wheels(
    faults: Vec<Fault>,
) -> Result<
    (
        TestIndex,
        IndexFile,
        IndexFile,
        tw_metadata::MetadataFetcher,
    ),
    Box<dyn std::error::Error>,
> {
    let mut universe = Universe::new();
    for name in ["a", "b"] {
        universe.version(name, "1.0").no_sdist().padding_kib(100);
    }
    let index = TestIndex::start(
        &universe,
        IndexOptions {
            pep658: Pep658::Off,
            faults,
            ..IndexOptions::default()
        },
    );
    let (a, fetcher) = crate::list(&index, "a").await?;
    let (b, _) = crate::list(&index, "b").await?;
    let first = |files: Vec<IndexFile>| files.into_iter().next().ok_or("no wheel listed");
    Ok((index, first(a)?, first(b)?, fetcher))
}

fn strategy_requests(fetcher: &tw_metadata::MetadataFetcher, strategy: Strategy) -> u64 {
    fetcher
        .stats()
        .into_iter()
        .find(|(used, _)| *used == strategy)
        .map_or(0, |(_, stats)| stats.requests)
}

#[tokio::test]
async fn a_404_on_one_range_request_is_an_error_for_that_file_only() -> TestResult {
    let (index, a, b, fetcher) = two_wheels(vec![Fault::first(
        1,
        "/files/a-1.0-py3-none-any.whl",
        FaultKind::Status {
            status: 404,
            retry_after: None,
        },
    )])
    .await?;
    let Err(error) = fetcher.fetch(&a).await else {
        panic!(
            "a 404 was turned into another answer: {:#?}",
            summary(&index.requests())
        )
    };
    assert!(
        matches!(&error, MetadataError::Client(client) if client.status() == Some(404)),
        "{error:?}"
    );
    assert!(error.to_string().contains(a.url.as_str()), "{error}");

    // The host still does ranges: b's metadata comes from its tail.
    fetcher.fetch(&b).await?;
    let last = index.requests().pop().ok_or("no request")?;
    assert_eq!(
        (last.path.as_str(), last.status),
        ("/files/b-1.0-py3-none-any.whl", 206),
        "{:#?}",
        summary(&index.requests())
    );
    assert_eq!(strategy_requests(&fetcher, Strategy::WholeWheel), 0);
    Ok(())
}

#[tokio::test]
async fn a_5xx_after_retries_is_an_error_not_a_fallback() -> TestResult {
    let (index, a, b, fetcher) = two_wheels(vec![Fault::always(
        "/files/a-1.0-py3-none-any.whl",
        FaultKind::Status {
            status: 503,
            retry_after: Some("0".to_string()),
        },
    )])
    .await?;
    let error = fetcher
        .fetch(&a)
        .await
        .err()
        .ok_or("a 503 was turned into an answer")?;
    assert!(
        matches!(&error, MetadataError::Client(client) if client.status() == Some(503)),
        "{error:?}"
    );
    fetcher.fetch(&b).await?;
    let last = index.requests().pop().ok_or("no request")?;
    assert_eq!(last.status, 206, "{:#?}", summary(&index.requests()));
    Ok(())
}

/// A server that answers a range request with the whole file turns ranges off for the host:
/// the next wheel is downloaded whole at once, with no range request.
#[tokio::test]
async fn a_whole_answer_to_a_range_turns_ranges_off_for_the_host() -> TestResult {
    let mut universe = Universe::new();
    for name in ["a", "b"] {
        universe.version(name, "1.0").no_sdist().padding_kib(100);
    }
    let index = TestIndex::start(
        &universe,
        IndexOptions {
            pep658: Pep658::Off,
            range: tw_test_index::RangeMode::Ignore,
            ..IndexOptions::default()
        },
    );
    let (a, fetcher) = crate::list(&index, "a").await?;
    let (b, _) = crate::list(&index, "b").await?;
    fetcher.fetch(&a[0]).await?;
    fetcher.fetch(&b[0]).await?;
    let files: Vec<_> = index
        .requests()
        .into_iter()
        .filter(|request| request.path.starts_with("/files/"))
        .collect();
    assert_eq!(files.len(), 2, "{:#?}", summary(&files));
    assert!(files[0].range.is_some() && files[1].range.is_none());
    assert!(files.iter().all(|request| request.status == 200));
    Ok(())
}
