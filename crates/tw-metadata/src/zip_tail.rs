//! Reading one entry of a zip archive from its tail, for wheels fetched with HTTP range
//! requests.
//!
//! A wheel is a zip: the end-of-central-directory record (EOCD, and for zip64 its locator
//! and record) sits at the very end, the central directory just before it, and
//! `*.dist-info/METADATA` is usually written just before that. This module works on a
//! [`Window`] — the bytes `[start, total)` of a file of `total` bytes — and says either
//! "here is the entry" or "I need bytes `a..b`", so the caller decides how to fetch.
//! Formats per the PKWARE APPNOTE (sections 4.3.6, 4.3.12, 4.3.14–16, 4.4).

use std::io::Read;
use std::ops::Range;

/// The parts of a file fetched so far: byte segments of a file of `total` bytes.
#[derive(Debug, Clone)]
pub struct Window {
    segments: Vec<(u64, Vec<u8>)>,
    /// Size of the whole file.
    pub total: u64,
}

impl Window {
    /// A window holding the bytes `start..start + data.len()` of a file of `total` bytes.
    pub fn new(start: u64, data: Vec<u8>, total: u64) -> Self {
        Self {
            segments: vec![(start, data)],
            total,
        }
    }

    /// Add bytes fetched separately, starting at `start`. Segments that touch or overlap
    /// are merged, so a range that spans a fetch and the tail can be read as one slice.
    pub fn add(&mut self, start: u64, data: Vec<u8>) {
        self.segments.push((start, data));
        self.segments.sort_by_key(|(start, _)| *start);
        let mut merged: Vec<(u64, Vec<u8>)> = Vec::with_capacity(self.segments.len());
        for (start, data) in std::mem::take(&mut self.segments) {
            match merged.last_mut() {
                Some((last_start, last)) if start <= *last_start + last.len() as u64 => {
                    let last_end = *last_start + last.len() as u64;
                    let end = start + data.len() as u64;
                    if end > last_end {
                        let skip = usize::try_from(last_end - start).unwrap_or(usize::MAX);
                        last.extend_from_slice(data.get(skip..).unwrap_or_default());
                    }
                }
                _ => merged.push((start, data)),
            }
        }
        self.segments = merged;
    }

    /// The lowest offset of the segment that ends the file (what the tail request got,
    /// grown by any fetch that joined it).
    pub fn tail_start(&self) -> u64 {
        self.segments.last().map_or(self.total, |(start, _)| *start)
    }

    fn slice(&self, range: Range<u64>) -> Option<&[u8]> {
        self.segments.iter().find_map(|(start, data)| {
            if range.start < *start || range.end > start.saturating_add(data.len() as u64) {
                return None;
            }
            let begin = usize::try_from(range.start - start).ok()?;
            let end = usize::try_from(range.end - start).ok()?;
            data.get(begin..end)
        })
    }

    fn tail(&self) -> &[u8] {
        self.segments
            .last()
            .map_or(&[], |(_, data)| data.as_slice())
    }
}

/// Where the parts that matter sit in a wheel (for measurements such as `docs/lazy-wheel.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// File size.
    pub total: u64,
    /// Offset of the central directory.
    pub directory_offset: u64,
    /// Size of the central directory.
    pub directory_size: u64,
    /// Number of entries.
    pub entries: u64,
    /// Offset of `METADATA`'s local file header.
    pub metadata_offset: u64,
    /// Compressed size of `METADATA`.
    pub metadata_compressed: u64,
}

/// What the tail reader needs next.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// The entry's uncompressed bytes, and where things were in the archive.
    Done(Vec<u8>, Geometry),
    /// Fetch these bytes of the file and [`Window::add`] them.
    Need(Range<u64>),
}

