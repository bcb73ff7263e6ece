//! The packse resolver scenarios (uv's copy), one test case per scenario.
//!
//! Reads every `.toml`/`.json` scenario under `../shared/packse-scenarios/uv-test-scenarios/
//! scenarios/` (relative to the workspace root; never copied into the repository), serves its
//! package universe from a loopback [`tw_test_index::TestIndex`], runs `tailwheel resolve` on
//! `root.requires` with the scenario's options and compares the outcome with `expected`.
//! Test names are `<category folder>::<scenario name>`, so
//! `cargo test --test scenarios -- prereleases::` runs one folder.
//!
//! - Satisfiable scenarios must exit 0 with every `expected.packages` entry pinned at that
//!   version; unsatisfiable ones must exit 1, and their report (stderr) is snapshotted in
//!   `snapshots/<scenario name>.snap` (accept changes with `INSTA_UPDATE=always` or
//!   `cargo insta review`).
//! - Scenarios listed in `known-failures.txt` (`name: reason`) are expected to fail and show
//!   as ignored with their reason; one that passes fails with "remove from known-failures.txt".
//! - Scenarios listed in `uv-outcomes.txt` (`name: satisfiable|unsatisfiable: evidence`) are
//!   judged by the outcome uv's own generated test asserts for them, where that differs from
//!   the file's `expected.satisfiable` (uv's lock-test generator does not check that field).
//!   A listed outcome equal to the file's is an error: the line is stale.
//! - Universal scenarios run with `--universal` and without `--python-platform` (uv's
//!   `required_environments` become `--required-environment` flags); their pins are read from
//!   the `name==version ; marker` lines of the universal requirements.txt (several lines may
//!   name one package; an expected pin must be among them).
//! - `testgen.disable` scenarios are skipped, as uv skips them.
//! - When the scenario folder is missing, a note is printed and no case runs, unless `CI` is
//!   set (as `.ci/run` does): then the harness fails, so CI cannot pass by running nothing.
//!   A folder with no scenario in it fails everywhere. `TW_PACKSE_SCENARIOS` names another
//!   folder (used to test the harness itself).

#[path = "../support/hermetic.rs"]
mod hermetic;

mod known_failures;
mod runner;
mod schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::known_failures::KnownFailures;
use crate::runner::Pass;
use crate::schema::Scenario;

/// The scenario folder, relative to the workspace root.
const SCENARIOS: &str = "../shared/packse-scenarios/uv-test-scenarios/scenarios";
/// The known-failures list, relative to the workspace root.
const KNOWN_FAILURES: &str = "tests/scenarios/known-failures.txt";
/// Outcomes uv's own tests assert where the scenario file's `expected` says otherwise.
const UV_OUTCOMES: &str = "tests/scenarios/uv-outcomes.txt";

#[expect(
    clippy::disallowed_methods,
    reason = "the test harness reads its own switches"
)]
fn main() -> ExitCode {
    let args = Arguments::from_args();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `TW_PACKSE_SCENARIOS` points the harness at another folder (to test the harness).
    let root = std::env::var_os("TW_PACKSE_SCENARIOS")
        .map_or_else(|| workspace.join(SCENARIOS), PathBuf::from);
    let trials = if root.is_dir() {
        trials(
            &root,
            &workspace.join(KNOWN_FAILURES),
            &workspace.join(UV_OUTCOMES),
        )
    } else if in_ci() {
        #[expect(clippy::print_stderr, reason = "the harness's own error")]
        {
            eprintln!(
                "error: no packse scenarios at {}, and `CI` is set: CI must run them (put the scenarios there, or unset `CI` to skip them locally)",
                root.display()
            );
        }
        return ExitCode::FAILURE;
    } else {
        #[expect(
            clippy::print_stderr,
            reason = "the note the harness prints instead of tests"
        )]
        {
            eprintln!(
                "note: no packse scenarios at {}: running no scenario tests",
                root.display()
            );
        }
        Vec::new()
    };
    libtest_mimic::run(&args, trials).exit_code()
}

/// True when the `CI` variable says this is a CI run (set, and not empty, `0` or `false`).
#[expect(
    clippy::disallowed_methods,
    reason = "the test harness reads its own switches"
)]
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| {
        !(value.is_empty() || value == "0" || value.eq_ignore_ascii_case("false"))
    })
}

