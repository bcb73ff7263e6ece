//! Core metadata (`METADATA` in wheels, `PKG-INFO` in sdists, PEP 658 `.metadata` files).
//!
//! The format is the [core metadata specification](https://packaging.python.org/en/latest/specifications/core-metadata/):
//! RFC 822-style `Key: value` headers, continuation lines starting with whitespace, a blank
//! line before the free-form description body. Only the fields resolution needs are kept.

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};

use crate::error::MetadataError;

/// The resolution-relevant part of a distribution's core metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistMetadata {
    /// `Metadata-Version`.
    pub metadata_version: String,
    /// `Name`, normalised.
    pub name: PackageName,
    /// `Version`.
    pub version: Version,
    /// `Requires-Dist` entries, in file order.
    pub requires_dist: Vec<Requirement>,
    /// `Requires-Python`, when present and valid.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Provides-Extra` names.
    pub provides_extra: Vec<ExtraName>,
    /// `Dynamic` field names, lower-cased (PEP 643).
    pub dynamic: Vec<String>,
}

impl DistMetadata {
    /// Parse core metadata bytes. `subject` names the file or URL in errors.
    pub fn parse(bytes: &[u8], subject: &str) -> Result<Self, MetadataError> {
        let text = String::from_utf8_lossy(bytes);
        let headers = headers(&text);
        let field = |name: &str| {
            headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let invalid = |reason: String| MetadataError::Invalid {
            subject: subject.to_string(),
            reason,
        };
        let metadata_version = field("Metadata-Version").unwrap_or_default().to_string();
        let name = field("Name").ok_or_else(|| invalid("no `Name` field".into()))?;
        let name =
            PackageName::from_str(name).map_err(|err| invalid(format!("invalid `Name`: {err}")))?;
        let version = field("Version").ok_or_else(|| invalid("no `Version` field".into()))?;
        let version = Version::from_str(version.trim())
            .map_err(|err| invalid(format!("invalid `Version` `{version}`: {err}")))?;
        let mut requires_dist = Vec::new();
        let mut provides_extra = Vec::new();
        let mut dynamic = Vec::new();
        for (key, value) in &headers {
            if key.eq_ignore_ascii_case("Requires-Dist") {
                let requirement = Requirement::from_str(value)
                    .map_err(|err| invalid(format!("invalid `Requires-Dist: {value}`: {err}")))?;
                requires_dist.push(requirement);
            } else if key.eq_ignore_ascii_case("Provides-Extra") {
                // Invalid extra names exist in old uploads; PEP 685 says to normalise and
                // tools skip what cannot be normalised.
                if let Ok(extra) = ExtraName::from_str(value.trim()) {
                    provides_extra.push(extra);
                }
            } else if key.eq_ignore_ascii_case("Dynamic") {
                dynamic.push(value.trim().to_ascii_lowercase());
            }
        }
        // An unparseable Requires-Python is ignored, as pip does.
        let requires_python = field("Requires-Python")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .and_then(|v| VersionSpecifiers::from_str(v).ok());
        Ok(Self {
            metadata_version,
            name,
            version,
            requires_dist,
            requires_python,
            provides_extra,
            dynamic,
        })
    }

    /// True when `Requires-Dist` (or `Requires-Python`) may differ in a build from what
    /// this file says, so it cannot be trusted without building (PEP 643).
    pub fn has_dynamic_dependencies(&self) -> bool {
        self.dynamic
            .iter()
            .any(|field| field == "requires-dist" || field == "requires-python")
    }

    /// Check the metadata is for `name` at `version` (what the file name says).
    pub fn check_identity(
        &self,
        name: &PackageName,
        version: &Version,
        subject: &str,
    ) -> Result<(), MetadataError> {
        if &self.name != name || &self.version != version {
            return Err(MetadataError::Mismatch {
                subject: subject.to_string(),
                expected: format!("{name} {version}"),
                found: format!("{} {}", self.name, self.version),
            });
        }
        Ok(())
    }
}

/// The header block as `(key, value)` pairs, continuation lines joined with `\n`.
fn headers(text: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            headers.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields() {
        let text = "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0.POST1\nRequires-Python: >=3.8\n\
            Provides-Extra: socks\nProvides-Extra: Not Valid!\nRequires-Dist: idna (<4,>=2.5)\n\
            Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\nDescription: first\n  second\n\
            \nRequires-Dist: body-is-ignored\n";
        let metadata = DistMetadata::parse(text.as_bytes(), "x").unwrap();
        assert_eq!(metadata.name.to_string(), "foo-bar");
        assert_eq!(metadata.version.to_string(), "1.0.post1");
        assert_eq!(metadata.requires_dist.len(), 2);
        assert_eq!(metadata.requires_dist[0].to_string(), "idna>=2.5,<4");
        assert_eq!(metadata.provides_extra.len(), 1);
        assert_eq!(
            metadata.requires_python.as_ref().unwrap().to_string(),
            ">=3.8"
        );
        let version = Version::from_str("1.0.post1").unwrap();
        assert!(
            metadata
                .check_identity(&PackageName::from_str("foo.bar").unwrap(), &version, "x")
                .is_ok()
        );
    }

    #[test]
    fn errors_name_the_subject() {
        let err = DistMetadata::parse(b"Name: a\n", "a-1.0.whl").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid metadata in `a-1.0.whl`: no `Version` field"
        );
        let err =
            DistMetadata::parse(b"Name: a\nVersion: 1\nRequires-Dist: b >>> 1\n", "m").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid metadata in `m`: invalid `Requires-Dist: b >>> 1`"),
            "{err}"
        );
    }

    #[test]
    fn dynamic_fields() {
        let metadata = DistMetadata::parse(
            b"Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: Requires-Dist\n",
            "m",
        )
        .unwrap();
        assert!(metadata.has_dynamic_dependencies());
    }
}
