//! Wheels (PEP 427 / binary distribution format) and sdists (PEP 625 `.tar.gz`) built in
//! memory from a [`Release`].
//!
//! Bytes are deterministic so hashes are stable across runs: zip entries carry the DOS epoch
//! (1980-01-01) and a fixed order, tar entries carry mtime 0 and uid/gid 0, and the gzip header
//! has mtime 0 and no file name. These files are written here independently of the parsers
//! under test, so a parser bug cannot hide behind a matching writer bug.

use std::io::Write as _;

use sha2::{Digest as _, Sha256};

use crate::universe::Release;

/// Build one wheel's bytes without a server (fixtures, unit tests of zip readers).
///
/// `name`, `version` and `tag` give the file name and `.dist-info` directory; `release` gives
/// the metadata (its own name and version are not used, so one release can seed many wheels).
pub fn build_wheel(name: &str, version: &str, tag: &str, release: &Release) -> Vec<u8> {
    let dist = dist_name(name);
    let dist_info = format!("{dist}-{version}.dist-info");
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            format!("{}/__init__.py", dist.to_lowercase()),
            format!("__version__ = \"{version}\"\n").into_bytes(),
        ),
        (
            format!("{dist_info}/METADATA"),
            core_metadata(name, version, release, MetadataKind::Wheel).into_bytes(),
        ),
        (format!("{dist_info}/WHEEL"), wheel_file(tag).into_bytes()),
    ];
    let record_path = format!("{dist_info}/RECORD");
    let mut record = String::new();
    for (path, contents) in &files {
        record.push_str(&format!(
            "{path},sha256={},{}\n",
            base64_url_no_pad(&Sha256::digest(contents)),
            contents.len()
        ));
    }
    record.push_str(&format!("{record_path},,\n"));

    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, contents) in files
        .iter()
        .map(|(path, contents)| (path.as_str(), contents.as_slice()))
        .chain([(record_path.as_str(), record.as_bytes())])
    {
        writer
            .start_file(path, options)
            .expect("entry names are distinct and the sink is memory");
        writer
            .write_all(contents)
            .expect("writing into memory cannot fail");
    }
    writer
        .finish()
        .expect("finishing a zip in memory cannot fail")
        .into_inner()
}

/// Build one sdist's bytes: `{dist}-{version}/PKG-INFO` and `{dist}-{version}/pyproject.toml`
/// in a gzip-compressed tar.
pub(crate) fn build_sdist(name: &str, version: &str, release: &Release) -> Vec<u8> {
    let base = format!("{}-{version}", dist_name(name));
    let entries = [
        (
            format!("{base}/PKG-INFO"),
            core_metadata(name, version, release, MetadataKind::Sdist),
        ),
        (
            format!("{base}/pyproject.toml"),
            pyproject_toml(name, version, release),
        ),
    ];
    let encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    for (path, contents) in &entries {
        let mut header = tar::Header::new_ustar();
        header
            .set_path(path)
            .expect("sdist member paths are short relative paths");
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        builder
            .append(&header, contents.as_bytes())
            .expect("writing a tar into memory cannot fail");
    }
    builder
        .into_inner()
        .expect("finishing a tar in memory cannot fail")
        .finish()
        .expect("finishing a gzip stream in memory cannot fail")
}

/// Which core metadata file is being written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetadataKind {
    /// `.dist-info/METADATA`, metadata 2.1; also served as the PEP 658 `.metadata` file.
    Wheel,
    /// `PKG-INFO`, metadata 2.2 so it can say `Dynamic:` (PEP 643).
    Sdist,
}

/// The core metadata text (<https://packaging.python.org/specifications/core-metadata/>).
pub(crate) fn core_metadata(
    name: &str,
    version: &str,
    release: &Release,
    kind: MetadataKind,
) -> String {
    let mut text = String::new();
    let metadata_version = match kind {
        MetadataKind::Wheel => "2.1",
        MetadataKind::Sdist => "2.2",
    };
    text.push_str(&format!("Metadata-Version: {metadata_version}\n"));
    text.push_str(&format!(
        "Name: {}\n",
        release.metadata_name.as_deref().unwrap_or(name)
    ));
    text.push_str(&format!(
        "Version: {}\n",
        release.metadata_version.as_deref().unwrap_or(version)
    ));
    if kind == MetadataKind::Sdist && release.dynamic_sdist {
        text.push_str("Dynamic: Requires-Dist\n");
    }
    if let Some(requires_python) = &release.requires_python {
        text.push_str(&format!("Requires-Python: {requires_python}\n"));
    }
    for (extra, _) in &release.extras {
        text.push_str(&format!("Provides-Extra: {extra}\n"));
    }
    for requirement in release.requires_dist() {
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    text
}

/// The `.dist-info/WHEEL` file; a compressed tag set is expanded to one `Tag:` line per tag.
fn wheel_file(tag: &str) -> String {
    let mut text =
        String::from("Wheel-Version: 1.0\nGenerator: tw-test-index (0.1.0)\nRoot-Is-Purelib: ");
    let parts: Vec<&str> = tag.split('-').collect();
    match parts.as_slice() {
        [python, abi, platform] => {
            text.push_str(if *platform == "any" {
                "true\n"
            } else {
                "false\n"
            });
            for python in python.split('.') {
                for abi in abi.split('.') {
                    for platform in platform.split('.') {
                        text.push_str(&format!("Tag: {python}-{abi}-{platform}\n"));
                    }
                }
            }
        }
        // Not a valid tag triple: written verbatim, so tests can serve broken wheels too.
        _ => text.push_str(&format!("true\nTag: {tag}\n")),
    }
    text
}

/// A PEP 621 `pyproject.toml` matching the metadata.
fn pyproject_toml(name: &str, version: &str, release: &Release) -> String {
    let mut text = String::from(
        "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\n",
    );
    text.push_str(&format!("name = {}\n", toml_string(name)));
    text.push_str(&format!("version = {}\n", toml_string(version)));
    if let Some(requires_python) = &release.requires_python {
        text.push_str(&format!(
            "requires-python = {}\n",
            toml_string(requires_python)
        ));
    }
    if release.dynamic_sdist {
        text.push_str("dynamic = [\"dependencies\", \"optional-dependencies\"]\n");
        return text;
    }
    text.push_str(&format!(
        "dependencies = {}\n",
        toml_array(&release.requires)
    ));
    if !release.extras.is_empty() {
        text.push_str("\n[project.optional-dependencies]\n");
        for (extra, requirements) in &release.extras {
            text.push_str(&format!(
                "{} = {}\n",
                toml_key(extra),
                toml_array(requirements)
            ));
        }
    }
    text
}

fn toml_array(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|value| toml_string(value)).collect();
    format!("[{}]", items.join(", "))
}

