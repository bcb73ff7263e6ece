//! The `[build-system]` table of an sdist's `pyproject.toml` (PEP 518, PEP 517), with pip's
//! defaults when it is missing: `setuptools>=40.8.0` and the legacy setuptools backend.

use std::path::Path;

use serde::Deserialize;

use crate::error::BuildError;

/// The backend pip and uv assume when `pyproject.toml` names none (PEP 517).
pub const DEFAULT_BACKEND: &str = "setuptools.build_meta:__legacy__";
/// The requirement pip and uv assume when `pyproject.toml` has no `[build-system]`.
pub const DEFAULT_REQUIRES: &str = "setuptools>=40.8.0";

/// How to build one source tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildSystem {
    /// PEP 508 requirements of the build environment.
    pub requires: Vec<String>,
    /// `module:object` of the backend.
    pub backend: String,
    /// In-tree directories to put first on `sys.path` (relative to the source tree).
    pub backend_path: Vec<String>,
}

#[derive(Deserialize)]
struct PyProject {
    #[serde(rename = "build-system")]
    build_system: Option<Table>,
}

#[derive(Deserialize)]
struct Table {
    requires: Option<Vec<String>>,
    #[serde(rename = "build-backend")]
    build_backend: Option<String>,
    #[serde(rename = "backend-path", default)]
    backend_path: Vec<String>,
}

impl BuildSystem {
    /// Read `<source>/pyproject.toml`; a missing file or table gives pip's defaults.
    pub fn read(source: &Path, subject: &str) -> Result<Self, BuildError> {
        let path = source.join("pyproject.toml");
        let text = match fs_err::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::legacy(vec![DEFAULT_REQUIRES.to_string()]));
            }
            Err(err) => return Err(BuildError::io(subject, err)),
        };
        Self::parse(&text, subject)
    }

    /// Parse the text of a `pyproject.toml`.
    pub fn parse(text: &str, subject: &str) -> Result<Self, BuildError> {
        let pyproject: PyProject = toml::from_str(text).map_err(|err| BuildError::Invalid {
            subject: subject.to_string(),
            reason: format!("its pyproject.toml is not valid: {err}"),
        })?;
        let Some(table) = pyproject.build_system else {
            return Ok(Self::legacy(vec![DEFAULT_REQUIRES.to_string()]));
        };
        // PEP 518 makes `requires` mandatory; pip falls back to the default when it is absent.
        let requires = table
            .requires
            .unwrap_or_else(|| vec![DEFAULT_REQUIRES.to_string()]);
        for path in &table.backend_path {
            let escapes = Path::new(path).components().any(|c| {
                !matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            });
            if escapes {
                return Err(BuildError::Invalid {
                    subject: subject.to_string(),
                    reason: format!("`backend-path` entry `{path}` leaves the source tree"),
                });
            }
        }
        match table.build_backend {
            Some(backend) => Ok(Self {
                requires,
                backend,
                backend_path: table.backend_path,
            }),
            None => Ok(Self::legacy(requires)),
        }
    }

    fn legacy(requires: Vec<String>) -> Self {
        Self {
            requires,
            backend: DEFAULT_BACKEND.to_string(),
            backend_path: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_a_build_system_table() {
        let system = BuildSystem::parse("[project]\nname = \"x\"\n", "x").unwrap();
        assert_eq!(system.requires, [DEFAULT_REQUIRES]);
        assert_eq!(system.backend, DEFAULT_BACKEND);
    }

    #[test]
    fn explicit_backend_and_path() {
        let text = "[build-system]\nrequires = [\"flit_core>=3.2\"]\nbuild-backend = \"flit_core.buildapi\"\nbackend-path = [\"_build\"]\n";
        let system = BuildSystem::parse(text, "x").unwrap();
        assert_eq!(system.requires, ["flit_core>=3.2"]);
        assert_eq!(system.backend, "flit_core.buildapi");
        assert_eq!(system.backend_path, ["_build"]);
    }

    #[test]
    fn requires_without_backend_is_legacy_setuptools() {
        let system = BuildSystem::parse(
            "[build-system]\nrequires = [\"setuptools\", \"wheel\"]\n",
            "x",
        )
        .unwrap();
        assert_eq!(system.requires, ["setuptools", "wheel"]);
        assert_eq!(system.backend, DEFAULT_BACKEND);
    }

    #[test]
    fn backend_path_may_not_escape() {
        let text =
            "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"../x\"]\n";
        let error = BuildSystem::parse(text, "x-1.0.tar.gz").unwrap_err();
        assert!(
            error.to_string().contains("leaves the source tree"),
            "{error}"
        );
    }

    #[test]
    fn invalid_toml_names_the_sdist() {
        let error = BuildSystem::parse("[build-system\n", "x-1.0.tar.gz").unwrap_err();
        assert!(error.to_string().contains("x-1.0.tar.gz"), "{error}");
    }
}
