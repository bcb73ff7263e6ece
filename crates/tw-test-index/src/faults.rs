//! Injected network faults and HTTP Basic authentication, for reliability and security tests.
//!
//! A [`Fault`] applies to the requests whose path starts with its prefix, to the first
//! `times` of them or to all; the first matching fault with budget left wins. Authentication
//! ([`IndexOptions::basic_auth`](crate::IndexOptions::basic_auth)) guards the index's own
//! listener only, so a test can show that credentials do not travel to the files host.

use std::io::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;

/// One fault to inject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Requests whose path (as sent, percent-encoded) starts with this, such as `/simple/`,
    /// `/simple/app/` or `/files/`.
    pub path_prefix: String,
    /// How many matching requests get the fault; `None` for every one of them.
    pub times: Option<usize>,
    /// What the fault does.
    pub kind: FaultKind,
}

impl Fault {
    /// `kind` for every request under `path_prefix`.
    pub fn always(path_prefix: &str, kind: FaultKind) -> Self {
        Self {
            path_prefix: path_prefix.to_string(),
            times: None,
            kind,
        }
    }

    /// `kind` for the first `times` requests under `path_prefix`; later ones are served
    /// normally.
    pub fn first(times: usize, path_prefix: &str, kind: FaultKind) -> Self {
        Self {
            path_prefix: path_prefix.to_string(),
            times: Some(times),
            kind,
        }
    }
}

/// What an injected fault does to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status with a short text body, and a `Retry-After` header with this value
    /// when given (`"0"`, `"120"` or an HTTP-date).
    Status {
        /// The status code, such as 429 or 503.
        status: u16,
        /// The `Retry-After` value, if any.
        retry_after: Option<String>,
    },
    /// Serve the normal response, but advertise its whole `Content-Length`, send only the
    /// first half of the body and close the connection.
    ResetMidBody,
    /// Wait this many milliseconds before sending the response headers.
    SlowHeaders {
        /// The delay.
        ms: u64,
    },
    /// Answer 302 with `Location` pointing at the same URL, forever.
    RedirectLoop,
    /// Answer 200 with the normal headers (content type included) and a body that is neither
    /// JSON nor HTML with links.
    InvalidPage,
    /// Answer 200 with `Content-Encoding: gzip` and a small body that inflates to this many
    /// zero bytes.
    GzipBomb {
        /// The inflated size.
        decoded_bytes: usize,
    },
}

/// The body an [`FaultKind::InvalidPage`] fault sends.
pub(crate) const INVALID_PAGE: &[u8] = b"{\"files\": [ <<< this is not a simple API page >>>";

/// What the server should do to one request.
pub(crate) enum Action {
    /// Replace the response with this status and headers and a text body.
    Status {
        status: u16,
        headers: Vec<(&'static str, String)>,
    },
    /// Send half the body, then break the connection.
    Truncate,
    /// Wait before the headers.
    Delay(Duration),
    /// 302 to the same path.
    RedirectToSelf,
    /// Keep status and headers, replace the body.
    ReplaceBody(Bytes),
    /// 200 with `Content-Encoding: gzip` and this body.
    Gzip(Bytes),
}

/// The configured faults and how often each has fired.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    configured: Vec<Fault>,
    fired: Mutex<Vec<usize>>,
    /// Pre-compressed bodies of the [`FaultKind::GzipBomb`] faults, by fault position.
    bombs: Vec<Option<Bytes>>,
}

impl Faults {
    /// Prepare `faults` (gzip bombs are compressed here, once).
    pub(crate) fn new(faults: Vec<Fault>) -> Self {
        let bombs = faults
            .iter()
            .map(|fault| match fault.kind {
                FaultKind::GzipBomb { decoded_bytes } => {
                    Some(Bytes::from(zeros_gzip(decoded_bytes)))
                }
                _ => None,
            })
            .collect();
        Self {
            fired: Mutex::new(vec![0; faults.len()]),
            configured: faults,
            bombs,
        }
    }

