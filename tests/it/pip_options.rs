//! Issue 18 item 3: what pip users configured is honoured or refused, never silently
//! ignored: options inside requirements files, pip.conf's `find-links` and `PIP_FIND_LINKS`.

use tw_test_index::TestIndex;

use crate::common::{Project, index};

/// `lib 1.0.0` with a wheel and an sdist, `lib 2.0.0` as an sdist only (static metadata),
/// `lib 3.0.0` as a wheel only.
fn mixed_index() -> TestIndex {
    index(|universe| {
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0").no_wheel();
        universe.version("lib", "3.0.0").no_sdist();
    })
}

#[test]
fn only_binary_and_no_binary_in_a_requirements_file_are_honoured() {
    let index = mixed_index();
    let project = Project::new(&index);
    let args = ["--no-header", "--no-annotate"];
    let out = project.resolve_in("--only-binary :all:\nlib<3\n", &args);
    assert_eq!(out.success(), "lib==1.0.0\n");
    assert_eq!(out.stderr, "");
    let out = project.resolve_in("--only-binary=lib\nlib<3\n", &args);
    assert_eq!(out.success(), "lib==1.0.0\n");
    let out = project.resolve_in("--no-binary lib\nlib\n", &args);
    assert_eq!(out.success(), "lib==2.0.0\n");
    assert_eq!(out.stderr, "");
    // Without them, the newest.
    let out = project.resolve_in("lib<3\n", &args);
    assert_eq!(out.success(), "lib==2.0.0\n");
}

#[test]
fn prefer_binary_is_refused_with_the_line() {
    let index = mixed_index();
    let project = Project::new(&index);
    let out = project.resolve_in("lib\n--prefer-binary\n", &[]);
    out.assert_code(2);
    insta::assert_snapshot!(out.stderr, @r"
    error: `requirements.in:2:1`: `--prefer-binary` is not supported: tailwheel does not trade a newer version for a wheel; use `--only-binary :all:` (or `--only-binary NAME`) to never use sdists
      2 | --prefer-binary
        | ^
    ");
}

#[test]
fn trusted_host_is_honoured_for_plain_http_and_refused_for_https() {
    let index = mixed_index();
    let project = Project::new(&index);
    // The loopback index is plain HTTP on 127.0.0.1: what pip needs `--trusted-host` for.
    let out = project.resolve_in("--trusted-host 127.0.0.1\nlib\n", &["--no-header"]);
    out.success();
    assert_eq!(out.stderr, "");
    // An HTTPS index on that host: tailwheel never turns certificate checks off.
    let out = project.resolve_in(
        "--trusted-host 127.0.0.1\nlib\n",
        &["--extra-index-url", "https://127.0.0.1:1/simple/"],
    );
    out.assert_code(2);
    insta::assert_snapshot!(out.stderr, @"error: `requirements.in:1:1`: `--trusted-host 127.0.0.1` would turn off certificate checks for `https://127.0.0.1:1/simple/`, which tailwheel never does; trust its CA with `SSL_CERT_FILE` and remove the option");
}

#[test]
fn pip_conf_find_links_and_pip_find_links_are_honoured() {
    let index = mixed_index();
    let project = Project::bare();
    let wheels = project.join("wheels");
    std::fs::create_dir(&wheels).unwrap();
    index.write_files_to(&wheels).unwrap();
    project.write("requirements.in", "lib\n");
    let base = || {
        let mut command = project.bare_command();
        command.args([
            "--python-version",
            crate::common::PYTHON_VERSION,
            "--python-platform",
            crate::common::PYTHON_PLATFORM,
            "requirements.in",
            "--no-index",
            "--no-header",
            "--no-annotate",
        ]);
        command
    };
    let conf = project.write(
        "pip.conf",
        &format!("[global]\nfind-links = {}\n", wheels.display()),
    );
    let mut command = base();
    command.env("PIP_CONFIG_FILE", &conf);
    let out = project.run_command(command);
    assert_eq!(out.success(), "lib==3.0.0\n");

    let mut command = base();
    command.env("PIP_FIND_LINKS", &wheels);
    let out = project.run_command(command);
    assert_eq!(out.success(), "lib==3.0.0\n");
}

#[test]
fn pip_conf_settings_tailwheel_does_not_use_are_named() {
    let index = mixed_index();
    let project = Project::new(&index);
    project.write("requirements.in", "lib\n");
    let conf = project.write(
        "pip.conf",
        "[global]\ntimeout = 60\ncert = /etc/ssl/corp.pem\n[install]\nprefer-binary = true\n[freeze]\nall = true\n",
    );
    let mut command = project.command();
    command
        .args(["requirements.in", "--no-header"])
        .env("PIP_CONFIG_FILE", &conf);
    let out = project.run_command(command);
    out.success();
    insta::assert_snapshot!(out.stderr, @r"
    warning: `[TEMP]/pip.conf`: tailwheel does not use `cert` of pip's configuration (`[global]`); set `SSL_CERT_FILE` instead
    warning: `[TEMP]/pip.conf`: tailwheel does not use `prefer-binary` of pip's configuration (`[install]`)
    warning: `[TEMP]/pip.conf`: tailwheel does not use `timeout` of pip's configuration (`[global]`); set `TAILWHEEL_HTTP_TIMEOUT` instead
    ");
}
