//! Errors of reading and writing lock files; each names the file it is about.

use std::fmt;
use std::path::PathBuf;

/// Where in a lock file a bad value sits, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A logical line of a `requirements.txt` (1-based; the first physical
    /// line when `\` continuations are joined).
    Line(usize),
    /// An entry of the `[[packages]]` array of a `pylock.toml` (0-based, as
    /// in `packages[0]`).
    Package(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(line) => write!(f, "line {line}"),
            Self::Package(index) => write!(f, "`packages[{index}]`"),
        }
    }
}

/// A lock file could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file exists but could not be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file (or its temporary sibling) could not be written, synced or
    /// renamed into place.
    #[error("cannot write `{}`", path.display())]
    Write {
        /// The destination file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A `pylock.toml` is not valid TOML.
    #[error("`{}` is not valid TOML", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// What the TOML parser reported.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A `pylock.toml` lacks a required key or has a value of the wrong type.
    #[error("`{key}` in `{}` is missing or not {expected}", path.display())]
    PylockShape {
        /// The file.
        path: PathBuf,
        /// The dotted key, e.g. `packages[2].name`.
        key: String,
        /// What was expected there, e.g. `a string`.
        expected: &'static str,
    },
    /// A pinned package name is not a valid name.
    #[error("invalid package name `{name}` at {location} of `{}`", path.display())]
    InvalidName {
        /// The file.
        path: PathBuf,
        /// Where the name is.
        location: Location,
        /// The name as written.
        name: String,
        /// Why it is invalid.
        #[source]
        source: pep508_rs::InvalidNameError,
    },
    /// A pinned version is not a valid PEP 440 version.
    #[error("invalid version `{version}` at {location} of `{}`", path.display())]
    InvalidVersion {
        /// The file.
        path: PathBuf,
        /// Where the version is.
        location: Location,
        /// The version as written.
        version: String,
        /// Why it is invalid.
        #[source]
        source: Box<pep440_rs::VersionParseError>,
    },
    /// A package's environment marker is not a valid PEP 508 marker.
    #[error("invalid marker `{marker}` at {location} of `{}`: {reason}", path.display())]
    InvalidMarker {
        /// The file.
        path: PathBuf,
        /// Where the marker is.
        location: Location,
        /// The marker as written.
        marker: String,
        /// Why it is invalid (the parser's message and position).
        reason: String,
    },
}

/// A lock format name that [`LockFormat`](crate::LockFormat) does not know.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown lock format `{value}` (expected `pylock`, `pylock.toml`, `requirements-txt` or `requirements.txt`)"
)]
pub struct UnknownLockFormat {
    /// The value as given.
    pub value: String,
}
