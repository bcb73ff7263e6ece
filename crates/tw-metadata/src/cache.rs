//! The on-disk metadata cache: what a file's metadata said, keyed by the file's URL and its
//! sha256 from the index, so a later run needs no request at all for it.
//!
//! Layout: `<cache-dir>/metadata-v2/<2 hex>/<62 hex>`, the key being sha256 of
//! `"<url>\n<sha256>"`, the value the sha256 of the METADATA text (32 bytes) followed by
//! the text. Files without an index hash are never cached (their content could change under
//! the same URL). Entries are written to a temporary file and renamed, so a crash never
//! leaves half an entry; an entry whose checksum does not match (truncated, damaged, or
//! written by something else) is a miss, never trusted, and the next `put` replaces it.
//!
//! `metadata-v1` held the bare text without a checksum; it is no longer read.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use tracing::debug;
use tw_index::IndexFile;

/// A directory of cached metadata; `None` disables caching.
#[derive(Debug, Clone, Default)]
pub(crate) struct MetadataCache {
    dir: Option<PathBuf>,
    /// Makes temporary file names unique within the process (shared by clones).
    writes: Arc<AtomicU64>,
}

/// Length of the checksum in front of every entry.
const CHECKSUM_LEN: usize = 32;

impl MetadataCache {
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        Self {
            dir: dir.map(|dir| dir.join("metadata-v2")),
            writes: Arc::default(),
        }
    }

    fn path(&self, file: &IndexFile, kind: Kind) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let sha256 = file.sha256.as_ref()?;
        let key = match kind {
            Kind::Metadata => format!("{}\n{sha256}", file.url),
            Kind::UntrustedPkgInfo => format!("{}\n{sha256}\npkg-info", file.url),
        };
        let key = hex::encode(Sha256::digest(key.as_bytes()));
        Some(dir.join(&key[..2]).join(&key[2..]))
    }

    /// The cached METADATA bytes of `file`, if any and intact.
    pub(crate) async fn get(&self, file: &IndexFile) -> Option<Vec<u8>> {
        self.get_kind(file, Kind::Metadata).await
    }

    /// Remember `metadata` for `file`. Failures only cost a future cache miss.
    pub(crate) async fn put(&self, file: &IndexFile, metadata: &[u8]) {
        self.put_kind(file, Kind::Metadata, metadata).await;
    }

    /// The `PKG-INFO` of an sdist that was read and found not to be enough without a build
    /// (so a later run knows that without downloading the sdist again).
    pub(crate) async fn get_untrusted_pkg_info(&self, file: &IndexFile) -> Option<Vec<u8>> {
        self.get_kind(file, Kind::UntrustedPkgInfo).await
    }

    /// Remember an sdist's `PKG-INFO` that needs a build to be completed.
    pub(crate) async fn put_untrusted_pkg_info(&self, file: &IndexFile, pkg_info: &[u8]) {
        self.put_kind(file, Kind::UntrustedPkgInfo, pkg_info).await;
    }

    async fn get_kind(&self, file: &IndexFile, kind: Kind) -> Option<Vec<u8>> {
        let path = self.path(file, kind)?;
        let entry = tokio::fs::read(&path).await.ok()?;
        let metadata = decode(entry);
        if metadata.is_none() {
            debug!(path = %path.display(), "damaged metadata cache entry, ignoring it");
        }
        metadata
    }

    async fn put_kind(&self, file: &IndexFile, kind: Kind, metadata: &[u8]) {
        let Some(path) = self.path(file, kind) else {
            return;
        };
        let Some(parent) = path.parent() else { return };
        let temporary = path.with_extension(format!(
            "tmp{}-{}",
            std::process::id(),
            self.writes.fetch_add(1, Ordering::Relaxed)
        ));
        let result = async {
            tokio::fs::create_dir_all(parent).await?;
            tokio::fs::write(&temporary, encode(metadata)).await?;
            tokio::fs::rename(&temporary, &path).await
        }
        .await;
        if let Err(err) = result {
            debug!(path = %path.display(), "cannot write the metadata cache: {err}");
            // Whatever is left of the temporary file is garbage; it may not exist.
            let _ = tokio::fs::remove_file(&temporary).await;
        }
    }
}

/// What an entry holds.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Metadata to use as it is (a wheel's, a static `PKG-INFO`, a build's result).
    Metadata,
    /// An sdist's `PKG-INFO` that does not say enough without a build.
    UntrustedPkgInfo,
}

/// An entry: the checksum of `metadata`, then `metadata`.
fn encode(metadata: &[u8]) -> Vec<u8> {
    let mut entry = Vec::with_capacity(CHECKSUM_LEN + metadata.len());
    entry.extend_from_slice(&Sha256::digest(metadata));
    entry.extend_from_slice(metadata);
    entry
}

/// The METADATA text of an entry, or `None` when its checksum does not match.
fn decode(mut entry: Vec<u8>) -> Option<Vec<u8>> {
    if entry.len() < CHECKSUM_LEN {
        return None;
    }
    let (checksum, metadata) = entry.split_at(CHECKSUM_LEN);
    if Sha256::digest(metadata).as_slice() != checksum {
        return None;
    }
    entry.drain(..CHECKSUM_LEN);
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_entries_are_misses() {
        let metadata = b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n";
        let entry = encode(metadata);
        assert_eq!(decode(entry.clone()).as_deref(), Some(&metadata[..]));
        assert_eq!(decode(encode(b"")).as_deref(), Some(&b""[..]));
        for cut in [0, 10, CHECKSUM_LEN, entry.len() - 1] {
            assert!(decode(entry[..cut].to_vec()).is_none(), "cut at {cut}");
        }
        for position in [0, CHECKSUM_LEN, entry.len() - 1] {
            let mut flipped = entry.clone();
            flipped[position] ^= 0x20;
            assert!(decode(flipped).is_none(), "flip at {position}");
        }
        // A `metadata-v1` entry (bare text) is not an entry.
        assert!(decode(metadata.to_vec()).is_none());
    }
}
