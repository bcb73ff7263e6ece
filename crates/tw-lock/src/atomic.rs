//! Replacing an output file without ever exposing a half-written one.
//!
//! Only regular files (and paths that do not exist yet) are replaced. Anything else the
//! path names, a character device (`/dev/null`), a FIFO, or `/dev/stdout` on a pipe or
//! terminal, is written through, as a shell's `>` would: replacing `/dev/null` with a
//! regular file (as root) or a pipe with a file nobody reads would be wrong. Symbolic
//! links are kept: the file they point to is what gets replaced, or created when the link
//! dangles (pip-compile writes through links too, but not atomically).

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::error::LockError;

/// Writes `contents` to `path` atomically when `path` is a regular file or
/// does not exist, and through it when it is a device, FIFO or socket.
///
/// The bytes go to a temporary file (`.<name>.<random>.tmp`) in the same
/// directory, which is fsynced and then renamed over `path`, so readers see
/// either the old file or the new one, never a mix; on any error the
/// temporary file is removed. An existing file keeps its permissions; a new
/// one gets the usual `0o666` less the umask on Unix. When `path` is a
/// symbolic link, its target is replaced (or created, for a dangling link)
/// and the link kept. The directory is fsynced after the rename on Unix, on a
/// best-effort basis. A path that is neither a regular file nor a directory
/// (`/dev/null`, a FIFO, `/dev/stdout` on a pipe) is opened and written
/// through instead: such a path cannot be replaced without breaking it, and
/// opening a FIFO waits for its reader.
///
/// # Errors
///
/// [`LockError::Write`] naming `path` when the directory does not exist or
/// any step fails.
pub fn write_atomic(path: &Path, contents: &str) -> Result<(), LockError> {
    write(path, contents).map_err(|source| LockError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, contents: &str) -> io::Result<()> {
    // `metadata` follows links, so `/dev/stdout` is judged by what fd 1 really is.
    if let Ok(metadata) = fs::metadata(path)
        && !metadata.is_file()
        && !metadata.is_dir()
    {
        return write_through(path, contents);
    }
    let target = resolve_symlink(path)?;
    let file_name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let existing = fs::metadata(&target)
        .ok()
        .map(|metadata| metadata.permissions());

    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(file_name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Like a plain `File::create`: the umask still applies.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temporary = builder.tempfile_in(directory)?;
    temporary.write_all(contents.as_bytes())?;
    if let Some(permissions) = existing {
        temporary.as_file().set_permissions(permissions)?;
    }
    temporary.as_file().sync_all()?;
    temporary.persist(&target).map_err(|error| error.error)?;

    #[cfg(unix)]
    if let Ok(directory) = fs_err::File::open(directory) {
        // Makes the rename itself durable; failure here does not undo it.
        let _ = directory.sync_all();
    }
    Ok(())
}

/// Writes into an existing device, FIFO or socket, as `>` in a shell would.
fn write_through(path: &Path, contents: &str) -> io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(contents.as_bytes())?;
    file.flush()
}

/// The most symbolic links followed in a chain, as Linux's `ELOOP` limit.
const MAX_LINKS: usize = 40;

/// The file a write to `path` should replace: the end of the chain of
/// symbolic links that starts at `path` (which may not exist yet, for a
/// dangling link), else `path` itself.
fn resolve_symlink(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "too many levels of symbolic links",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(directory: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn creates_and_replaces() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("requirements.txt");
        write_atomic(&path, "a==1\n").unwrap();
        assert_eq!(fs_err::read_to_string(&path).unwrap(), "a==1\n");
        write_atomic(&path, "b==2\n").unwrap();
        assert_eq!(fs_err::read_to_string(&path).unwrap(), "b==2\n");
        assert_eq!(entries(directory.path()), ["requirements.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("pylock.toml");
        fs_err::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, "new").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // A new file is not left owner-only like a raw temporary file.
        let fresh = directory.path().join("fresh.txt");
        write_atomic(&fresh, "x").unwrap();
        let mode = fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_ne!(mode & 0o044, 0, "mode {mode:o}");
    }

    #[cfg(unix)]
    fn is_link(path: &Path) -> bool {
        fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink())
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_symlinks() {
        let directory = tempfile::tempdir().unwrap();
        let real = directory.path().join("real.txt");
        let link = directory.path().join("link.txt");
        fs_err::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, "new").unwrap();
        assert!(is_link(&link));
        assert_eq!(fs_err::read_to_string(&real).unwrap(), "new");
        assert_eq!(entries(directory.path()), ["link.txt", "real.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn creates_the_target_of_a_dangling_symlink() {
        let directory = tempfile::tempdir().unwrap();
        fs::create_dir(directory.path().join("locks")).unwrap();
        let link = directory.path().join("link.txt");
        std::os::unix::fs::symlink("locks/new.txt", &link).unwrap();
        write_atomic(&link, "new").unwrap();
        assert!(is_link(&link));
        let created = directory.path().join("locks").join("new.txt");
        assert_eq!(fs_err::read_to_string(created).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_device_and_reads_no_pins_from_it() {
        use std::os::unix::fs::FileTypeExt as _;
        // Safe on the real `/dev/null`: the bytes go through it, nothing is renamed.
        let null = Path::new("/dev/null");
        write_atomic(null, "a==1\n").unwrap();
        assert!(fs::metadata(null).unwrap().file_type().is_char_device());
        assert_eq!(crate::read_pins(null).unwrap(), Vec::new());
    }

    #[test]
    fn missing_directory_names_the_path() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("missing").join("pylock.toml");
        let error = write_atomic(&path, "x").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot write `{}`", path.display())
        );
        let LockError::Write { source, .. } = &error else {
            panic!("unexpected error {error:?}");
        };
        assert_eq!(source.kind(), io::ErrorKind::NotFound);
        assert_eq!(entries(directory.path()), Vec::<String>::new());
    }
}
