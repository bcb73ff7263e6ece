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
/// the metadata (its own name and version are not used, so one release can seed many wheels)
/// and the layout knobs ([`Release::metadata_first`], [`Release::padding_kib`],
/// [`Release::zip64`], [`Release::many_entries`], [`Release::two_dist_info`],
/// [`Release::no_dist_info`], [`Release::corrupt_tail`]), so the result is byte for byte what
/// a [`TestIndex`](crate::TestIndex) serves for that wheel.
pub fn build_wheel(name: &str, version: &str, tag: &str, release: &Release) -> Vec<u8> {
    let layout = &release.layout;
    let dist = dist_name(name);
    let module = dist.to_lowercase();
    let dist_info = format!("{dist}-{version}.dist-info");

    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
        .large_file(layout.zip64);
    let stored = deflated.compression_method(zip::CompressionMethod::Stored);

    let module_file = Member::new(
        format!("{module}/__init__.py"),
        format!("__version__ = \"{version}\"\n").into_bytes(),
        deflated,
    );
    let metadata = Member::new(
        format!("{dist_info}/METADATA"),
        core_metadata(name, version, release, MetadataKind::Wheel).into_bytes(),
        deflated,
    );
    let mut bulk = padding(name, version, &module, layout.padding_kib, stored);
    bulk.extend((0..layout.many_entries).map(|index| {
        Member::new(
            format!("{module}/data/file_{index:05}.txt"),
            format!("{index}\n").into_bytes(),
            stored,
        )
    }));

    // A member given with `Release::wheel_member` replaces the generated module file.
    let mut module_file = module_file;
    for (path, contents) in &release.wheel_members {
        if *path == module_file.path {
            module_file.contents.clone_from(contents);
        } else {
            bulk.push(Member::new(path.clone(), contents.clone(), deflated));
        }
    }

    let mut members = Vec::new();
    if layout.no_dist_info {
        members.push(module_file);
        members.extend(bulk);
    } else if layout.metadata_first {
        members.push(metadata);
        members.push(module_file);
        members.extend(bulk);
    } else {
        members.push(module_file);
        members.extend(bulk);
        members.push(metadata);
    }
    if layout.two_dist_info {
        members.push(Member::new(
            "other-1.0.dist-info/METADATA".to_string(),
            b"Metadata-Version: 2.1\nName: other\nVersion: 1.0\n".to_vec(),
            deflated,
        ));
    }
    if !layout.no_dist_info {
        members.push(Member::new(
            format!("{dist_info}/WHEEL"),
            wheel_file(tag).into_bytes(),
            deflated,
        ));
        let record_path = format!("{dist_info}/RECORD");
        let mut record = String::new();
        for member in &members {
            record.push_str(&format!(
                "{},sha256={},{}\n",
                member.path,
                base64_url_no_pad(&Sha256::digest(&member.contents)),
                member.contents.len()
            ));
        }
        record.push_str(&format!("{record_path},,\n"));
        members.push(Member::new(record_path, record.into_bytes(), deflated));
    }

    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    if layout.zip64 {
        // An (empty) zip64 comment makes the writer emit the zip64 end record and locator.
        writer.set_raw_zip64_comment(Some(Box::default()));
    }
    for member in &members {
        writer
            .start_file(member.path.as_str(), member.options)
            .expect("entry names are distinct and the sink is memory");
        writer
            .write_all(&member.contents)
            .expect("writing into memory cannot fail");
    }
    let mut bytes = writer
        .finish()
        .expect("finishing a zip in memory cannot fail")
        .into_inner();
    if layout.zip64 {
        force_zip64_fields(&mut bytes);
    }
    if layout.wrong_metadata_crc {
        crate::quirks::flip_member_crc(&mut bytes, ".dist-info/METADATA");
    }
    if layout.corrupt_tail {
        bytes.truncate(bytes.len().saturating_sub(10));
    }
    bytes
}

/// One zip entry to write.
struct Member {
    path: String,
    contents: Vec<u8>,
    options: zip::write::SimpleFileOptions,
}

impl Member {
    fn new(path: String, contents: Vec<u8>, options: zip::write::SimpleFileOptions) -> Self {
        Self {
            path,
            contents,
            options,
        }
    }
}

/// Size of one padding file.
const PADDING_FILE_BYTES: usize = 64 * 1024;

/// `kib` KiB of pseudo-random bytes in files of at most 64 KiB, seeded by the release so
/// every build of the same wheel is identical.
fn padding(
    name: &str,
    version: &str,
    module: &str,
    kib: usize,
    options: zip::write::SimpleFileOptions,
) -> Vec<Member> {
    let mut rng = SplitMix64(
        Sha256::digest(format!("{name}\n{version}").as_bytes())
            .iter()
            .take(8)
            .fold(0u64, |seed, byte| seed << 8 | u64::from(*byte)),
    );
    let mut remaining = kib * 1024;
    let mut members = Vec::new();
    while remaining > 0 {
        let size = remaining.min(PADDING_FILE_BYTES);
        let mut contents = Vec::with_capacity(size + 8);
        while contents.len() < size {
            contents.extend_from_slice(&rng.next().to_le_bytes());
        }
        contents.truncate(size);
        members.push(Member::new(
            format!("{module}/_padding/blob_{:03}.bin", members.len()),
            contents,
            options,
        ));
        remaining -= size;
    }
    members
}

