//! Range modes and files on a second host.

use std::io::Read as _;

use tw_test_index::{IndexOptions, RangeMode};

use crate::{JSON, authority_of, get, get_with, path_of, send_at, start};

const WHEEL: &str = "Foo_Bar-1.0.0-py3-none-any.whl";

fn with_mode(range: RangeMode) -> tw_test_index::TestIndex {
    start(IndexOptions {
        range,
        ..IndexOptions::default()
    })
}

#[test]
fn default_mode_is_honour() {
    assert_eq!(RangeMode::default(), RangeMode::Honour);
    let options = IndexOptions::default();
    assert_eq!(options.range, RangeMode::Honour);
    assert!(options.ranges);
    assert!(!options.files_on_other_host);
}

#[test]
fn ignore_answers_the_whole_file() {
    let index = with_mode(RangeMode::Ignore);
    let bytes = index.file_bytes(WHEEL).expect("served");
    let response = get_with(
        &index,
        &format!("/files/{WHEEL}"),
        &[("Range", "bytes=-22")],
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.header("accept-ranges"), None);
    assert_eq!(response.header("content-range"), None);
    assert_eq!(response.body, bytes);
    assert_eq!(index.requests()[0].bytes, bytes.len() as u64);
}

#[test]
fn ranges_false_wins_over_the_mode() {
    let index = start(IndexOptions {
        ranges: false,
        range: RangeMode::Refuse,
        ..IndexOptions::default()
    });
    let response = get_with(
        &index,
        &format!("/files/{WHEEL}"),
        &[("Range", "bytes=0-3")],
    );
    assert_eq!(response.status, 200);
}

#[test]
fn refuse_answers_416_to_every_range() {
    let index = with_mode(RangeMode::Refuse);
    let size = index.file_bytes(WHEEL).expect("served").len();
    let path = format!("/files/{WHEEL}");
    for range in [
        "bytes=-65536",
        "bytes=0-9",
        "bytes=5-",
        "bytes=0-1,4-5",
        "junk",
    ] {
        let response = get_with(&index, &path, &[("Range", range)]);
        assert_eq!(response.status, 416, "{range}");
        assert_eq!(
            response.header("content-range"),
            Some(format!("bytes */{size}").as_str()),
            "{range}"
        );
        assert_eq!(response.header("accept-ranges"), None);
    }
    let whole = get(&index, &path);
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body.len(), size);
    assert_eq!(whole.header("accept-ranges"), None);
}

#[test]
fn no_content_range_sends_the_right_bytes_without_the_header() {
    let index = with_mode(RangeMode::NoContentRange);
    let bytes = index.file_bytes(WHEEL).expect("served");
    let response = get_with(
        &index,
        &format!("/files/{WHEEL}"),
        &[("Range", "bytes=-30")],
    );
    assert_eq!(response.status, 206);
    assert_eq!(response.header("content-range"), None);
    assert_eq!(response.body, bytes[bytes.len() - 30..]);
    let unsatisfiable = get_with(&index, &format!("/files/{WHEEL}"), &[("Range", "bytes=-0")]);
    assert_eq!(unsatisfiable.status, 416);
}

#[test]
fn gzip_ranges_compress_even_when_identity_is_asked() {
    let index = with_mode(RangeMode::GzipRanges);
    let bytes = index.file_bytes(WHEEL).expect("served");
    let size = bytes.len();
    let response = get_with(
        &index,
        &format!("/files/{WHEEL}"),
        &[("Range", "bytes=10-99"), ("Accept-Encoding", "identity")],
    );
    assert_eq!(response.status, 206);
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    assert_eq!(
        response.header("content-range"),
        Some(format!("bytes 10-99/{size}").as_str())
    );
    assert_eq!(&response.body[..2], [0x1f, 0x8b], "gzip magic");
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(response.body.as_slice())
        .read_to_end(&mut decoded)
        .expect("valid gzip");
    assert_eq!(decoded, bytes[10..=99]);
    assert_eq!(
        index.requests()[0].bytes,
        response.body.len() as u64,
        "the log counts the compressed bytes sent"
    );

    // Without Range: plain 200.
    let whole = get(&index, &format!("/files/{WHEEL}"));
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("content-encoding"), None);
    assert_eq!(whole.body, bytes);
}

