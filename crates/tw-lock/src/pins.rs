//! Reading the pins of an existing output file, so a re-run keeps them.

use std::io;
use std::path::Path;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::error::LockError;
use crate::format::LockFormat;
use crate::model::LockedPin;
use crate::{pylock, requirements_txt};

/// Pins from an existing output file, so a re-run keeps them (pip-compile's
/// behaviour).
///
/// The format is chosen by [`LockFormat::from_path`]: `name==version` lines
/// of a `requirements.txt` (anything else is skipped), or the `name` and
/// `version` of each `[[packages]]` entry of a `pylock.toml` (entries without
/// a version are skipped). Pins come in file order. A missing file, or a path
/// that is not a regular file (`/dev/null`, a FIFO, `/dev/stdout` on a pipe),
/// gives an empty list without reading anything.
///
/// # Errors
///
/// [`LockError`] naming `path` when the file cannot be read, is not valid
/// TOML or not shaped like a `pylock.toml`, or pins an invalid name or
/// version.
pub fn read_pins(path: &Path) -> Result<Vec<(PackageName, Version)>, LockError> {
    Ok(read_locked_pins(path)?
        .into_iter()
        .map(|pin| (pin.name, pin.version))
        .collect())
}

/// [`read_pins`] with each entry's marker, for a universal lock (issue 17): a caller keeps
/// the pins that can hold for what it resolves ([`LockedPin::holds_for`] a target,
/// [`LockedPin::can_hold_within`] a universal scope). Lines and entries without a marker
/// have `None`.
///
/// # Errors
///
/// As [`read_pins`], and [`LockError::InvalidMarker`] for a marker that does not parse.
#[expect(
    clippy::disallowed_methods,
    reason = "`LockError::Read` names the path"
)]
pub fn read_locked_pins(path: &Path) -> Result<Vec<LockedPin>, LockError> {
    // Pins come from regular files only: reading `/dev/stdout` on a pipe, or a FIFO, would
    // wait for input that never comes, and a device holds no pins. A directory still
    // fails below, naming the path.
    match std::fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() && !metadata.is_dir() => return Ok(Vec::new()),
        _ => {}
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(LockError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    match LockFormat::from_path(path) {
        LockFormat::Pylock => pylock::read_locked_pins(path, &text),
        LockFormat::RequirementsTxt => requirements_txt::read_locked_pins(path, &text),
    }
}

/// The packages and files of a `pylock.toml` (URLs, sha256, sizes), for `tailwheel download`.
///
/// # Errors
///
/// [`LockError`] naming `path` when the file cannot be read or is not a `pylock.toml`.
#[expect(
    clippy::disallowed_methods,
    reason = "`LockError::Read` names the path"
)]
pub fn read_pylock(path: &Path) -> Result<crate::Lock, LockError> {
    let text = std::fs::read_to_string(path).map_err(|source| LockError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    pylock::read_lock(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic::write_atomic;
    use crate::test_support::{file, lock, package};
    use crate::{RequirementsTxtOptions, to_pylock_toml, to_requirements_txt};

    fn sample() -> crate::Lock {
        let mut a = package("Zope.Interface", "7.0.post1");
        a.wheels = vec![file(
            "zope_interface-7.0.post1-py3-none-any.whl",
            Some("aa"),
        )];
        a.hashes = vec!["sha256:aa".to_owned()];
        let mut b = package("attrs", "24.2.0");
        b.sdist = Some(file("attrs-24.2.0.tar.gz", Some("bb")));
        b.hashes = vec!["sha256:bb".to_owned()];
        lock(vec![a, b])
    }

    fn expected() -> Vec<(PackageName, Version)> {
        vec![
            ("attrs".parse().unwrap(), "24.2.0".parse().unwrap()),
            (
                "zope-interface".parse().unwrap(),
                "7.0.post1".parse().unwrap(),
            ),
        ]
    }

    #[test]
    fn round_trip_both_formats() {
        let directory = tempfile::tempdir().unwrap();
        let lock = sample();

        let pylock = directory.path().join("pylock.toml");
        write_atomic(&pylock, &to_pylock_toml(&lock)).unwrap();
        assert_eq!(read_pins(&pylock).unwrap(), expected());

        let requirements = directory.path().join("requirements.txt");
        let options = RequirementsTxtOptions {
            generate_hashes: true,
            header: Some("tailwheel resolve".to_owned()),
            ..RequirementsTxtOptions::default()
        };
        write_atomic(&requirements, &to_requirements_txt(&lock, &options)).unwrap();
        assert_eq!(read_pins(&requirements).unwrap(), expected());
    }

    #[test]
    fn missing_file_is_empty() {
        let directory = tempfile::tempdir().unwrap();
        for name in ["pylock.toml", "requirements.txt"] {
            assert_eq!(read_pins(&directory.path().join(name)).unwrap(), vec![]);
        }
    }

    #[test]
    fn unreadable_file_names_the_path() {
        // A directory cannot be read as a file.
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("requirements.txt");
        std::fs::create_dir(&path).unwrap();
        let error = read_pins(&path).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot read `{}`", path.display())
        );
    }
}
