//! `--python-version`: the Python release to resolve for when no interpreter is queried.

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;

use crate::PlatformError;

/// A `--python-version` value: `3.11` or `3.11.4` (also `3.14.0rc1`).
///
/// `X.Y` stands for `X.Y.0` in `python_full_version`, as uv does, so a requirement guarded by
/// `python_full_version >= '3.11.1'` is not selected for `--python-version 3.11`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PythonVersionRequest {
    given: String,
    major: u64,
    minor: u64,
    full_version: Version,
}

impl PythonVersionRequest {
    /// The major version, always 3.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor version, e.g. 11 for `3.11.4`.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The `python_version` marker value `X.Y`.
    pub fn python_version(&self) -> Version {
        Version::new([self.major, self.minor])
    }

    /// The `python_full_version` marker value: `X.Y.Z` as given, or `X.Y.0` when only `X.Y` was given.
    pub fn python_full_version(&self) -> &Version {
        &self.full_version
    }
}

impl FromStr for PythonVersionRequest {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let given = s.trim();
        let unsupported = || PlatformError::UnsupportedPythonVersion {
            version: s.to_string(),
        };
        let version =
            Version::from_str(given).map_err(|source| PlatformError::InvalidPythonVersion {
                version: s.to_string(),
                source,
            })?;
        if version.epoch() != 0 || version.is_post() || version.is_dev() || version.is_local() {
            return Err(unsupported());
        }
        let (major, minor, full_version) = match *version.release() {
            // A pre-release names one exact build, so it needs the micro version too.
            [major, minor] if version.pre().is_none() => {
                (major, minor, Version::new([major, minor, 0]))
            }
            [major, minor, _] => (major, minor, version.clone()),
            _ => return Err(unsupported()),
        };
        if major != 3 {
            return Err(unsupported());
        }
        Ok(Self {
            given: given.to_string(),
            major,
            minor,
            full_version,
        })
    }
}

impl fmt::Display for PythonVersionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.given)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_only_means_dot_zero() {
        let request: PythonVersionRequest = "3.11".parse().unwrap();
        assert_eq!(request.major(), 3);
        assert_eq!(request.minor(), 11);
        assert_eq!(request.python_version().to_string(), "3.11");
        assert_eq!(request.python_full_version().to_string(), "3.11.0");
        assert_eq!(request.to_string(), "3.11");
    }

    #[test]
    fn full_version_is_kept() {
        let request: PythonVersionRequest = " 3.12.4 ".parse().unwrap();
        assert_eq!(request.python_version().to_string(), "3.12");
        assert_eq!(request.python_full_version().to_string(), "3.12.4");
        let request: PythonVersionRequest = "3.14.0rc1".parse().unwrap();
        assert_eq!(request.minor(), 14);
        assert_eq!(request.python_full_version().to_string(), "3.14.0rc1");
    }

    #[test]
    fn rejects_other_shapes_and_names_the_string() {
        for bad in [
            "3",
            "3.11.4.1",
            "2.7",
            "4.0",
            "3.11.post1",
            "3.11.0.dev1",
            "1!3.11",
            "3.11+local",
            "3.11rc1",
        ] {
            let error = bad.parse::<PythonVersionRequest>().unwrap_err();
            assert!(
                matches!(error, PlatformError::UnsupportedPythonVersion { ref version } if version == bad),
                "{bad}: {error:?}"
            );
            assert!(error.to_string().contains(&format!("`{bad}`")), "{error}");
        }
        for bad in ["", "three", "3.x"] {
            let error = bad.parse::<PythonVersionRequest>().unwrap_err();
            assert!(
                matches!(error, PlatformError::InvalidPythonVersion { ref version, .. } if version == bad),
                "{bad}: {error:?}"
            );
        }
    }
}
