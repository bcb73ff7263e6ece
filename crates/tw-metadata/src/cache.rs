//! The on-disk metadata cache: what a file's metadata said, keyed by the file's URL and its
//! sha256 from the index, so a later run needs no request at all for it.
//!
//! Layout: `<cache-dir>/metadata-v1/<2 hex>/<62 hex>`, the key being sha256 of
//! `"<url>\n<sha256>"`, the value the raw METADATA text. Files without an index hash are
//! never cached (their content could change under the same URL). Entries are written to a
//! temporary file and renamed, so a crash never leaves half an entry; a damaged entry is
//! treated as a miss.

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use tracing::debug;
use tw_index::IndexFile;

/// A directory of cached metadata; `None` disables caching.
#[derive(Debug, Clone, Default)]
pub(crate) struct MetadataCache {
    dir: Option<PathBuf>,
}

impl MetadataCache {
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        Self {
            dir: dir.map(|dir| dir.join("metadata-v1")),
        }
    }

    fn path(&self, file: &IndexFile) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let sha256 = file.sha256.as_ref()?;
        let key = hex::encode(Sha256::digest(format!("{}\n{sha256}", file.url).as_bytes()));
        Some(dir.join(&key[..2]).join(&key[2..]))
    }

    /// The cached METADATA bytes of `file`, if any.
    pub(crate) async fn get(&self, file: &IndexFile) -> Option<Vec<u8>> {
        let path = self.path(file)?;
        tokio::fs::read(&path).await.ok()
    }

    /// Remember `metadata` for `file`. Failures only cost a future cache miss.
    pub(crate) async fn put(&self, file: &IndexFile, metadata: &[u8]) {
        let Some(path) = self.path(file) else { return };
        let Some(parent) = path.parent() else { return };
        let result = async {
            tokio::fs::create_dir_all(parent).await?;
            let temporary = path.with_extension(format!("tmp{}", std::process::id()));
            tokio::fs::write(&temporary, metadata).await?;
            tokio::fs::rename(&temporary, &path).await
        }
        .await;
        if let Err(err) = result {
            debug!(path = %path.display(), "cannot write the metadata cache: {err}");
        }
    }
}
