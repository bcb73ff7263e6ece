//! File system pieces: hashing files on disk, temp files next to their final name, and
//! putting a file under a final name atomically by hard link or copy.

use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use tempfile::{NamedTempFile, TempPath};
use tracing::debug;

/// Temp names are `.<filename>.<random>.part`; the file name part is shortened so the whole
/// stays within the usual 255-byte limit on a name.
const MAX_PREFIX_NAME: usize = 200;

/// Run blocking file system work on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// The lower-case hex SHA-256 and the size of the file at `path`, or `None` when there is
/// no file there. Reads the whole file on the blocking pool.
pub(crate) async fn hash_file(path: PathBuf) -> io::Result<Option<(String, u64)>> {
    blocking(move || {
        let mut file = match fs_err::File::open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        let mut hasher = Sha256::new();
        let mut buffer = vec![0; 64 * 1024];
        let mut size = 0u64;
        loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            size += read as u64;
        }
        Ok(Some((hex::encode(hasher.finalize()), size)))
    })
    .await
}

/// `.<name>.` with `name` cut to at most [`MAX_PREFIX_NAME`] bytes.
fn temp_prefix(name: &str) -> String {
    let mut end = name.len().min(MAX_PREFIX_NAME);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!(".{}.", &name[..end])
}

fn temp_builder(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".part");
    // tempfile creates files readable by the owner only; a download should get the usual
    // permissions (0o666 less the umask), as if it had been created directly.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

/// A new empty temp file `.<name>.<random>.part` in `dir`, removed when dropped unless it is
/// persisted: a download interrupted in-process leaves nothing behind. The file is locked
/// (an advisory exclusive lock) while it is open, so another run in the same folder sees it
/// is in use and leaves it alone ([`adopt_leftover`]).
pub(crate) fn new_temp_file(dir: &Path, name: &str) -> io::Result<NamedTempFile> {
    let temp = temp_builder(&temp_prefix(name)).tempfile_in(dir)?;
    if let Err(error) = temp.as_file().try_lock() {
        debug!(%error, "cannot lock a new temp file");
    }
    Ok(temp)
}

/// A `.part` file of an earlier, interrupted run (a signal kills the process before any
/// clean-up), taken over for resuming: open, locked, and removed when dropped.
pub(crate) struct Leftover {
    pub(crate) file: fs_err::File,
    pub(crate) temp: TempPath,
    pub(crate) len: u64,
}

/// Find the `.part` files for `name` in `dir` that no running process holds (their lock is
/// free): keep the longest one to resume from, remove the others. Files another process has
/// locked are left alone.
pub(crate) fn adopt_leftover(dir: &Path, name: &str) -> io::Result<Option<Leftover>> {
    let prefix = temp_prefix(name);
    let mut found: Vec<(Leftover, u64)> = Vec::new();
    for path in parts_in(dir, &prefix)? {
        let Some(file) = open_unlocked(&path) else {
            continue;
        };
        let len = file.metadata()?.len();
        let temp = TempPath::try_from_path(path)?;
        found.push((Leftover { file, temp, len }, len));
    }
    found.sort_by_key(|(_, len)| std::cmp::Reverse(*len));
    let mut found = found.into_iter().map(|(leftover, _)| leftover);
    let keep = found.next();
    for other in found {
        debug!(path = %other.temp.display(), "removing a leftover temp file");
        // Dropping the guard removes the file.
        drop(other);
    }
    Ok(keep.filter(|leftover| leftover.len > 0))
}

/// Remove the `.part` files for `name` in `dir` that no running process holds; a cache
/// shard's leftovers, say.
pub(crate) fn remove_leftovers(dir: &Path, name: &str) -> io::Result<()> {
    for path in parts_in(dir, &temp_prefix(name))? {
        // Held (and locked) until it is removed, so no other run takes it meanwhile.
        if let Some(_locked) = open_unlocked(&path) {
            debug!(path = %path.display(), "removing a leftover temp file");
            fs_err::remove_file(&path)?;
        }
    }
    Ok(())
}

