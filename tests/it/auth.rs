//! Credentials (issue 9): URL user info, `.netrc` and per-index environment variables; each
//! credential goes only to its own origin, and no secret ever reaches output, logs or files.

use std::path::Path;

use tw_test_index::{IndexOptions, TestIndex};

use crate::common::{Project, index_with};

const SECRET: &str = "tw-s3cret-t0ken-7f3a";
/// `base64("user:tw-s3cret-t0ken-7f3a")`: what an `Authorization: Basic` header carries.
const BASIC: &str = "Basic dXNlcjp0dy1zM2NyZXQtdDBrZW4tN2YzYQ==";

fn private_index(files_on_other_host: bool) -> TestIndex {
    index_with(
        IndexOptions {
            basic_auth: Some(("user".to_string(), SECRET.to_string())),
            files_on_other_host,
            ..IndexOptions::default()
        },
        |universe| {
            universe.version("app", "1.0.0").requires("lib>=1");
            universe.version("lib", "1.0.0");
            universe.version("lib", "1.1.0");
        },
    )
}

/// `http://user:SECRET@127.0.0.1:PORT/simple/`.
fn url_with_secret(index: &TestIndex) -> String {
    index
        .index_url()
        .replacen("http://", &format!("http://user:{SECRET}@"), 1)
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("listing a temp dir") {
            let path = entry.expect("a temp dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if fs_err::read(&path)
                .expect("reading a file in the temp dir")
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn url_credentials_reach_their_origin_only_and_never_leak() {
    let index = private_index(true);
    let project = Project::bare();
    project.write("requirements.in", "app\n");
    let mut command = project.command();
    command.args([
        "requirements.in",
        "--index-url",
        &url_with_secret(&index),
        "-o",
        "pylock.toml",
        "--cache-dir",
        "cache",
        "--generate-hashes",
        "--stats",
        "-vv",
    ]);
    let out = project.run_command(command);
    out.assert_code(0);
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.raw_stderr)] {
        assert!(!text.contains(SECRET), "the secret is in {stream}:\n{text}");
    }
    assert_eq!(
        files_containing(project.path(), SECRET),
        Vec::<String>::new()
    );
    assert!(project.read("pylock.toml").contains("name = \"lib\""));

    let log = index.requests();
    let (index_host, files_host): (Vec<_>, Vec<_>) =
        log.iter().partition(|request| !request.files_host);
    assert!(!index_host.is_empty() && !files_host.is_empty(), "{log:?}");
    for request in index_host {
        assert_eq!(request.authorization.as_deref(), Some(BASIC), "{request:?}");
        assert_eq!(request.status, 200, "{request:?}");
    }
    for request in files_host {
        assert_eq!(
            request.authorization, None,
            "sent to the files host: {request:?}"
        );
    }
}

#[test]
fn files_on_the_index_host_get_the_credentials() {
    // Pages link files on the same origin without user info; they need the credential too.
    let index = private_index(false);
    let project = Project::bare();
    project.write("requirements.in", "app\n");
    let mut command = project.command();
    command.args([
        "requirements.in",
        "--index-url",
        &url_with_secret(&index),
        "--no-cache",
        "--download",
        "wheels",
    ]);
    let out = project.run_command(command);
    out.assert_code(0);
    assert!(project.join("wheels/lib-1.1.0-py3-none-any.whl").exists());
    let log = index.requests();
    assert!(
        log.iter()
            .any(|request| request.path.starts_with("/files/"))
    );
    for request in &log {
        assert_eq!(
            (request.authorization.as_deref(), request.status),
            (Some(BASIC), 200),
            "{request:?}"
        );
    }
    assert_eq!(
        files_containing(project.path(), SECRET),
        Vec::<String>::new()
    );
}

#[test]
fn named_index_credentials_come_from_the_environment() {
    for prefix in ["TAILWHEEL_INDEX", "UV_INDEX"] {
        let index = private_index(false);
        let project = Project::bare();
        project.write("requirements.in", "app\n");
        let mut command = project.bare_command();
        command
            .args(["--python-version", "3.12", "--python-platform", "linux"])
            .args([
                "requirements.in",
                "--no-cache",
                "--no-header",
                "--no-annotate",
            ])
            .arg("--index")
            .arg(format!("corp-internal={}", index.index_url()))
            .env(format!("{prefix}_CORP_INTERNAL_USERNAME"), "user")
            .env(format!("{prefix}_CORP_INTERNAL_PASSWORD"), SECRET);
        let out = project.run_command(command);
        assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n", "{prefix}");
        assert!(
            index
                .requests()
                .iter()
                .all(|request| request.authorization.as_deref() == Some(BASIC)),
            "{prefix}"
        );
    }
}

#[test]
fn netrc_credentials_are_used_for_their_host() {
    let index = private_index(false);
    let project = Project::new(&index);
    let netrc = project.write(
        "netrc",
        &format!("machine 127.0.0.1\n  login user\n  password {SECRET}\n"),
    );
    project.write("requirements.in", "app\n");
    let out = project.resolve_with_env("NETRC", &netrc);
    assert_eq!(out.success(), "app==1.0.0\nlib==1.1.0\n");
    assert!(
        index
            .requests()
            .iter()
            .all(|request| request.authorization.as_deref() == Some(BASIC))
    );
    assert!(!out.raw_stderr.contains(SECRET));
}

#[test]
fn missing_or_wrong_credentials_stop_with_the_index_named() {
    let index = private_index(false);
    // A public index that also has `app`: tailwheel must not fall back to it.
    let public = crate::common::index(|universe| {
        universe.version("app", "9.0.0");
    });
    for url in [
        index.index_url(),
        index
            .index_url()
            .replacen("http://", "http://user:not-the-token@", 1),
    ] {
        let mut project = Project::bare();
        project.filter_index(&index, "[INDEX]");
        project.write("requirements.in", "app\n");
        let mut command = project.command();
        // The private index is an extra one, so it is searched first.
        command.args([
            "requirements.in",
            "--no-cache",
            "--index-url",
            &public.index_url(),
            "--extra-index-url",
            &url,
        ]);
        let out = project.run_command(command);
        out.assert_code(3);
        assert!(
            out.stderr.contains(
                "(tailwheel does not fall back to other indexes on authentication errors)"
            ),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("not-the-token"), "{}", out.stderr);
        // The page URL is named, without the credential.
        assert!(
            out.stderr
                .contains("/simple/app/` answered HTTP 401 for `app`; check the index credentials"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(public.request_count(), 0, "the public index was asked");
}
