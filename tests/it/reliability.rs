//! Reliability (issue 9): network faults, hostile or broken index data, kills mid-run and
//! scale, each against the loopback index in a fault mode. Every assertion is on exit codes,
//! messages, files or the requests the index saw; nothing is timed.

use std::time::Duration;

use tw_test_index::{Fault, FaultKind, IndexOptions, TestIndex, Universe};

use crate::common::{Project, index_with};

fn app_index(options: IndexOptions) -> TestIndex {
    index_with(options, |universe| {
        universe.version("app", "1.0.0").requires("lib>=1");
        universe.version("lib", "1.0.0");
    })
}

fn faulty(fault: Fault) -> TestIndex {
    app_index(IndexOptions {
        faults: vec![fault],
        ..IndexOptions::default()
    })
}

fn status(status: u16, retry_after: Option<&str>) -> FaultKind {
    FaultKind::Status {
        status,
        retry_after: retry_after.map(str::to_string),
    }
}

/// Requests the index saw for `path`.
fn hits(index: &TestIndex, path: &str) -> usize {
    index
        .requests()
        .iter()
        .filter(|request| request.path == path)
        .count()
}

fn resolve(index: &TestIndex) -> crate::common::Output {
    Project::new(index).resolve_in("app\n", &["--no-cache", "--no-header", "--no-annotate"])
}

#[test]
fn transient_index_errors_are_retried() {
    for kind in [
        status(503, Some("0")),
        status(502, None),
        status(500, Some("0")),
        status(429, Some("0")),
        FaultKind::ResetMidBody,
    ] {
        let index = faulty(Fault::first(2, "/simple/app/", kind.clone()));
        assert_eq!(
            resolve(&index).success(),
            "app==1.0.0\nlib==1.0.0\n",
            "{kind:?}"
        );
        assert_eq!(hits(&index, "/simple/app/"), 3, "{kind:?}");
    }
}

