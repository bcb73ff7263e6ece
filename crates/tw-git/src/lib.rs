//! git repositories through the `git` command line (no libgit2), for `git+` direct
//! references (issue 16; pip's [VCS support](https://pip.pypa.io/en/stable/topics/vcs-support/)).
//!
//! Brief overview: [`Git::checkout`] turns a repository URL and an optional revision (branch,
//! tag or full commit) into a [`Checkout`]: the commit, and a working tree of exactly that
//! commit under `<cache>/git-v1/checkouts/<commit>`.
//!
//! 1. The revision becomes a commit with one `git ls-remote` (a full 40-digit commit is taken
//!    as it is, and needs no request). Annotated tags are peeled to the commit they name.
//! 2. Only that commit is fetched, `git fetch --depth 1` of the ref (or of the commit: servers
//!    that refuse a bare commit get a full fetch instead), into a temporary folder that is
//!    renamed into place when it is complete, so a folder under `checkouts/` is always a whole
//!    checkout and a second run makes no git request for a commit it has.
//! 3. A missing `git` is [`GitError::NotFound`], naming the program.
//!
//! git never prompts (`GIT_TERMINAL_PROMPT=0`); credentials come from git's own helpers. URLs
//! in errors have their password replaced with `****`.
//!
//! ```no_run
//! # async fn example() -> Result<(), tw_git::GitError> {
//! let git = tw_git::Git::new(tw_git::GitOptions::new("/tmp/cache"));
//! let repository = url::Url::parse("https://git.example.invalid/org/repo.git").unwrap();
//! let checkout = git.checkout(&repository, Some("v1.2")).await?;
//! println!("{} at {}", checkout.commit, checkout.path.display());
//! # Ok(())
//! # }
//! ```

mod error;
mod git;

pub use error::GitError;
pub use git::{Checkout, Git, GitOptions, is_full_commit, redact};
