//! Wheel layout knobs: `METADATA` first, padding, zip64, many entries, two or no
//! `.dist-info`, a cut-off tail.

use std::io::Read as _;

use tw_test_index::{IndexOptions, Release, TestIndex, Universe, build_wheel};

use crate::{JSON, get_with};

const TAG: &str = "py3-none-any";

/// A release of `demo` 1.0 shaped by `shape`, its wheel bytes, and an index serving it.
fn demo(shape: impl FnOnce(&mut Release)) -> (Release, Vec<u8>, TestIndex) {
    let mut universe = Universe::new();
    let release = universe
        .version("demo", "1.0")
        .requires("idna>=3")
        .no_sdist();
    shape(release);
    let release = release.clone();
    let wheel = build_wheel("demo", "1.0", TAG, &release);
    let index = TestIndex::start(&universe, IndexOptions::default());
    (release, wheel, index)
}

const WHEEL: &str = "demo-1.0-py3-none-any.whl";

/// Entry names in central-directory order, with compression method and local header offset.
fn entries(bytes: &[u8]) -> Vec<(String, zip::CompressionMethod, u64)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("valid zip");
    (0..archive.len())
        .map(|index| {
            let entry = archive.by_index(index).expect("entry");
            (
                entry.name().to_string(),
                entry.compression(),
                entry.header_start(),
            )
        })
        .collect()
}

fn entry_text(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("valid zip");
    let mut entry = archive.by_name(name).expect("entry present");
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("UTF-8 entry");
    text
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// Offsets of every occurrence of a little-endian signature.
fn find_signature(bytes: &[u8], signature: u32) -> Vec<usize> {
    let needle = signature.to_le_bytes();
    bytes
        .windows(4)
        .enumerate()
        .filter(|(_, window)| *window == needle)
        .map(|(at, _)| at)
        .collect()
}

#[test]
fn default_layout_is_module_then_dist_info() {
    let (_, wheel, index) = demo(|_| {});
    let names: Vec<String> = entries(&wheel).into_iter().map(|(name, ..)| name).collect();
    assert_eq!(
        names,
        [
            "demo/__init__.py",
            "demo-1.0.dist-info/METADATA",
            "demo-1.0.dist-info/WHEEL",
            "demo-1.0.dist-info/RECORD",
        ]
    );
    assert_eq!(index.file_bytes(WHEEL), Some(wheel));
}

#[test]
fn metadata_first_with_padding_puts_metadata_far_from_the_tail() {
    let (_, wheel, index) = demo(|release| {
        release.metadata_first().padding_kib(200);
    });
    assert_eq!(index.file_bytes(WHEEL).as_ref(), Some(&wheel));
    let listed = entries(&wheel);
    let names: Vec<&str> = listed.iter().map(|(name, ..)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "demo-1.0.dist-info/METADATA",
            "demo/__init__.py",
            "demo/_padding/blob_000.bin",
            "demo/_padding/blob_001.bin",
            "demo/_padding/blob_002.bin",
            "demo/_padding/blob_003.bin",
            "demo-1.0.dist-info/WHEEL",
            "demo-1.0.dist-info/RECORD",
        ]
    );
    assert_eq!(listed[0].2, 0, "METADATA's local header starts the file");
    assert!(wheel.len() > 200 * 1024, "{} bytes", wheel.len());

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&wheel)).expect("valid zip");
    let mut padding = 0;
    for index in 2..6 {
        let mut entry = archive.by_index(index).expect("padding entry");
        assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
        assert_eq!(entry.compressed_size(), entry.size());
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read padding");
        // Incompressible: deflate does not shrink it.
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, &data).expect("deflate");
        let deflated = encoder.finish().expect("deflate");
        assert!(deflated.len() as f64 > data.len() as f64 * 0.99, "{index}");
        padding += data.len();
    }
    assert_eq!(padding, 200 * 1024);

    let record = entry_text(&wheel, "demo-1.0.dist-info/RECORD");
    assert!(
        record.contains("demo/_padding/blob_003.bin,sha256="),
        "{record}"
    );
    assert_eq!(record.lines().count(), 8);
}