/// Why the archive cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipTailError {
    /// No end-of-central-directory record.
    #[error("no end-of-central-directory record (not a zip file?)")]
    NoEocd,
    /// A structure is cut short or inconsistent.
    #[error("corrupt zip structure: {0}")]
    Corrupt(&'static str),
    /// The wanted entry is not in the archive.
    #[error("no `.dist-info/METADATA` entry matching the file name (found: {0})")]
    NotFound(String),
    /// More than one `.dist-info` folder.
    #[error("more than one `.dist-info` folder in the wheel")]
    Ambiguous,
    /// Compression other than stored/deflate.
    #[error("unsupported compression method {0}")]
    Method(u16),
    /// The inflated member does not have the CRC-32 the central directory records: the bytes
    /// were damaged or altered (a range read has no other integrity check).
    #[error("CRC-32 mismatch for `{member}`: expected {expected:08x}, got {actual:08x}")]
    Crc {
        /// The member's name in the archive.
        member: String,
        /// The CRC-32 the central directory records.
        expected: u32,
        /// The CRC-32 of the inflated bytes.
        actual: u32,
    },
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

/// Where the central directory is.
#[derive(Debug, Clone, Copy)]
struct Directory {
    offset: u64,
    size: u64,
    entries: u64,
}

/// Bytes per entry between METADATA and the central directory (mostly RECORD, compressed),
/// for guessing where METADATA is: measured 32-51 on large wheels (`docs/lazy-wheel.md`).
const RECORD_LINE: u64 = 50;
/// Room for METADATA and WHEEL when guessing.
const METADATA_GUESS: u64 = 16 * 1024;
/// Never fetch more than this in front of a central directory on a guess.
const MAX_GUESS: u64 = 1024 * 1024;

/// Bytes of the EOCD record before its comment.
const EOCD_LEN: usize = 22;
/// The longest archive comment (its length is a 16-bit field).
const MAX_COMMENT: usize = 65_535;
/// Bytes of the zip64 end-of-central-directory locator (APPNOTE 4.3.15).
const LOCATOR_LEN: u64 = 20;

/// Where the EOCD record starts in `data` (which ends the file): the last signature whose
/// comment length reaches exactly to the end, so a signature inside a comment is skipped.
fn find_eocd(data: &[u8]) -> Option<usize> {
    let lowest = data.len().saturating_sub(EOCD_LEN + MAX_COMMENT);
    (lowest..=data.len().saturating_sub(EOCD_LEN))
        .rev()
        .find(|&at| {
            u32_at(data, at) == Some(0x0605_4b50)
                && u16_at(data, at + 20)
                    .is_some_and(|comment| at + EOCD_LEN + usize::from(comment) == data.len())
        })
}

fn find_directory(window: &Window) -> Result<Result<Directory, Range<u64>>, ZipTailError> {
    let data = window.tail();
    let base = window.tail_start();
    let Some(position) = find_eocd(data) else {
        // The record is followed by a comment of up to 64 KiB; a comment longer than the
        // tail pushes the record out of it, so fetch as far back as a comment can reach.
        let reach = (EOCD_LEN + MAX_COMMENT) as u64;
        if base > 0 && (data.len() as u64) < reach {
            return Ok(Err(window.total.saturating_sub(reach)..base));
        }
        return Err(ZipTailError::NoEocd);
    };
    let corrupt = ZipTailError::Corrupt("end-of-central-directory record");
    let entries = u16_at(data, position + 10).ok_or(corrupt.clone())?;
    let size = u32_at(data, position + 12).ok_or(corrupt.clone())?;
    let offset = u32_at(data, position + 16).ok_or(corrupt.clone())?;
    if size != u32::MAX && offset != u32::MAX {
        return Ok(Ok(Directory {
            offset: u64::from(offset),
            size: u64::from(size),
            entries: u64::from(entries),
        }));
    }
    // Zip64: a 20-byte locator sits right before the EOCD and points at the zip64 record.
    let eocd = base.saturating_add(position as u64);
    let locator_start = eocd
        .checked_sub(LOCATOR_LEN)
        .ok_or(ZipTailError::Corrupt("zip64 locator missing"))?;
    let Some(locator) = window.slice(locator_start..eocd) else {
        return Ok(Err(locator_start..eocd));
    };
    if u32_at(locator, 0) != Some(0x0706_4b50) {
        return Err(ZipTailError::Corrupt("zip64 locator missing"));
    }
    let record_offset = u64_at(locator, 8).ok_or(corrupt.clone())?;
    let Some(record) = window.slice(record_offset..record_offset.saturating_add(56)) else {
        return Ok(Err(record_offset..record_offset.saturating_add(56)));
    };
    if u32_at(record, 0) != Some(0x0606_4b50) {
        return Err(ZipTailError::Corrupt(
            "zip64 end-of-central-directory record",
        ));
    }
    let entries = u64_at(record, 32).ok_or(corrupt.clone())?;
    let size = u64_at(record, 40).ok_or(corrupt.clone())?;
    let offset = u64_at(record, 48).ok_or(corrupt)?;
    Ok(Ok(Directory {
        offset,
        size,
        entries,
    }))
}

/// One central directory entry, as far as we need it.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    method: u16,
    crc32: u32,
    compressed: u64,
    uncompressed: u64,
    local_offset: u64,
    extra_len: u64,
}