/// One test per scenario, a failing test per unreadable file, and the check of
/// `known-failures.txt` against the scenarios found.
fn trials(root: &Path, known_failures_path: &Path, uv_outcomes_path: &Path) -> Vec<Trial> {
    let (known, known_error) = match known_failures::load(known_failures_path) {
        Ok(known) => (known, None),
        Err(err) => (KnownFailures::new(), Some(err)),
    };
    let (uv_outcomes, uv_outcomes_error) = match known_failures::load(uv_outcomes_path) {
        Ok(outcomes) => (outcomes, None),
        Err(err) => (KnownFailures::new(), Some(err)),
    };
    let known = Arc::new(known);
    let mut trials = Vec::new();
    // Scenario name → test name, for duplicates and the known-failures check.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut disabled = Vec::new();
    let files = scenario_files(root);
    if files.is_empty() {
        let message = format!(
            "no scenario files (`.toml`, `.json`) under {}",
            root.display()
        );
        trials.push(Trial::test("harness::scenarios-found", move || {
            Err(message.into())
        }));
    }
    for path in files {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let source = relative.display().to_string();
        let category = match relative.components().next() {
            Some(first) if relative.components().count() > 1 => {
                first.as_os_str().to_string_lossy().into_owned()
            }
            _ => "uncategorized".to_string(),
        };
        let scenarios = match schema::load(&path) {
            Ok(scenarios) => scenarios,
            Err(err) => {
                let stem = path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let message = format!("cannot load scenario file {source}: {err}");
                trials.push(Trial::test(format!("{category}::{stem}"), move || {
                    Err(message.into())
                }));
                continue;
            }
        };
        for mut scenario in scenarios {
            let test_name = format!("{category}::{}", scenario.name);
            if let Some(line) = uv_outcomes.get(&scenario.name) {
                match uv_outcome(line) {
                    Ok(satisfiable) if satisfiable != scenario.expected.satisfiable => {
                        scenario.expected.satisfiable = satisfiable;
                    }
                    Ok(_) => {
                        let message = format!(
                            "{UV_OUTCOMES}: `{}` lists the outcome its file already expects: remove the line",
                            scenario.name
                        );
                        trials.push(Trial::test(test_name, move || Err(message.into())));
                        continue;
                    }
                    Err(message) => {
                        trials.push(Trial::test(test_name, move || Err(message.into())));
                        continue;
                    }
                }
            }
            if let Some(first) = seen.insert(scenario.name.clone(), test_name.clone()) {
                let message = format!(
                    "scenario name `{}` in {source} is already used by {first}",
                    scenario.name
                );
                trials.push(Trial::test(format!("{test_name}#duplicate"), move || {
                    Err(message.into())
                }));
                continue;
            }
            if scenario.testgen.disable {
                disabled.push(scenario.name.clone());
                trials.push(Trial::ignorable_test(test_name, || {
                    Ok(Completion::ignored_with(
                        "testgen.disable: uv generates no test for it",
                    ))
                }));
                continue;
            }
            let known = Arc::clone(&known);
            let source = source.clone();
            trials.push(Trial::ignorable_test(test_name, move || {
                scenario_test(&scenario, &source, &known)
            }));
        }
    }
    for (list, names, error) in [
        (KNOWN_FAILURES, &known, known_error),
        (UV_OUTCOMES, &Arc::new(uv_outcomes), uv_outcomes_error),
    ] {
        let missing: Vec<String> = names
            .keys()
            .filter(|name| !seen.contains_key(*name) || disabled.contains(*name))
            .cloned()
            .collect();
        let file = list.rsplit('/').next().unwrap_or(list);
        trials.push(Trial::test(format!("harness::{file}"), move || {
            if let Some(err) = error {
                return Err(err.into());
            }
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{list} lists scenarios that do not exist or are disabled: {}",
                    missing.join(", ")
                )
                .into())
            }
        }));
    }
    trials
}

/// The outcome of a `uv-outcomes.txt` line's text (`satisfiable: evidence` or
/// `unsatisfiable: evidence`): whether uv's own test resolves the scenario.
fn uv_outcome(line: &str) -> Result<bool, String> {
    let (outcome, evidence) = line.split_once(':').unwrap_or((line, ""));
    if evidence.trim().is_empty() {
        return Err(format!(
            "{UV_OUTCOMES}: `{line}`: expected `satisfiable: evidence` or `unsatisfiable: evidence`"
        ));
    }
    match outcome.trim() {
        "satisfiable" => Ok(true),
        "unsatisfiable" => Ok(false),
        other => Err(format!(
            "{UV_OUTCOMES}: `{other}` is not `satisfiable` or `unsatisfiable`"
        )),
    }
}

/// Run one scenario and judge it against `known-failures.txt`.
fn scenario_test(
    scenario: &Scenario,
    source: &str,
    known: &KnownFailures,
) -> Result<Completion, Failed> {
    let outcome = runner::run(scenario, source);
    match (known.get(&scenario.name), outcome) {
        (Some(reason), Ok(_)) => Err(format!(
            "`{}` passes now: remove it from {KNOWN_FAILURES} (listed as: {reason})",
            scenario.name
        )
        .into()),
        (Some(reason), Err(_)) => Ok(Completion::ignored_with(format!("known failure: {reason}"))),
        (None, Err(report)) => Err(report.into()),
        (None, Ok(Pass::Resolved)) => Ok(Completion::Completed),
        (None, Ok(Pass::Unsatisfiable(report))) => {
            snapshot(&scenario.name, source, &report);
            Ok(Completion::Completed)
        }
    }
}

/// Compare the no-solution report with `snapshots/<name>.snap`.
fn snapshot(name: &str, source: &str, report: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(source);
    settings.bind(|| insta::assert_snapshot!(name, report));
}

/// Every `.toml` and `.json` file under `root`, sorted by path.
fn scenario_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if matches!(
                path.extension().and_then(|ext| ext.to_str()),
                Some("toml" | "json")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
