//! Issue 18 item 12: `--help` grouped in sections as uv groups them, and every flag in it
//! documented in the README with the same meaning.

use crate::common::Project;

fn help(command: &str) -> String {
    let project = Project::bare();
    let output = crate::hermetic::tailwheel(project.path())
        .args([command, "--help"])
        .output()
        .expect("running tailwheel");
    assert!(output.status.success());
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

/// The section headings of a help text, in order.
fn headings(help: &str) -> Vec<&str> {
    help.lines()
        .filter(|line| !line.starts_with(' ') && line.ends_with(':'))
        .collect()
}

/// Every `--flag` a help text lists.
fn flags(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line
                .strip_prefix("-")
                .filter(|rest| !rest.starts_with('-'))
                .map_or(line, |rest| {
                    rest.split_once(", ").map_or(rest, |(_, long)| long)
                });
            line.strip_prefix("--").map(|rest| {
                rest.split([' ', '<', '=', ',', '.'])
                    .next()
                    .unwrap_or(rest)
                    .to_string()
            })
        })
        .filter(|flag| flag != "help" && flag != "version")
        .collect()
}

#[test]
fn resolve_help_is_grouped_in_sections() {
    let help = help("resolve");
    insta::assert_snapshot!(headings(&help).join("\n"), @r"
    Arguments:
    Options:
    Input options:
    Target options:
    Index options:
    Resolution options:
    Output options:
    Cache options:
    Network options:
    Logging options:
    ");
    let help = help.replace('\n', " ");
    assert!(
        help.contains("sdists are used only where their `PKG-INFO` is static"),
        "--no-build help: {help}"
    );
}

#[test]
fn every_flag_in_help_is_in_the_readme() {
    let readme =
        fs_err::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    for command in ["resolve", "download", "tree", "why"] {
        let help = help(command);
        let missing: Vec<String> = flags(&help)
            .into_iter()
            .filter(|flag| !readme.contains(&format!("--{flag}")))
            .collect();
        assert!(
            missing.is_empty(),
            "`tailwheel {command}` flags missing from the README: {missing:?}"
        );
    }
}
