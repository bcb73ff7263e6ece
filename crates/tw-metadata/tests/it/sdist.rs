//! Source distributions: static `PKG-INFO` (metadata 2.2+, PEP 643) read with as few bytes as
//! the archive format allows, and `NeedsBuild` when it cannot be trusted.

use std::error::Error;

use tw_index::IndexFile;
use tw_metadata::{MetadataError, MetadataFetcher, Strategy, StrategyStats};
use tw_test_index::{IndexOptions, Release, TestIndex, Universe};

use crate::TestResult;

/// Incompressible filler (a linear congruential sequence), so gzip cannot shrink it.
fn filler(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

/// Serve `demo` 1.0 as an sdist only, shaped by `shape`; return the index, the listed sdist
/// and a fetcher.
async fn sdist_case(
    shape: impl FnOnce(&mut Release),
) -> Result<(TestIndex, IndexFile, MetadataFetcher), Box<dyn Error>> {
    let mut universe = Universe::new();
    let release = universe
        .version("demo", "1.0")
        .requires("idna>=3")
        .no_wheel();
    shape(release);
    let index = TestIndex::start(&universe, IndexOptions::default());
    let (files, fetcher) = crate::list(&index, "demo").await?;
    let sdist = files.into_iter().next().ok_or("no sdist listed")?;
    Ok((index, sdist, fetcher))
}

fn stats(fetcher: &MetadataFetcher, strategy: Strategy) -> StrategyStats {
    fetcher
        .stats()
        .into_iter()
        .find(|(used, _)| *used == strategy)
        .map(|(_, stats)| stats)
        .unwrap_or_default()
}

fn requires(metadata: &tw_metadata::DistMetadata) -> Vec<String> {
    metadata
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[tokio::test]
async fn tar_gz_stops_downloading_after_pkg_info() -> TestResult {
    let (index, sdist, fetcher) = pkg_info_before(2 * 1024 * 1024).await?;
    assert_eq!(sdist.filename, "demo-1.0.tar.gz");
    let metadata = fetcher.fetch(&sdist).await?;
    assert_eq!(requires(&metadata), ["idna>=3"]);
    let used = stats(&fetcher, Strategy::SdistPkgInfo);
    let size = index.file_bytes("demo-1.0.tar.gz").ok_or("served")?.len() as u64;
    assert_eq!(used.files, 1);
    assert_eq!(used.requests, 1);
    assert!(
        used.bytes < size / 2,
        "read {} of {size} bytes; PKG-INFO comes first, so most of the file must stay unread",
        used.bytes
    );
    Ok(())
}

#[tokio::test]
async fn tar_gz_with_pkg_info_late_is_read_through() -> TestResult {
    let (_index, sdist, fetcher) = sdist_case(|release| {
        release.sdist_member_before_pkg_info("data.bin", filler(300 * 1024));
    })
    .await?;
    let metadata = fetcher.fetch(&sdist).await?;
    assert_eq!(requires(&metadata), ["idna>=3"]);
    Ok(())
}

#[tokio::test]
async fn zip_sdist_reads_pkg_info_from_the_tail() -> TestResult {
    let (index, sdist, fetcher) = sdist_case(|release| {
        release
            .sdist_zip()
            .sdist_member_before_pkg_info("data.bin", filler(512 * 1024));
    })
    .await?;
    assert_eq!(sdist.filename, "demo-1.0.zip");
    let metadata = fetcher.fetch(&sdist).await?;
    assert_eq!(requires(&metadata), ["idna>=3"]);
    let used = stats(&fetcher, Strategy::SdistZipTail);
    let size = index.file_bytes("demo-1.0.zip").ok_or("served")?.len() as u64;
    assert_eq!(used.files, 1);
    assert!(used.requests <= 2, "{used:?}");
    assert!(
        used.bytes < 100 * 1024,
        "read {} of {size} bytes",
        used.bytes
    );
    Ok(())
}

#[tokio::test]
async fn old_metadata_version_needs_a_build() -> TestResult {
    let (_index, sdist, fetcher) = sdist_case(|release| {
        release.sdist_metadata_version("2.1");
    })
    .await?;
    let error = fetcher.fetch(&sdist).await.err().ok_or("must fail")?;
    assert!(matches!(error, MetadataError::NeedsBuild { .. }), "{error}");
    Ok(())
}

#[tokio::test]
async fn dynamic_requires_dist_needs_a_build() -> TestResult {
    let (_index, sdist, fetcher) = sdist_case(|release| {
        release.dynamic_sdist();
    })
    .await?;
    let error = fetcher.fetch(&sdist).await.err().ok_or("must fail")?;
    assert!(matches!(error, MetadataError::NeedsBuild { .. }), "{error}");
    Ok(())
}

/// Issue 13: a zip sdist's `PKG-INFO` is checked against its CRC-32 too.
#[tokio::test]
async fn a_wrong_pkg_info_crc_in_a_zip_sdist_is_an_error() -> TestResult {
    let (_index, sdist, fetcher) = sdist_case(|release| {
        release.sdist_zip().wrong_metadata_crc();
    })
    .await?;
    let text = fetcher
        .fetch(&sdist)
        .await
        .err()
        .ok_or("a wrong CRC-32 was accepted")?
        .to_string();
    assert!(
        text.starts_with("CRC-32 mismatch for `demo-1.0/PKG-INFO` in `")
            && text.contains(sdist.url.as_str()),
        "{text}"
    );
    Ok(())
}

/// Issue 13: a `.tar.gz` served with `Content-Encoding: gzip` is read as stored (one gzip
/// layer, the archive's own), and the request asks for no content coding.
#[tokio::test]
async fn a_gzip_labelled_tar_gz_is_read_as_stored() -> TestResult {
    let mut universe = Universe::new();
    universe
        .version("demo", "1.0")
        .requires("idna>=3")
        .no_wheel();
    let index = TestIndex::start(
        &universe,
        IndexOptions {
            gzip_labelled: vec!["demo-1.0.tar.gz".to_string()],
            ..IndexOptions::default()
        },
    );
    let (files, fetcher) = crate::list(&index, "demo").await?;
    let sdist = files.into_iter().next().ok_or("no sdist listed")?;
    let metadata = fetcher.fetch(&sdist).await?;
    assert_eq!(metadata.requires_dist.len(), 1);
    let encodings = index.accept_encodings();
    let (_, encoding) = encodings
        .iter()
        .find(|(path, _)| path == "/files/demo-1.0.tar.gz")
        .ok_or("the sdist was not requested")?;
    assert_eq!(encoding.as_deref(), Some("identity"));
    Ok(())
}

/// An sdist of `demo` 1.0 with `filler` bytes of another member before its `PKG-INFO`.
async fn pkg_info_after(
    filler_bytes: usize,
) -> Result<(TestIndex, IndexFile, MetadataFetcher), Box<dyn Error>> {
    sdist_case(|release| {
        release.sdist_member_before_pkg_info("data.bin", filler(filler_bytes));
    })
    .await
}

/// An sdist of `demo` 1.0 whose `PKG-INFO` comes before `filler` bytes of another member.
async fn pkg_info_before(
    filler_bytes: usize,
) -> Result<(TestIndex, IndexFile, MetadataFetcher), Box<dyn Error>> {
    sdist_case(|release| {
        release.sdist_member("data.bin", filler(filler_bytes));
    })
    .await
}

/// Issue 17: the per-platform check asks for an sdist's `PKG-INFO` only when it arrives
/// within the bytes the wheel reads it would spare; a late one is abandoned, not streamed
/// to the end. The read asks the server for its bound and no more (`Range: bytes=0-N`):
/// dropping a plain download after the bound left the server sending, on HTTP/2 up to a
/// flow-control window per sdist (`data-science`: about 9 MB on the wire for 18 sdists that
/// were counted as 1.6 MB).
#[tokio::test]
async fn a_bounded_sdist_read_asks_for_its_bound_and_gives_up_when_pkg_info_comes_late()
-> TestResult {
    let bound = 128 * 1024;
    let (index, sdist, fetcher) = pkg_info_after(2 * 1024 * 1024).await?;
    assert!(
        fetcher
            .sdist_metadata_within(&sdist, bound)
            .await?
            .is_none()
    );
    let used = stats(&fetcher, Strategy::SdistPkgInfo);
    assert_eq!(used.requests, 1);
    let served: Vec<_> = index
        .requests()
        .into_iter()
        .filter(|request| request.path.ends_with("demo-1.0.tar.gz"))
        .collect();
    assert_eq!(served.len(), 1, "{served:?}");
    assert_eq!(served[0].range.as_deref(), Some("bytes=0-131072"));
    assert!(served[0].bytes <= bound + 1, "{served:?}");
    // `PKG-INFO` first: the prefix within the bound is enough.
    let (index, sdist, fetcher) = pkg_info_before(2 * 1024 * 1024).await?;
    let metadata = fetcher
        .sdist_metadata_within(&sdist, bound)
        .await?
        .ok_or("PKG-INFO within the bound")?;
    assert_eq!(requires(&metadata), ["idna>=3"]);
    assert!(
        index
            .requests()
            .iter()
            .all(|request| request.bytes <= bound + 1)
    );
    Ok(())
}

/// A host that ignores or refuses the prefix range still gets its answer: the whole file
/// (200) is streamed and cut as before, a 416 falls back to the plain download.
#[tokio::test]
async fn a_bounded_sdist_read_works_where_ranges_do_not() -> TestResult {
    let bound = 128 * 1024;
    for mode in [
        tw_test_index::RangeMode::Ignore,
        tw_test_index::RangeMode::Refuse,
    ] {
        for late in [false, true] {
            let mut universe = Universe::new();
            let release = universe
                .version("demo", "1.0")
                .requires("idna>=3")
                .no_wheel();
            if late {
                release.sdist_member_before_pkg_info("data.bin", filler(2 * 1024 * 1024));
            } else {
                release.sdist_member("data.bin", filler(2 * 1024 * 1024));
            }
            let options = IndexOptions {
                range: mode,
                ..IndexOptions::default()
            };
            let index = TestIndex::start(&universe, options);
            let (files, fetcher) = crate::list(&index, "demo").await?;
            let sdist = files.into_iter().next().ok_or("no sdist listed")?;
            let found = fetcher.sdist_metadata_within(&sdist, bound).await?;
            assert_eq!(found.is_none(), late, "{mode:?}");
            if let Some(metadata) = found {
                assert_eq!(requires(&metadata), ["idna>=3"]);
            }
        }
    }
    Ok(())
}
