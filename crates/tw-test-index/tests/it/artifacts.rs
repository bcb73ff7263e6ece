//! Wheels and sdists: real archives with the promised contents.

use std::io::Read as _;

use sha2::{Digest as _, Sha256};
use tw_test_index::{IndexOptions, Universe, build_wheel};

use crate::start;

fn zip_entries(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("valid zip");
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).expect("entry");
            assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
            let mut text = String::new();
            entry.read_to_string(&mut text).expect("entry is UTF-8");
            (entry.name().to_string(), text)
        })
        .collect()
}

fn tar_gz_entries(bytes: &[u8]) -> Vec<(String, u64, String)> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    archive
        .entries()
        .expect("valid tar.gz")
        .map(|entry| {
            let mut entry = entry.expect("entry");
            let path = entry.path().expect("path").to_string_lossy().into_owned();
            let mtime = entry.header().mtime().expect("mtime");
            let mut text = String::new();
            entry.read_to_string(&mut text).expect("entry is UTF-8");
            (path, mtime, text)
        })
        .collect()
}

/// URL-safe unpadded base64, written separately from the crate's own encoder.
fn record_hash(contents: &[u8]) -> String {
    let table: Vec<char> = ('A'..='Z')
        .chain('a'..='z')
        .chain('0'..='9')
        .chain(['-', '_'])
        .collect();
    let bits: String = Sha256::digest(contents)
        .iter()
        .fold(String::new(), |mut bits, byte| {
            bits.push_str(&format!("{byte:08b}"));
            bits
        });
    let encoded: String = bits
        .as_bytes()
        .chunks(6)
        .map(|chunk| {
            let mut text = String::from_utf8(chunk.to_vec()).expect("ASCII");
            while text.len() < 6 {
                text.push('0');
            }
            table[usize::from_str_radix(&text, 2).expect("binary")]
        })
        .collect();
    format!("sha256={encoded}")
}

#[test]
fn wheel_is_a_zip_with_metadata_wheel_and_record() {
    let index = start(IndexOptions::default());
    let bytes = index
        .file_bytes("Foo_Bar-1.0.0-py3-none-any.whl")
        .expect("served");
    let entries = zip_entries(&bytes);
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "foo_bar/__init__.py",
            "Foo_Bar-1.0.0.dist-info/METADATA",
            "Foo_Bar-1.0.0.dist-info/WHEEL",
            "Foo_Bar-1.0.0.dist-info/RECORD",
        ]
    );
    assert_eq!(
        entries[1].1,
        "Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.0.0\nRequires-Python: >=3.8\n\
         Provides-Extra: x\nRequires-Dist: baz>=1\n\
         Requires-Dist: qux; (os_name == \"nt\") and extra == \"x\"\n"
    );
    assert_eq!(
        index.file_bytes("Foo_Bar-1.0.0-py3-none-any.whl.metadata"),
        Some(entries[1].1.clone().into_bytes()),
        "the PEP 658 file is the wheel's METADATA"
    );
    assert!(entries[2].1.starts_with("Wheel-Version: 1.0\nGenerator: "));
    assert!(
        entries[2]
            .1
            .contains("Root-Is-Purelib: true\nTag: py3-none-any\n")
    );

    let record: Vec<&str> = entries[3].1.lines().collect();
    assert_eq!(record.len(), 4);
    for ((name, contents), line) in entries.iter().zip(&record).take(3) {
        assert_eq!(
            *line,
            format!(
                "{name},{},{}",
                record_hash(contents.as_bytes()),
                contents.len()
            )
        );
    }
    assert_eq!(record[3], "Foo_Bar-1.0.0.dist-info/RECORD,,");

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("valid zip");
    let entry = archive.by_index(0).expect("entry");
    let time = entry.last_modified().expect("timestamp");
    assert_eq!((time.year(), time.month(), time.day()), (1980, 1, 1));
}

