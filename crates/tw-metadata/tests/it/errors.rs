//! Broken wheels: a clear error that names the file, never a panic.

use tw_test_index::{IndexOptions, Pep658, Release};

use crate::{Case, TestResult, WHEEL, no_pep658, summary};

/// No PEP 658 files and no ranges: metadata comes from whole downloads.
fn whole_downloads() -> IndexOptions {
    IndexOptions {
        pep658: Pep658::Off,
        ranges: false,
        ..IndexOptions::default()
    }
}

/// Fetch the wheel of a release shaped by `shape` and return the error's text.
async fn error_text(
    options: IndexOptions,
    shape: impl FnOnce(&mut Release),
) -> Result<(String, Case), Box<dyn std::error::Error>> {
    let case = Case::new(options, shape).await?;
    let result = case.fetcher.fetch(case.wheel()).await;
    let text = match result {
        Ok(metadata) => panic!(
            "expected an error, got metadata for {} {}; requests: {:#?}",
            metadata.name,
            metadata.version,
            summary(&case.requests())
        ),
        Err(err) => err.to_string(),
    };
    assert!(text.contains(WHEEL), "the error names the file: {text}");
    Ok((text, case))
}

/// Assert `text` is the archive error for the case's wheel with `reason`; the wheel may be
/// named by its file name or its URL.
fn assert_archive_error(text: &str, case: &Case, reason: &str) {
    let by_name = format!("cannot read `{WHEEL}` as an archive: {reason}");
    let by_url = format!("cannot read `{}` as an archive: {reason}", case.wheel().url);
    assert!(
        text == by_name || text == by_url,
        "got:      {text}\nexpected: {by_name}\n      or: {by_url}"
    );
}

#[tokio::test]
async fn two_dist_info_folders_are_an_error() -> TestResult {
    let (text, _) = error_text(no_pep658(), |release| {
        release.two_dist_info();
    })
    .await?;
    assert!(text.contains(".dist-info"), "{text}");
    Ok(())
}

#[tokio::test]
async fn two_dist_info_folders_in_a_whole_download_are_an_error() -> TestResult {
    let options = whole_downloads();
    let (text, _) = error_text(options, |release| {
        release.two_dist_info();
    })
    .await?;
    assert!(text.contains("more than one `.dist-info`"), "{text}");
    Ok(())
}

#[tokio::test]
async fn no_dist_info_is_an_error() -> TestResult {
    let (text, case) = error_text(no_pep658(), |release| {
        release.no_dist_info();
    })
    .await?;
    assert_archive_error(
        &text,
        &case,
        "no `.dist-info/METADATA` entry matching the file name (found: none)",
    );
    assert!(
        case.requests().len() <= 2,
        "{:#?}",
        summary(&case.requests())
    );
    Ok(())
}

#[tokio::test]
async fn corrupt_tail_is_an_error() -> TestResult {
    let (text, case) = error_text(no_pep658(), |release| {
        release.corrupt_tail();
    })
    .await?;
    assert_archive_error(
        &text,
        &case,
        "no end-of-central-directory record (not a zip file?)",
    );
    assert!(
        case.requests().len() <= 2,
        "{:#?}",
        summary(&case.requests())
    );
    Ok(())
}

#[tokio::test]
async fn corrupt_tail_of_a_big_wheel_is_an_error() -> TestResult {
    let (text, case) = error_text(no_pep658(), |release| {
        release.corrupt_tail().padding_kib(100);
    })
    .await?;
    assert_archive_error(
        &text,
        &case,
        "no end-of-central-directory record (not a zip file?)",
    );
    assert!(
        case.requests().len() <= 2,
        "{:#?}",
        summary(&case.requests())
    );
    Ok(())
}

#[tokio::test]
async fn metadata_name_mismatch_is_an_error() -> TestResult {
    let (text, _) = error_text(no_pep658(), |release| {
        release.metadata_name("other");
    })
    .await?;
    assert_eq!(
        text,
        format!("metadata of `{WHEEL}` is for `other 1.0`, but the file name says `demo 1.0`")
    );
    Ok(())
}

#[tokio::test]
async fn metadata_name_mismatch_in_a_pep658_file_is_an_error() -> TestResult {
    let (text, _) = error_text(IndexOptions::default(), |release| {
        release.metadata_name("other");
    })
    .await?;
    assert_eq!(
        text,
        format!("metadata of `{WHEEL}` is for `other 1.0`, but the file name says `demo 1.0`")
    );
    Ok(())
}

/// Issue 13: the central directory's CRC-32 is the only check a range read has; a wrong one
/// is an error naming the URL, on the tail path and on the whole-file path.
#[tokio::test]
async fn a_wrong_metadata_crc_is_an_error_in_a_tail_read() -> TestResult {
    let (text, case) = error_text(no_pep658(), |release| {
        release.wrong_metadata_crc().padding_kib(100);
    })
    .await?;
    let url = case.wheel().url.to_string();
    assert!(
        text.starts_with(&format!(
            "CRC-32 mismatch for `demo-1.0.dist-info/METADATA` in `{url}`"
        )),
        "{text}"
    );
    assert!(
        case.requests().iter().all(|request| request.status == 206),
        "{:#?}",
        summary(&case.requests())
    );
    Ok(())
}

#[tokio::test]
async fn a_wrong_metadata_crc_is_an_error_in_a_whole_download() -> TestResult {
    let options = whole_downloads();
    let (text, case) = error_text(options, |release| {
        release.wrong_metadata_crc();
    })
    .await?;
    let url = case.wheel().url.to_string();
    assert!(
        text.starts_with(&format!(
            "CRC-32 mismatch for `demo-1.0.dist-info/METADATA` in `{url}`"
        )),
        "{text}"
    );
    Ok(())
}
