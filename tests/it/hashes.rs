//! `--hash` in the input (issue 9): a file whose sha256 is not allowed is never used.

use crate::common::{Project, index};

fn two_versions() -> tw_test_index::TestIndex {
    index(|universe| {
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
    })
}

#[test]
fn only_files_with_an_allowed_hash_are_used() {
    let index = two_versions();
    let wheel = index
        .file_sha256("lib-1.0.0-py3-none-any.whl")
        .expect("served");
    let project = Project::new(&index);
    let out = project.resolve_in(
        &format!("lib --hash=sha256:{wheel}\n"),
        &["--no-header", "--no-annotate", "--generate-hashes"],
    );
    // 2.0.0 is newer but none of its files has the allowed hash; of 1.0.0 only the wheel is.
    assert_eq!(
        out.success(),
        format!("lib==1.0.0 \\\n    --hash=sha256:{wheel}\n")
    );
}

#[test]
fn no_allowed_file_is_an_error_that_says_so() {
    let index = two_versions();
    let project = Project::new(&index);
    let wrong = "0".repeat(64);
    let out = project.resolve_in(&format!("lib==2.0.0 --hash=sha256:{wrong}\n"), &[]);
    out.assert_code(1);
    assert!(
        out.stderr.contains(
            "lib==2.0.0 cannot be used (none of its files has a sha256 allowed by the `--hash` values of the requirement)"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn other_hash_algorithms_are_refused_with_the_line() {
    let index = two_versions();
    let project = Project::new(&index);
    let digest = "0".repeat(128);
    let out = project.resolve_in(&format!("lib==2.0.0 --hash=sha512:{digest}\n"), &[]);
    out.assert_code(2);
    assert!(out.stderr.contains("requirements.in:1"), "{}", out.stderr);
    assert!(out.stderr.contains("only sha256"), "{}", out.stderr);
}
