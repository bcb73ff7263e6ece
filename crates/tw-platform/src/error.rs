//! Errors of this crate; each names the string or interpreter path it is about.

use std::path::PathBuf;
use std::process::ExitStatus;

/// Why a `--python-version`, a `--python-platform` or an interpreter query was rejected.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// `--python-version` is not a PEP 440 version.
    #[error("invalid Python version `{version}`")]
    InvalidPythonVersion {
        /// The string as given.
        version: String,
        /// What the PEP 440 parser reported.
        #[source]
        source: pep440_rs::VersionParseError,
    },
    /// `--python-version` is a version, but not of the form `3.Y` or `3.Y.Z`.
    #[error(
        "unsupported Python version `{version}` (expected `3.Y` or `3.Y.Z`, optionally with a pre-release like `3.14.0rc1`)"
    )]
    UnsupportedPythonVersion {
        /// The string as given.
        version: String,
    },
    /// `--python-platform` is not one of the known names.
    #[error("unknown Python platform `{platform}` (expected one of: {accepted})")]
    UnknownPythonPlatform {
        /// The string as given.
        platform: String,
        /// The accepted values, comma separated, ranges abbreviated.
        accepted: String,
    },
    /// The interpreter could not be started.
    #[error("cannot run the Python interpreter `{}`", python.display())]
    InterpreterSpawn {
        /// The interpreter path.
        python: PathBuf,
        /// The I/O error from spawning it.
        #[source]
        source: std::io::Error,
    },
    /// The interpreter ran the query script but failed.
    #[error("querying the Python interpreter `{}` failed ({status}): {stderr}", python.display())]
    InterpreterFailed {
        /// The interpreter path.
        python: PathBuf,
        /// Its exit status.
        status: ExitStatus,
        /// The last lines it wrote to stderr.
        stderr: String,
    },
    /// The query script's output was not the expected JSON object.
    #[error("the Python interpreter `{}` printed unexpected query output", python.display())]
    InterpreterOutput {
        /// The interpreter path.
        python: PathBuf,
        /// What the JSON parser reported.
        #[source]
        source: serde_json::Error,
    },
    /// The interpreter reported a marker version that is not PEP 440.
    #[error("the Python interpreter `{}` reported an invalid marker version", python.display())]
    InterpreterMarkers {
        /// The interpreter path.
        python: PathBuf,
        /// What the PEP 440 parser reported.
        #[source]
        source: pep440_rs::VersionParseError,
    },
    /// The interpreter is not Python 3 (or reported a `python_version` without a minor part).
    #[error("the Python interpreter `{}` is Python `{version}`; only Python 3 is supported", python.display())]
    UnsupportedInterpreter {
        /// The interpreter path.
        python: PathBuf,
        /// Its `python_full_version`.
        version: String,
    },
    /// The interpreter's `packaging.tags` produced a malformed tag.
    #[error("the Python interpreter `{}` reported an invalid wheel tag `{tag}`", python.display())]
    InterpreterTag {
        /// The interpreter path.
        python: PathBuf,
        /// The tag, joined with `-`.
        tag: String,
    },
    /// `--universal` needs a lowest Python version (`requires-python = ">=3.10"`).
    #[error(
        "`requires-python` `{requires_python}` has no lower bound; a universal resolution needs one (`>=3.10`, or `--python-version`)"
    )]
    NoPythonLowerBound {
        /// The specifiers as given.
        requires_python: String,
    },
}
