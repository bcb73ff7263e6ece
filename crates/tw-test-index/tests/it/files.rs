//! File downloads: full bodies, ranges, HEAD, percent-encoding, the request log.

use tw_test_index::{IndexOptions, LoggedRequest};

use crate::{JSON, get, get_with, path_of, send, start};

const WHEEL: &str = "Foo_Bar-1.0.0-py3-none-any.whl";

#[test]
fn full_download_matches_the_served_bytes() {
    let index = start(IndexOptions::default());
    let expected = index.file_bytes(WHEEL).expect("served");
    let response = get(&index, &path_of(&index.file_url(WHEEL)));
    assert_eq!(response.status, 200);
    assert_eq!(response.body, expected);
    assert_eq!(response.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        response.header("content-length"),
        Some(expected.len().to_string().as_str())
    );
}

#[test]
fn ranges_come_in_three_forms() {
    let index = start(IndexOptions::default());
    let bytes = index.file_bytes(WHEEL).expect("served");
    let size = bytes.len();
    let path = format!("/files/{WHEEL}");

    let cases = [
        ("bytes=0-9".to_string(), 0, 9),
        (format!("bytes=10-{}", size + 100), 10, size - 1),
        (format!("bytes={}-", size - 22), size - 22, size - 1),
        ("bytes=-22".to_string(), size - 22, size - 1),
        (format!("bytes=-{}", size * 2), 0, size - 1),
    ];
    for (range, start, end) in cases {
        let response = get_with(&index, &path, &[("Range", &range)]);
        assert_eq!(response.status, 206, "{range}");
        assert_eq!(
            response.header("content-range"),
            Some(format!("bytes {start}-{end}/{size}").as_str()),
            "{range}"
        );
        assert_eq!(response.body, bytes[start..=end], "{range}");
    }

    for range in [
        format!("bytes={size}-"),
        format!("bytes={size}-{}", size + 5),
        "bytes=-0".to_string(),
        "bytes=9-3".to_string(),
    ] {
        let response = get_with(&index, &path, &[("Range", &range)]);
        assert_eq!(response.status, 416, "{range}");
        assert_eq!(
            response.header("content-range"),
            Some(format!("bytes */{size}").as_str())
        );
    }

    // Several ranges or other units are ignored: the whole file.
    for range in ["bytes=0-1,4-5", "lines=1-2"] {
        let response = get_with(&index, &path, &[("Range", range)]);
        assert_eq!(response.status, 200, "{range}");
        assert_eq!(response.body, bytes);
    }
}

#[test]
fn ranges_can_be_switched_off() {
    let index = start(IndexOptions {
        ranges: false,
        ..IndexOptions::default()
    });
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
}

#[test]
fn ranges_apply_to_metadata_files() {
    let index = start(IndexOptions::default());
    let name = format!("{WHEEL}.metadata");
    let bytes = index.file_bytes(&name).expect("served");
    let response = get_with(
        &index,
        &format!("/files/{name}"),
        &[("Range", "bytes=0-16")],
    );
    assert_eq!(response.status, 206);
    assert_eq!(response.body, bytes[..17]);
    assert_eq!(response.text(), "Metadata-Version:");
}

#[test]
fn head_reports_length_without_a_body() {
    let index = start(IndexOptions::default());
    let size = index.file_bytes(WHEEL).expect("served").len();
    let response = send(&index, "HEAD", &format!("/files/{WHEEL}"), &[]);
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-length"),
        Some(size.to_string().as_str())
    );
    assert!(response.body.is_empty());

    let ranged = send(
        &index,
        "HEAD",
        &format!("/files/{WHEEL}"),
        &[("Range", "bytes=-5")],
    );
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.header("content-length"), Some("5"));
    assert!(ranged.body.is_empty());

    let log = index.requests();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|request| request.method == "HEAD" && request.bytes == 0)
    );
    assert_eq!(index.bytes_sent(), 0);
}

#[test]
fn plus_in_file_names_works_raw_and_encoded() {
    let index = start(IndexOptions::default());
    let name = "local-1.0+abc-py3-none-any.whl";
    let bytes = index.file_bytes(name).expect("served");
    for path in [
        "/files/local-1.0+abc-py3-none-any.whl",
        "/files/local-1.0%2Babc-py3-none-any.whl",
        "/files/local-1.0%2babc-py3-none-any.whl",
    ] {
        let response = get(&index, path);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.body, bytes);
    }
}

#[test]
fn every_request_is_logged_and_counted() {
    let index = start(IndexOptions::default());
    assert_eq!(index.request_count(), 0);
    assert_eq!(index.bytes_sent(), 0);

    let page = get_with(&index, "/simple/baz/", &[("Accept", JSON)]);
    let part = get_with(
        &index,
        &format!("/files/{WHEEL}"),
        &[("Range", "bytes=-10")],
    );
    let missing = get(&index, "/simple/missing/");

    assert_eq!(index.request_count(), 3);
    let sent = (page.body.len() + part.body.len() + missing.body.len()) as u64;
    assert_eq!(index.bytes_sent(), sent);
    assert_eq!(
        index.requests(),
        [
            LoggedRequest {
                method: "GET".to_string(),
                path: "/simple/baz/".to_string(),
                range: None,
                accept: Some(JSON.to_string()),
                status: 200,
                bytes: page.body.len() as u64,
                files_host: false,
                authorization: None,
            },
            LoggedRequest {
                method: "GET".to_string(),
                path: format!("/files/{WHEEL}"),
                range: Some("bytes=-10".to_string()),
                accept: None,
                status: 206,
                bytes: 10,
                files_host: false,
                authorization: None,
            },
            LoggedRequest {
                method: "GET".to_string(),
                path: "/simple/missing/".to_string(),
                range: None,
                accept: None,
                status: 404,
                bytes: missing.body.len() as u64,
                files_host: false,
                authorization: None,
            },
        ]
    );
}

#[test]
fn keep_alive_connections_do_not_block_shutdown() {
    use std::io::{Read as _, Write as _};

    let index = start(IndexOptions::default());
    let url = index.index_url();
    let authority = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .expect("authority");
    let mut stream = std::net::TcpStream::connect(authority).expect("connect");
    stream
        .write_all(format!("GET /simple/ HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes())
        .expect("send");
    let mut first = [0u8; 12];
    stream.read_exact(&mut first).expect("read status line");
    assert_eq!(&first, b"HTTP/1.1 200");
    // The connection is still open when the index is dropped.
    drop(index);
}

#[test]
fn files_can_be_written_to_a_directory() {
    let index = start(IndexOptions::default());
    let dir = tempfile::tempdir().expect("temp dir");
    index.write_files_to(dir.path()).expect("write files");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Foo_Bar-1.0.0-py3-none-any.whl",
            "Foo_Bar-1.0.0.tar.gz",
            "Foo_Bar-2.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "Foo_Bar-2.0.0-cp311-cp311-win_amd64.whl",
            "Foo_Bar-2.0.0.tar.gz",
            "baz-1.0-py3-none-any.whl",
            "liar-1.0-py3-none-any.whl",
            "liar-1.0.tar.gz",
            "local-1.0+abc-py3-none-any.whl",
            "local-1.0+abc.tar.gz",
            "qux-1.0.tar.gz",
        ]
    );
    for name in &names {
        let written = fs_err::read(dir.path().join(name)).expect("read back");
        assert_eq!(Some(written), index.file_bytes(name), "{name}");
    }
    assert_eq!(index.file_bytes("missing.whl"), None);
    assert_eq!(index.file_sha256("missing.whl"), None);
}