#[test]
fn padding_is_deterministic_and_differs_between_releases() {
    let mut universe = Universe::new();
    let one = universe.version("demo", "1.0").padding_kib(3).clone();
    let two = universe.version("demo", "2.0").padding_kib(3).clone();
    let blob = |bytes: &[u8]| entry_text_bytes(bytes, "demo/_padding/blob_000.bin");
    let first = build_wheel("demo", "1.0", TAG, &one);
    assert_eq!(first, build_wheel("demo", "1.0", TAG, &one));
    let second = build_wheel("demo", "2.0", TAG, &two);
    assert_eq!(blob(&first).len(), 3 * 1024);
    assert_ne!(blob(&first), blob(&second));
}

fn entry_text_bytes(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("valid zip");
    let mut entry = archive.by_name(name).expect("entry present");
    let mut data = Vec::new();
    entry.read_to_end(&mut data).expect("read entry");
    data
}

#[test]
fn zip64_wheel_has_zip64_records_and_reads_back() {
    let (_, wheel, index) = demo(|release| {
        release.zip64();
    });
    assert_eq!(index.file_bytes(WHEEL).as_ref(), Some(&wheel));

    // Zip64 end record, its locator, then the classic end record with every field maxed.
    let records = find_signature(&wheel, 0x0606_4b50);
    let locators = find_signature(&wheel, 0x0706_4b50);
    assert_eq!(records.len(), 1, "one zip64 end record");
    assert_eq!(locators.len(), 1, "one zip64 locator");
    let eocd = wheel.len() - 22;
    assert_eq!(u32_at(&wheel, eocd), 0x0605_4b50);
    assert_eq!(locators[0], eocd - 20);
    assert_eq!(records[0], locators[0] - 56);
    assert_eq!(
        u64::from_le_bytes(
            wheel[locators[0] + 8..locators[0] + 16]
                .try_into()
                .expect("8")
        ),
        records[0] as u64,
        "the locator points at the zip64 end record"
    );
    assert_eq!(u16_at(&wheel, eocd + 8), 0xffff);
    assert_eq!(u16_at(&wheel, eocd + 10), 0xffff);
    assert_eq!(u32_at(&wheel, eocd + 12), 0xffff_ffff);
    assert_eq!(u32_at(&wheel, eocd + 16), 0xffff_ffff);

    // Zip64 record: entry count, directory size and offset.
    let record = records[0];
    let count = u64::from_le_bytes(wheel[record + 32..record + 40].try_into().expect("8"));
    let cd_size = u64::from_le_bytes(wheel[record + 40..record + 48].try_into().expect("8"));
    let cd_offset = u64::from_le_bytes(wheel[record + 48..record + 56].try_into().expect("8"));
    assert_eq!(count, 4);
    assert_eq!(cd_offset + cd_size, record as u64);

    // Every central header defers its sizes to a zip64 extra field.
    let mut at = usize::try_from(cd_offset).expect("a small test wheel");
    for _ in 0..count {
        assert_eq!(u32_at(&wheel, at), 0x0201_4b50);
        assert_eq!(u32_at(&wheel, at + 20), 0xffff_ffff, "compressed size");
        assert_eq!(u32_at(&wheel, at + 24), 0xffff_ffff, "uncompressed size");
        let name_len = usize::from(u16_at(&wheel, at + 28));
        let extra_len = usize::from(u16_at(&wheel, at + 30));
        let comment_len = usize::from(u16_at(&wheel, at + 32));
        assert_eq!(
            u16_at(&wheel, at + 46 + name_len),
            0x0001,
            "zip64 extra first"
        );
        at += 46 + name_len + extra_len + comment_len;
    }
    assert_eq!(at as u64, cd_offset + cd_size);

    // A zip64-aware reader gets the same files as from the plain layout.
    let metadata = entry_text(&wheel, "demo-1.0.dist-info/METADATA");
    assert_eq!(
        metadata,
        "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: idna>=3\n"
    );
    let (_, plain, _) = demo(|_| {});
    assert_ne!(wheel, plain);
    let names = |bytes: &[u8]| -> Vec<String> {
        entries(bytes).into_iter().map(|(name, ..)| name).collect()
    };
    assert_eq!(names(&wheel), names(&plain));
    assert_eq!(
        entry_text(&wheel, "demo-1.0.dist-info/RECORD"),
        entry_text(&plain, "demo-1.0.dist-info/RECORD")
    );
}

