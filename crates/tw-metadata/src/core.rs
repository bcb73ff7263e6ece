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

/// The largest core metadata file accepted, in bytes. Real `METADATA` files are a few KiB
/// (the largest seen in the wild, with a long description, are around 1 MiB); anything this
/// big is an attack or a broken index, and parsing it would only waste memory.
pub(crate) const MAX_METADATA_BYTES: usize = 16 * 1024 * 1024;

impl DistMetadata {
    /// Parse core metadata bytes. `subject` names the file or URL in errors.
    ///
    /// Input over 16 MiB (`MAX_METADATA_BYTES`) is refused. An invalid `Requires-Dist` is an error
    /// that names the package, version and line, because skipping it would silently drop a
    /// dependency from the lock (pip and uv refuse such metadata too).
    pub fn parse(bytes: &[u8], subject: &str) -> Result<Self, MetadataError> {
        let invalid = |reason: String| MetadataError::Invalid {
            subject: subject.to_string(),
            reason,
        };
        if bytes.len() > MAX_METADATA_BYTES {
            return Err(invalid(format!(
                "{} bytes is over the limit of {MAX_METADATA_BYTES} bytes for core metadata",
                bytes.len()
            )));
        }
        let text = String::from_utf8_lossy(bytes);
        let headers = headers(&text);
        let field = |name: &str| {
            headers
                .iter()
                .find(|header| header.key.eq_ignore_ascii_case(name))
                .map(|header| header.value.as_str())
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
        for Header { key, value, line } in &headers {
            if key.eq_ignore_ascii_case("Requires-Dist") {
                let requirement = parse_requirement(value).map_err(|reason| {
                    invalid(format!(
                        "line {line}: invalid `Requires-Dist: {value}` of `{name}` `{version}`: {reason}"
                    ))
                })?;
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

/// One `Requires-Dist` value, through the guard against inputs that make `pep508_rs` panic
/// ([`tw_requirements::pep508`]).
fn parse_requirement(value: &str) -> Result<Requirement, String> {
    tw_requirements::pep508::parse_pep508(value)
}

/// One header of the metadata block.
struct Header {
    /// The field name as written.
    key: String,
    /// The value, continuation lines joined with `\n`.
    value: String,
    /// The 1-based line the header starts on.
    line: usize,
}

/// The header block, continuation lines joined with `\n`.
fn headers(text: &str) -> Vec<Header> {
    let mut headers: Vec<Header> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(header) = headers.last_mut() {
                header.value.push('\n');
                header.value.push_str(line.trim());
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            headers.push(Header {
                key: key.trim().to_string(),
                value: value.trim().to_string(),
                line: number + 1,
            });
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
            err.to_string().starts_with(
                "invalid metadata in `m`: line 3: invalid `Requires-Dist: b >>> 1` of `a` `1`:"
            ),
            "{err}"
        );
    }

    #[test]
    fn requirements_that_crash_pep508_rs_are_errors_not_panics() {
        // Found by the `core_metadata` fuzz target: `pep508_rs` 0.9.2 panics on each of these.
        for requirement in [
            "foo- >=1",
            "idnextraides-\u{fffd}Extra:a>t",
            "a_;x",
            "b. [x]",
            "a[b-]",
            "a [ x , y. ]",
            "a[ok,res-",
            "\u{e9}\u{e9} >= 1",
            "a ; python_version == '\u{e9}' and",
            "id000001000[0000atAs7777777777 \u{fffd}o\u{fffd}",
        ] {
            let text = format!("Name: a\nVersion: 1\nRequires-Dist: {requirement}\n");
            let err = DistMetadata::parse(text.as_bytes(), "m").unwrap_err();
            assert!(err.to_string().contains("line 3"), "{err}");
        }
        let fuzzed = "Metadata-Ver=1; ex?ra == \"xer*sion: 2.1\nName: demo\nVersion: 1.0\n\
            Requires-Dist: idnextraides-\u{fffd}Extra:a>ttttttytttttttttttdy\n";
        assert!(DistMetadata::parse(fuzzed.as_bytes(), "m").is_err());
        // Still fine at the end of the input and inside the name.
        assert!(DistMetadata::parse(b"Name: a\nVersion: 1\nRequires-Dist: a.b-c_d\n", "m").is_ok());
    }

    #[test]
    fn oversized_metadata_is_refused() {
        let mut text = b"Name: a\nVersion: 1\n\n".to_vec();
        text.resize(MAX_METADATA_BYTES + 1, b'x');
        let err = DistMetadata::parse(&text, "big.metadata").unwrap_err();
        assert!(err.to_string().contains("over the limit"), "{err}");
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
