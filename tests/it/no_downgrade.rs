//! Issue 13, "integrity first": a metadata file or archive that fails a check stops the run
//! (exit 3, naming the URL); it never makes the resolver quietly pick an older version.
//! Only honest reasons (malformed METADATA text, `requires-python`, a build that is not
//! allowed, no file for the target) make a version unusable.

use tw_test_index::{IndexOptions, Pep658, TestIndex};

use crate::common::{Output, Project, index_with};

/// `app` 1.0.0 and 2.0.0 (shaped by `newest`), both plain wheels and sdists.
fn two_versions(
    options: IndexOptions,
    newest: impl FnOnce(&mut tw_test_index::Release),
) -> TestIndex {
    index_with(options, |universe| {
        universe.version("app", "1.0.0");
        newest(universe.version("app", "2.0.0"));
    })
}

fn resolve_app(index: &TestIndex) -> Output {
    Project::new(index).resolve_in("app\n", &["--no-cache", "--no-header", "--no-annotate"])
}

/// Exit 3, the URL named, and no lock with the older version.
#[track_caller]
fn assert_stops_naming(out: &Output, url: &str) {
    out.assert_code(3);
    assert!(out.stderr.contains(url), "{url} not named:\n{}", out.stderr);
    assert!(!out.stdout.contains("app==1.0.0"), "{}", out.stdout);
}

#[test]
fn a_newer_version_whose_metadata_hash_is_wrong_stops_the_run() {
    let index = two_versions(
        IndexOptions {
            corrupt: vec!["app-2.0.0-py3-none-any.whl.metadata".to_string()],
            ..IndexOptions::default()
        },
        |_| {},
    );
    let out = resolve_app(&index);
    assert_stops_naming(&out, "`[INDEX]/files/app-2.0.0-py3-none-any.whl.metadata`");
    assert!(out.stderr.contains("hash mismatch"), "{}", out.stderr);
}

#[test]
fn metadata_for_another_version_than_the_file_stops_the_run() {
    let index = two_versions(IndexOptions::default(), |release| {
        release.metadata_version_field("9.9.9");
    });
    let out = resolve_app(&index);
    assert_stops_naming(&out, "[INDEX]/files/app-2.0.0-py3-none-any.whl");
    assert!(out.stderr.contains("9.9.9"), "{}", out.stderr);
}

#[test]
fn an_unreadable_wheel_stops_the_run() {
    let index = two_versions(
        IndexOptions {
            pep658: Pep658::Off,
            ..IndexOptions::default()
        },
        |release| {
            release.corrupt_tail();
        },
    );
    let out = resolve_app(&index);
    assert_stops_naming(&out, "[INDEX]/files/app-2.0.0-py3-none-any.whl");
}

#[test]
fn malformed_metadata_text_is_an_honest_reason_and_the_report_says_it() {
    // uv does the same: a METADATA that does not parse makes that version unusable.
    let index = two_versions(IndexOptions::default(), |release| {
        release.requires("lib- >=1");
    });
    let out = resolve_app(&index);
    assert_eq!(out.success(), "app==1.0.0\n");
    let only = index_with(IndexOptions::default(), |universe| {
        universe.version("app", "2.0.0").requires("lib- >=1");
    });
    let out = resolve_app(&only);
    out.assert_code(1);
    assert!(
        out.stderr.contains("its metadata is invalid"),
        "{}",
        out.stderr
    );
}
