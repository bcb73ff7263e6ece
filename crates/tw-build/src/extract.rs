//! Unpacking archives without trusting them: sdists (`.tar.gz`, `.zip`) into a source tree and
//! wheels into a build environment's `site-packages`.
//!
//! Every member path must be relative and stay inside the target (no `..`, no absolute or
//! drive paths); links in sdists are skipped (a build never needs them to read metadata, and
//! they are the classic way out of the target); and the total unpacked size, the member count
//! and the compression ratio are bounded, so a zip bomb stops with an error instead of filling
//! the disk.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use tracing::debug;

use crate::error::BuildError;

/// Limits on what one archive may unpack to.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Total bytes written.
    pub max_total: u64,
    /// Number of members.
    pub max_members: usize,
    /// Unpacked bytes per compressed byte, over the whole archive.
    pub max_ratio: u64,
}

impl Default for Limits {
    /// 4 GiB, 200,000 members, ratio 200 (real sdists and wheels stay far below).
    fn default() -> Self {
        Self {
            max_total: 4 * 1024 * 1024 * 1024,
            max_members: 200_000,
            max_ratio: 200,
        }
    }
}

/// `member` as a path under `root`, or `None` when it would leave `root` or is empty.
pub fn contained(root: &Path, member: &str) -> Option<PathBuf> {
    let relative = Path::new(member);
    let mut path = root.to_path_buf();
    let mut depth = 0usize;
    for component in relative.components() {
        match component {
            Component::Normal(part) => {
                path.push(part);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (depth > 0).then_some(path)
}

/// Where a symbolic link `member` pointing at `target` (relative to the member's folder)
/// lands under `root`, resolved by its text alone; `None` when it is absolute or leaves
/// `root`.
fn lexical_join(root: &Path, member: &str, target: &str) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    let member = Path::new(member);
    for component in member.parent().into_iter().flat_map(Path::components) {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    for component in Path::new(target).components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() {
        return None;
    }
    let mut path = root.to_path_buf();
    path.extend(parts);
    Some(path)
}

/// Running totals checked against [`Limits`].
struct Budget {
    limits: Limits,
    compressed: u64,
    written: u64,
    members: usize,
}

impl Budget {
    fn new(limits: Limits, compressed: u64) -> Self {
        Self {
            limits,
            compressed,
            written: 0,
            members: 0,
        }
    }

    fn member(&mut self, subject: &str) -> Result<(), BuildError> {
        self.members += 1;
        if self.members > self.limits.max_members {
            return Err(BuildError::invalid(
                subject,
                format!("more than {} members", self.limits.max_members),
            ));
        }
        Ok(())
    }

    /// Bytes a member may still write.
    fn remaining(&self) -> u64 {
        let by_ratio = self
            .compressed
            .saturating_mul(self.limits.max_ratio)
            .max(1024 * 1024);
        self.limits
            .max_total
            .min(by_ratio)
            .saturating_sub(self.written)
    }

    /// Copy `reader` to `path`, stopping with an error past the budget.
    fn copy(&mut self, reader: impl Read, path: &Path, subject: &str) -> Result<(), BuildError> {
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).map_err(|err| BuildError::io(subject, err))?;
        }
        let remaining = self.remaining();
        let mut file = fs_err::File::create(path).map_err(|err| BuildError::io(subject, err))?;
        let copied = std::io::copy(&mut reader.take(remaining + 1), &mut file)
            .map_err(|err| BuildError::invalid(subject, format!("cannot unpack: {err}")))?;
        file.flush().map_err(|err| BuildError::io(subject, err))?;
        if copied > remaining {
            return Err(BuildError::invalid(
                subject,
                format!(
                    "unpacks to more than {} bytes (limit {} bytes, or {}x the archive size)",
                    self.written + copied,
                    self.limits.max_total,
                    self.limits.max_ratio
                ),
            ));
        }
        self.written += copied;
        Ok(())
    }
}

/// Unpack a `.tar.gz` sdist into `dest`.
pub fn unpack_tar_gz(
    archive: &[u8],
    dest: &Path,
    subject: &str,
    limits: Limits,
) -> Result<(), BuildError> {
    let mut budget = Budget::new(limits, archive.len() as u64);
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let bad =
        |err: std::io::Error| BuildError::invalid(subject, format!("not a valid .tar.gz: {err}"));
    for entry in tar.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        budget.member(subject)?;
        let name = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        let Some(path) = contained(dest, &name) else {
            if name.trim_matches('/').trim_matches('.').is_empty() {
                continue;
            }
            return Err(BuildError::invalid(
                subject,
                format!("member `{name}` would be written outside the source tree"),
            ));
        };
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                fs_err::create_dir_all(&path).map_err(|err| BuildError::io(subject, err))?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                budget.copy(entry, &path, subject)?;
            }
            kind @ (tar::EntryType::Link | tar::EntryType::Symlink) => {
                let Some(target) = entry.link_name().map_err(bad)? else {
                    continue;
                };
                let target = target.to_string_lossy();
                // A hard link names a member from the archive's root, a symbolic link a
                // path from its own folder.
                let source = if kind == tar::EntryType::Link {
                    contained(dest, &target)
                } else {
                    lexical_join(dest, &name, &target)
                };
                match source {
                    // Only files this archive already wrote: the tree holds no links (they
                    // become copies), so this never reads anything outside it.
                    Some(source)
                        if fs_err::symlink_metadata(&source)
                            .is_ok_and(|meta| meta.file_type().is_file()) =>
                    {
                        let file = fs_err::File::open(&source)
                            .map_err(|err| BuildError::io(subject, err))?;
                        budget.copy(file, &path, subject)?;
                    }
                    _ => {
                        debug!(member = %name, link = %target, "skipping a link to nothing the sdist unpacked");
                    }
                }
            }
            other => debug!(member = %name, kind = ?other, "skipping a non-regular sdist member"),
        }
    }
    Ok(())
}

