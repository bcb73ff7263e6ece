//! Errors of reading requirements files and `pyproject.toml`.
//!
//! Every error names its file; those tied to a place also carry the [`Origin`] and the
//! offending physical line, and their `Display` renders that line with a caret under the
//! column:
//!
//! ```text
//! `requirements.txt:3:8`: invalid requirement: Expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `$`
//!   3 | flask >$ 2
//!     |        ^
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use pep508_rs::{ExtraName, InvalidNameError, Pep508ErrorSource};

use crate::{GroupName, Origin};

/// Reading requirements failed; see each variant for what it names.
#[derive(Debug, thiserror::Error)]
pub enum RequirementsError {
    /// A file given by the caller could not be read; the I/O error (from `fs_err`) names the
    /// operation and the path.
    #[error(transparent)]
    Io(io::Error),

    /// A requirement is not valid PEP 508.
    ///
    /// The parser's message is part of this error's own text (with a caret under the column),
    /// so it is kept as a field, not as the `source`, to avoid printing it twice.
    #[error(
        "`{origin}`: invalid requirement: {error}\n{}",
        Excerpt(origin, source_line)
    )]
    InvalidRequirement {
        /// Where the parser stopped.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// What the PEP 508 parser reported.
        error: Box<Pep508ErrorSource>,
    },

    /// A path or URL that cannot be used as a direct reference (issue 16).
    #[error("`{origin}`: {error}\n{}", Excerpt(origin, source_line))]
    InvalidDirectReference {
        /// Where the reference starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// What is wrong with it.
        error: crate::DirectReferenceError,
    },

    /// A direct reference in a constraints file, or an editable that is not a local
    /// directory: pip refuses both too.
    #[error("`{origin}`: {reason}\n{}", Excerpt(origin, source_line))]
    MisplacedDirectReference {
        /// Where the reference starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// Why it is not allowed there.
        reason: &'static str,
    },

    /// The input uses a form tailwheel recognises but cannot handle yet.
    #[error("`{origin}`: {feature}\n{}", Excerpt(origin, source_line))]
    Unsupported {
        /// Where the unsupported item starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// Which form it is.
        feature: UnsupportedFeature,
    },

    /// An option that requirements files do not have (or that tailwheel does not know).
    #[error(
        "`{origin}`: unknown option `{option}`\n{}",
        Excerpt(origin, source_line)
    )]
    UnknownOption {
        /// Where the option starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The option as written, without any `=value`.
        option: String,
    },

    /// An option that needs a value ends the line.
    #[error(
        "`{origin}`: option `{option}` needs a value\n{}",
        Excerpt(origin, source_line)
    )]
    MissingOptionValue {
        /// Where the option starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The option as written.
        option: String,
    },

    /// A flag such as `--pre` was given `=value`.
    #[error(
        "`{origin}`: option `{option}` takes no value\n{}",
        Excerpt(origin, source_line)
    )]
    UnexpectedOptionValue {
        /// Where the option starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The option as written, without the value.
        option: String,
    },

    /// A global option (such as `--index-url`) follows a requirement on the same line, where
    /// only `--hash` is allowed.
    #[error(
        "`{origin}`: option `{option}` cannot follow a requirement; only `--hash` can, put `{option}` on its own line\n{}",
        Excerpt(origin, source_line)
    )]
    MisplacedOption {
        /// Where the option starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The option as written.
        option: String,
    },

    /// `--hash` appears on a line without a requirement.
    #[error(
        "`{origin}`: `--hash` must follow a requirement on the same line\n{}",
        Excerpt(origin, source_line)
    )]
    HashWithoutRequirement {
        /// Where `--hash` starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
    },

    /// A word on an option line that is neither an option nor an option's value.
    #[error(
        "`{origin}`: unexpected argument `{argument}`; requirements go at the start of a line\n{}",
        Excerpt(origin, source_line)
    )]
    UnexpectedArgument {
        /// Where the argument starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The argument.
        argument: String,
    },

    /// A quote in the options part of a line is never closed.
    #[error("`{origin}`: unterminated quote\n{}", Excerpt(origin, source_line))]
    UnterminatedQuote {
        /// Where the opening quote is.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
    },

    /// A `--hash` value is not `algorithm:hexdigest` with a strong algorithm.
    #[error(
        "`{origin}`: invalid hash `{hash}`: {problem}\n{}",
        Excerpt(origin, source_line)
    )]
    InvalidHash {
        /// Where the hash value starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The value as given.
        hash: String,
        /// What is wrong with it.
        problem: HashProblem,
    },

    /// An `--index-url`/`--extra-index-url` value is not a URL.
    ///
    /// The message does not repeat the value, which may carry credentials from `${VAR}`.
    #[error(
        "`{origin}`: `{option}` needs an absolute URL\n{}",
        Excerpt(origin, source_line)
    )]
    InvalidUrl {
        /// Where the value starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The option's long name.
        option: &'static str,
        /// The value as given (after `${VAR}` expansion).
        url: String,
        /// Why the URL parser rejected it.
        #[source]
        source: url::ParseError,
    },

    /// A file named by `-r`/`-c` could not be read.
    #[error(
        "`{origin}`: included file `{}` {}\n{}",
        path.display(),
        include_problem(source),
        Excerpt(origin, source_line)
    )]
    Include {
        /// The `-r`/`-c` option in the including file.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The included file, joined onto the including file's directory.
        path: PathBuf,
        /// The I/O error (from `fs_err`, so it names the path too).
        #[source]
        source: io::Error,
    },

    /// A file includes itself, directly or through other files.
    #[error(
        "`{origin}`: include cycle: {}\n{}",
        Chain(cycle),
        Excerpt(origin, source_line)
    )]
    IncludeCycle {
        /// The `-r`/`-c` option that closes the cycle.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The files of the cycle, starting and ending with the same file.
        cycle: Vec<PathBuf>,
    },

    /// A requirements file's bytes are not text in an encoding pip would read.
    #[error("`{origin}`: cannot read the file as text: {reason}")]
    Encoding {
        /// The file, and the place of the first undecodable byte.
        origin: Origin,
        /// What is wrong.
        reason: String,
    },

    /// A `pyproject.toml` is not valid TOML.
    #[error("`{origin}`: invalid TOML: {}\n{}", error.message(), Excerpt(origin, source_line))]
    Toml {
        /// Where the TOML parser stopped.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// What the TOML parser reported; its message is part of this error's text.
        error: Box<toml::de::Error>,
    },

    /// A `pyproject.toml` has no `[project]` table, so it declares no dependencies.
    #[error(
        "`{}`: no `[project]` table; tailwheel reads `[project] dependencies` and `[project.optional-dependencies]` (or only `[dependency-groups]` with `--group`)",
        path.display()
    )]
    MissingProject {
        /// The `pyproject.toml`.
        path: PathBuf,
    },

    /// A `pyproject.toml` value has the wrong type.
    #[error(
        "`{origin}`: `{key}` must be {expected}\n{}",
        Excerpt(origin, source_line)
    )]
    InvalidPyproject {
        /// Where the value starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The dotted key, e.g. `project.dependencies`.
        key: String,
        /// What it must be, e.g. `an array of strings`.
        expected: &'static str,
    },

    /// A key of `[project.optional-dependencies]` is not a valid extra name.
    #[error(
        "`{origin}`: invalid extra name: {error}\n{}",
        Excerpt(origin, source_line)
    )]
    InvalidExtraName {
        /// Where the key starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// Why the name is invalid (shown as part of this error's text).
        error: InvalidNameError,
    },

    /// An extra was requested that the project does not define.
    #[error(
        "`{}`: the project has no extra `{extra}` ({})",
        path.display(),
        Available(available)
    )]
    UnknownExtra {
        /// The `pyproject.toml`.
        path: PathBuf,
        /// The requested extra.
        extra: ExtraName,
        /// The extras the project defines, in file order.
        available: Vec<ExtraName>,
    },

    /// A key of `[dependency-groups]` is not a valid group name (PEP 735).
    #[error(
        "`{origin}`: invalid dependency group name: {error}\n{}",
        Excerpt(origin, source_line)
    )]
    InvalidGroupName {
        /// Where the key starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// Why the name is invalid (shown as part of this error's text).
        error: InvalidNameError,
    },

    /// Two keys of `[dependency-groups]` normalize to the same name (PEP 735 forbids it).
    #[error(
        "`{origin}`: dependency group `{group}` is defined twice (names are compared normalized)\n{}",
        Excerpt(origin, source_line)
    )]
    DuplicateGroup {
        /// Where the second definition starts.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The normalized name.
        group: GroupName,
    },

    /// A dependency group was requested (or included) that the file does not define.
    #[error(
        "`{}`: no dependency group `{group}` ({})",
        path.display(),
        AvailableGroups(available)
    )]
    UnknownGroup {
        /// The `pyproject.toml`.
        path: PathBuf,
        /// The requested group.
        group: GroupName,
        /// The groups the file defines, in file order.
        available: Vec<GroupName>,
    },

    /// Dependency groups include each other in a cycle.
    #[error(
        "`{origin}`: dependency groups include each other in a cycle: {cycle}\n{}",
        Excerpt(origin, source_line)
    )]
    GroupCycle {
        /// The `include-group` that closes the cycle.
        origin: Origin,
        /// The physical line `origin` points into.
        source_line: String,
        /// The groups in the cycle, e.g. `` `a` -> `b` -> `a` ``.
        cycle: String,
    },
}