    /// The action of the first fault matching `path` that has budget left (and use it up);
    /// `delays` says whether to consider [`FaultKind::SlowHeaders`] (asked separately, before
    /// the response is built) or every other kind.
    pub(crate) fn take(&self, path: &str, delays: bool) -> Option<Action> {
        let mut fired = self
            .fired
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (position, fault) in self.configured.iter().enumerate() {
            let is_delay = matches!(fault.kind, FaultKind::SlowHeaders { .. });
            if is_delay != delays || !path.starts_with(&fault.path_prefix) {
                continue;
            }
            if fault.times.is_some_and(|times| fired[position] >= times) {
                continue;
            }
            fired[position] += 1;
            return Some(match &fault.kind {
                FaultKind::Status {
                    status,
                    retry_after,
                } => Action::Status {
                    status: *status,
                    headers: retry_after
                        .iter()
                        .map(|value| ("retry-after", value.clone()))
                        .collect(),
                },
                FaultKind::ResetMidBody => Action::Truncate,
                FaultKind::SlowHeaders { ms } => Action::Delay(Duration::from_millis(*ms)),
                FaultKind::RedirectLoop => Action::RedirectToSelf,
                FaultKind::InvalidPage => Action::ReplaceBody(Bytes::from_static(INVALID_PAGE)),
                FaultKind::GzipBomb { .. } => {
                    Action::Gzip(self.bombs[position].clone().unwrap_or_default())
                }
            });
        }
        None
    }
}

/// `len` zero bytes, gzip-compressed (about 1000 to 1).
fn zeros_gzip(len: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len());
        if encoder.write_all(&block[..n]).is_err() {
            break;
        }
        left -= n;
    }
    encoder.finish().unwrap_or_default()
}

/// Whether an `Authorization` header carries HTTP Basic credentials `user:password`.
pub(crate) fn basic_auth_matches(header: Option<&str>, user: &str, password: &str) -> bool {
    let Some(encoded) = header.and_then(|value| value.trim().strip_prefix("Basic ")) else {
        return false;
    };
    base64_decode(encoded.trim())
        .is_some_and(|decoded| decoded == format!("{user}:{password}").into_bytes())
}

/// Standard base64 (RFC 4648 section 4) with padding; `None` when malformed.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(
            match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => return None,
            }
            .into(),
        )
    }
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let [_, a, b, c] = acc.to_be_bytes();
        match chunk.len() {
            4 => out.extend([a, b, c]),
            3 => out.extend([a, b]),
            2 => out.push(a),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_basic_auth() {
        // "user:s3cret" and "a:b" in base64.
        assert!(basic_auth_matches(
            Some("Basic dXNlcjpzM2NyZXQ="),
            "user",
            "s3cret"
        ));
        assert!(basic_auth_matches(Some("Basic YTpi"), "a", "b"));
        assert!(!basic_auth_matches(Some("Basic YTpi"), "a", "c"));
        assert!(!basic_auth_matches(Some("Bearer YTpi"), "a", "b"));
        assert!(!basic_auth_matches(None, "a", "b"));
        assert!(!basic_auth_matches(Some("Basic !!!!"), "a", "b"));
    }

    #[test]
    fn faults_fire_their_budget() {
        let faults = Faults::new(vec![
            Fault::first(
                2,
                "/simple/a/",
                FaultKind::Status {
                    status: 503,
                    retry_after: Some("0".into()),
                },
            ),
            Fault::always("/files/", FaultKind::SlowHeaders { ms: 5 }),
        ]);
        assert!(matches!(
            faults.take("/simple/a/", false),
            Some(Action::Status { status: 503, .. })
        ));
        assert!(faults.take("/simple/a/", false).is_some());
        assert!(faults.take("/simple/a/", false).is_none());
        assert!(faults.take("/simple/b/", false).is_none());
        assert!(faults.take("/files/x", false).is_none());
        assert!(matches!(
            faults.take("/files/x", true),
            Some(Action::Delay(_))
        ));
    }
}