/// Unpack a `.zip` sdist into `dest`.
pub fn unpack_zip(
    archive: &[u8],
    dest: &Path,
    subject: &str,
    limits: Limits,
) -> Result<(), BuildError> {
    each_zip_member(archive, subject, limits, |name, _| contained(dest, name))
}

/// Install a wheel into `site`: every member under its own path, except that
/// `<name>.data/purelib/…` and `<name>.data/platlib/…` go to the top of `site` and the other
/// `.data` folders (scripts, headers, data) are left out: a build backend imports modules, it
/// does not run console scripts.
pub fn install_wheel(
    wheel: &[u8],
    site: &Path,
    subject: &str,
    limits: Limits,
) -> Result<(), BuildError> {
    each_zip_member(wheel, subject, limits, |name, _| {
        let mut parts = name.splitn(3, '/');
        let first = parts.next().unwrap_or_default();
        if first.ends_with(".data") {
            return match (parts.next(), parts.next()) {
                (Some("purelib" | "platlib"), Some(rest)) => contained(site, rest),
                _ => Some(PathBuf::new()),
            };
        }
        contained(site, name)
    })
}

/// Walk a zip's members, writing each to the path `place` gives it (`None`: refuse the
/// archive; an empty path: skip the member).
fn each_zip_member(
    archive: &[u8],
    subject: &str,
    limits: Limits,
    place: impl Fn(&str, bool) -> Option<PathBuf>,
) -> Result<(), BuildError> {
    let bad = |err: zip::result::ZipError| {
        BuildError::invalid(subject, format!("not a valid zip: {err}"))
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).map_err(bad)?;
    let mut budget = Budget::new(limits, archive.len() as u64);
    for index in 0..zip.len() {
        budget.member(subject)?;
        let entry = zip.by_index(index).map_err(bad)?;
        let name = entry.name().to_string();
        let is_dir = entry.is_dir();
        let Some(path) = place(&name, is_dir) else {
            return Err(BuildError::invalid(
                subject,
                format!("member `{name}` would be written outside the target"),
            ));
        };
        if path.as_os_str().is_empty() {
            continue;
        }
        if is_dir {
            fs_err::create_dir_all(&path).map_err(|err| BuildError::io(subject, err))?;
        } else if entry.is_symlink() {
            debug!(member = %name, "skipping a symbolic link");
        } else {
            budget.copy(entry, &path, subject)?;
        }
    }
    Ok(())
}