impl RequirementsError {
    /// The place in a file this error points at, if it points at one.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Self::InvalidRequirement { origin, .. }
            | Self::InvalidDirectReference { origin, .. }
            | Self::MisplacedDirectReference { origin, .. }
            | Self::Unsupported { origin, .. }
            | Self::UnknownOption { origin, .. }
            | Self::MissingOptionValue { origin, .. }
            | Self::UnexpectedOptionValue { origin, .. }
            | Self::MisplacedOption { origin, .. }
            | Self::HashWithoutRequirement { origin, .. }
            | Self::UnexpectedArgument { origin, .. }
            | Self::UnterminatedQuote { origin, .. }
            | Self::InvalidHash { origin, .. }
            | Self::InvalidUrl { origin, .. }
            | Self::Include { origin, .. }
            | Self::IncludeCycle { origin, .. }
            | Self::Toml { origin, .. }
            | Self::InvalidPyproject { origin, .. }
            | Self::InvalidExtraName { origin, .. }
            | Self::InvalidGroupName { origin, .. }
            | Self::DuplicateGroup { origin, .. }
            | Self::GroupCycle { origin, .. }
            | Self::Encoding { origin, .. } => Some(origin),
            Self::Io(_)
            | Self::MissingProject { .. }
            | Self::UnknownExtra { .. }
            | Self::UnknownGroup { .. } => None,
        }
    }
}

