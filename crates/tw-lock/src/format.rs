//! Which writer an output file gets.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::UnknownLockFormat;

/// The two output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockFormat {
    /// PEP 751 `pylock.toml`.
    Pylock,
    /// A pip-compile-style pinned `requirements.txt`.
    RequirementsTxt,
}

impl LockFormat {
    /// From an output path: `pylock.toml`, `pylock.<name>.toml` and any other
    /// `*.toml` (extension compared case-insensitively) → [`Self::Pylock`];
    /// `*.txt`, `*.in`, no extension or anything else → [`Self::RequirementsTxt`].
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|extension| extension.to_str()) {
            Some(extension) if extension.eq_ignore_ascii_case("toml") => Self::Pylock,
            _ => Self::RequirementsTxt,
        }
    }

    /// Whether `file_name` is a name PEP 751 allows for a lock: `pylock.toml`, or
    /// `pylock.<name>.toml` with a `<name>` that is not empty and has no dot (the spec's
    /// `^pylock\.([^.]+)\.toml$`).
    pub fn is_pylock_file_name(file_name: &str) -> bool {
        if file_name == "pylock.toml" {
            return true;
        }
        file_name
            .strip_prefix("pylock.")
            .and_then(|rest| rest.strip_suffix(".toml"))
            .is_some_and(|name| !name.is_empty() && !name.contains('.'))
    }

    /// The canonical name accepted by [`FromStr`]: `pylock` or `requirements-txt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pylock => "pylock",
            Self::RequirementsTxt => "requirements-txt",
        }
    }
}

impl fmt::Display for LockFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LockFormat {
    type Err = UnknownLockFormat;

    /// Accepts exactly `pylock`, `pylock.toml`, `requirements-txt` or
    /// `requirements.txt`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "pylock" | "pylock.toml" => Ok(Self::Pylock),
            "requirements-txt" | "requirements.txt" => Ok(Self::RequirementsTxt),
            _ => Err(UnknownLockFormat {
                value: value.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_path() {
        for (path, expected) in [
            ("pylock.toml", LockFormat::Pylock),
            ("pylock.dev.toml", LockFormat::Pylock),
            ("out/lock.TOML", LockFormat::Pylock),
            ("requirements.txt", LockFormat::RequirementsTxt),
            ("requirements.in", LockFormat::RequirementsTxt),
            ("pins", LockFormat::RequirementsTxt),
            ("toml", LockFormat::RequirementsTxt),
            ("dir.toml/requirements.lock", LockFormat::RequirementsTxt),
        ] {
            assert_eq!(LockFormat::from_path(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn pylock_file_names() {
        for name in ["pylock.toml", "pylock.dev.toml", "pylock.py311-linux.toml"] {
            assert!(LockFormat::is_pylock_file_name(name), "{name}");
        }
        for name in [
            "lock.toml",
            "pylock..toml",
            "pylock.a.b.toml",
            "pylock-dev.toml",
            "Pylock.toml",
            "pylock.toml.bak",
        ] {
            assert!(!LockFormat::is_pylock_file_name(name), "{name}");
        }
    }

    #[test]
    fn from_str() {
        for (value, expected) in [
            ("pylock", LockFormat::Pylock),
            ("pylock.toml", LockFormat::Pylock),
            ("requirements-txt", LockFormat::RequirementsTxt),
            ("requirements.txt", LockFormat::RequirementsTxt),
        ] {
            assert_eq!(value.parse::<LockFormat>().ok(), Some(expected), "{value}");
        }
        let error = "poetry.lock".parse::<LockFormat>().err();
        assert_eq!(
            error.map(|error| error.to_string()).as_deref(),
            Some(
                "unknown lock format `poetry.lock` (expected `pylock`, `pylock.toml`, `requirements-txt` or `requirements.txt`)"
            )
        );
        for format in [LockFormat::Pylock, LockFormat::RequirementsTxt] {
            assert_eq!(format.to_string().parse::<LockFormat>().ok(), Some(format));
        }
    }
}
