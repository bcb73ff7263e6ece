//! Packages that come from a direct reference (issue 16): a local directory, an archive
//! (URL or local file) or a git commit, and how each writer spells them.
//!
//! * requirements.txt, as pip-compile writes them: `-e ./path` for an editable project and
//!   `./path` for another local one (relative to the output file, so the lock moves with the
//!   repository), `name @ URL` for an archive URL (with its `--hash`), and
//!   `name @ git+URL@<commit>` for git (the commit, never the branch that named it).
//! * pylock.toml ([PEP 751](https://peps.python.org/pep-0751/)): a `[packages.directory]`
//!   table (`path`, `editable`), `[packages.archive]` (`url` or `path`, `hashes`,
//!   `subdirectory`) or `[packages.vcs]` (`type`, `url`, `requested-revision`, `commit-id`,
//!   `subdirectory`); relative paths are relative to the lock's folder. No `version` for a
//!   directory or git source: PEP 751 forbids it where the code can change under the lock.

use std::path::{Component, Path, PathBuf};

use url::Url;

/// Where a locked package comes from when it is not an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockedSource {
    /// A local project directory.
    Directory {
        /// The directory, absolute.
        path: PathBuf,
        /// Installed in development mode (`-e`).
        editable: bool,
    },
    /// A wheel or sdist at a URL, or a local file.
    Archive {
        /// The URL (`None` for a local file).
        url: Option<Url>,
        /// The local file, absolute (`None` for a URL).
        path: Option<PathBuf>,
        /// The archive's sha256, hex.
        sha256: String,
        /// The project's folder inside an sdist, if not its root.
        subdirectory: Option<String>,
    },
    /// A git commit.
    Vcs {
        /// The repository URL, without `git+`.
        url: Url,
        /// The branch, tag or commit the input named, if any.
        requested_revision: Option<String>,
        /// The full commit.
        commit_id: String,
        /// The project's folder inside the repository, if not its root.
        subdirectory: Option<String>,
    },
}

impl LockedSource {
    /// True for a directory or a git commit: sources whose version PEP 751 keeps out of a
    /// lock.
    pub fn is_source_tree(&self) -> bool {
        matches!(self, Self::Directory { .. } | Self::Vcs { .. })
    }
}

/// `path` relative to `base` (both absolute), with `/` separators and a leading `./` for a
/// path inside `base` (`.` for `base` itself), as pip reads local requirements.
pub fn relative_path(path: &Path, base: &Path) -> String {
    let path: Vec<Component<'_>> = path.components().collect();
    let base: Vec<Component<'_>> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..base.len() {
        parts.push("..".to_string());
    }
    for component in &path[common..] {
        parts.push(component.as_os_str().to_string_lossy().into_owned());
    }
    match parts.first().map(String::as_str) {
        None => ".".to_string(),
        Some("..") => parts.join("/"),
        Some(_) => format!("./{}", parts.join("/")),
    }
}

/// The requirement line of a direct package in requirements.txt (without hashes and
/// annotations); `base` is the output file's folder.
pub(crate) fn requirement_line(
    name: &pep508_rs::PackageName,
    extras: &str,
    source: &LockedSource,
    base: &Path,
) -> String {
    match source {
        LockedSource::Directory { path, editable } => {
            let path = relative_path(path, base);
            if *editable {
                format!("-e {path}{extras}")
            } else {
                format!("{path}{extras}")
            }
        }
        LockedSource::Archive {
            url: Some(url),
            subdirectory,
            ..
        } => {
            let mut line = format!("{name}{extras} @ {url}");
            if let Some(subdirectory) = subdirectory {
                line.push_str(&format!("#subdirectory={subdirectory}"));
            }
            line
        }
        LockedSource::Archive { path, .. } => {
            let path = path
                .as_deref()
                .map(|path| relative_path(path, base))
                .unwrap_or_default();
            format!("{path}{extras}")
        }
        LockedSource::Vcs {
            url,
            commit_id,
            subdirectory,
            ..
        } => {
            let mut line = format!("{name}{extras} @ git+{url}@{commit_id}");
            if let Some(subdirectory) = subdirectory {
                line.push_str(&format!("#subdirectory={subdirectory}"));
            }
            line
        }
    }
}