fn other_host() -> tw_test_index::TestIndex {
    start(IndexOptions {
        files_on_other_host: true,
        ..IndexOptions::default()
    })
}

#[test]
fn pages_link_files_on_the_other_host() {
    let index = other_host();
    let main = authority_of(&index.index_url());
    let files = authority_of(&index.file_url(WHEEL));
    assert_ne!(main, files);
    assert!(files.starts_with("127.0.0.1:"), "{files}");
    assert_eq!(
        index.index_host_file_url(WHEEL),
        format!("http://{main}/files/{WHEEL}")
    );

    let page = get_with(&index, "/simple/foo-bar/", &[("Accept", JSON)]).json();
    assert_eq!(page["files"][0]["url"], index.file_url(WHEEL));

    let html = get(&index, "/simple/foo-bar/").text();
    let sha = index.file_sha256(WHEEL).expect("served");
    assert!(
        html.contains(&format!(
            "href=\"http://{files}/files/{WHEEL}#sha256={sha}\""
        )),
        "{html}"
    );
    let flat = get(&index, "/find-links/").text();
    assert!(
        flat.contains(&format!(
            "href=\"http://{files}/files/{WHEEL}#sha256={sha}\""
        )),
        "{flat}"
    );
}

#[test]
fn the_index_host_redirects_files_to_the_other_host() {
    let index = other_host();
    let bytes = index.file_bytes(WHEEL).expect("served");
    let main = authority_of(&index.index_url());
    let files = authority_of(&index.file_url(WHEEL));

    let redirect = send_at(
        &main,
        "GET",
        &format!("/files/{WHEEL}"),
        &[("Range", "bytes=-10")],
    );
    assert_eq!(redirect.status, 302);
    assert_eq!(
        redirect.header("location"),
        Some(index.file_url(WHEEL).as_str())
    );

    let encoded = send_at(&main, "GET", "/files/local-1.0%2Babc-py3-none-any.whl", &[]);
    assert_eq!(
        encoded.header("location"),
        Some(format!("http://{files}/files/local-1.0%2Babc-py3-none-any.whl").as_str()),
        "the path is passed on as sent"
    );

    let part = send_at(
        &files,
        "GET",
        &path_of(&index.file_url(WHEEL)),
        &[("Range", "bytes=-10")],
    );
    assert_eq!(part.status, 206);
    assert_eq!(part.body, bytes[bytes.len() - 10..]);
    let metadata = send_at(&files, "GET", &format!("/files/{WHEEL}.metadata"), &[]);
    assert_eq!(metadata.status, 200);

    // The files host serves nothing else.
    assert_eq!(send_at(&files, "GET", "/simple/", &[]).status, 404);
    assert_eq!(send_at(&files, "GET", "/find-links/", &[]).status, 404);

    let log = index.requests();
    let hosts: Vec<(bool, u16)> = log
        .iter()
        .map(|request| (request.files_host, request.status))
        .collect();
    assert_eq!(
        hosts,
        [
            (false, 302),
            (false, 302),
            (true, 206),
            (true, 200),
            (true, 404),
            (true, 404)
        ]
    );
    assert_eq!(log[2].bytes, 10);
    assert_eq!(log[2].range.as_deref(), Some("bytes=-10"));
}

#[test]
fn both_hosts_stop_when_the_index_is_dropped() {
    let index = other_host();
    let files = authority_of(&index.file_url(WHEEL));
    let main = authority_of(&index.index_url());
    drop(index);
    for authority in [main, files] {
        assert!(
            std::net::TcpStream::connect(&authority).is_err(),
            "{authority} still accepts"
        );
    }
}