fn read_directory(bytes: &[u8]) -> Result<Vec<Entry>, ZipTailError> {
    let corrupt = ZipTailError::Corrupt("central directory");
    let mut entries = Vec::new();
    let mut at = 0;
    while at + 46 <= bytes.len() && u32_at(bytes, at) == Some(0x0201_4b50) {
        let method = u16_at(bytes, at + 10).ok_or(corrupt.clone())?;
        let crc32 = u32_at(bytes, at + 16).ok_or(corrupt.clone())?;
        let mut compressed = u64::from(u32_at(bytes, at + 20).ok_or(corrupt.clone())?);
        let mut uncompressed = u64::from(u32_at(bytes, at + 24).ok_or(corrupt.clone())?);
        let name_len = usize::from(u16_at(bytes, at + 28).ok_or(corrupt.clone())?);
        let extra_len = usize::from(u16_at(bytes, at + 30).ok_or(corrupt.clone())?);
        let comment_len = usize::from(u16_at(bytes, at + 32).ok_or(corrupt.clone())?);
        let mut local_offset = u64::from(u32_at(bytes, at + 42).ok_or(corrupt.clone())?);
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or(corrupt.clone())?;
        let name = String::from_utf8_lossy(name).into_owned();
        let extra = bytes
            .get(at + 46 + name_len..at + 46 + name_len + extra_len)
            .ok_or(corrupt.clone())?;
        // Zip64 extended information (tag 1) holds, in this order, the 64-bit values whose
        // 32-bit fields are 0xFFFFFFFF (APPNOTE 4.5.3); they are read within the field's own
        // length, never from the fields after it.
        let short = ZipTailError::Corrupt("zip64 extended information field too short");
        let mut field = 0;
        while field + 4 <= extra.len() {
            let tag = u16_at(extra, field).ok_or(corrupt.clone())?;
            let len = usize::from(u16_at(extra, field + 2).ok_or(corrupt.clone())?);
            if tag == 1 {
                let values = extra.get(field + 4..field + 4 + len).ok_or(short.clone())?;
                let mut values = values.chunks_exact(8).filter_map(|value| u64_at(value, 0));
                for current in [&mut uncompressed, &mut compressed, &mut local_offset] {
                    if *current == u64::from(u32::MAX) {
                        *current = values.next().ok_or(short.clone())?;
                    }
                }
            }
            field += 4 + len;
        }
        entries.push(Entry {
            name,
            method,
            crc32,
            compressed,
            uncompressed,
            local_offset,
            extra_len: extra_len as u64,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(entries)
}

/// Drive one step of reading the `METADATA` entry whose `.dist-info` folder `matches`.
pub fn read_metadata(
    window: &Window,
    matches: &dyn Fn(&str) -> bool,
) -> Result<Step, ZipTailError> {
    read_member(window, &|entries| {
        // Every top-level `*.dist-info/METADATA`: a wheel has exactly one (the wheel spec),
        // and it must be the one the file name promises.
        let metadata: Vec<(&str, usize)> = entries
            .iter()
            .enumerate()
            .filter_map(|(index, entry)| {
                let mut parts = entry.name.split('/');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(folder), Some("METADATA"), None) => {
                        folder.strip_suffix(".dist-info").map(|stem| (stem, index))
                    }
                    _ => None,
                }
            })
            .collect();
        match metadata.as_slice() {
            [(stem, index)] if matches(stem) => Ok(*index),
            [(stem, _)] => Err(ZipTailError::NotFound(format!("{stem}.dist-info"))),
            [] => Err(ZipTailError::NotFound("none".into())),
            _ => Err(ZipTailError::Ambiguous),
        }
    })
}

/// Drive one step of reading a zip sdist's `PKG-INFO`: the one at `{name}-{version}/PKG-INFO`
/// (one folder deep, as sdists are laid out).
pub fn read_pkg_info(window: &Window) -> Result<Step, ZipTailError> {
    read_member(window, &|entries| {
        let found: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| {
                let mut parts = entry.name.split('/');
                matches!(
                    (parts.next(), parts.next(), parts.next()),
                    (Some(_), Some("PKG-INFO"), None)
                )
            })
            .map(|(index, _)| index)
            .collect();
        match found.as_slice() {
            [index] => Ok(*index),
            [] => Err(ZipTailError::NotFound("no top-level PKG-INFO".into())),
            _ => Err(ZipTailError::Ambiguous),
        }
    })
}

