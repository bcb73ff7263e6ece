//! The shared file cache: verified downloads by SHA-256, under
//! `<cache>/files-v1/<sha256[..2]>/<sha256>` (the version in the path lets the layout change
//! without reading old entries).
//!
//! Entries go in and come out by hard link where the file system allows, so a cached file
//! costs no extra space. A hard link shares its content with the downloaded file, which a
//! user may edit in place; so an entry is hashed again before it is used, and one that no
//! longer matches is removed. The cache is an optimisation: its failures are logged, never
//! fatal.

use std::io;
use std::path::{Path, PathBuf};

use tracing::warn;

use crate::files::{blocking, hash_file, link_or_copy, remove_leftovers};

/// Where the file with `sha256` (64 lower-case hex digits) lives in `cache`.
fn entry(cache: &Path, sha256: &str) -> PathBuf {
    let shard = sha256.get(..2).unwrap_or("00");
    cache.join("files-v1").join(shard).join(sha256)
}

/// Put the cached file for `sha256` at `dest/filename` if the cache has it, intact; its size
/// on a hit, `None` on a miss.
pub(crate) async fn restore(
    cache: &Path,
    sha256: &str,
    dest: &Path,
    filename: &str,
) -> io::Result<Option<u64>> {
    let entry = entry(cache, sha256);
    match hash_file(entry.clone()).await? {
        None => Ok(None),
        Some((actual, size)) if actual == sha256 => {
            let (dest, filename) = (dest.to_path_buf(), filename.to_string());
            blocking(move || link_or_copy(&entry, &dest, &filename, &dest.join(&filename))).await?;
            Ok(Some(size))
        }
        Some((actual, _)) => {
            warn!(
                entry = %entry.display(),
                %actual,
                "cached file no longer matches its hash; removing it"
            );
            blocking(move || fs_err::remove_file(&entry)).await?;
            Ok(None)
        }
    }
}

/// Add the verified file at `path` to the cache as the entry for `sha256`, unless there is
/// one already.
pub(crate) async fn store(cache: &Path, sha256: &str, path: &Path) -> io::Result<()> {
    let entry = entry(cache, sha256);
    let (path, sha256) = (path.to_path_buf(), sha256.to_string());
    blocking(move || {
        let Some(shard) = entry.parent() else {
            return Ok(());
        };
        // Temp names an interrupted run left for this entry.
        remove_leftovers(shard, &sha256)?;
        if entry.symlink_metadata().is_ok() {
            return Ok(());
        }
        fs_err::create_dir_all(shard)?;
        link_or_copy(&path, shard, &sha256, &entry)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_sharded_by_the_first_two_digits() {
        let sha256 = format!("ab{}", "0".repeat(62));
        assert_eq!(
            entry(Path::new("/cache"), &sha256),
            Path::new("/cache/files-v1/ab").join(&sha256)
        );
    }

    #[tokio::test]
    async fn a_tampered_entry_is_a_miss_and_is_removed() {
        let cache = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let file = dest.path().join("a.whl");
        fs_err::write(&file, b"abc").unwrap();
        let sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        store(cache.path(), sha256, &file).await.unwrap();
        let other = tempfile::tempdir().unwrap();
        let hit = restore(cache.path(), sha256, other.path(), "a.whl").await;
        assert_eq!(hit.unwrap(), Some(3));
        assert_eq!(fs_err::read(other.path().join("a.whl")).unwrap(), b"abc");

        // Editing the linked file in place edits the entry too.
        fs_err::write(&file, b"abd").unwrap();
        let third = tempfile::tempdir().unwrap();
        let miss = restore(cache.path(), sha256, third.path(), "a.whl").await;
        assert_eq!(miss.unwrap(), None);
        assert!(!entry(cache.path(), sha256).exists());
        assert!(!third.path().join("a.whl").exists());
    }
}
