//! Integration tests of `tw-client` against the loopback test index in its fault modes:
//! retries and their bounds, timeouts, resets, redirect loops, TLS, decompression bombs and
//! credentials per origin. Every assertion is on requests the index saw or on the error.

use std::time::Duration;

use tw_client::{ClientBuilder, ClientError, Credentials, Secret};
use tw_test_index::{Fault, FaultKind, IndexOptions, TestIndex, Universe};
use url::Url;

const WHEEL: &str = "a-1.0-py3-none-any.whl";

fn start(options: IndexOptions) -> TestIndex {
    let mut universe = Universe::new();
    universe.version("a", "1.0");
    TestIndex::start(&universe, options)
}

fn with_faults(faults: Vec<Fault>) -> TestIndex {
    start(IndexOptions {
        faults,
        ..IndexOptions::default()
    })
}

fn page(index: &TestIndex) -> Url {
    Url::parse(&format!("{}a/", index.index_url())).expect("index URLs are valid")
}

fn status(status: u16, retry_after: Option<&str>) -> FaultKind {
    FaultKind::Status {
        status,
        retry_after: retry_after.map(str::to_string),
    }
}

/// The full error chain, as the CLI prints it.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(" | ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}

#[tokio::test]
async fn transient_statuses_are_retried_until_they_pass() {
    for kind in [
        status(503, Some("0")),
        status(502, None),
        status(429, Some("0")),
        status(500, Some("0")),
    ] {
        let index = with_faults(vec![Fault::first(2, "/simple/a/", kind.clone())]);
        let client = ClientBuilder::new().retries(3).build().unwrap();
        let response = client.get(&page(&index), None).await.unwrap();
        assert_eq!((response.status, response.attempts), (200, 3), "{kind:?}");
        assert_eq!(index.request_count(), 3, "{kind:?}");
    }
}