#[test]
fn many_entries_make_a_large_central_directory() {
    let (_, wheel, index) = demo(|release| {
        release.many_entries(5000);
    });
    assert_eq!(index.file_bytes(WHEEL).as_ref(), Some(&wheel));
    let listed = entries(&wheel);
    assert_eq!(listed.len(), 5004);
    assert_eq!(listed[1].0, "demo/data/file_00000.txt");
    assert_eq!(listed[5000].0, "demo/data/file_04999.txt");
    assert_eq!(listed[5001].0, "demo-1.0.dist-info/METADATA");
    let eocd = wheel.len() - 22;
    assert_eq!(u32_at(&wheel, eocd), 0x0605_4b50);
    assert_eq!(u16_at(&wheel, eocd + 10), 5004);
    let cd_size = u32_at(&wheel, eocd + 12) as usize;
    assert!(
        (250 * 1024..400 * 1024).contains(&cd_size),
        "central directory is {cd_size} bytes"
    );
    assert_eq!(
        entry_text(&wheel, "demo/data/file_01234.txt"),
        "1234\n",
        "small stored files"
    );
}

#[test]
fn two_dist_info_adds_a_foreign_metadata() {
    let (_, wheel, index) = demo(|release| {
        release.two_dist_info();
    });
    let names: Vec<String> = entries(&wheel).into_iter().map(|(name, ..)| name).collect();
    assert_eq!(
        names,
        [
            "demo/__init__.py",
            "demo-1.0.dist-info/METADATA",
            "other-1.0.dist-info/METADATA",
            "demo-1.0.dist-info/WHEEL",
            "demo-1.0.dist-info/RECORD",
        ]
    );
    assert_eq!(
        entry_text(&wheel, "other-1.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: other\nVersion: 1.0\n"
    );
    assert!(
        entry_text(&wheel, "demo-1.0.dist-info/RECORD").contains("other-1.0.dist-info/METADATA,")
    );
    // The PEP 658 file is still the real one.
    let metadata = index
        .file_bytes(&format!("{WHEEL}.metadata"))
        .expect("served");
    assert_eq!(
        String::from_utf8(metadata).expect("UTF-8"),
        entry_text(&wheel, "demo-1.0.dist-info/METADATA")
    );
}

#[test]
fn no_dist_info_leaves_it_out_and_serves_no_metadata_file() {
    let (_, wheel, index) = demo(|release| {
        release.no_dist_info().padding_kib(1);
    });
    let names: Vec<String> = entries(&wheel).into_iter().map(|(name, ..)| name).collect();
    assert_eq!(names, ["demo/__init__.py", "demo/_padding/blob_000.bin"]);
    assert_eq!(index.file_bytes(&format!("{WHEEL}.metadata")), None);

    let page = get_with(&index, "/simple/demo/", &[("Accept", JSON)]).json();
    let file = &page["files"][0];
    assert_eq!(file["filename"], WHEEL);
    assert!(file.get("core-metadata").is_none(), "{file}");
    let response = crate::get(&index, &format!("/files/{WHEEL}.metadata"));
    assert_eq!(response.status, 404);
}

#[test]
fn corrupt_tail_cuts_ten_bytes_and_pages_list_the_cut_file() {
    let (_, plain, _) = demo(|_| {});
    let (_, wheel, index) = demo(|release| {
        release.corrupt_tail();
    });
    assert_eq!(wheel.len(), plain.len() - 10);
    assert_eq!(wheel[..], plain[..plain.len() - 10]);
    assert!(zip::ZipArchive::new(std::io::Cursor::new(&wheel)).is_err());
    assert_eq!(index.file_bytes(WHEEL).as_ref(), Some(&wheel));

    let page = get_with(&index, "/simple/demo/", &[("Accept", JSON)]).json();
    let file = &page["files"][0];
    assert_eq!(file["size"], wheel.len());
    assert_eq!(
        file["hashes"]["sha256"],
        index.file_sha256(WHEEL).expect("served")
    );
    let served = crate::get(&index, &format!("/files/{WHEEL}"));
    assert_eq!(served.body, wheel);
}

#[test]
fn knobs_combine() {
    let (_, wheel, index) = demo(|release| {
        release
            .metadata_first()
            .padding_kib(70)
            .zip64()
            .many_entries(10);
    });
    assert_eq!(index.file_bytes(WHEEL).as_ref(), Some(&wheel));
    let listed = entries(&wheel);
    assert_eq!(listed[0].0, "demo-1.0.dist-info/METADATA");
    assert_eq!(listed.len(), 1 + 1 + 2 + 10 + 2);
    assert_eq!(find_signature(&wheel, 0x0606_4b50).len(), 1);
    assert!(entry_text(&wheel, "demo-1.0.dist-info/METADATA").contains("Name: demo\n"));
}
