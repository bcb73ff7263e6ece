//! Integration tests: a real index on loopback, fetched with a minimal HTTP/1.1 client.

mod artifacts;
mod faults;
mod files;
mod layouts;
mod modes;
mod pages;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use tw_test_index::{IndexOptions, TestIndex, Universe};

/// The PEP 691 JSON media type.
const JSON: &str = "application/vnd.pypi.simple.v1+json";

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("body is UTF-8")
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }
}

/// Send one request to the index's host with `Connection: close` and read the whole answer.
fn send(index: &TestIndex, method: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    send_at(&authority_of(&index.index_url()), method, path, headers)
}

/// `127.0.0.1:PORT` of an `http://127.0.0.1:PORT/...` URL.
fn authority_of(url: &str) -> String {
    url.strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .expect("URL is http://host:port/...")
        .to_string()
}

/// Send one request to `authority` with `Connection: close` and read the whole answer.
fn send_at(authority: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let mut stream = TcpStream::connect(authority).expect("connect to the index");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");

    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("response has a header section");
    let head = String::from_utf8(raw[..split].to_vec()).expect("headers are UTF-8");
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status code");
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("header line has a colon");
            (name.trim().to_string(), value.trim().to_string())
        })
        .collect();
    let response = HttpResponse {
        status,
        headers,
        body,
    };
    if method != "HEAD" {
        let length: usize = response
            .header("content-length")
            .expect("every answer has a Content-Length")
            .parse()
            .expect("Content-Length is a number");
        assert_eq!(
            response.body.len(),
            length,
            "body length matches Content-Length"
        );
    }
    response
}

fn get(index: &TestIndex, path: &str) -> HttpResponse {
    send(index, "GET", path, &[])
}

fn get_with(index: &TestIndex, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    send(index, "GET", path, headers)
}

/// The path part of an index URL (`/simple/`, `/files/x`).
fn path_of(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http URL");
    rest[rest.find('/').expect("URL has a path")..].to_string()
}

/// A universe exercising every switch.
fn universe() -> Universe {
    let mut universe = Universe::new();
    universe
        .version("Foo.Bar", "1.0.0")
        .requires("baz>=1")
        .requires_python(">=3.8")
        .extra("x", &["qux; os_name == \"nt\""]);
    universe
        .version("Foo.Bar", "2.0.0")
        .wheel_tags(&[
            "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
            "cp311-cp311-win_amd64",
        ])
        .yanked()
        .upload_time("2024-06-01T12:00:00Z");
    universe.version("baz", "1.0").no_sdist();
    universe
        .version("qux", "1.0")
        .no_wheel()
        .dynamic_sdist()
        .requires("baz");
    universe.version("local", "1.0+abc");
    universe
        .version("liar", "1.0")
        .metadata_name("other")
        .metadata_version_field("9.9");
    universe
}

fn start(options: IndexOptions) -> TestIndex {
    TestIndex::start(&universe(), options)
}
