//! Direct references: a distribution named by where it is rather than by a version on an
//! index (issue 16).
//!
//! pip accepts, in requirements files and as [PEP 508](https://peps.python.org/pep-0508/)
//! `name @ URL`: local directories (projects) and archive files, `file:` URLs, `http(s)`
//! archive URLs with `#sha256=` and `#subdirectory=` fragments, and VCS URLs
//! (`git+https://host/repo@rev#subdirectory=sub&egg=name`, see pip's
//! [VCS support](https://pip.pypa.io/en/stable/topics/vcs-support/)). [`DirectReference`] is
//! one of those, normalised so that two spellings of one place compare equal (conflicting
//! references are found by comparing them); [`DirectEntry`] is one line that names it.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use pep508_rs::{ExtraName, MarkerTree, PackageName};
use url::Url;

use crate::Origin;

/// Where a distribution comes from, when it is not a version on an index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DirectReference {
    /// A local directory (a project with `pyproject.toml` or `setup.py`) or a local wheel or
    /// sdist file; the path is absolute and lexically normalised.
    Path {
        /// The directory or file.
        path: PathBuf,
    },
    /// A wheel or sdist at an `http(s)` URL.
    Url {
        /// The archive, without its fragment.
        url: Url,
        /// The `#sha256=` digest (lower-case hex), checked against what arrives.
        sha256: Option<String>,
        /// The `#subdirectory=` of an sdist whose project is not at its root.
        subdirectory: Option<String>,
    },
    /// A git repository at a revision.
    Git {
        /// The repository URL without `git+`, revision and fragment (`https`, `ssh`, `file`).
        repository: Url,
        /// The branch, tag or commit after `@`; `None` for the remote's default branch.
        rev: Option<String>,
        /// The `#subdirectory=` holding the project.
        subdirectory: Option<String>,
    },
}

/// Why a direct reference cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectReferenceError {
    /// The URL does not parse.
    #[error("`{reference}` is not a valid URL: {reason}")]
    InvalidUrl {
        /// The reference as written.
        reference: String,
        /// The URL parser's message.
        reason: String,
    },
    /// A VCS other than git (`hg+`, `svn+`, `bzr+`), or a git transport tailwheel does not
    /// speak.
    #[error(
        "`{reference}`: only `git+https`, `git+http`, `git+ssh` and `git+file` repositories are supported"
    )]
    UnsupportedVcs {
        /// The reference as written.
        reference: String,
    },
    /// A URL scheme that is neither a local file, `http(s)` nor a VCS.
    #[error("`{reference}`: unsupported URL scheme `{scheme}`")]
    UnsupportedScheme {
        /// The reference as written.
        reference: String,
        /// Its scheme.
        scheme: String,
    },
    /// A `#sha256=` fragment that is not 64 hexadecimal digits.
    #[error("`{reference}`: `#sha256=` must be 64 hexadecimal digits")]
    InvalidHash {
        /// The reference as written.
        reference: String,
    },
}

impl DirectReference {
    /// Parse a path or URL as written in a requirements file or after `name @`; relative
    /// paths are read from `base` (the directory of the file that names them), or from the
    /// current directory when nothing installable is there but is here (see [`locate`]).
    /// Also returns the name an `#egg=` fragment gives, if any.
    pub fn parse(
        text: &str,
        base: &Path,
    ) -> Result<(Self, Option<PackageName>), DirectReferenceError> {
        let text = text.trim();
        // `file:./x` and `file:x` (no `//`) are relative paths, as uv reads them; the URL
        // parser would make them absolute (`file:///x`), a different directory.
        if let Some(relative) = text
            .strip_prefix("file:")
            .filter(|rest| !rest.starts_with('/'))
        {
            let (path, fragment) = relative.split_once('#').unwrap_or((relative, ""));
            let fragment = Fragment::parse(Some(fragment), text)?;
            let subdirectory = fragment.subdirectory.as_deref().unwrap_or("");
            return Ok((
                Self::Path {
                    path: locate(&Path::new(path).join(subdirectory), base),
                },
                fragment.egg,
            ));
        }
        let Some(scheme) = crate::internal::classify::url_scheme(text) else {
            if text.starts_with("git+") {
                // pip's deprecated scp-like form, `git+git@host:org/repo.git`.
                return Err(DirectReferenceError::InvalidUrl {
                    reference: text.to_string(),
                    reason: "write it as a URL, `git+ssh://git@host/org/repo.git`".to_string(),
                });
            }
            return Ok((
                Self::Path {
                    path: locate(Path::new(text), base),
                },
                None,
            ));
        };
        let invalid = |reason: String| DirectReferenceError::InvalidUrl {
            reference: text.to_string(),
            reason,
        };
        let scheme = scheme.to_ascii_lowercase();
        if let Some(transport) = scheme.strip_prefix("git+") {
            if !matches!(transport, "https" | "http" | "ssh" | "file") {
                return Err(DirectReferenceError::UnsupportedVcs {
                    reference: text.to_string(),
                });
            }
            let mut url = Url::parse(&text[4..]).map_err(|err| invalid(err.to_string()))?;
            let fragment = Fragment::parse(url.fragment(), text)?;
            url.set_fragment(None);
            // The revision is what follows the last `@` of the path (user info has its own).
            let path = url.path().to_string();
            let rev = match path.rsplit_once('@') {
                Some((before, rev)) if !rev.is_empty() && !rev.contains('/') => {
                    url.set_path(before);
                    Some(rev.to_string())
                }
                _ => None,
            };
            return Ok((
                Self::Git {
                    repository: url,
                    rev,
                    subdirectory: fragment.subdirectory,
                },
                fragment.egg,
            ));
        }
        if ["hg+", "svn+", "bzr+"]
            .iter()
            .any(|prefix| scheme.starts_with(prefix))
        {
            return Err(DirectReferenceError::UnsupportedVcs {
                reference: text.to_string(),
            });
        }
        let mut url = Url::parse(text).map_err(|err| invalid(err.to_string()))?;
        let fragment = Fragment::parse(url.fragment(), text)?;
        url.set_fragment(None);
        match scheme.as_str() {
            "file" => {
                let mut path = url
                    .to_file_path()
                    .map_err(|()| invalid("not a local path".to_string()))?;
                if let Some(subdirectory) = &fragment.subdirectory {
                    path = path.join(subdirectory);
                }
                Ok((
                    Self::Path {
                        path: normalize(&path),
                    },
                    fragment.egg,
                ))
            }
            "http" | "https" => Ok((
                Self::Url {
                    url,
                    sha256: fragment.sha256,
                    subdirectory: fragment.subdirectory,
                },
                fragment.egg,
            )),
            _ => Err(DirectReferenceError::UnsupportedScheme {
                reference: text.to_string(),
                scheme,
            }),
        }
    }

