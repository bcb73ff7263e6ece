//! Reading metadata out of whole archives: a wheel's `*.dist-info/METADATA`, an sdist's
//! top-level `PKG-INFO`.

use std::io::{Cursor, Read, Seek};

use sha2::{Digest, Sha256};
use tw_index::{IndexFile, SdistExtension};

use crate::error::MetadataError;
use crate::zip_tail::{MAX_MEMBER_BYTES, Member, inflate_member};

fn archive_error(subject: &str, reason: String) -> MetadataError {
    MetadataError::Archive {
        subject: subject.to_string(),
        reason,
    }
}

/// Read an archive member to its end, refusing more than [`MAX_MEMBER_BYTES`] (core
/// metadata is text; more is a broken or hostile archive).
fn read_all(
    entry: impl Read,
    error: &dyn Fn(String) -> MetadataError,
) -> Result<Vec<u8>, MetadataError> {
    let mut bytes = Vec::new();
    entry
        .take(MAX_MEMBER_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| error(err.to_string()))?;
    if bytes.len() as u64 > MAX_MEMBER_BYTES {
        return Err(error("the metadata member is larger than 16 MiB".into()));
    }
    Ok(bytes)
}

/// Read member `index` of a whole zip and check it against the size and CRC-32 its central
/// directory records (the zip crate's own check would fail as a plain I/O error, so the raw
/// bytes are inflated and checked in [`inflate_member`], as on the range-read path).
fn read_checked<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
    subject: &str,
) -> Result<Vec<u8>, MetadataError> {
    let entry = archive
        .by_index_raw(index)
        .map_err(|err| archive_error(subject, err.to_string()))?;
    let method = match entry.compression() {
        zip::CompressionMethod::Stored => 0,
        zip::CompressionMethod::Deflated => 8,
        other => {
            return Err(archive_error(
                subject,
                format!("unsupported compression method {other:?}"),
            ));
        }
    };
    let name = entry.name().to_string();
    let (crc32, size, compressed_size) = (entry.crc32(), entry.size(), entry.compressed_size());
    // Deflate never grows text by more than a few bytes per 16 KiB block.
    if compressed_size > MAX_MEMBER_BYTES + MAX_MEMBER_BYTES / 64 {
        return Err(archive_error(
            subject,
            "the metadata member is larger than 16 MiB".into(),
        ));
    }
    let mut compressed = Vec::new();
    entry
        .take(compressed_size)
        .read_to_end(&mut compressed)
        .map_err(|err| archive_error(subject, err.to_string()))?;
    let member = Member {
        name: &name,
        method,
        crc32,
        size,
    };
    inflate_member(&member, &compressed).map_err(|err| MetadataError::from_zip(subject, err))
}

fn is_pkg_info(path: &str) -> bool {
    let mut parts = path.trim_start_matches("./").split('/');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(_), Some("PKG-INFO"), None)
    )
}

/// Read a `.tar.gz` sdist from `reader` only as far as its top-level `PKG-INFO`; `None` when
/// the archive has none.
pub(crate) fn read_tar_gz_pkg_info(
    reader: impl Read,
    subject: &str,
) -> Result<Option<Vec<u8>>, MetadataError> {
    let archive_error = |reason: String| archive_error(subject, reason);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    let entries = archive
        .entries()
        .map_err(|err| archive_error(err.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|err| archive_error(err.to_string()))?;
        let path = entry.path().map_err(|err| archive_error(err.to_string()))?;
        if is_pkg_info(&path.to_string_lossy()) {
            return read_all(entry, &archive_error).map(Some);
        }
    }
    Ok(None)
}

pub(crate) fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version
        .trim()
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= (major, minor)
}

/// Check `body` against a sha256 hex digest.
pub fn verify(body: &[u8], expected: &str, subject: &str) -> Result<(), MetadataError> {
    let actual = hex::encode(Sha256::digest(body));
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(MetadataError::Hash {
            subject: subject.to_string(),
            expected: expected.to_string(),
            actual,
        })
    }
}

/// The `METADATA` bytes of a whole wheel: the one `*.dist-info/METADATA` at the top level
/// whose folder name matches the distribution (names compared normalised, as pip does),
/// checked against its CRC-32. Errors name the file's URL.
pub fn read_wheel_metadata(wheel: &[u8], file: &IndexFile) -> Result<Vec<u8>, MetadataError> {
    read_wheel_metadata_from(Cursor::new(wheel), file)
}

/// [`read_wheel_metadata`] from a reader, such as a wheel in a temporary file: only the
/// central directory and the `METADATA` member are read.
pub(crate) fn read_wheel_metadata_from<R: Read + Seek>(
    wheel: R,
    file: &IndexFile,
) -> Result<Vec<u8>, MetadataError> {
    let subject = tw_client::redact_url(&file.url);
    let archive_error = |reason: String| archive_error(&subject, reason);
    let mut archive = zip::ZipArchive::new(wheel).map_err(|err| archive_error(err.to_string()))?;
    let mut candidates = Vec::new();
    for index in 0..archive.len() {
        let Some(name) = archive.name_for_index(index) else {
            continue;
        };
        let Some((folder, rest)) = name.split_once('/') else {
            continue;
        };
        if rest != "METADATA" {
            continue;
        }
        let Some(stem) = folder
            .strip_suffix(".dist-info")
            .or_else(|| folder.strip_suffix(".DIST-INFO"))
        else {
            continue;
        };
        candidates.push((index, stem.to_string()));
    }
    let index = match candidates.as_slice() {
        [(index, stem)] if dist_info_matches(stem, file.dist.name(), file.dist.version()) => *index,
        [] => {
            return Err(archive_error(
                "no `.dist-info/METADATA` in the wheel".into(),
            ));
        }
        [(_, stem)] => {
            return Err(archive_error(format!(
                "its `{stem}.dist-info` does not match the file name"
            )));
        }
        _ => {
            return Err(archive_error(
                "more than one `.dist-info` folder in the wheel".into(),
            ));
        }
    };
    read_checked(&mut archive, index, &subject)
}

pub(crate) fn dist_info_matches(
    stem: &str,
    name: &pep508_rs::PackageName,
    version: &pep440_rs::Version,
) -> bool {
    let Some((found_name, found_version)) = stem.rsplit_once('-') else {
        return false;
    };
    let name_ok = found_name
        .parse::<pep508_rs::PackageName>()
        .is_ok_and(|n| &n == name);
    let version_ok = found_version
        .parse::<pep440_rs::Version>()
        .is_ok_and(|v| &v == version);
    name_ok && version_ok
}

/// The top-level `PKG-INFO` of an sdist (`<name>-<version>/PKG-INFO`), if there is one; a
/// zip sdist's is checked against its CRC-32.
pub(crate) fn read_sdist_pkg_info<R: Read + Seek>(
    body: R,
    extension: SdistExtension,
    subject: &str,
) -> Result<Option<Vec<u8>>, MetadataError> {
    let archive_error = |reason: String| archive_error(subject, reason);
    match extension {
        SdistExtension::TarGz => read_tar_gz_pkg_info(body, subject),
        SdistExtension::Zip => {
            let mut archive =
                zip::ZipArchive::new(body).map_err(|err| archive_error(err.to_string()))?;
            for index in 0..archive.len() {
                let Some(name) = archive.name_for_index(index) else {
                    continue;
                };
                if is_pkg_info(name) {
                    return read_checked(&mut archive, index, subject).map(Some);
                }
            }
            Ok(None)
        }
        SdistExtension::OtherTar => Ok(None),
    }
}
