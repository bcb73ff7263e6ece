//! Replacing an output file without ever exposing a half-written one.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::error::LockError;

/// Writes `contents` to `path` atomically.
///
/// The bytes go to a temporary file (`.<name>.<random>.tmp`) in the same
/// directory, which is fsynced and then renamed over `path`, so readers see
/// either the old file or the new one, never a mix; on any error the
/// temporary file is removed. An existing file keeps its permissions; a new
/// one gets the usual `0o666` less the umask on Unix. When `path` is a
/// symbolic link, its target is replaced and the link kept. The directory is
/// fsynced after the rename on Unix, on a best-effort basis.
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
    if let Ok(directory) = fs::File::open(directory) {
        // Makes the rename itself durable; failure here does not undo it.
        let _ = directory.sync_all();
    }
    Ok(())
}

/// The file a write to `path` should replace: the target of a symbolic link,
/// else `path` itself.
fn resolve_symlink(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => match fs::canonicalize(path) {
            Ok(target) => Ok(target),
            // A dangling link: replace the link itself.
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(path.to_path_buf()),
            Err(error) => Err(error),
        },
        _ => Ok(path.to_path_buf()),
    }
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
        assert_eq!(fs::read_to_string(&path).unwrap(), "a==1\n");
        write_atomic(&path, "b==2\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "b==2\n");
        assert_eq!(entries(directory.path()), ["requirements.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("pylock.toml");
        fs::write(&path, "old").unwrap();
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
    #[test]
    fn writes_through_symlinks() {
        let directory = tempfile::tempdir().unwrap();
        let real = directory.path().join("real.txt");
        let link = directory.path().join("link.txt");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, "new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(entries(directory.path()), ["link.txt", "real.txt"]);
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