/// The `SplitMix64` generator: small, fast, and the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The classic end-of-central-directory record: signature and fixed length (no comment).
const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
/// A central directory file header: signature and fixed length.
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const CENTRAL_LEN: usize = 46;
/// The zip64 extended information extra field's tag.
const ZIP64_EXTRA_TAG: u16 = 0x0001;

/// Turn a zip written with `large_file` entries and a zip64 end record into one that only a
/// zip64-aware reader can read (APPNOTE 4.4.8, 4.4.9, 4.4.1.4, 4.5.3): every central header
/// whose zip64 extra field holds both sizes gets `0xFFFFFFFF` in its 32-bit size fields, and
/// the classic end record's counts, directory size and offset become `0xFFFF`/`0xFFFFFFFF`.
fn force_zip64_fields(bytes: &mut [u8]) {
    let eocd = bytes
        .len()
        .checked_sub(EOCD_LEN)
        .filter(|&at| read_u32(bytes, at) == Some(EOCD_SIGNATURE))
        .expect("the zip writer ends with an end record and no comment");
    let size = read_u32(bytes, eocd + 12).expect("end record has a directory size");
    let offset = read_u32(bytes, eocd + 16).expect("end record has a directory offset");
    let (mut at, end) = (offset as usize, offset as usize + size as usize);
    while at + CENTRAL_LEN <= end && read_u32(bytes, at) == Some(CENTRAL_SIGNATURE) {
        let field = |delta: usize| usize::from(read_u16(bytes, at + delta).unwrap_or(0));
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let extra_start = at + CENTRAL_LEN + name_len;
        let mut position = extra_start;
        while position + 4 <= extra_start + extra_len {
            let tag = read_u16(bytes, position).unwrap_or(0);
            let len = usize::from(read_u16(bytes, position + 2).unwrap_or(0));
            if tag == ZIP64_EXTRA_TAG && len >= 16 {
                // Extra field order: uncompressed size, then compressed size.
                bytes[at + 20..at + 28].fill(0xff);
            }
            position += 4 + len;
        }
        at = extra_start + extra_len + comment_len;
    }
    // Entries on this disk, total entries, directory size, directory offset.
    bytes[eocd + 8..eocd + 20].fill(0xff);
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Build one sdist's bytes: `{dist}-{version}/PKG-INFO` and `{dist}-{version}/pyproject.toml`
/// plus any [`Release::sdist_member`] files, in a gzip-compressed tar (or a zip with
/// [`Release::sdist_zip`]).
pub(crate) fn build_sdist(name: &str, version: &str, release: &Release) -> Vec<u8> {
    let base = format!("{}-{version}", dist_name(name));
    let layout = &release.sdist_layout;
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |path: String, contents: Vec<u8>| match entries
        .iter_mut()
        .find(|(existing, _)| *existing == path)
    {
        Some(entry) => entry.1 = contents,
        None => entries.push((path, contents)),
    };
    for (path, contents) in &layout.members_before {
        add(format!("{base}/{path}"), contents.clone());
    }
    add(
        format!("{base}/PKG-INFO"),
        core_metadata(name, version, release, MetadataKind::Sdist).into_bytes(),
    );
    add(
        format!("{base}/pyproject.toml"),
        pyproject_toml(name, version, release).into_bytes(),
    );
    for (path, contents) in &layout.members {
        add(format!("{base}/{path}"), contents.clone());
    }
    if layout.zip {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, contents) in &entries {
            writer
                .start_file(path.as_str(), options)
                .expect("entry names are distinct and the sink is memory");
            writer
                .write_all(contents)
                .expect("writing into memory cannot fail");
        }
        let mut bytes = writer
            .finish()
            .expect("finishing a zip in memory cannot fail")
            .into_inner();
        if release.layout.wrong_metadata_crc {
            crate::quirks::flip_member_crc(&mut bytes, "/PKG-INFO");
        }
        return bytes;
    }
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
            .append(&header, contents.as_slice())
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
        MetadataKind::Sdist => release
            .sdist_layout
            .metadata_version
            .as_deref()
            .unwrap_or("2.2"),
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

/// `{dist}-{version}.tar.gz`, or `.zip` for a [`Release::sdist_zip`] release.
pub(crate) fn release_sdist_filename(name: &str, version: &str, release: &Release) -> String {
    if release.sdist_layout.zip {
        format!("{}-{version}.zip", dist_name(name))
    } else {
        sdist_filename(name, version)
    }
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