    /// True for a local directory (a project rather than an archive).
    pub fn is_directory(&self) -> bool {
        matches!(self, Self::Path { path } if path.is_dir())
    }
}

impl fmt::Display for DirectReference {
    /// The reference as a URL pip accepts after `name @` (without the `#sha256=`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path { path } => match Url::from_file_path(path) {
                Ok(url) => write!(f, "{url}"),
                Err(()) => write!(f, "{}", path.display()),
            },
            Self::Url {
                url, subdirectory, ..
            } => {
                write!(f, "{url}")?;
                if let Some(subdirectory) = subdirectory {
                    write!(f, "#subdirectory={subdirectory}")?;
                }
                Ok(())
            }
            Self::Git {
                repository,
                rev,
                subdirectory,
            } => {
                write!(f, "git+{repository}")?;
                if let Some(rev) = rev {
                    write!(f, "@{rev}")?;
                }
                if let Some(subdirectory) = subdirectory {
                    write!(f, "#subdirectory={subdirectory}")?;
                }
                Ok(())
            }
        }
    }
}

/// The `#key=value&…` fragment of a direct URL (pip's keys; other hash names are ignored, as
/// only sha256 can be checked against a lock).
#[derive(Default)]
struct Fragment {
    sha256: Option<String>,
    subdirectory: Option<String>,
    egg: Option<PackageName>,
}

