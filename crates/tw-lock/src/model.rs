//! The writers' input: a resolution as the lock records it.
//!
//! The model holds plain values (names, versions, URLs, hashes) rather than the resolver's
//! types, so the writers and readers are tested without a resolver and `tailwheel download`
//! reads a lock without one; [`Lock::from_resolution`] fills it from a resolution. Order of
//! the vectors does not matter: every writer sorts what it emits.

use std::fmt;

use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree, PackageName};
use url::Url;

/// One file of a locked package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedFile {
    /// The file name, e.g. `idna-3.10-py3-none-any.whl`.
    pub filename: String,
    /// Where the file is downloaded from.
    pub url: Url,
    /// The size in bytes, when the index told it.
    pub size: Option<u64>,
    /// When the file was uploaded, when the index told it.
    pub upload_time: Option<jiff::Timestamp>,
    /// The lowercase hex SHA-256 digest (no `sha256:` prefix). A file
    /// without one is left out of `pylock.toml`, whose `hashes` is required.
    pub sha256: Option<String>,
}

/// Why a package is in the lock, for `# via` comments.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    /// Another locked package depends on it.
    Package(PackageName),
    /// An input file asked for it, e.g. `-r requirements.in` or
    /// `-c constraints.txt`.
    Source(String),
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Package(name) => write!(f, "{name}"),
            Self::Source(source) => f.write_str(source),
        }
    }
}

/// One package version pinned by the resolution.
#[derive(Clone, Debug)]
pub struct LockedPackage {
    /// The normalized name.
    pub name: PackageName,
    /// The pinned version.
    pub version: Version,
    /// Where this entry is installed (a PEP 508 marker), for a universal lock; `None` for
    /// every environment the lock covers. Several entries may share a name when their
    /// markers are disjoint.
    pub marker: Option<MarkerTree>,
    /// The extras that were requested of it (written as `name[extra]==version` only when
    /// [`crate::RequirementsTxtOptions::strip_extras`] is off).
    pub extras: Vec<ExtraName>,
    /// The Simple API base URL the files came from.
    pub index: Option<Url>,
    /// The version's `Requires-Python`, as the index or metadata gave it.
    pub requires_python: Option<String>,
    /// The locked packages this one depends on directly.
    pub dependencies: Vec<PackageName>,
    /// Why the package is in the lock.
    pub via: Vec<Via>,
    /// The wheels that may be installed.
    pub wheels: Vec<LockedFile>,
    /// The source distribution, if one may be installed.
    pub sdist: Option<LockedFile>,
    /// `sha256:<hex>` of every file of this version, for
    /// `requirements.txt --hash` lines.
    pub hashes: Vec<String>,
    /// Where the package comes from when a direct reference fixed it (a local directory, an
    /// archive, a git commit; issue 16); `None` for a package from an index. `wheels` and
    /// `sdist` are then empty.
    pub source: Option<crate::LockedSource>,
}

/// A whole resolution to be written out.
#[derive(Clone, Debug)]
pub struct Lock {
    /// The lock's `requires-python` specifier, e.g. `>=3.11`.
    pub requires_python: Option<String>,
    /// PEP 508 marker strings of the environments the lock is valid for.
    pub environments: Vec<String>,
    /// The pinned packages.
    pub packages: Vec<LockedPackage>,
}

/// One pin read back from an existing lock: `name==version`, with the entry's marker when
/// the lock is universal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedPin {
    /// The normalized name.
    pub name: PackageName,
    /// The pinned version.
    pub version: Version,
    /// Where the entry is installed; `None` for everywhere.
    pub marker: Option<MarkerTree>,
}

impl LockedPin {
    /// True when the pin applies to `environment`: it has no marker, or its marker holds
    /// there (extras are not set).
    pub fn holds_for(&self, environment: &MarkerEnvironment) -> bool {
        self.marker
            .as_ref()
            .is_none_or(|marker| marker.evaluate(environment, &[]))
    }

    /// True when the pin can apply somewhere within `scope` (a universal resolution's
    /// requires-python and environments as one marker): it has no marker, or its marker is
    /// not disjoint from `scope`.
    pub fn can_hold_within(&self, scope: &MarkerTree) -> bool {
        self.marker
            .as_ref()
            .is_none_or(|marker| !marker.is_disjoint(scope))
    }
}

/// Parse a PEP 508 marker from a lock file: `Ok(None)` for an empty or always-true marker,
/// else the marker, or the reason it is invalid.
///
/// `pep508_rs` 0.9.2 panics on non-ASCII text (its cursor and error display count characters
/// as bytes, `docs/reliability.md`), so such text is refused first; PEP 508 markers are
/// ASCII.
pub(crate) fn parse_marker(text: &str) -> Result<Option<MarkerTree>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    if let Some((position, character)) = text.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
        return Err(format!(
            "`{character}` is not allowed: PEP 508 markers are ASCII (at character {})",
            position + 1
        ));
    }
    let marker = MarkerTree::parse_str::<pep508_rs::VerbatimUrl>(text)
        .map_err(|err| format!("{} (at character {})", err.message, err.start + 1))?;
    Ok((!marker.is_true()).then_some(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markers_are_errors_or_markers_never_panics() {
        for text in [
            "extra == 'a-'",
            "extra == '-'",
            "extra == 'a_'",
            "'a-' == extra",
            "extra in 'a-'",
            "python_version > '3.*'",
            "python_version ~= '3'",
            "python_full_version == '3.10.*.*'",
            "python_version == ''",
            "(",
            "sys_platform == 'linux' and",
            "os_name == \"a'\"",
            "python_version >= '3.10' or (extra == 'x.' and sys_platform == 'win32')",
            "sys_platform == 'é'",
            "é",
        ] {
            let _ = parse_marker(text);
        }
        // Every one-character insertion or deletion of a few markers (a cheap stand-in for
        // the `lock_readers` fuzz target, which reaches this parser through `read_pins`).
        let seeds = [
            "python_full_version >= '3.10' and sys_platform == 'linux'",
            "extra == 'dev' or (platform_machine != \"arm64\" and os_name in 'nt posix')",
            "python_version ~= '3.9' and implementation_name not in 'pypy'",
        ];
        let inserts = "'\"()<>=!~., -_*abc0123456789";
        for seed in seeds {
            for at in 0..=seed.len() {
                let deleted = format!("{}{}", &seed[..at], seed.get(at + 1..).unwrap_or(""));
                let _ = parse_marker(&deleted);
                for c in inserts.chars() {
                    let _ = parse_marker(&format!("{}{c}{}", &seed[..at], &seed[at..]));
                }
            }
        }
        assert_eq!(parse_marker("  "), Ok(None));
        assert!(parse_marker("sys_platform == 'é'").is_err());
    }
}
