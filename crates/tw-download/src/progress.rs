//! The progress seam: the CLI draws a bar, tests and libraries pass [`NoProgress`].

/// Receives progress of a [`download_all`](crate::download_all) call.
///
/// Calls come from the downloading futures as things happen, possibly interleaved between
/// files, so implementations use interior mutability (atomics, a mutex, or a progress bar
/// that is itself `Sync`). Every method must be cheap: it is called for each chunk received.
pub trait Progress: Send + Sync {
    /// Called once, before anything else: how many distinct files the call handles, and
    /// their total size when every request gave one.
    fn total(&self, files: usize, bytes: Option<u64>);

    /// `bytes` more are in place: received from the network, or (all at once) the size of a
    /// file found already present or in the cache. Bytes received again after a download
    /// had to start over are not counted twice.
    fn advance(&self, bytes: u64);

    /// `filename` is complete under its final name (fetched, already present or from the
    /// cache). Not called for a file that failed.
    fn finished(&self, filename: &str);
}

/// A [`Progress`] that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn total(&self, _files: usize, _bytes: Option<u64>) {}

    fn advance(&self, _bytes: u64) {}

    fn finished(&self, _filename: &str) {}
}
