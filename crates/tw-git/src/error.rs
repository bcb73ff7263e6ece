//! Errors of git operations; each names the repository (password redacted).

use std::path::PathBuf;

/// What went wrong with a git repository; every variant names the repository.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The `git` program is not there.
    #[error(
        "`{program}` was not found on `PATH`; it is needed for `git+` requirements (install git, or remove the requirement on `{repository}`)"
    )]
    NotFound {
        /// The program that was run.
        program: String,
        /// The repository it was needed for.
        repository: String,
    },
    /// The revision is no branch, tag or full commit of the repository.
    #[error("`{rev}` is neither a branch, a tag nor a full commit of `{repository}`{hint}")]
    UnknownRevision {
        /// The repository.
        repository: String,
        /// The revision asked for.
        rev: String,
        /// More help (a short commit cannot be resolved remotely).
        hint: &'static str,
    },
    /// A git command failed.
    #[error("`git {command}` failed for `{repository}`: {reason}")]
    Command {
        /// The repository.
        repository: String,
        /// The git subcommand.
        command: String,
        /// Exit status and the last lines git printed.
        reason: String,
    },
    /// `--offline` and the commit is not in the cache.
    #[error("`{repository}`{at} is not in the cache and `--offline` forbids fetching it")]
    Offline {
        /// The repository.
        repository: String,
        /// ` at REV` when a revision was given.
        at: String,
    },
    /// A local file operation in the cache failed.
    #[error("git checkout of `{repository}` in `{}`", path.display())]
    Io {
        /// The repository.
        repository: String,
        /// The path involved.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
