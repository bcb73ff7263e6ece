//! Issue 18 item 9: warnings a user can act on, once; `--stats` also when the resolve fails;
//! bytes in human units.

use crate::common::{Project, index};

#[test]
fn an_unparsable_file_name_is_a_debug_line_not_a_warning() {
    let index = index(|universe| {
        universe.version("app", "1.0.0");
        universe.version("app", "2.0.0+bad+local");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("app\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "app==1.0.0\n");
    assert_eq!(
        out.raw_stderr.matches("skipping").count(),
        0,
        "{}",
        out.raw_stderr
    );
    let out = project.resolve_in(
        "app\n",
        &["--no-header", "--no-annotate", "-v", "--no-cache"],
    );
    assert!(
        out.raw_stderr.contains("DEBUG")
            && out
                .raw_stderr
                .contains("skipping `app-2.0.0+bad+local-py3-none-any.whl`"),
        "{}",
        out.raw_stderr
    );
}

#[test]
fn a_missing_extra_is_named_once_per_package() {
    // `web 3` and `web 2` need something that does not exist: the resolver tries three
    // versions of `web[nope]`.
    let index = index(|universe| {
        universe.version("web", "1.0.0");
        universe.version("web", "2.0.0").requires("missing");
        universe.version("web", "3.0.0").requires("missing");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("web[nope]\n", &["--no-header", "--no-annotate"]);
    assert_eq!(out.success(), "web==1.0.0\n");
    assert_eq!(
        out.raw_stderr.matches("does not provide the extra").count(),
        1,
        "{}",
        out.raw_stderr
    );
}

#[test]
fn stats_are_printed_when_the_resolve_fails_and_bytes_are_readable() {
    let index = index(|universe| {
        universe.version("app", "1.0.0").requires("lib>=2");
        universe.version("lib", "1.0.0");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("app\n", &["--stats"]);
    out.assert_code(1);
    let stats: Vec<&str> = out
        .stderr
        .lines()
        .filter(|line| line.starts_with("stats: "))
        .collect();
    assert!(!stats.is_empty(), "{}", out.stderr);
    let first = stats[0];
    // `N bytes (X.Y KiB)`: exact for scripts, readable for people.
    let bytes: u64 = first
        .split(" requests, ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    assert!(bytes > 1024, "{first}");
    assert!(
        first.contains(&format!("{bytes} bytes (")) && first.contains(" KiB)"),
        "{first}"
    );
}
