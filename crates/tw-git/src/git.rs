//! Running `git`: a revision to a commit, shallow fetches, checkouts cached by commit.

use std::path::{Path, PathBuf};

use crate::GitError;
use std::process::Stdio;

use tracing::{debug, info, instrument};
use url::Url;

/// Settings of [`Git`].
#[derive(Clone, Debug)]
pub struct GitOptions {
    /// The `git` program (a name looked up on `PATH`, or a path).
    pub program: PathBuf,
    /// The cache root; checkouts go under `git-v1/checkouts/`.
    pub cache_dir: PathBuf,
    /// No network: only checkouts already in the cache for a full commit can be used.
    pub offline: bool,
}

impl GitOptions {
    /// `git` on `PATH`, checkouts under `cache_dir`, online.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            program: PathBuf::from("git"),
            cache_dir: cache_dir.into(),
            offline: false,
        }
    }
}

/// A working tree of one commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The full commit (40 hexadecimal digits).
    pub commit: String,
    /// The checkout; the repository's root.
    pub path: PathBuf,
}

/// Runs git for direct references; cheap to share.
#[derive(Clone, Debug)]
pub struct Git {
    options: GitOptions,
}

/// True for a full commit: 40 hexadecimal digits.
pub fn is_full_commit(rev: &str) -> bool {
    rev.len() == 40 && rev.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// `url` without its password, for messages.
pub fn redact(url: &Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("****"));
    }
    url.to_string()
}

impl Git {
    /// A runner with `options`.
    pub fn new(options: GitOptions) -> Self {
        Self { options }
    }

    /// Where the checkout of `commit` lives (whether or not it exists yet).
    pub fn checkout_path(&self, commit: &str) -> PathBuf {
        self.options
            .cache_dir
            .join("git-v1")
            .join("checkouts")
            .join(commit.to_ascii_lowercase())
    }

    /// The commit `rev` names in `repository` (`None`: the default branch). A full commit is
    /// returned as it is, without a request. Cost: one `git ls-remote`.
    #[instrument(skip_all, fields(repository = %redact(repository), rev))]
    pub async fn resolve(&self, repository: &Url, rev: Option<&str>) -> Result<String, GitError> {
        self.lookup(repository, rev).await.map(|(commit, _)| commit)
    }

    /// The commit `rev` names and the ref to fetch for it (`None`: fetch the commit itself).
    async fn lookup(
        &self,
        repository: &Url,
        rev: Option<&str>,
    ) -> Result<(String, Option<String>), GitError> {
        if let Some(rev) = rev
            && is_full_commit(rev)
        {
            return Ok((rev.to_ascii_lowercase(), None));
        }
        let shown = redact(repository);
        if self.options.offline {
            return Err(GitError::Offline {
                repository: shown,
                at: rev.map(|rev| format!(" at `{rev}`")).unwrap_or_default(),
            });
        }
        let patterns: Vec<String> = match rev {
            None => vec!["HEAD".into()],
            // The peeled entry of an annotated tag is listed only when asked for by name.
            Some(rev) => vec![
                format!("refs/heads/{rev}"),
                format!("refs/tags/{rev}"),
                format!("refs/tags/{rev}^{{}}"),
            ],
        };
        let mut args = vec!["ls-remote".to_string(), repository.to_string()];
        args.extend(patterns);
        let output = self.run(None, &args, repository).await?;
        let refs: Vec<(&str, &str)> = output
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .collect();
        let find = |name: &str| {
            refs.iter()
                .find(|(_, reference)| *reference == name)
                .map(|(commit, _)| commit.to_string())
        };
        let found = match rev {
            None => find("HEAD").map(|commit| (commit, "HEAD".to_string())),
            Some(rev) => {
                let tag = format!("refs/tags/{rev}");
                let head = format!("refs/heads/{rev}");
                find(&format!("{tag}^{{}}"))
                    .or_else(|| find(&tag))
                    .map(|commit| (commit, tag))
                    .or_else(|| find(&head).map(|commit| (commit, head)))
            }
        };
        found
            .filter(|(commit, _)| is_full_commit(commit))
            .map(|(commit, reference)| (commit.to_ascii_lowercase(), Some(reference)))
            .ok_or_else(|| {
            let rev = rev.unwrap_or("HEAD").to_string();
            let short = rev.len() >= 7 && rev.bytes().all(|byte| byte.is_ascii_hexdigit());
            GitError::UnknownRevision {
                repository: shown,
                rev,
                hint: if short {
                    " (a short commit cannot be looked up without cloning the whole repository: write all 40 digits)"
                } else {
                    ""
                },
            }
        })
    }

    /// A checkout of `rev` (`None`: the default branch) of `repository`, from the cache when
    /// that commit was checked out before. Cost: [`Self::resolve`], then for a new commit one
    /// shallow fetch.
    #[instrument(skip_all, fields(repository = %redact(repository), rev))]
    pub async fn checkout(
        &self,
        repository: &Url,
        rev: Option<&str>,
    ) -> Result<Checkout, GitError> {
        let (commit, reference) = self.lookup(repository, rev).await?;
        let path = self.checkout_path(&commit);
        if path.is_dir() {
            debug!(%commit, path = %path.display(), "checkout from the cache");
            return Ok(Checkout { commit, path });
        }
        let shown = redact(repository);
        if self.options.offline {
            return Err(GitError::Offline {
                repository: shown,
                at: format!(" at `{commit}`"),
            });
        }
        let io = |path: &Path, source| GitError::Io {
            repository: shown.clone(),
            path: path.to_path_buf(),
            source,
        };
        let parent = path.parent().unwrap_or(&self.options.cache_dir);
        fs_err::create_dir_all(parent).map_err(|err| io(parent, err))?;
        let staging = tempfile::Builder::new()
            .prefix(".fetch-")
            .tempdir_in(parent)
            .map_err(|err| io(parent, err))?;
        let work = staging.path();
        self.fetch_into(work, repository, reference, &commit, rev)
            .await?;
        let kept = staging.keep();
        if let Err(err) = fs_err::rename(&kept, &path) {
            // Another run finished the same commit first: use theirs.
            let _ = fs_err::remove_dir_all(&kept);
            if !path.is_dir() {
                return Err(io(&path, err));
            }
        }
        Ok(Checkout { commit, path })
    }

