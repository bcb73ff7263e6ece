//! Injected download faults: first failures, cut-off bodies, corrupt bytes, slow bodies, and
//! the peak number of requests in flight.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};
use tw_test_index::{IndexOptions, TestIndex};

use crate::{JSON, authority_of, get, get_with, send, start};

const WHEEL: &str = "Foo_Bar-1.0.0-py3-none-any.whl";
const OTHER: &str = "baz-1.0-py3-none-any.whl";

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// GET `path` and read until the server closes the connection, without insisting that the
/// body is as long as `Content-Length` says: the status, `Content-Length` and the body.
fn get_raw(index: &TestIndex, path: &str) -> (u16, usize, Vec<u8>) {
    let authority = authority_of(&index.index_url());
    let mut stream = TcpStream::connect(&authority).expect("connect to the index");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    // A reset after the cut-off also ends the body.
    while let Ok(read) = stream.read(&mut buffer) {
        if read == 0 {
            break;
        }
        raw.extend_from_slice(&buffer[..read]);
    }
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("response has a header section");
    let head = String::from_utf8(raw[..split].to_vec()).expect("headers are UTF-8");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status code");
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .expect("Content-Length");
    (status, length, raw[split + 4..].to_vec())
}

#[test]
fn faults_are_off_by_default() {
    let options = IndexOptions::default();
    assert!(options.fail_first.is_empty());
    assert!(options.truncate_first.is_empty());
    assert!(options.corrupt.is_empty());
    assert_eq!(options.slow_body_ms, 0);
    let index = start(options);
    assert_eq!(index.peak_concurrency(), 0);
    let response = get(&index, &format!("/files/{WHEEL}"));
    assert_eq!(response.status, 200);
    assert_eq!(Some(response.body), index.file_bytes(WHEEL));
}

#[test]
fn fail_first_answers_500_once_per_file() {
    let index = start(IndexOptions {
        fail_first: vec![WHEEL.to_string(), OTHER.to_string()],
        ..IndexOptions::default()
    });
    let path = format!("/files/{WHEEL}");
    assert_eq!(get(&index, &path).status, 500);
    let second = get(&index, &path);
    assert_eq!(second.status, 200);
    assert_eq!(Some(second.body), index.file_bytes(WHEEL));
    assert_eq!(get(&index, &path).status, 200);

    // Any first request counts, a ranged HEAD included.
    let other = format!("/files/{OTHER}");
    assert_eq!(
        send(&index, "HEAD", &other, &[("Range", "bytes=-5")]).status,
        500
    );
    assert_eq!(get(&index, &other).status, 200);

    // Files not listed are untouched.
    assert_eq!(get(&index, "/files/Foo_Bar-1.0.0.tar.gz").status, 200);
    let statuses: Vec<u16> = index.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 200, 200, 500, 200, 200]);
}

#[test]
fn truncate_first_cuts_the_first_full_get_in_half() {
    let index = start(IndexOptions {
        truncate_first: vec![WHEEL.to_string()],
        ..IndexOptions::default()
    });
    let bytes = index.file_bytes(WHEEL).expect("served");
    let size = bytes.len();
    let half = size / 2;
    let path = format!("/files/{WHEEL}");

    // A HEAD and a ranged GET do not use up the fault.
    assert_eq!(send(&index, "HEAD", &path, &[]).status, 200);
    let head_range = get_with(&index, &path, &[("Range", "bytes=0-3")]);
    assert_eq!(head_range.body, bytes[..4]);

    let (status, length, body) = get_raw(&index, &path);
    assert_eq!(
        (status, length),
        (200, size),
        "the full length is advertised"
    );
    assert_eq!(body, bytes[..half], "only the first half arrives");

    let rest = get_with(&index, &path, &[("Range", &format!("bytes={half}-"))]);
    assert_eq!(rest.status, 206);
    assert_eq!(rest.body, bytes[half..]);
    let whole = get(&index, &path);
    assert_eq!(whole.body, bytes, "later full GETs are whole");

    let log = index.requests();
    assert_eq!(log[2].bytes, half as u64, "the log counts what was sent");
    assert_eq!(log[2].status, 200);
}

#[test]
fn corrupt_files_differ_from_their_page_hash() {
    let index = start(IndexOptions {
        corrupt: vec![WHEEL.to_string()],
        ..IndexOptions::default()
    });
    let real = index.file_bytes(WHEEL).expect("served");
    let real_sha256 = index.file_sha256(WHEEL).expect("served");
    assert_eq!(
        real_sha256,
        sha256(&real),
        "file_bytes and file_sha256 stay real"
    );

    let served = get(&index, &format!("/files/{WHEEL}")).body;
    assert_eq!(served.len(), real.len());
    let differing: Vec<usize> = (0..real.len()).filter(|&i| real[i] != served[i]).collect();
    assert_eq!(
        differing,
        [real.len() / 2],
        "exactly the middle byte is flipped"
    );
    assert_ne!(sha256(&served), real_sha256);

    let page = get_with(&index, "/simple/foo-bar/", &[("Accept", JSON)]).json();
    let listed = page["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|file| file["filename"] == WHEEL)
        .expect("the wheel is listed");
    assert_eq!(listed["hashes"]["sha256"], real_sha256.as_str());

    let tail = get_with(
        &index,
        &format!("/files/{WHEEL}"),
        &[("Range", &format!("bytes={}-", real.len() / 2))],
    );
    assert_eq!(
        tail.body,
        served[real.len() / 2..],
        "ranges are corrupt too"
    );

    let other = get(&index, &format!("/files/{OTHER}"));
    assert_eq!(Some(other.body), index.file_bytes(OTHER));
}

#[test]
fn slow_bodies_arrive_whole_and_late() {
    let index = start(IndexOptions {
        slow_body_ms: 40,
        ..IndexOptions::default()
    });
    let began = Instant::now();
    let response = get(&index, &format!("/files/{WHEEL}"));
    assert!(
        began.elapsed() >= Duration::from_millis(120),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(Some(response.body), index.file_bytes(WHEEL));
    // Pages are not slowed down.
    let began = Instant::now();
    assert_eq!(get(&index, "/simple/").status, 200);
    assert!(began.elapsed() < Duration::from_millis(120));
}

#[test]
fn peak_concurrency_sees_overlapping_requests() {
    let index = start(IndexOptions {
        jitter_ms: 20,
        slow_body_ms: 30,
        ..IndexOptions::default()
    });
    for _ in 0..3 {
        assert_eq!(get(&index, &format!("/files/{WHEEL}")).status, 200);
    }
    assert_eq!(index.peak_concurrency(), 1, "one request at a time");

    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                assert_eq!(get(&index, &format!("/files/{OTHER}")).status, 200);
            });
        }
    });
    let peak = index.peak_concurrency();
    assert!((2..=4).contains(&peak), "peak {peak}");
}