/// A form of requirement or option that tailwheel recognises but does not support yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsupportedFeature {
    /// `-e`/`--editable` lines.
    Editable,
    /// A local directory, archive or `file:` URL (`./pkg`, `pkg.whl`, `name @ file:///…`).
    LocalPath,
    /// A URL without a package name in front of it.
    UnnamedUrl,
    /// `-r`/`-c` naming a URL instead of a local file.
    RemoteInclude,
    /// `dynamic = ["dependencies"]` (or `optional-dependencies`) in `pyproject.toml`; no
    /// longer produced since issue 16 ([`crate::DynamicProject`]: the caller builds it).
    DynamicDependencies,
    /// `--prefer-binary`: an older wheel over a newer sdist, a preference tailwheel does not
    /// make (refused rather than silently ignored, issue 18).
    PreferBinary,
}

impl fmt::Display for UnsupportedFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Editable => "editable requirements are not supported yet",
            Self::LocalPath => "local path requirements are not supported yet",
            Self::UnnamedUrl => {
                "URL requirements without a package name are not supported yet; write `name @ URL`"
            }
            Self::RemoteInclude => "including requirements files from a URL is not supported yet",
            Self::DynamicDependencies => {
                "dynamic dependencies are not supported yet; list them in `[project]`"
            }
            Self::PreferBinary => {
                "`--prefer-binary` is not supported: tailwheel does not trade a newer version for a wheel; use `--only-binary :all:` (or `--only-binary NAME`) to never use sdists"
            }
        })
    }
}