/// The folder a source archive unpacked into: its single top-level directory, else `dest`.
pub fn source_root(dest: &Path) -> Result<PathBuf, std::io::Error> {
    let entries: Vec<_> = fs_err::read_dir(dest)?.filter_map(Result::ok).collect();
    match entries.as_slice() {
        [only] if only.path().is_dir() => Ok(only.path()),
        _ => Ok(dest.to_path_buf()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
        let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut builder = tar::Builder::new(encoder);
        for (path, contents) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // `set_path` refuses `..`; write the raw name the way a hostile archive would.
            let name = header.as_old_mut().name.as_mut();
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *contents).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn zip(members: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (path, contents) in members {
            writer.start_file(*path, options).unwrap();
            writer.write_all(contents).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn contained_refuses_escapes() {
        let root = Path::new("/t");
        assert_eq!(contained(root, "a/b.py"), Some(PathBuf::from("/t/a/b.py")));
        assert_eq!(contained(root, "./a"), Some(PathBuf::from("/t/a")));
        assert_eq!(contained(root, "../a"), None);
        assert_eq!(contained(root, "a/../../b"), None);
        assert_eq!(contained(root, "/etc/passwd"), None);
        assert_eq!(contained(root, ""), None);
    }

    #[test]
    fn tar_path_traversal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let archive = tar_gz(&[("../evil.txt", b"x")]);
        let error = unpack_tar_gz(
            &archive,
            &dir.path().join("src"),
            "evil-1.0.tar.gz",
            Limits::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("outside"), "{error}");
        assert!(!dir.path().join("evil.txt").exists());
    }

    /// A `.tar.gz` with regular `files` and then `links`: (name, kind, target).
    fn tar_gz_with_links(
        files: &[(&str, &[u8])],
        links: &[(&str, tar::EntryType, &str)],
    ) -> Vec<u8> {
        let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut builder = tar::Builder::new(encoder);
        for (path, contents) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            header.set_path(path).unwrap();
            header.set_cksum();
            builder.append(&header, *contents).unwrap();
        }
        for (path, kind, target) in links {
            let mut header = tar::Header::new_gnu();
            header.set_size(0);
            header.set_mode(0o644);
            header.set_entry_type(*kind);
            header.set_path(path).unwrap();
            // `set_link_name` refuses `..`; write it raw, as a hostile archive would.
            let name = header.as_old_mut().linkname.as_mut();
            name[..target.len()].copy_from_slice(target.as_bytes());
            header.set_cksum();
            builder.append(&header, std::io::empty()).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn links_inside_the_tree_are_unpacked_as_copies_and_others_skipped() {
        // webassets 0.12.1 ships `src/webassets/__init__.py` as a hard link, and its
        // `setup.py` reads it (issue 14).
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("secret.txt");
        fs_err::write(&outside, "secret").unwrap();
        let archive = tar_gz_with_links(
            &[(
                "pkg-1.0/examples/mod/__init__.py",
                b"__version__ = (1, 0)\n",
            )],
            &[
                (
                    "pkg-1.0/src/mod/__init__.py",
                    tar::EntryType::Link,
                    "pkg-1.0/examples/mod/__init__.py",
                ),
                (
                    "pkg-1.0/README",
                    tar::EntryType::Symlink,
                    "examples/mod/__init__.py",
                ),
                ("pkg-1.0/escape-hard", tar::EntryType::Link, "../secret.txt"),
                (
                    "pkg-1.0/escape-soft",
                    tar::EntryType::Symlink,
                    "../../secret.txt",
                ),
                ("pkg-1.0/dangling", tar::EntryType::Symlink, "missing.txt"),
            ],
        );
        let src = dir.path().join("src");
        unpack_tar_gz(&archive, &src, "pkg-1.0.tar.gz", Limits::default()).unwrap();
        let read = |path: &str| fs_err::read_to_string(src.join(path)).unwrap();
        assert_eq!(
            read("pkg-1.0/src/mod/__init__.py"),
            "__version__ = (1, 0)\n"
        );
        assert_eq!(read("pkg-1.0/README"), "__version__ = (1, 0)\n");
        for name in ["escape-hard", "escape-soft", "dangling"] {
            let path = src.join("pkg-1.0").join(name);
            assert!(
                fs_err::symlink_metadata(&path).is_err(),
                "{name} was written"
            );
        }
        // Copies, never links: nothing in the tree points anywhere.
        let meta = fs_err::symlink_metadata(src.join("pkg-1.0/README")).unwrap();
        assert!(meta.file_type().is_file());
    }

    #[test]
    fn zip_path_traversal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let archive = zip(&[("../evil.txt", b"x")], zip::CompressionMethod::Stored);
        let error = unpack_zip(
            &archive,
            &dir.path().join("src"),
            "evil-1.0.zip",
            Limits::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("outside"), "{error}");
        assert!(!dir.path().join("evil.txt").exists());
    }

    #[test]
    fn zip_bomb_stops_at_the_ratio() {
        let dir = tempfile::tempdir().unwrap();
        let zeros = vec![0u8; 64 * 1024 * 1024];
        let archive = zip(&[("bomb/zeros", &zeros)], zip::CompressionMethod::Deflated);
        assert!(archive.len() < 1024 * 1024);
        let error =
            unpack_zip(&archive, dir.path(), "bomb-1.0.zip", Limits::default()).unwrap_err();
        assert!(
            error.to_string().contains("unpacks to more than"),
            "{error}"
        );
    }

    #[test]
    fn tar_bomb_stops_at_the_total() {
        let dir = tempfile::tempdir().unwrap();
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let archive = tar_gz(&[("bomb/zeros", &zeros)]);
        let limits = Limits {
            max_total: 1024 * 1024,
            ..Limits::default()
        };
        let error = unpack_tar_gz(&archive, dir.path(), "bomb-1.0.tar.gz", limits).unwrap_err();
        assert!(
            error.to_string().contains("unpacks to more than"),
            "{error}"
        );
    }

    #[test]
    fn wheel_data_folders_map_to_site() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = zip(
            &[
                ("pkg/__init__.py", b"A = 1\n"),
                ("pkg-1.0.data/purelib/extra.py", b""),
                ("pkg-1.0.data/scripts/tool", b"#!python\n"),
                ("pkg-1.0.dist-info/METADATA", b"Name: pkg\n"),
            ],
            zip::CompressionMethod::Deflated,
        );
        install_wheel(
            &wheel,
            dir.path(),
            "pkg-1.0-py3-none-any.whl",
            Limits::default(),
        )
        .unwrap();
        assert!(dir.path().join("pkg/__init__.py").is_file());
        assert!(dir.path().join("extra.py").is_file());
        assert!(dir.path().join("pkg-1.0.dist-info/METADATA").is_file());
        assert!(!dir.path().join("tool").exists());
        assert!(!dir.path().join("pkg-1.0.data").exists());
    }

    #[test]
    fn source_root_is_the_single_top_folder() {
        let dir = tempfile::tempdir().unwrap();
        let archive = tar_gz(&[("demo-1.0/setup.py", b""), ("demo-1.0/PKG-INFO", b"")]);
        unpack_tar_gz(&archive, dir.path(), "demo-1.0.tar.gz", Limits::default()).unwrap();
        assert_eq!(
            source_root(dir.path()).unwrap(),
            dir.path().join("demo-1.0")
        );
    }
}