/// A bare TOML key when the text allows one, a quoted key otherwise.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '-' | '_'));
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

/// A TOML basic string; requirement markers carry `"`, so escaping matters.
fn toml_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for character in value.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            control if control.is_control() => {
                quoted.push_str(&format!("\\u{:04X}", u32::from(control)));
            }
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// The distribution name as it appears in file names: `-` and `.` become `_`.
pub(crate) fn dist_name(name: &str) -> String {
    name.replace(['-', '.'], "_")
}

/// `{dist}-{version}-{tag}.whl`.
pub(crate) fn wheel_filename(name: &str, version: &str, tag: &str) -> String {
    format!("{}-{version}-{tag}.whl", dist_name(name))
}

/// `{dist}-{version}.tar.gz`.
pub(crate) fn sdist_filename(name: &str, version: &str) -> String {
    format!("{}-{version}.tar.gz", dist_name(name))
}

/// Lowercase hex SHA-256, as index pages carry it.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// URL-safe base64 without padding, as RECORD carries hashes.
fn base64_url_no_pad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut encoded = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (index, byte)| {
            group | (u32::from(*byte) << (16 - 8 * index))
        });
        for index in 0..=chunk.len() {
            let sextet = (group >> (18 - 6 * index)) & 0x3f;
            encoded.push(char::from(ALPHABET[sextet as usize]));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::universe::Universe;

    #[test]
    fn base64_matches_known_vectors() {
        assert_eq!(base64_url_no_pad(b""), "");
        assert_eq!(base64_url_no_pad(b"f"), "Zg");
        assert_eq!(base64_url_no_pad(b"fo"), "Zm8");
        assert_eq!(base64_url_no_pad(b"foo"), "Zm9v");
        assert_eq!(base64_url_no_pad(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn wheel_tags_expand() {
        let text = wheel_file("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64");
        assert!(text.contains("Root-Is-Purelib: false\n"));
        assert!(text.contains("Tag: cp311-cp311-manylinux_2_17_x86_64\n"));
        assert!(text.contains("Tag: cp311-cp311-manylinux2014_x86_64\n"));
    }

    #[test]
    fn metadata_lists_fields_in_order() {
        let mut universe = Universe::new();
        let release = universe
            .version("a.b", "1.0")
            .requires("c>=1")
            .extra("x", &["d; os_name == \"nt\""])
            .requires_python(">=3.8")
            .clone();
        assert_eq!(
            core_metadata("a.b", "1.0", &release, MetadataKind::Wheel),
            "Metadata-Version: 2.1\nName: a.b\nVersion: 1.0\nRequires-Python: >=3.8\n\
             Provides-Extra: x\nRequires-Dist: c>=1\n\
             Requires-Dist: d; (os_name == \"nt\") and extra == \"x\"\n"
        );
        assert_eq!(
            wheel_filename("a.b-c", "1.0", "py3-none-any"),
            "a_b_c-1.0-py3-none-any.whl"
        );
        assert_eq!(sdist_filename("a.b-c", "1.0"), "a_b_c-1.0.tar.gz");
    }

    #[test]
    fn toml_strings_escape_quotes() {
        assert_eq!(toml_string("a; b == \"c\""), "\"a; b == \\\"c\\\"\"");
        assert_eq!(toml_key("fast-io"), "fast-io");
        assert_eq!(toml_key("a.b"), "\"a.b\"");
    }

    #[test]
    fn builds_are_deterministic() {
        let mut universe = Universe::new();
        let release = universe.version("a", "1.0").clone();
        assert_eq!(
            build_wheel("a", "1.0", "py3-none-any", &release),
            build_wheel("a", "1.0", "py3-none-any", &release)
        );
        assert_eq!(
            build_sdist("a", "1.0", &release),
            build_sdist("a", "1.0", &release)
        );
    }
}
