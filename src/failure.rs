//! A failed command: the error chain to print and the exit code to return.
//!
//! Exit codes: 1 no solution or a `--check` that found the lock out of date, 2 bad input or usage, 3 network, index or build failure,
//! 4 the output could not be written (a full disk, a missing directory, a failed stdout).

use std::fmt;

/// What went wrong, and how the process should exit.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) error: anyhow::Error,
}

impl Failure {
    /// The requirements cannot be satisfied.
    pub(crate) fn no_solution(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 1,
            error: error.into(),
        }
    }

    /// The input (files, flags) is wrong.
    pub(crate) fn input(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 2,
            error: error.into(),
        }
    }

    /// The network or an index failed.
    pub(crate) fn network(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 3,
            error: error.into(),
        }
    }
}

impl Failure {
    /// `--check` found the output file out of date (exit 1, as a failed check).
    pub(crate) fn check(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 1,
            error: error.into(),
        }
    }

    /// The lock (or other output) could not be written: a local I/O failure, not bad input.
    pub(crate) fn io(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 4,
            error: error.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.error)?;
        for cause in self.error.chain().skip(1) {
            write!(f, "\n  caused by: {cause}")?;
        }
        Ok(())
    }
}