#[test]
fn an_index_that_stays_down_fails_naming_the_url_and_the_attempts() {
    let index = faulty(Fault::always("/simple/app/", status(503, Some("0"))));
    let out = resolve(&index);
    out.assert_code(3);
    assert!(
        out.stderr.contains(
            "`[INDEX]/simple/app/` answered HTTP 503 after 4 attempts; the server is overloaded or down"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(hits(&index, "/simple/app/"), 4);
}

#[test]
fn a_slow_index_times_out_after_the_configured_retries() {
    let index = faulty(Fault::always(
        "/simple/app/",
        FaultKind::SlowHeaders { ms: 5_000 },
    ));
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    let mut command = project.command();
    command
        .args(["requirements.in", "--no-cache"])
        .env("TAILWHEEL_HTTP_TIMEOUT", "0.2")
        .env("TAILWHEEL_HTTP_RETRIES", "1");
    let out = project.run_command(command);
    out.assert_code(3);
    assert!(
        out.stderr.contains(
            "`[INDEX]/simple/app/` did not answer within 0.2s after 2 attempts (`TAILWHEEL_HTTP_TIMEOUT` sets the timeout in seconds)"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(hits(&index, "/simple/app/"), 2);
}

#[test]
fn bad_http_knobs_are_input_errors() {
    let index = app_index(IndexOptions::default());
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    for (name, value) in [
        ("TAILWHEEL_HTTP_TIMEOUT", "soon"),
        ("TAILWHEEL_HTTP_RETRIES", "-1"),
    ] {
        let mut command = project.command();
        command
            .args(["requirements.in", "--no-cache"])
            .env(name, value);
        let out = project.run_command(command);
        out.assert_code(2);
        assert!(
            out.stderr
                .contains(&format!("invalid `{name}` value `{value}`")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_redirect_loop_fails_with_the_url() {
    let index = faulty(Fault::always("/simple/app/", FaultKind::RedirectLoop));
    let out = resolve(&index);
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("request to `[INDEX]/simple/app/` failed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("too many redirects"), "{}", out.stderr);
}

#[test]
fn an_unresolvable_index_host_fails_with_the_url() {
    // `.invalid` never resolves (RFC 6761 section 6.4).
    let project = Project::bare();
    project.write("requirements.in", "app\n");
    let mut command = project.command();
    command.args([
        "requirements.in",
        "--no-cache",
        "--index-url",
        "http://user:hidden-pw@tailwheel-test.invalid/simple/",
    ]);
    let out = project.run_command(command);
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("request to `http://****@tailwheel-test.invalid/simple/app/` failed"),
        "{}",
        out.stderr
    );
    assert!(!out.raw_stderr.contains("hidden-pw"));
}

#[test]
fn an_untrusted_certificate_fails_with_a_hint_and_ssl_cert_file_fixes_it() {
    let index = app_index(IndexOptions {
        tls: true,
        ..IndexOptions::default()
    });
    let out = resolve(&index);
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("cannot verify the TLS certificate of `")
            && out
                .stderr
                .contains("set `SSL_CERT_FILE` to a PEM file that contains it"),
        "{}",
        out.stderr
    );
    assert_eq!(index.request_count(), 0);

    let project = Project::new(&index);
    let ca = project.write("ca.pem", TestIndex::ca_certificate_pem());
    project.write("requirements.in", "app\n");
    let out = project.resolve_with_env("SSL_CERT_FILE", &ca);
    assert_eq!(out.success(), "app==1.0.0\nlib==1.0.0\n");
}

#[test]
fn a_page_that_is_not_json_is_an_error_naming_it() {
    let index = faulty(Fault::always("/simple/app/", FaultKind::InvalidPage));
    let out = resolve(&index);
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("cannot parse the index page `[INDEX]/simple/app/`"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_compressed_page_that_inflates_too_far_is_refused() {
    let index = faulty(Fault::always(
        "/simple/app/",
        FaultKind::GzipBomb {
            decoded_bytes: 64 * 1024 * 1024,
        },
    ));
    let out = resolve(&index);
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("`[INDEX]/simple/app/` sent a compressed body that inflates past the limit"),
        "{}",
        out.stderr
    );
    assert_eq!(hits(&index, "/simple/app/"), 1, "a bomb is not retried");
}

#[test]
fn files_with_invalid_versions_are_skipped() {
    let index = index_with(IndexOptions::default(), |universe| {
        universe.version("app", "1.0.0");
        universe.version("app", "2.0.0+bad+local");
    });
    let out = resolve(&index);
    assert_eq!(out.success(), "app==1.0.0\n");
    // A debug line since issue 18 (`it::messages`): nothing the user can fix, on every run.
    assert!(!out.stderr.contains("skipping"), "{}", out.stderr);
}

#[test]
fn an_invalid_requires_dist_names_package_version_and_line() {
    let index = index_with(IndexOptions::default(), |universe| {
        // `pep508_rs` 0.9.2 panics on this one; tailwheel must not.
        universe.version("app", "1.0.0").requires("lib- >=1");
    });
    let out = resolve(&index);
    assert_ne!(out.code, 0);
    assert!(out.code < 101, "tailwheel panicked:\n{}", out.stderr);
    assert!(
        out.stderr
            .contains("invalid `Requires-Dist: lib- >=1` of `app` `1.0.0`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(": line "), "{}", out.stderr);
}

#[test]
fn a_metadata_file_that_does_not_match_its_hash_is_refused() {
    let index = app_index(IndexOptions {
        corrupt: vec!["app-1.0.0-py3-none-any.whl.metadata".to_string()],
        ..IndexOptions::default()
    });
    let out = resolve(&index);
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("hash mismatch for `[INDEX]/files/app-1.0.0-py3-none-any.whl.metadata`"),
        "{}",
        out.stderr
    );
}

/// Kill tailwheel (SIGKILL) after it has made `after` requests; the old lock must stay
/// byte-identical or be the complete new one, and the cache must still read.
#[test]
fn a_killed_run_leaves_the_old_lock_or_the_new_one_and_a_readable_cache() {
    let describe = |universe: &mut Universe, newest: &str| {
        for name in ["a", "b", "c", "d", "e", "f"] {
            universe.version(name, "1.0.0");
            universe.version(name, newest);
        }
        universe
            .version("app", "1.0.0")
            .requires("a")
            .requires("b")
            .requires("c");
        universe
            .version("c", newest)
            .requires("d")
            .requires("e")
            .requires("f");
    };
    let old_index = index_with(IndexOptions::default(), |universe| {
        describe(universe, "1.1.0");
    });
    let new_index = index_with(
        IndexOptions {
            jitter_ms: 20,
            ..IndexOptions::default()
        },
        |universe| describe(universe, "2.0.0"),
    );
    let project = Project::new(&old_index);
    project.write("requirements.in", "app\n");
    let args = [
        "requirements.in",
        "--no-header",
        "-o",
        "pylock.toml",
        "--cache-dir",
        "cache",
        "--concurrency",
        "2",
    ];
    project.resolve(&args).success();
    let old_lock = project.read("pylock.toml");
    assert!(old_lock.contains("version = \"1.1.0\""));

    let run_new = || {
        let mut command = crate::hermetic::tailwheel(project.path());
        command
            .args(["resolve", "--no-progress", "--python-version", "3.12"])
            .args(["--python-platform", "x86_64-manylinux_2_28"])
            .args(["--index-url", &new_index.index_url(), "-U"])
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command
    };
    let mut seen = Vec::new();
    for after in [1, 2, 4, 6, 8, 10, 12, 14] {
        let base = new_index.request_count();
        let mut child = run_new().spawn().unwrap();
        // Wait for the index to see `after` more requests, or for the run to end first (a
        // warm cache needs fewer requests); the short wait only bounds how often we look.
        let exited = loop {
            if new_index.wait_for_requests(base + after, Duration::from_millis(20)) {
                break None;
            }
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
        };
        // Killing a process that already exited is fine: then the run was complete.
        let _ = child.kill();
        child.wait().unwrap();
        if let Some(status) = exited {
            assert!(status.success(), "run {after} failed on its own");
        }
        seen.push((after, project.read("pylock.toml")));
    }
    let finished = project.run_command(assert_cmd::Command::from_std(run_new()));
    finished.success();
    let new_lock = project.read("pylock.toml");
    assert!(new_lock.contains("version = \"2.0.0\""));
    assert_eq!(
        seen[0].1, old_lock,
        "the first kill came before the new lock was written"
    );
    for (after, lock) in &seen {
        assert!(
            *lock == old_lock || *lock == new_lock,
            "after {after} requests the lock is neither the old nor the new one:\n{lock}"
        );
    }
    // The cache the killed runs left still reads: a run that may use only it agrees.
    std::fs::copy(
        project.join("pylock.toml"),
        project.join("before-offline.toml"),
    )
    .unwrap();
    let offline = project.run_command({
        let mut command = run_new();
        command.arg("--offline");
        assert_cmd::Command::from_std(command)
    });
    offline.success();
    assert_eq!(project.read("pylock.toml"), new_lock);
}

/// 500 packages of realistic shape (three versions each, three dependencies) resolve with no
/// more requests in flight at once than `--concurrency`.
#[test]
fn five_hundred_packages_resolve_within_the_concurrency_bound() {
    const PACKAGES: usize = 500;
    let name = |i: usize| format!("pkg-{i:03}");
    let mut universe = Universe::new();
    // Each version needs up to three packages among the next 23 (older versions other
    // ones), so the roots below reach every package.
    let dependencies = |i: usize, minor: usize| {
        (0..3)
            .map(move |k| i + 1 + (i * 7 + k * 13 + minor * 5) % 23)
            .filter(|dependency| *dependency < PACKAGES)
    };
    for i in 0..PACKAGES {
        for (minor, version) in ["1.0.0", "1.1.0", "2.0.0"].iter().enumerate() {
            let release = universe.version(&name(i), version);
            for dependency in dependencies(i, minor) {
                release.requires(&format!("{}>=1", name(dependency)));
            }
        }
    }
    let index = TestIndex::start(
        &universe,
        IndexOptions {
            jitter_ms: 3,
            ..IndexOptions::default()
        },
    );
    let roots: String = (0..PACKAGES).step_by(5).map(|i| name(i) + "\n").collect();
    let project = Project::new(&index);
    let out = project.resolve_in(&roots, &["--no-cache", "--no-header", "--concurrency", "8"]);
    let pins = out.pins();
    // Every root and everything the newest versions need, transitively.
    let mut needed = std::collections::BTreeSet::new();
    let mut queue: Vec<usize> = (0..PACKAGES).step_by(5).collect();
    while let Some(i) = queue.pop() {
        if needed.insert(i) {
            queue.extend(dependencies(i, 2));
        }
    }
    assert!(needed.len() > 450, "the universe is too loosely connected");
    let expected: Vec<String> = needed
        .iter()
        .map(|i| format!("{}==2.0.0", name(*i)))
        .collect();
    assert_eq!(pins, expected);
    assert!(
        index.peak_concurrency() <= 8,
        "peak {} requests in flight",
        index.peak_concurrency()
    );
    assert!(
        index.peak_concurrency() > 1,
        "the run did not overlap requests"
    );
}
