//! Response bodies: sent whole, in slow pieces, or cut off short of their `Content-Length`;
//! each one counts its request as in flight until it is dropped.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// How long a cut-off body waits before failing, so hyper flushes the bytes sent so far
/// before it drops the connection.
const CUT_OFF_FLUSH: Duration = Duration::from_millis(10);

/// Requests in flight now and the most there ever were at once.
#[derive(Debug, Default)]
pub(crate) struct Concurrency {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Concurrency {
    /// Count one more request in flight until the guard is dropped.
    pub(crate) fn enter(self: &Arc<Self>) -> InFlight {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InFlight {
            concurrency: Arc::clone(self),
        }
    }

    /// The most requests that were in flight at once.
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// One request in flight; dropping it ends the request.
#[derive(Debug)]
pub(crate) struct InFlight {
    concurrency: Arc<Concurrency>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.concurrency.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that ends its request's [`InFlight`] when hyper drops it, which is after
/// the last byte was handed to the connection (or the connection went away).
#[derive(Debug)]
pub(crate) struct ServedBody {
    pieces: VecDeque<Bytes>,
    /// Wait this long before every piece after the first.
    delay: Duration,
    /// After the last piece, fail instead of ending: hyper then closes the connection short
    /// of the advertised `Content-Length`.
    cut_off: bool,
    /// Bytes not yet handed out (the exact size hint of a body that is not cut off).
    remaining: u64,
    sleep: Option<Pin<Box<Sleep>>>,
    started: bool,
    waited: bool,
    _in_flight: InFlight,
}

impl ServedBody {
    /// `body` in `pieces` pieces (at least one) with `delay` before each after the first,
    /// ending early with an error when `cut_off`.
    pub(crate) fn new(
        body: Bytes,
        pieces: usize,
        delay: Duration,
        cut_off: bool,
        in_flight: InFlight,
    ) -> Self {
        let remaining = body.len() as u64;
        let piece_len = body.len().div_ceil(pieces.max(1)).max(1);
        let mut split = VecDeque::new();
        let mut rest = body;
        while !rest.is_empty() {
            let piece = rest.split_to(piece_len.min(rest.len()));
            split.push_back(piece);
        }
        Self {
            pieces: split,
            delay,
            cut_off,
            remaining,
            sleep: None,
            started: false,
            waited: false,
            _in_flight: in_flight,
        }
    }
}

impl Body for ServedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                ready!(sleep.as_mut().poll(cx));
                this.sleep = None;
                this.waited = true;
            }
            if this.started && !this.waited {
                let wait = match (this.pieces.is_empty(), this.cut_off) {
                    (false, _) => this.delay,
                    (true, true) => this.delay.max(CUT_OFF_FLUSH),
                    (true, false) => Duration::ZERO,
                };
                if !wait.is_zero() {
                    this.sleep = Some(Box::pin(tokio::time::sleep(wait)));
                    continue;
                }
            }
            this.started = true;
            this.waited = false;
            return Poll::Ready(match this.pieces.pop_front() {
                Some(piece) => {
                    this.remaining -= piece.len() as u64;
                    Some(Ok(Frame::data(piece)))
                }
                None if this.cut_off => {
                    // Only once: a polled-again body ends.
                    this.cut_off = false;
                    Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "injected cut-off",
                    )))
                }
                None => None,
            });
        }
    }

    fn is_end_stream(&self) -> bool {
        // Lets hyper drop the body (ending the request's `InFlight`) as soon as the last piece
        // is out, before it flushes the connection.
        self.pieces.is_empty() && !self.cut_off
    }

    fn size_hint(&self) -> SizeHint {
        if self.cut_off {
            // Unknown, so hyper frames the body by the `Content-Length` header, which gives
            // the full size.
            SizeHint::default()
        } else {
            SizeHint::with_exact(self.remaining)
        }
    }
}
