#![expect(clippy::unwrap_used, reason = "test helpers fail by panicking")]
//! Integration tests: the real interpreter on this machine, and `find_python` on a fake `PATH`.

use std::ffi::OsString;
use std::path::Path;

use tw_platform::{find_python, query_interpreter};

#[test]
#[expect(clippy::disallowed_methods, reason = "finds the machine's own python3")]
fn query_the_real_python3() {
    let path = std::env::var_os("PATH");
    let python = find_python(path.as_deref()).expect("python3 or python on PATH");
    let info = query_interpreter(&python).unwrap();
    let target = &info.target;
    assert_eq!(target.markers.python_version().string, "3.11");
    assert_eq!(target.python_minor_version().to_string(), "3.11");
    assert_eq!(target.markers.implementation_name(), "cpython");
    assert!(target.python_full_version.to_string().starts_with("3.11."));
    assert!(!target.tags.is_empty());
    assert!(target.tags.rank("py3", "none", "any").is_some());
    assert_eq!(target.tags.iter().next().unwrap().python, "cp311");
    assert!(info.pip_default_index.is_some());
    assert!(
        info.executable.is_absolute(),
        "{}",
        info.executable.display()
    );

    // The interpreter's `sys_tags()` and our own list hold the same tags, apart from
    // `cp311-none-any`, which the packaging 21.3 that pip 23 vendors does not emit yet.
    // Their order agrees with pip's vendored packaging; packaging >= 26.3, when installed,
    // moves `linux_*` ahead of the manylinux tags, so only the set is compared here (the
    // order is pinned by the fixtures in tests/fixtures).
    let ours = target.with_python_version(&"3.11".parse().unwrap());
    let theirs: Vec<String> = target.tags.iter().map(ToString::to_string).collect();
    let mut ours: Vec<String> = ours.tags.iter().map(ToString::to_string).collect();
    if !theirs.iter().any(|tag| tag == "cp311-none-any") {
        ours.retain(|tag| tag != "cp311-none-any");
    }
    let (mut ours, mut theirs) = (ours, theirs);
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
}

#[test]
fn query_a_missing_interpreter_names_it() {
    let error = query_interpreter(Path::new("/nonexistent/python3")).unwrap_err();
    assert!(
        error.to_string().contains("`/nonexistent/python3`"),
        "{error}"
    );
}

#[test]
fn query_a_failing_interpreter_reports_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("python3");
    write_executable(&fake, "#!/bin/sh\necho 'no such module' >&2\nexit 3\n");
    let error = query_interpreter(&fake).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("no such module"), "{message}");
    assert!(message.contains(&fake.display().to_string()), "{message}");

    write_executable(&fake, "#!/bin/sh\necho 'not json'\n");
    let error = query_interpreter(&fake).unwrap_err();
    assert!(
        error.to_string().contains("unexpected query output"),
        "{error}"
    );
}

#[test]
fn find_python_prefers_python3_across_path() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    assert_eq!(find_python(None), None);
    let path = std::env::join_paths([first.path(), second.path()]).unwrap();
    assert_eq!(find_python(Some(&path)), None);

    write_executable(&first.path().join("python"), "#!/bin/sh\n");
    assert_eq!(find_python(Some(&path)), Some(first.path().join("python")));

    // `python3` anywhere on PATH beats `python` earlier on PATH.
    write_executable(&second.path().join("python3"), "#!/bin/sh\n");
    assert_eq!(
        find_python(Some(&path)),
        Some(second.path().join("python3"))
    );

    // Not executable, or a directory: skipped.
    fs_err::write(first.path().join("python3"), "").unwrap();
    assert_eq!(
        find_python(Some(&path)),
        Some(second.path().join("python3"))
    );
    let empty = OsString::new();
    assert_eq!(find_python(Some(&empty)), None);
}

fn write_executable(path: &Path, script: &str) {
    fs_err::write(path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