/// The `[packages.*]` key and inline table of a direct package in pylock.toml; `base` is the
/// lock's folder.
pub(crate) fn pylock_table(source: &LockedSource, base: &Path) -> (&'static str, String) {
    use crate::pylock::toml_string;
    let mut fields: Vec<String> = Vec::new();
    let key = match source {
        LockedSource::Directory { path, editable } => {
            fields.push(format!(
                "path = {}",
                toml_string(&relative_path(path, base))
            ));
            fields.push(format!("editable = {editable}"));
            "directory"
        }
        LockedSource::Archive {
            url,
            path,
            sha256,
            subdirectory,
        } => {
            if let Some(url) = url {
                fields.push(format!("url = {}", toml_string(url.as_str())));
            }
            if let Some(path) = path {
                fields.push(format!(
                    "path = {}",
                    toml_string(&relative_path(path, base))
                ));
            }
            fields.push(format!("hashes = {{ sha256 = {} }}", toml_string(sha256)));
            if let Some(subdirectory) = subdirectory {
                fields.push(format!("subdirectory = {}", toml_string(subdirectory)));
            }
            "archive"
        }
        LockedSource::Vcs {
            url,
            requested_revision,
            commit_id,
            subdirectory,
        } => {
            fields.push("type = \"git\"".to_string());
            fields.push(format!("url = {}", toml_string(url.as_str())));
            if let Some(revision) = requested_revision {
                fields.push(format!("requested-revision = {}", toml_string(revision)));
            }
            fields.push(format!("commit-id = {}", toml_string(commit_id)));
            if let Some(subdirectory) = subdirectory {
                fields.push(format!("subdirectory = {}", toml_string(subdirectory)));
            }
            "vcs"
        }
    };
    (key, format!("{{ {} }}", fields.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_from_the_lock() {
        let base = Path::new("/work/repo");
        assert_eq!(relative_path(Path::new("/work/repo"), base), ".");
        assert_eq!(
            relative_path(Path::new("/work/repo/libs/a"), base),
            "./libs/a"
        );
        assert_eq!(relative_path(Path::new("/work/other"), base), "../other");
        assert_eq!(
            relative_path(Path::new("/elsewhere/x"), base),
            "../../elsewhere/x"
        );
    }

    #[test]
    fn requirement_lines() {
        let name: pep508_rs::PackageName = "pkg".parse().unwrap();
        let base = Path::new("/work/repo");
        let directory = |editable| LockedSource::Directory {
            path: "/work/repo".into(),
            editable,
        };
        assert_eq!(requirement_line(&name, "", &directory(true), base), "-e .");
        assert_eq!(
            requirement_line(&name, "[dev]", &directory(false), base),
            ".[dev]"
        );
        let vcs = LockedSource::Vcs {
            url: Url::parse("https://git.example.invalid/r.git").unwrap(),
            requested_revision: Some("v1".into()),
            commit_id: "ab".repeat(20),
            subdirectory: Some("sub".into()),
        };
        assert_eq!(
            requirement_line(&name, "", &vcs, base),
            format!(
                "pkg @ git+https://git.example.invalid/r.git@{}#subdirectory=sub",
                "ab".repeat(20)
            )
        );
        let (key, table) = pylock_table(&vcs, base);
        assert_eq!(key, "vcs");
        assert_eq!(
            table,
            format!(
                "{{ type = \"git\", url = \"https://git.example.invalid/r.git\", requested-revision = \"v1\", commit-id = \"{}\", subdirectory = \"sub\" }}",
                "ab".repeat(20)
            )
        );
    }
}