    /// A working tree of `commit` of `repository` made in `dir` (created, must not exist):
    /// for `tailwheel download --vcs`. Cost: one shallow fetch.
    #[instrument(skip_all, fields(repository = %redact(repository), commit))]
    pub async fn checkout_into(
        &self,
        repository: &Url,
        commit: &str,
        dir: &Path,
    ) -> Result<(), GitError> {
        if self.options.offline {
            return Err(GitError::Offline {
                repository: redact(repository),
                at: format!(" at `{commit}`"),
            });
        }
        fs_err::create_dir_all(dir).map_err(|source| GitError::Io {
            repository: redact(repository),
            path: dir.to_path_buf(),
            source,
        })?;
        self.fetch_into(dir, repository, None, commit, Some(commit))
            .await
    }

    /// Fetch `reference` (or `commit` itself) of `repository` into a new repository in
    /// `work` and check `commit` out there.
    async fn fetch_into(
        &self,
        work: &Path,
        repository: &Url,
        reference: Option<String>,
        commit: &str,
        rev: Option<&str>,
    ) -> Result<(), GitError> {
        let shown = redact(repository);
        let commit = commit.to_string();
        info!(%commit, "fetching a git commit");
        self.run(Some(work), &["init".into(), "-q".into()], repository)
            .await?;
        // The ref itself when the revision was one (every server serves its refs); a bare
        // commit otherwise, which some servers refuse: then everything.
        let wanted = reference.unwrap_or_else(|| commit.clone());
        let shallow = [
            "fetch".to_string(),
            "-q".into(),
            "--depth".into(),
            "1".into(),
            repository.to_string(),
            wanted,
        ];
        if let Err(error) = self.run(Some(work), &shallow, repository).await {
            debug!(%error, "shallow fetch refused; fetching every branch and tag");
            let full = [
                "fetch".to_string(),
                "-q".into(),
                repository.to_string(),
                "+refs/heads/*:refs/remotes/origin/*".into(),
                "+refs/tags/*:refs/tags/*".into(),
            ];
            self.run(Some(work), &full, repository).await?;
        }
        let checkout = [
            "-c".to_string(),
            "advice.detachedHead=false".into(),
            "checkout".into(),
            "-q".into(),
            "--detach".into(),
            commit.clone(),
        ];
        self.run(Some(work), &checkout, repository)
            .await
            .map_err(|error| match error {
                GitError::Command { .. } if rev.is_some_and(is_full_commit) => {
                    GitError::UnknownRevision {
                        repository: shown.clone(),
                        rev: commit.clone(),
                        hint: "",
                    }
                }
                other => other,
            })?;
        Ok(())
    }

    /// Run `git args` (in `dir`, if given) and return its standard output.
    async fn run(
        &self,
        dir: Option<&Path>,
        args: &[String],
        repository: &Url,
    ) -> Result<String, GitError> {
        let mut command = tokio::process::Command::new(&self.options.program);
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        command
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let subcommand = args
            .iter()
            .find(|arg| !arg.starts_with('-') && !arg.contains('='))
            .cloned()
            .unwrap_or_default();
        debug!(command = %subcommand, "git");
        let output = command.output().await.map_err(|err| {
            if err.kind() == std::io::ErrorKind::NotFound {
                GitError::NotFound {
                    program: self.options.program.display().to_string(),
                    repository: redact(repository),
                }
            } else {
                GitError::Command {
                    repository: redact(repository),
                    command: subcommand.clone(),
                    reason: err.to_string(),
                }
            }
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(GitError::Command {
                repository: redact(repository),
                command: subcommand,
                reason: format!("{}: {}", output.status, tail.join("\n")),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_commits_and_redaction() {
        assert!(is_full_commit(&"a1".repeat(20)));
        assert!(!is_full_commit("a1b2c3d"));
        assert!(!is_full_commit(&"g1".repeat(20)));
        let url = Url::parse("https://user:secret@git.example.invalid/r.git").unwrap();
        assert_eq!(redact(&url), "https://user:****@git.example.invalid/r.git");
    }

    #[tokio::test]
    async fn a_missing_git_program_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(GitOptions {
            program: dir.path().join("no-such-git"),
            cache_dir: dir.path().to_path_buf(),
            offline: false,
        });
        let url = Url::parse("https://git.example.invalid/r.git").unwrap();
        let error = git.checkout(&url, Some("v1")).await.unwrap_err();
        assert!(matches!(error, GitError::NotFound { .. }), "{error}");
    }

    #[tokio::test]
    async fn offline_needs_a_cached_full_commit() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(GitOptions {
            offline: true,
            ..GitOptions::new(dir.path())
        });
        let url = Url::parse("https://git.example.invalid/r.git").unwrap();
        assert!(matches!(
            git.checkout(&url, Some("main")).await,
            Err(GitError::Offline { .. })
        ));
        let commit = "ab".repeat(20);
        fs_err::create_dir_all(git.checkout_path(&commit)).unwrap();
        let checkout = git.checkout(&url, Some(&commit)).await.unwrap();
        assert_eq!(checkout.commit, commit);
    }
}