impl Fragment {
    fn parse(fragment: Option<&str>, reference: &str) -> Result<Self, DirectReferenceError> {
        let mut parsed = Self::default();
        for pair in fragment.unwrap_or_default().split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            match key {
                "sha256" => {
                    if value.len() != 64 || !value.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                        return Err(DirectReferenceError::InvalidHash {
                            reference: reference.to_string(),
                        });
                    }
                    parsed.sha256 = Some(value.to_ascii_lowercase());
                }
                "subdirectory" if !value.is_empty() => {
                    parsed.subdirectory = Some(value.trim_matches('/').to_string());
                }
                "egg" => {
                    // `#egg=name[extras]` and `#egg=name-1.0` exist in the wild; the name is
                    // what comes before either.
                    let name = value.split(['[', '-']).next().unwrap_or_default();
                    parsed.egg = name.parse().ok();
                }
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// `path` with `.` removed and `..` applied lexically (a later symbolic link is not
/// resolved, so two spellings of one directory compare equal without touching the disk).
/// Where a relative path of a requirements file points. The rule (and PDM's) reads it
/// from the file's directory `base`; pip and uv read `-e` and path lines from the current
/// directory instead (only `-r`/`-c` from the file), and files written for them say
/// `-e .` in `requirements/dev.txt` meaning the project above. So: from `base` when something
/// installable is there (a project directory or an existing file), else from the current
/// directory when something installable is there, else from `base` (whose error then names
/// the path the file's own directory gives).
fn locate(relative: &Path, base: &Path) -> PathBuf {
    let from_file = normalize(&base.join(relative));
    if installable(&from_file) || relative.is_absolute() {
        return from_file;
    }
    // `std::path::absolute` reads a relative path from the current directory.
    let from_cwd = normalize(relative);
    if installable(&from_cwd) {
        return from_cwd;
    }
    from_file
}

/// Whether `path` is something a path requirement can name: a project directory
/// (`pyproject.toml`, `setup.py` or `setup.cfg`) or an existing file (a wheel or sdist).
fn installable(path: &Path) -> bool {
    path.is_file()
        || ["pyproject.toml", "setup.py", "setup.cfg"]
            .iter()
            .any(|marker| path.join(marker).is_file())
}

pub(crate) fn normalize(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// One line that names a direct reference, with what it asks of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectEntry {
    /// The name written before `@` or in `#egg=`; `None` for a bare path or URL (the name is
    /// then read from the distribution's metadata).
    pub name: Option<PackageName>,
    /// Extras asked for (`./pkg[dev]`, `name[dev] @ URL`, `-e .[dev]`).
    pub extras: Vec<ExtraName>,
    /// The environment marker after `;` (always true when none was written).
    pub marker: MarkerTree,
    /// Where the distribution is.
    pub reference: DirectReference,
    /// `-e`/`--editable`: install the local project in development mode (PEP 660).
    pub editable: bool,
    /// The requirement as written (path or URL, with the name when given), for messages.
    pub written: String,
    /// `--hash` values given on the line.
    pub hashes: Vec<String>,
    /// Where the line is.
    pub origin: Origin,
}

/// An input `pyproject.toml` whose dependencies (or the optional dependencies asked for) are
/// `dynamic`: only its build backend can tell them (issue 16; pip-compile and uv build it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicProject {
    /// The project's directory, absolute.
    pub path: PathBuf,
    /// `[project] name` (PEP 621 makes it static).
    pub name: Option<PackageName>,
    /// The extras asked for (`--extra`, `--all-extras`).
    pub extras: crate::ExtrasSelection,
    /// Where `dynamic` says so.
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (DirectReference, Option<PackageName>) {
        DirectReference::parse(text, Path::new("/work/project")).unwrap()
    }

    #[test]
    fn paths_are_absolute_and_normalised() {
        let expected = DirectReference::Path {
            path: PathBuf::from("/work/project/libs/foo"),
        };
        for text in [
            "./libs/foo",
            "libs/foo/",
            "libs/./bar/../foo",
            "/work/project/libs/foo",
            "file:///work/project/libs/foo",
            "file:///work/project/libs#subdirectory=foo",
            "file:./libs/foo",
            "file:libs#subdirectory=foo",
        ] {
            assert_eq!(parse(text).0, expected, "{text}");
        }
    }

    #[test]
    fn archive_urls_keep_hash_and_subdirectory() {
        let sha = "AB".repeat(32);
        let (reference, egg) = parse(&format!(
            "https://files.example.invalid/a/foo-1.0.tar.gz#sha256={sha}&subdirectory=py&egg=foo"
        ));
        assert_eq!(
            reference,
            DirectReference::Url {
                url: Url::parse("https://files.example.invalid/a/foo-1.0.tar.gz").unwrap(),
                sha256: Some("ab".repeat(32)),
                subdirectory: Some("py".into()),
            }
        );
        assert_eq!(egg.unwrap().as_ref(), "foo");
        assert_eq!(
            reference.to_string(),
            "https://files.example.invalid/a/foo-1.0.tar.gz#subdirectory=py"
        );
        assert!(matches!(
            DirectReference::parse("https://h.example.invalid/x.whl#sha256=12", Path::new("/")),
            Err(DirectReferenceError::InvalidHash { .. })
        ));
    }

    #[test]
    fn git_urls_split_revision_and_fragment() {
        let (reference, egg) = parse(
            "git+https://host.example.invalid/org/repo.git@v1.2#egg=foo[dev]&subdirectory=sub/",
        );
        assert_eq!(
            reference,
            DirectReference::Git {
                repository: Url::parse("https://host.example.invalid/org/repo.git").unwrap(),
                rev: Some("v1.2".into()),
                subdirectory: Some("sub".into()),
            }
        );
        assert_eq!(egg.unwrap().as_ref(), "foo");
        assert_eq!(
            reference.to_string(),
            "git+https://host.example.invalid/org/repo.git@v1.2#subdirectory=sub"
        );
        // User info has an `@` of its own; no revision means the default branch.
        let (reference, _) = parse("git+ssh://git@host.example.invalid/org/repo");
        assert_eq!(
            reference,
            DirectReference::Git {
                repository: Url::parse("ssh://git@host.example.invalid/org/repo").unwrap(),
                rev: None,
                subdirectory: None,
            }
        );
        assert!(matches!(
            DirectReference::parse("git+git@host.example.invalid:org/repo.git", Path::new("/")),
            Err(DirectReferenceError::InvalidUrl { .. })
        ));
        for text in [
            "hg+https://host.example.invalid/repo",
            "git+ftp://host.example.invalid/repo",
        ] {
            assert!(matches!(
                DirectReference::parse(text, Path::new("/")),
                Err(DirectReferenceError::UnsupportedVcs { .. })
            ));
        }
    }
}