/// The largest member the readers here inflate: core metadata is text, so anything bigger is
/// broken or hostile (a zip bomb).
pub const MAX_MEMBER_BYTES: u64 = 16 * 1024 * 1024;

/// What the central directory says about a member, for [`inflate_member`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member<'a> {
    /// The member's name in the archive.
    pub(crate) name: &'a str,
    /// The compression method (0 stored, 8 deflate).
    pub(crate) method: u16,
    /// The CRC-32 of the uncompressed bytes.
    pub(crate) crc32: u32,
    /// The uncompressed size.
    pub(crate) size: u64,
}

/// Inflate a member's `compressed` bytes (stored or deflate), at most [`MAX_MEMBER_BYTES`],
/// and check them against the size and the CRC-32 the central directory records. Every path
/// that reads `METADATA` or `PKG-INFO` out of a zip goes through here.
pub(crate) fn inflate_member(
    member: &Member<'_>,
    compressed: &[u8],
) -> Result<Vec<u8>, ZipTailError> {
    if member.size > MAX_MEMBER_BYTES {
        return Err(ZipTailError::Corrupt("member inflates past 16 MiB"));
    }
    let mut out = Vec::new();
    match member.method {
        0 => out.extend_from_slice(compressed),
        8 => {
            flate2::read::DeflateDecoder::new(compressed)
                .take(MAX_MEMBER_BYTES + 1)
                .read_to_end(&mut out)
                .map_err(|_| ZipTailError::Corrupt("deflate stream"))?;
            if out.len() as u64 > MAX_MEMBER_BYTES {
                return Err(ZipTailError::Corrupt("member inflates past 16 MiB"));
            }
        }
        method => return Err(ZipTailError::Method(method)),
    }
    let actual = crc32fast::hash(&out);
    if actual != member.crc32 {
        return Err(ZipTailError::Crc {
            member: member.name.to_string(),
            expected: member.crc32,
            actual,
        });
    }
    if out.len() as u64 != member.size {
        return Err(ZipTailError::Corrupt(
            "member size differs from the central directory",
        ));
    }
    Ok(out)
}

