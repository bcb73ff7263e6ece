//! Tests against a real index: opt-in with `TAILWHEEL_NETWORK_TESTS=1`, never run in CI.
//! The index is whatever this machine's settings give (pip's default of `python3` when
//! nothing is configured); the environment, proxies included, is passed through.

use std::process::Command;

#[expect(
    clippy::disallowed_methods,
    reason = "the opt-in switch of these tests"
)]
fn enabled() -> bool {
    std::env::var("TAILWHEEL_NETWORK_TESTS").is_ok_and(|value| value == "1")
}

fn tailwheel(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tailwheel"));
    command
        .current_dir(dir)
        .args([
            "resolve",
            "requirements.in",
            "--no-progress",
            "--no-header",
            "--no-annotate",
        ])
        .arg("--cache-dir")
        .arg(dir.join("cache"));
    command
}

/// Issue 7: sdist-only packages with metadata 2.1 build with an interpreter, and fail
/// clearly without one.
#[test]
fn sdist_only_packages_build_with_python_and_fail_clearly_without() {
    if !enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(
        dir.path().join("requirements.in"),
        "docopt==0.6.2\ntermcolor==1.1.0\n",
    )
    .unwrap();
    let built = tailwheel(dir.path())
        .args(["--python", "python3", "--stats"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&built.stdout),
        "docopt==0.6.2\ntermcolor==1.1.0\n"
    );
    assert!(stderr.contains("stats: builds: 2 run"), "{stderr}");
    let again = tailwheel(dir.path())
        .args(["--python", "python3", "--stats"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("stats: builds: 0 run"));

    // A fresh cache: the cached build result would (rightly) be used under `--no-build`.
    std::fs::remove_dir_all(dir.path().join("cache")).unwrap();
    let refused = tailwheel(dir.path())
        .args(["--python-version", "3.11", "--no-build"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("building is disabled (`--no-build`)")
    );
}