/// The temp file at `path`, opened and locked, unless it is gone or another running process
/// holds its lock (then it is that run's, and left alone).
fn open_unlocked(path: &Path) -> Option<fs_err::File> {
    let file = fs_err::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .ok()?;
    if file.file().try_lock().is_err() {
        debug!(path = %path.display(), "a temp file in use by another run; leaving it");
        return None;
    }
    Some(file)
}

/// Paths in `dir` named `<prefix>*.part`.
fn parts_in(dir: &Path, prefix: &str) -> io::Result<Vec<PathBuf>> {
    let entries = match fs_err::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix) && name.ends_with(".part") {
            paths.push(entry.path());
        }
    }
    Ok(paths)
}

/// Rename `temp` to `target`, replacing whatever is there (atomic on one file system).
pub(crate) fn persist(temp: TempPath, target: &Path) -> io::Result<()> {
    let temp_name = temp.to_path_buf();
    temp.persist(target).map_err(|error| {
        io::Error::new(
            error.error.kind(),
            format!(
                "cannot rename `{}` to `{}`: {}",
                temp_name.display(),
                target.display(),
                error.error
            ),
        )
    })?;
    // rename(2) does nothing when both names are already links to the same file, which
    // would leave the temp name behind.
    if temp_name.symlink_metadata().is_ok() {
        let _ = fs_err::remove_file(&temp_name);
    }
    Ok(())
}

/// Put `source` at `target` by hard link, or by copy where linking fails (another file
/// system, no link support), through a temp name `.<name>.<random>.part` in `target`'s
/// directory `dir` and a rename, so `target` is never seen half-written. Blocking.
pub(crate) fn link_or_copy(source: &Path, dir: &Path, name: &str, target: &Path) -> io::Result<()> {
    let prefix = temp_prefix(name);
    let linked = temp_builder(&prefix).make_in(dir, |path| fs_err::hard_link(source, path));
    let temp = match linked {
        Ok(temp) => temp.into_temp_path(),
        Err(error) => {
            debug!(%error, "cannot hard-link, copying");
            let temp = new_temp_file(dir, name)?;
            fs_err::copy(source, temp.path())?;
            // The lock goes with the handle; the rename follows at once.
            temp.into_temp_path()
        }
    };
    persist(temp, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_stay_short_and_on_char_boundaries() {
        assert_eq!(temp_prefix("a.whl"), ".a.whl.");
        let long = "é".repeat(150);
        let prefix = temp_prefix(&long);
        assert!(prefix.len() <= MAX_PREFIX_NAME + 2);
        assert!(prefix.starts_with(".é"));
    }

    #[tokio::test]
    async fn hashes_files_and_reports_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        fs_err::write(&path, b"abc").unwrap();
        let (sha256, size) = hash_file(path).await.unwrap().unwrap();
        assert_eq!(
            sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(size, 3);
        assert_eq!(hash_file(dir.path().join("missing")).await.unwrap(), None);
    }

    #[test]
    fn links_over_an_existing_file_and_leaves_no_temp_names() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source");
        let target = dir.path().join("target");
        fs_err::write(&source, b"new").unwrap();
        fs_err::write(&target, b"old").unwrap();
        link_or_copy(&source, dir.path(), "target", &target).unwrap();
        assert_eq!(fs_err::read(&target).unwrap(), b"new");
        // Linking again onto the same file is a no-op rename; the spare name goes.
        link_or_copy(&source, dir.path(), "target", &target).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["source", "target"]);
    }

    #[cfg(unix)]
    #[test]
    fn temp_files_get_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let temp = new_temp_file(dir.path(), "a.whl").unwrap();
        let name = temp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(".a.whl.") && name.ends_with(".part"),
            "{name}"
        );
        let mode = temp.path().metadata().unwrap().permissions().mode();
        assert_ne!(mode & 0o044, 0, "{mode:o}: readable beyond the owner");
    }
}
