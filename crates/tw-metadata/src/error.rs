//! Errors of metadata retrieval; each names the file or URL.

/// Metadata could not be obtained or is not usable.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// The transfer failed.
    #[error(transparent)]
    Client(#[from] tw_client::ClientError),
    /// The metadata text is malformed.
    #[error("invalid metadata in `{subject}`: {reason}")]
    Invalid {
        /// File or URL.
        subject: String,
        /// What is wrong.
        reason: String,
    },
    /// The metadata describes another distribution than the file name says.
    #[error("metadata of `{subject}` is for `{found}`, but the file name says `{expected}`")]
    Mismatch {
        /// File or URL.
        subject: String,
        /// Name and version from the file name.
        expected: String,
        /// Name and version from the metadata.
        found: String,
    },
    /// A downloaded file does not have the hash the index promised.
    #[error("hash mismatch for `{subject}`: expected sha256 `{expected}`, got `{actual}`")]
    Hash {
        /// File or URL.
        subject: String,
        /// The index's sha256.
        expected: String,
        /// The sha256 of what arrived.
        actual: String,
    },
    /// An archive member's CRC-32 does not match the one its central directory records.
    #[error(
        "CRC-32 mismatch for `{member}` in `{subject}`: expected {expected:08x}, got {actual:08x}"
    )]
    Crc {
        /// File or URL.
        subject: String,
        /// The archive member.
        member: String,
        /// The CRC-32 the central directory records.
        expected: u32,
        /// The CRC-32 of the inflated bytes.
        actual: u32,
    },
    /// The archive is not a valid wheel or sdist.
    #[error("cannot read `{subject}` as an archive: {reason}")]
    Archive {
        /// File or URL.
        subject: String,
        /// What is wrong.
        reason: String,
    },
    /// The sdist's dependencies are only known after a build.
    #[error(
        "`{subject}` declares dynamic dependencies (or has no PKG-INFO with Metadata-Version 2.2+), so only a build can tell them"
    )]
    NeedsBuild {
        /// The sdist file name.
        subject: String,
    },
    /// A whole file could not be spooled to (or read back from) a temporary file.
    #[error("cannot keep `{subject}` in a temporary file")]
    TempFile {
        /// File or URL.
        subject: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Building the sdist to learn its metadata failed.
    #[error("cannot build `{subject}` to read its metadata: {reason}")]
    Build {
        /// The sdist file name.
        subject: String,
        /// What failed, with the last lines of the backend's output.
        reason: String,
    },
}

impl MetadataError {
    /// A zip reading failure about `subject` (file or URL): a CRC-32 mismatch keeps its own
    /// variant, anything else is [`MetadataError::Archive`].
    pub(crate) fn from_zip(subject: &str, error: crate::zip_tail::ZipTailError) -> Self {
        match error {
            crate::zip_tail::ZipTailError::Crc {
                member,
                expected,
                actual,
            } => Self::Crc {
                subject: subject.to_string(),
                member,
                expected,
                actual,
            },
            other => Self::Archive {
                subject: subject.to_string(),
                reason: other.to_string(),
            },
        }
    }
}
