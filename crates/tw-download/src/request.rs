//! What to download and where: requests, options and results.

use std::path::PathBuf;

use url::Url;

use crate::error::DownloadError;

/// One file to fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadRequest {
    /// The package the file belongs to, for messages.
    pub name: String,
    /// The name to store the file under in the destination directory; must be a plain file
    /// name (no path separators).
    pub filename: String,
    /// Where to fetch it (`http`, `https` or `file`).
    pub url: Url,
    /// The expected SHA-256 in hex (either case is accepted; compared lower-case).
    pub sha256: String,
    /// The size in bytes, when the index gave one; used for progress only.
    pub size: Option<u64>,
}

impl DownloadRequest {
    /// Check the file name and the hash; the hash comes back lower-cased.
    pub(crate) fn validate(&self) -> Result<String, DownloadError> {
        let filename = self.filename.as_str();
        let plain = !filename.is_empty()
            && filename != "."
            && filename != ".."
            && !filename.contains(['/', '\\', '\0']);
        if !plain {
            return Err(DownloadError::Filename {
                filename: self.filename.clone(),
                url: tw_client::redact_url(&self.url),
            });
        }
        let sha256 = self.sha256.to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(DownloadError::InvalidHash {
                filename: self.filename.clone(),
                url: tw_client::redact_url(&self.url),
                sha256: self.sha256.clone(),
            });
        }
        Ok(sha256)
    }
}

/// Where downloads go and how they are fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadOptions {
    /// The destination directory; created if missing. Files land here under their
    /// [`DownloadRequest::filename`].
    pub dest: PathBuf,
    /// How many files are fetched at once (default 16; 0 counts as 1). The client's own
    /// limit applies on top.
    pub concurrency: usize,
    /// How many times one file's failures (connection errors, 5xx, 429, bodies cut off) are
    /// retried, with backoff from 100 ms doubling; the count starts over whenever a retry
    /// gets further into the file than any attempt before (default 3).
    pub retries: u32,
    /// A cache shared between destinations, keyed by sha256:
    /// `<cache>/files-v1/<sha256[..2]>/<sha256>`. A hit is hard-linked (or copied) into the
    /// destination without a request; every verified download is added to it. `None`
    /// (the default) uses no cache.
    pub cache_dir: Option<PathBuf>,
}

impl DownloadOptions {
    /// Options for downloading into `dest`: 16 at once, 3 retries, no cache.
    pub fn new(dest: impl Into<PathBuf>) -> Self {
        Self {
            dest: dest.into(),
            concurrency: 16,
            retries: 3,
            cache_dir: None,
        }
    }
}

/// How a file came to be in the destination directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Downloaded now.
    Fetched {
        /// The size of the file (bytes received again after a restart not included).
        bytes: u64,
    },
    /// It was already there with the right hash; no request was sent.
    AlreadyPresent,
    /// Linked or copied from the cache; no request was sent.
    FromCache,
}

/// A file that is in place under its final name, with the expected hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloaded {
    /// The request it answers.
    pub request: DownloadRequest,
    /// `dest/filename`.
    pub path: PathBuf,
    /// Whether it was fetched, already present or taken from the cache.
    pub outcome: Outcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(filename: &str, sha256: &str) -> DownloadRequest {
        DownloadRequest {
            name: "a".to_string(),
            filename: filename.to_string(),
            url: Url::parse("https://user:secret@files.example.invalid/a.whl").unwrap(),
            sha256: sha256.to_string(),
            size: None,
        }
    }

    #[test]
    fn accepts_plain_names_and_lower_cases_the_hash() {
        let upper = "AB".repeat(32);
        assert_eq!(
            request("a-1.0-py3-none-any.whl", &upper)
                .validate()
                .unwrap(),
            "ab".repeat(32)
        );
    }

    #[test]
    fn rejects_paths_and_bad_hashes() {
        let good = "0".repeat(64);
        for filename in ["", ".", "..", "../a.whl", "a/b.whl", "a\\b.whl", "a\0.whl"] {
            let error = request(filename, &good).validate().unwrap_err();
            assert!(
                matches!(error, DownloadError::Filename { .. }),
                "{filename:?}"
            );
            assert!(!error.to_string().contains("secret"), "{error}");
        }
        for sha256 in ["", "abc", &"g".repeat(64), &"0".repeat(63), &"é".repeat(32)] {
            let error = request("a.whl", sha256).validate().unwrap_err();
            assert!(
                matches!(error, DownloadError::InvalidHash { .. }),
                "{sha256:?}"
            );
        }
    }
}