/// Drive one step of reading the member that `pick` selects from the central directory.
fn read_member(
    window: &Window,
    pick: &dyn Fn(&[Entry]) -> Result<usize, ZipTailError>,
) -> Result<Step, ZipTailError> {
    let directory = match find_directory(window)? {
        Ok(directory) => directory,
        Err(missing) => return Ok(Step::Need(missing)),
    };
    let directory_end = directory.offset.saturating_add(directory.size);
    let Some(cd) = window.slice(directory.offset..directory_end) else {
        if directory_end > window.total {
            return Err(ZipTailError::Corrupt(
                "central directory beyond end of file",
            ));
        }
        // The directory, plus a guess of what precedes it, so that METADATA arrives in the
        // same request: wheels end with METADATA, WHEEL, RECORD (one ~100-byte line per
        // entry) and then the directory.
        let before = directory
            .entries
            .saturating_mul(RECORD_LINE)
            .saturating_add(METADATA_GUESS)
            .min(MAX_GUESS);
        let start = directory.offset.saturating_sub(before);
        // Up to what we hold: the rest of the directory is already in the tail.
        return Ok(Step::Need(start..window.tail_start().min(directory_end)));
    };
    let entries = read_directory(cd)?;
    let entry = &entries[pick(&entries)?];
    // The local header's own name and extra lengths may differ from the central ones.
    let Some(header) = window.slice(entry.local_offset..entry.local_offset.saturating_add(30))
    else {
        // Fetch the header and the data in one go; the local extra field is usually the
        // central one or empty, and the slack covers the rest.
        let end = entry
            .local_offset
            .saturating_add(30 + entry.name.len() as u64 + entry.extra_len + 256)
            .saturating_add(entry.compressed);
        return Ok(Step::Need(entry.local_offset..end.min(window.total)));
    };
    if u32_at(header, 0) != Some(0x0403_4b50) {
        return Err(ZipTailError::Corrupt("local file header"));
    }
    let name_len = u64::from(u16_at(header, 26).ok_or(ZipTailError::Corrupt("local file header"))?);
    let extra_len =
        u64::from(u16_at(header, 28).ok_or(ZipTailError::Corrupt("local file header"))?);
    let data_start = entry.local_offset.saturating_add(30 + name_len + extra_len);
    let data_end = data_start.saturating_add(entry.compressed);
    if data_end > window.total {
        return Err(ZipTailError::Corrupt("METADATA entry beyond end of file"));
    }
    let Some(compressed) = window.slice(data_start..data_end) else {
        return Ok(Step::Need(entry.local_offset..data_end));
    };
    let out = inflate_member(
        &Member {
            name: &entry.name,
            method: entry.method,
            crc32: entry.crc32,
            size: entry.uncompressed,
        },
        compressed,
    )?;
    let geometry = Geometry {
        total: window.total,
        directory_offset: directory.offset,
        directory_size: directory.size,
        entries: directory.entries,
        metadata_offset: entry.local_offset,
        metadata_compressed: entry.compressed,
    };
    Ok(Step::Done(out, geometry))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read METADATA from `wheel` starting with a tail of `tail` bytes; returns the bytes and
    /// the number of extra fetches.
    fn read(wheel: &[u8], tail: usize) -> (Vec<u8>, usize) {
        let total = wheel.len() as u64;
        let start = wheel.len().saturating_sub(tail);
        let mut window = Window::new(start as u64, wheel[start..].to_vec(), total);
        let mut fetches = 0;
        loop {
            match read_metadata(&window, &|stem| stem == "demo_pkg-1.0").unwrap() {
                Step::Done(bytes, _) => return (bytes, fetches),
                Step::Need(range) => {
                    fetches += 1;
                    assert!(fetches <= 3, "too many fetches");
                    let (a, b) = (
                        usize::try_from(range.start).unwrap(),
                        usize::try_from(range.end).unwrap(),
                    );
                    window.add(range.start, wheel[a..b].to_vec());
                }
            }
        }
    }

    fn wheel() -> Vec<u8> {
        let mut universe = tw_test_index::Universe::new();
        let release = universe
            .version("demo-pkg", "1.0")
            .requires("idna>=3")
            .clone();
        tw_test_index::build_wheel("demo-pkg", "1.0", "py3-none-any", &release)
    }

    #[test]
    fn adjacent_and_overlapping_segments_merge() {
        let mut window = Window::new(10, vec![10, 11, 12], 13);
        window.add(2, vec![2, 3]);
        window.add(4, vec![4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(window.tail_start(), 2);
        assert_eq!(
            window.slice(2..13),
            Some(&[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12][..])
        );
        window.add(0, vec![0]);
        assert_eq!(window.segments.len(), 2);
        assert_eq!(window.tail_start(), 2);
    }

    #[test]
    fn whole_tail_needs_no_more_fetches() {
        let wheel = wheel();
        let (metadata, fetches) = read(&wheel, wheel.len());
        assert_eq!(fetches, 0);
        let text = String::from_utf8(metadata).unwrap();
        assert!(text.contains("Requires-Dist: idna>=3"), "{text}");
    }

    #[test]
    fn short_tails_need_at_most_two_fetches() {
        let wheel = wheel();
        for tail in [22, 40, 100, 200, 300, 500] {
            let (metadata, fetches) = read(&wheel, tail);
            assert!(
                String::from_utf8(metadata)
                    .unwrap()
                    .contains("Name: demo-pkg")
            );
            assert!(fetches <= 2, "tail {tail}: {fetches} fetches");
        }
    }

    #[test]
    fn wrong_dist_info_is_reported() {
        let wheel = wheel();
        let window = Window::new(0, wheel.clone(), wheel.len() as u64);
        let err = read_metadata(&window, &|stem| stem == "other-1.0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no `.dist-info/METADATA` entry matching the file name (found: demo_pkg-1.0.dist-info)"
        );
        let not_zip = Window::new(0, vec![0; 100], 100);
        assert_eq!(
            read_metadata(&not_zip, &|_| true).unwrap_err(),
            ZipTailError::NoEocd
        );
    }

    /// Offset of the central directory header of the member ending in `suffix`.
    fn central_header(zip: &[u8], suffix: &str) -> usize {
        let mut at = 0;
        loop {
            at += zip[at..]
                .windows(4)
                .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
                .expect("a central header");
            let name_len = usize::from(u16_at(zip, at + 28).unwrap());
            let name = String::from_utf8_lossy(&zip[at + 46..at + 46 + name_len]);
            if name.ends_with(suffix) {
                return at;
            }
            at += 4;
        }
    }

    /// `wheel` with the CRC-32 its central directory records for METADATA flipped.
    fn with_wrong_crc(mut wheel: Vec<u8>) -> Vec<u8> {
        let at = central_header(&wheel, ".dist-info/METADATA");
        wheel[at + 16] ^= 0xff;
        wheel
    }

    /// `wheel` with an archive comment of `comment` appended (the EOCD's comment length set).
    fn with_comment(mut wheel: Vec<u8>, comment: &[u8]) -> Vec<u8> {
        let eocd = wheel.len() - EOCD_LEN;
        assert_eq!(u32_at(&wheel, eocd), Some(0x0605_4b50));
        let len = u16::try_from(comment.len()).unwrap().to_le_bytes();
        wheel[eocd + 20..eocd + 22].copy_from_slice(&len);
        wheel.extend_from_slice(comment);
        wheel
    }

    fn try_read(wheel: &[u8], tail: usize) -> Result<(Vec<u8>, usize), ZipTailError> {
        let total = wheel.len() as u64;
        let start = wheel.len().saturating_sub(tail);
        let mut window = Window::new(start as u64, wheel[start..].to_vec(), total);
        for fetches in 0..4 {
            match read_metadata(&window, &|stem| stem == "demo_pkg-1.0")? {
                Step::Done(bytes, _) => return Ok((bytes, fetches)),
                Step::Need(range) => {
                    let (a, b) = (
                        usize::try_from(range.start).unwrap(),
                        usize::try_from(range.end).unwrap(),
                    );
                    window.add(range.start, wheel[a..b].to_vec());
                }
            }
        }
        panic!("too many fetches");
    }

    #[test]
    fn a_wrong_crc_is_an_error() {
        let wheel = with_wrong_crc(wheel());
        for tail in [wheel.len(), 300] {
            let error = try_read(&wheel, tail).expect_err("a wrong CRC-32 was accepted");
            assert!(error.to_string().contains("CRC-32"), "{error}");
        }
    }

    #[test]
    fn an_archive_comment_longer_than_the_tail_is_fetched() {
        let wheel = with_comment(wheel(), &vec![b'c'; 40_000]);
        let (metadata, fetches) = try_read(&wheel, 1000).expect("the comment is skipped");
        assert!(
            String::from_utf8(metadata)
                .unwrap()
                .contains("Name: demo-pkg")
        );
        assert!(fetches <= 3, "{fetches} fetches");
    }

    #[test]
    fn an_eocd_signature_inside_the_comment_is_not_the_record() {
        // A comment that holds a fake EOCD whose own comment length does not reach the end.
        let mut comment = vec![b'x'; 100];
        comment[10..14].copy_from_slice(&0x0605_4b50_u32.to_le_bytes());
        let wheel = with_comment(wheel(), &comment);
        let (metadata, _) = try_read(&wheel, wheel.len()).expect("the real EOCD is found");
        assert!(
            String::from_utf8(metadata)
                .unwrap()
                .contains("Name: demo-pkg")
        );
    }

    #[test]
    fn a_comment_length_past_the_end_is_refused() {
        let mut wheel = wheel();
        let eocd = wheel.len() - EOCD_LEN;
        wheel[eocd + 20..eocd + 22].copy_from_slice(&500u16.to_le_bytes());
        assert_eq!(
            try_read(&wheel, wheel.len()).unwrap_err(),
            ZipTailError::NoEocd
        );
    }

    /// A one-member stored zip whose central header says its compressed size is in a zip64
    /// field, but whose zip64 field is empty and followed by another extra field.
    fn zip64_field_too_short() -> Vec<u8> {
        let name = b"demo_pkg-1.0.dist-info/METADATA";
        let data = b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n";
        let crc = crc32fast::hash(data);
        let size = u32::try_from(data.len()).unwrap();
        let name_len = u16::try_from(name.len()).unwrap();
        let mut zip = Vec::new();
        zip.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
        zip.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&name_len.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip.extend_from_slice(name);
        zip.extend_from_slice(data);
        let directory = zip.len();
        // zip64 field (tag 1) of length 0, then an 8-byte field (tag 0x5455).
        let mut extra = vec![1, 0, 0, 0, 0x55, 0x54, 8, 0];
        extra.extend_from_slice(&u64::from(size).to_le_bytes());
        zip.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
        zip.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&u32::MAX.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&name_len.to_le_bytes());
        zip.extend_from_slice(&u16::try_from(extra.len()).unwrap().to_le_bytes());
        zip.extend_from_slice(&[0; 10]);
        zip.extend_from_slice(&0u32.to_le_bytes());
        zip.extend_from_slice(name);
        zip.extend_from_slice(&extra);
        let directory_size = u32::try_from(zip.len() - directory).unwrap();
        zip.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
        zip.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        zip.extend_from_slice(&directory_size.to_le_bytes());
        zip.extend_from_slice(&u32::try_from(directory).unwrap().to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip
    }

    #[test]
    fn zip64_values_are_read_within_their_field() {
        let zip = zip64_field_too_short();
        let error = try_read(&zip, zip.len()).expect_err("read past the zip64 field");
        assert_eq!(
            error,
            ZipTailError::Corrupt("zip64 extended information field too short")
        );
    }

    /// A wheel written as a stream: every member has a data descriptor (flag bit 3) and zeros
    /// for CRC and sizes in its local header.
    fn streamed_wheel() -> Vec<u8> {
        use std::io::Write as _;
        let mut writer = zip::ZipWriter::new_stream(Vec::new());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer.start_file("demo_pkg/__init__.py", options).unwrap();
        writer.write_all(b"x = 1\n").unwrap();
        writer
            .start_file("demo_pkg-1.0.dist-info/METADATA", options)
            .unwrap();
        writer
            .write_all(b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n")
            .unwrap();
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn members_with_a_data_descriptor_are_read_and_checked() {
        let wheel = streamed_wheel();
        let at = central_header(&wheel, ".dist-info/METADATA");
        assert_ne!(
            u16_at(&wheel, at + 8).unwrap() & 0x8,
            0,
            "no data descriptor"
        );
        for tail in [wheel.len(), 60] {
            let (metadata, _) = try_read(&wheel, tail).unwrap();
            assert!(
                String::from_utf8(metadata)
                    .unwrap()
                    .contains("Name: demo-pkg")
            );
        }
        let error = try_read(&with_wrong_crc(wheel), 60).unwrap_err();
        assert!(error.to_string().contains("CRC-32"), "{error}");
    }

    #[test]
    fn zip64_wheels_are_checked() {
        let mut universe = tw_test_index::Universe::new();
        let release = universe.version("demo-pkg", "1.0").zip64().clone();
        let wheel = tw_test_index::build_wheel("demo-pkg", "1.0", "py3-none-any", &release);
        let (metadata, _) = try_read(&wheel, 200).unwrap();
        assert!(
            String::from_utf8(metadata)
                .unwrap()
                .contains("Name: demo-pkg")
        );
        let error = try_read(&with_wrong_crc(wheel), 200).unwrap_err();
        assert!(error.to_string().contains("CRC-32"), "{error}");
    }
}
