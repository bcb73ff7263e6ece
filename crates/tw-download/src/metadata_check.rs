//! The METADATA re-check after a download (design.md, "A partial fetch cannot verify the
//! wheel's hash").
//!
//! The resolver reads a wheel's metadata from a PEP 658 `.metadata` file or from a range
//! read of the zip tail; neither is covered by the wheel's sha256. Once the whole wheel is
//! downloaded and verified, [`check_wheel_metadata`] reads its `METADATA` again and compares
//! what decides a resolution (name, version, `Requires-Python`, `Requires-Dist`) with what
//! was used. A difference is an error ([`MetadataMismatch`]), which a caller may choose to
//! show as a warning instead.

use std::fmt;
use std::path::Path;

use tw_index::{DistFilename, IndexFile};
use tw_metadata::DistMetadata;

use crate::error::DownloadError;

/// How a downloaded wheel's `METADATA` differs from the metadata a resolution used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataMismatch {
    /// The wheel's file name.
    pub filename: String,
    /// One readable sentence per differing field.
    pub differences: Vec<String>,
}

impl fmt::Display for MetadataMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the metadata of `{}` differs from what the resolution used: {}",
            self.filename,
            self.differences.join("; ")
        )
    }
}

/// Check the `METADATA` of the downloaded `file` at `path` against `used`, the metadata the
/// resolution read for it. Sdists are not checked (their metadata came from the whole file).
///
/// Reads the file once; errors name the path (reading), the URL (a broken archive or
/// `METADATA`) or the differences ([`DownloadError::MetadataMismatch`]).
pub fn check_wheel_metadata(
    path: &Path,
    file: &IndexFile,
    used: &DistMetadata,
) -> Result<(), DownloadError> {
    if !matches!(file.dist, DistFilename::Wheel(_)) {
        return Ok(());
    }
    let bytes = fs_err::read(path).map_err(|source| DownloadError::ReadDownloaded {
        path: path.to_path_buf(),
        source,
    })?;
    let in_wheel = tw_metadata::read_wheel_metadata(&bytes, file)
        .and_then(|raw| DistMetadata::parse(&raw, &file.filename))
        .map_err(|source| DownloadError::Metadata {
            filename: file.filename.clone(),
            source: Box::new(source),
        })?;
    let differences = differences(&in_wheel, used);
    if differences.is_empty() {
        Ok(())
    } else {
        Err(DownloadError::MetadataMismatch(Box::new(
            MetadataMismatch {
                filename: file.filename.clone(),
                differences,
            },
        )))
    }
}

/// The fields that decide a resolution and differ between `in_wheel` and `used`, one
/// sentence each.
fn differences(in_wheel: &DistMetadata, used: &DistMetadata) -> Vec<String> {
    let mut differences = Vec::new();
    if in_wheel.name != used.name || in_wheel.version != used.version {
        differences.push(format!(
            "name/version {} {} vs {} {}",
            in_wheel.name, in_wheel.version, used.name, used.version
        ));
    }
    let requires_python = |metadata: &DistMetadata| {
        metadata
            .requires_python
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    if requires_python(in_wheel) != requires_python(used) {
        differences.push(format!(
            "Requires-Python `{}` in the wheel, `{}` used",
            requires_python(in_wheel),
            requires_python(used)
        ));
    }
    let sorted = |metadata: &DistMetadata| {
        let mut requirements: Vec<String> = metadata
            .requires_dist
            .iter()
            .map(ToString::to_string)
            .collect();
        requirements.sort();
        requirements
    };
    let (wheel_requirements, used_requirements) = (sorted(in_wheel), sorted(used));
    if wheel_requirements != used_requirements {
        let only_in = |these: &[String], those: &[String]| {
            these
                .iter()
                .filter(|requirement| !those.contains(requirement))
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        };
        differences.push(format!(
            "Requires-Dist only in the wheel: [{}]; only in the metadata used: [{}]",
            only_in(&wheel_requirements, &used_requirements),
            only_in(&used_requirements, &wheel_requirements)
        ));
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(text: &str) -> DistMetadata {
        DistMetadata::parse(text.as_bytes(), "test").unwrap()
    }

    #[test]
    fn differences_name_each_field() {
        let used = metadata("Metadata-Version: 2.1\nName: app\nVersion: 1.0\nRequires-Dist: b\n");
        assert!(differences(&used, &used).is_empty());
        let in_wheel = metadata(
            "Metadata-Version: 2.1\nName: app\nVersion: 1.0\nRequires-Python: >=3.9\nRequires-Dist: a\n",
        );
        assert_eq!(
            differences(&in_wheel, &used),
            [
                "Requires-Python `>=3.9` in the wheel, `` used",
                "Requires-Dist only in the wheel: [a]; only in the metadata used: [b]",
            ]
        );
    }
}