#[tokio::test]
async fn retries_are_bounded_in_count_and_the_error_says_so() {
    let index = with_faults(vec![Fault::always("/simple/a/", status(429, Some("0")))]);
    let client = ClientBuilder::new().retries(2).build().unwrap();
    let error = client
        .get(&page(&index), None)
        .await
        .unwrap()
        .error_for_status()
        .unwrap_err();
    assert_eq!(index.request_count(), 3);
    assert!(matches!(
        error,
        ClientError::Unavailable {
            status: 429,
            attempts: 3,
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` answered HTTP 429 after 3 attempts; the server is overloaded or down (`TAILWHEEL_HTTP_RETRIES` sets how often tailwheel retries)",
            page(&index)
        )
    );
}

#[tokio::test]
async fn retries_are_bounded_in_time() {
    // The server asks for an hour; the budget is a minute: no retry at all.
    let index = with_faults(vec![Fault::always("/simple/a/", status(503, Some("3600")))]);
    let client = ClientBuilder::new().retries(5).build().unwrap();
    let response = client.get(&page(&index), None).await.unwrap();
    assert_eq!((response.status, response.attempts), (503, 1));
    assert_eq!(index.request_count(), 1);
    // An HTTP-date in the past means "now".
    let index = with_faults(vec![Fault::first(
        1,
        "/simple/a/",
        status(503, Some("Mon, 01 Jan 2024 00:00:00 GMT")),
    )]);
    let response = client.get(&page(&index), None).await.unwrap();
    assert_eq!((response.status, response.attempts), (200, 2));
}

#[tokio::test]
async fn permanent_statuses_are_not_retried() {
    for code in [404, 401, 403, 501] {
        let index = with_faults(vec![Fault::always("/simple/a/", status(code, Some("0")))]);
        let client = ClientBuilder::new().retries(3).build().unwrap();
        let response = client.get(&page(&index), None).await.unwrap();
        assert_eq!((response.status, response.attempts), (code, 1));
        assert_eq!(index.request_count(), 1, "{code}");
        let error = response.error_for_status().unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("`{}` answered HTTP {code}", page(&index))
        );
    }
}

#[tokio::test]
async fn a_reset_mid_body_is_retried() {
    let index = with_faults(vec![Fault::first(1, "/simple/a/", FaultKind::ResetMidBody)]);
    let client = ClientBuilder::new().build().unwrap();
    let response = client.get(&page(&index), None).await.unwrap();
    assert_eq!((response.status, response.attempts), (200, 2));
    let log = index.requests();
    assert_eq!(log.len(), 2);
    assert!(log[0].bytes < log[1].bytes, "{log:?}");

    let index = with_faults(vec![Fault::always("/simple/a/", FaultKind::ResetMidBody)]);
    let client = ClientBuilder::new().retries(1).build().unwrap();
    let error = client.get(&page(&index), None).await.unwrap_err();
    assert!(
        error.to_string().starts_with(&format!(
            "request to `{}` failed after 2 attempts",
            page(&index)
        )),
        "{error}"
    );
    assert_eq!(index.request_count(), 2);
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_fails_after_the_retries() {
    let index = with_faults(vec![Fault::always(
        "/simple/a/",
        FaultKind::SlowHeaders { ms: 60_000 },
    )]);
    let client = ClientBuilder::new()
        .timeout(Duration::from_millis(100))
        .retries(1)
        .build()
        .unwrap();
    let error = client.get(&page(&index), None).await.unwrap_err();
    assert!(
        matches!(error, ClientError::Timeout { attempts: 2, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` did not answer within 0.1s after 2 attempts (`TAILWHEEL_HTTP_TIMEOUT` sets the timeout in seconds)",
            page(&index)
        )
    );
    assert_eq!(index.request_count(), 2);
}

#[tokio::test]
async fn a_redirect_loop_is_an_error_not_a_hang() {
    let index = with_faults(vec![Fault::always("/simple/a/", FaultKind::RedirectLoop)]);
    let client = ClientBuilder::new().build().unwrap();
    let error = client.get(&page(&index), None).await.unwrap_err();
    let text = chain(&error);
    assert!(
        text.starts_with(&format!("request to `{}` failed", page(&index))),
        "{text}"
    );
    assert!(text.contains("too many redirects"), "{text}");
    // reqwest gives up after ten redirects; the loop is not retried.
    assert_eq!(index.request_count(), 11);
}

#[tokio::test]
async fn an_unresolvable_host_names_the_url() {
    // `.invalid` never resolves (RFC 6761 section 6.4).
    let url = Url::parse("http://user:secret@tailwheel-test.invalid/simple/").unwrap();
    let client = ClientBuilder::new().retries(0).build().unwrap();
    let error = client.get(&url, None).await.unwrap_err();
    let text = chain(&error);
    assert!(
        text.starts_with("request to `http://****@tailwheel-test.invalid/simple/` failed"),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");
}

#[tokio::test]
async fn an_untrusted_certificate_says_how_to_trust_a_ca() {
    let index = start(IndexOptions {
        tls: true,
        ..IndexOptions::default()
    });
    assert!(index.index_url().starts_with("https://127.0.0.1:"));
    let client = ClientBuilder::new().build().unwrap();
    let error = client.get(&page(&index), None).await.unwrap_err();
    assert!(matches!(error, ClientError::Tls { .. }), "{error:?}");
    let text = chain(&error);
    assert!(text.contains("`SSL_CERT_FILE`"), "{text}");
    assert!(text.contains(&format!("`{}`", page(&index))), "{text}");
    // A certificate problem does not go away on retry.
    assert_eq!(index.request_count(), 0);
}

#[tokio::test]
async fn a_gzip_bomb_is_refused() {
    let index = with_faults(vec![Fault::always(
        "/simple/a/",
        FaultKind::GzipBomb {
            decoded_bytes: 64 * 1024 * 1024,
        },
    )]);
    let client = ClientBuilder::new().build().unwrap();
    let error = client.get(&page(&index), None).await.unwrap_err();
    assert!(matches!(error, ClientError::TooLarge { .. }), "{error:?}");
    assert!(
        error.to_string().contains("inflates past the limit"),
        "{error}"
    );
    assert_eq!(index.request_count(), 1);
    assert!(client.stats().bytes < 16 * 1024 * 1024);
}

#[tokio::test]
async fn gzipped_ranges_are_kept_as_sent() {
    // The index's gzip ranges mode compresses 206 bodies although the request asks for
    // `identity`; a range addresses stored bytes, so the body is handed over as sent and the
    // caller sees that its length disagrees with `Content-Range` (issue 13).
    let index = start(IndexOptions {
        range: tw_test_index::RangeMode::GzipRanges,
        ..IndexOptions::default()
    });
    let url = Url::parse(&index.file_url(WHEEL)).unwrap();
    let expected = index.file_bytes(WHEEL).unwrap();
    let tail = client_default()
        .get_range(&url, tw_client::ByteRange::Suffix(30))
        .await
        .unwrap();
    assert_eq!(tail.status, 206);
    assert_eq!(&tail.body[..2], [0x1f, 0x8b], "the gzip stream as sent");
    assert_ne!(tail.body[..], expected[expected.len() - 30..]);
    let encodings = index.accept_encodings();
    assert_eq!(encodings[0].1.as_deref(), Some("identity"));
}

fn client_default() -> tw_client::Client {
    ClientBuilder::new()
        .build()
        .expect("a default client builds")
}

#[tokio::test]
async fn credentials_go_to_their_origin_only() {
    let index = start(IndexOptions {
        basic_auth: Some(("user".into(), "s3cret".into())),
        files_on_other_host: true,
        ..IndexOptions::default()
    });
    let client = client_default();
    // Without credentials: 401, not retried.
    let denied = client.get(&page(&index), None).await.unwrap();
    assert_eq!((denied.status, denied.attempts), (401, 1));

    let mut with_user = page(&index);
    with_user.set_username("user").unwrap();
    with_user.set_password(Some("s3cret")).unwrap();
    let response = client.get(&with_user, None).await.unwrap();
    assert_eq!(response.status, 200);
    // The same origin, linked without credentials, gets them; the files host does not,
    // not even through the redirect from the index's own `/files/`.
    let own = Url::parse(&index.index_host_file_url(WHEEL)).unwrap();
    let file = client.get(&own, None).await.unwrap();
    assert_eq!(file.status, 200);
    let log = index.requests();
    let expected = Some("Basic dXNlcjpzM2NyZXQ=".to_string());
    assert_eq!(log[0].authorization, None);
    assert_eq!(log[1].authorization, expected);
    assert_eq!(
        (log[2].files_host, &log[2].authorization),
        (false, &expected)
    );
    assert_eq!((log[3].files_host, &log[3].authorization), (true, &None));
}

#[tokio::test]
async fn configured_credentials_are_used_for_their_origin() {
    let index = start(IndexOptions {
        basic_auth: Some(("__token__".into(), "t0ken".into())),
        ..IndexOptions::default()
    });
    let credentials = Credentials::new();
    credentials.insert(
        &page(&index),
        Secret::new("__token__", Some("t0ken".into())),
    );
    let other = Url::parse("http://127.0.0.1:9/").unwrap();
    credentials.insert(&other, Secret::new("other", Some("nope".into())));
    let client = ClientBuilder::new()
        .credentials(credentials)
        .build()
        .unwrap();
    let response = client.get(&page(&index), None).await.unwrap();
    assert_eq!(response.status, 200);
    assert!(!format!("{client:?}").contains("t0ken"));
}

#[tokio::test]
async fn a_body_past_the_memory_limit_is_refused_not_buffered() {
    let index = start(IndexOptions::default());
    let url = Url::parse(&index.file_url(WHEEL)).expect("file URLs are valid");
    let size = index.file_bytes(WHEEL).expect("served").len() as u64;
    let client = ClientBuilder::new()
        .max_memory_body(size - 1)
        .build()
        .expect("client");
    let error = client.get(&url, None).await.expect_err("over the limit");
    assert!(
        matches!(error, ClientError::BodyTooLarge { limit, .. } if limit == size - 1),
        "{error}"
    );
    assert!(chain(&error).contains(WHEEL), "{}", chain(&error));
    // At the limit it is read.
    let client = ClientBuilder::new()
        .max_memory_body(size)
        .build()
        .expect("client");
    assert_eq!(
        client.get(&url, None).await.expect("read").body.len() as u64,
        size
    );
}