/// Why a `--hash` value was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashProblem {
    /// There is no `:` between algorithm and digest.
    MissingAlgorithm,
    /// The algorithm is not `sha256`, `sha384` or `sha512` (pip accepts only these).
    UnsupportedAlgorithm,
    /// The digest has characters other than hexadecimal digits.
    NotHex,
    /// The digest has the wrong number of hexadecimal digits for its algorithm.
    WrongLength {
        /// How many hex digits the algorithm's digest has.
        expected: usize,
        /// How many were given.
        found: usize,
    },
}

impl fmt::Display for HashProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingAlgorithm => f.write_str("expected `<algorithm>:<hex digest>`"),
            Self::UnsupportedAlgorithm => {
                f.write_str("the algorithm must be `sha256`, `sha384` or `sha512`")
            }
            Self::NotHex => f.write_str("the digest must be hexadecimal"),
            Self::WrongLength { expected, found } => {
                write!(f, "expected {expected} hex digits, found {found}")
            }
        }
    }
}

/// The offending line with a caret under the origin's column, indented under the message.
struct Excerpt<'a>(&'a Origin, &'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(origin, line) = *self;
        let number = origin.line.to_string();
        let gutter = " ".repeat(number.len());
        write!(f, "  {number} |")?;
        if !line.is_empty() {
            write!(f, " {line}")?;
        }
        write!(f, "\n  {gutter} | ")?;
        // Copy tabs so the caret lines up however wide the terminal renders them.
        let mut chars = line.chars();
        for _ in 1..origin.column {
            let pad = if chars.next() == Some('\t') {
                '\t'
            } else {
                ' '
            };
            write!(f, "{pad}")?;
        }
        write!(f, "^")
    }
}

/// `a.txt` -> `b.txt` -> `a.txt`.
struct Chain<'a>(&'a [PathBuf]);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, path) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" -> ")?;
            }
            write!(f, "`{}`", path.display())?;
        }
        Ok(())
    }
}

/// Renders as "available: `dev`, `test`" or as "it defines none".
struct Available<'a>(&'a [ExtraName]);

impl fmt::Display for Available<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("it defines none");
        }
        f.write_str("available: ")?;
        for (index, extra) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{extra}`")?;
        }
        Ok(())
    }
}

/// Renders as "it defines `dev`, `test`" or as "it defines none".
struct AvailableGroups<'a>(&'a [GroupName]);

impl fmt::Display for AvailableGroups<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("it defines none");
        }
        f.write_str("it defines ")?;
        for (index, group) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{group}`")?;
        }
        Ok(())
    }
}

fn include_problem(error: &io::Error) -> &'static str {
    if error.kind() == io::ErrorKind::NotFound {
        "does not exist"
    } else {
        "cannot be read"
    }
}

/// Build an [`Origin`] plus the physical line it points into from a file's contents.
pub(crate) fn locate(path: &Path, lines: &[&str], line: usize, column: usize) -> (Origin, String) {
    let source_line = lines
        .get(line.saturating_sub(1))
        .copied()
        .unwrap_or_default()
        .to_string();
    let origin = Origin {
        path: path.to_path_buf(),
        line,
        column,
    };
    (origin, source_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(line: usize, column: usize) -> Origin {
        Origin {
            path: PathBuf::from("requirements.txt"),
            line,
            column,
        }
    }

    #[test]
    fn excerpt_puts_caret_under_column() {
        let text = Excerpt(&origin(3, 8), "flask >$ 2").to_string();
        assert_eq!(text, "  3 | flask >$ 2\n    |        ^");
    }

    #[test]
    fn excerpt_keeps_tabs_and_widens_gutter() {
        let text = Excerpt(&origin(12, 3), "\tab").to_string();
        assert_eq!(text, "  12 | \tab\n     | \t ^");
    }

    #[test]
    fn excerpt_of_empty_line_has_no_trailing_space() {
        let text = Excerpt(&origin(1, 1), "").to_string();
        assert_eq!(text, "  1 |\n    | ^");
    }

    #[test]
    fn unknown_extra_lists_available() {
        let error = RequirementsError::UnknownExtra {
            path: PathBuf::from("pyproject.toml"),
            extra: "docs".parse().unwrap(),
            available: vec!["dev".parse().unwrap(), "test".parse().unwrap()],
        };
        assert_eq!(
            error.to_string(),
            "`pyproject.toml`: the project has no extra `docs` (available: `dev`, `test`)"
        );
        assert_eq!(error.origin(), None);
    }
}