#[test]
fn platform_wheels_expand_their_tags() {
    let index = start(IndexOptions::default());
    let entries = zip_entries(
        &index
            .file_bytes("Foo_Bar-2.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
            .expect("served"),
    );
    let wheel = &entries
        .iter()
        .find(|(name, _)| name == "Foo_Bar-2.0.0.dist-info/WHEEL")
        .expect("WHEEL")
        .1;
    assert!(wheel.contains("Root-Is-Purelib: false\n"), "{wheel}");
    assert!(
        wheel.contains(
            "Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n"
        ),
        "{wheel}"
    );
}

#[test]
fn build_wheel_matches_the_served_wheel() {
    let mut universe = Universe::new();
    let release = universe
        .version("Foo.Bar", "1.0.0")
        .requires("baz>=1")
        .requires_python(">=3.8")
        .extra("x", &["qux; os_name == \"nt\""])
        .clone();
    let built = build_wheel("Foo.Bar", "1.0.0", "py3-none-any", &release);
    let index = start(IndexOptions::default());
    assert_eq!(
        Some(built),
        index.file_bytes("Foo_Bar-1.0.0-py3-none-any.whl")
    );
}

#[test]
fn metadata_can_disagree_with_the_file_name() {
    let index = start(IndexOptions::default());
    let entries = zip_entries(
        &index
            .file_bytes("liar-1.0-py3-none-any.whl")
            .expect("served"),
    );
    let metadata = &entries
        .iter()
        .find(|(name, _)| name == "liar-1.0.dist-info/METADATA")
        .expect("METADATA under the file name's dist-info")
        .1;
    assert_eq!(
        metadata,
        "Metadata-Version: 2.1\nName: other\nVersion: 9.9\n"
    );
    let sdist = tar_gz_entries(&index.file_bytes("liar-1.0.tar.gz").expect("served"));
    assert!(sdist[0].2.contains("Name: other\nVersion: 9.9\n"));
}

#[test]
fn sdist_is_a_tar_gz_with_pkg_info() {
    let index = start(IndexOptions::default());
    let bytes = index.file_bytes("Foo_Bar-1.0.0.tar.gz").expect("served");
    assert_eq!(&bytes[..2], [0x1f, 0x8b], "gzip magic");
    let entries = tar_gz_entries(&bytes);
    let names: Vec<&str> = entries.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["Foo_Bar-1.0.0/PKG-INFO", "Foo_Bar-1.0.0/pyproject.toml"]
    );
    assert!(entries.iter().all(|(_, mtime, _)| *mtime == 0));
    assert_eq!(
        entries[0].2,
        "Metadata-Version: 2.2\nName: Foo.Bar\nVersion: 1.0.0\nRequires-Python: >=3.8\n\
         Provides-Extra: x\nRequires-Dist: baz>=1\n\
         Requires-Dist: qux; (os_name == \"nt\") and extra == \"x\"\n"
    );
    let pyproject = &entries[1].2;
    assert!(pyproject.contains("name = \"Foo.Bar\"\n"), "{pyproject}");
    assert!(
        pyproject.contains("x = [\"qux; os_name == \\\"nt\\\"\"]"),
        "{pyproject}"
    );
}

#[test]
fn dynamic_sdist_says_so() {
    let index = start(IndexOptions::default());
    let entries = tar_gz_entries(&index.file_bytes("qux-1.0.tar.gz").expect("served"));
    assert_eq!(
        entries[0].2,
        "Metadata-Version: 2.2\nName: qux\nVersion: 1.0\nDynamic: Requires-Dist\nRequires-Dist: baz\n"
    );
    assert!(entries[1].2.contains("dynamic = ["), "{}", entries[1].2);
    assert_eq!(
        index.file_bytes("qux-1.0-py3-none-any.whl"),
        None,
        "no_wheel"
    );
    assert_eq!(index.file_bytes("baz-1.0.tar.gz"), None, "no_sdist");
}

#[test]
fn files_are_identical_across_indexes() {
    let first = start(IndexOptions::default());
    let second = start(IndexOptions::default());
    for name in ["Foo_Bar-1.0.0-py3-none-any.whl", "Foo_Bar-1.0.0.tar.gz"] {
        assert_eq!(first.file_sha256(name), second.file_sha256(name), "{name}");
    }
}
