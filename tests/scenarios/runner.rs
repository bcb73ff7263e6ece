//! Run one scenario: build its index, run `tailwheel resolve` against it, compare the outcome
//! with `expected`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;
use tw_test_index::{IndexOptions, TestIndex, Universe};

use crate::schema::{Kind, Scenario};

/// The platform a scenario resolves for unless it names one (uv runs its scenario tests on
/// Linux `x86_64` with glibc).
const DEFAULT_PLATFORM: &str = "x86_64-manylinux_2_28";

/// A scenario that met its expectation.
pub(crate) enum Pass {
    /// It resolved, with the expected pins.
    Resolved,
    /// It failed with exit code 1, as expected; the filtered stderr (the no-solution report).
    Unsatisfiable(String),
}

/// The package universe of `scenario`, with every default of the format applied.
pub(crate) fn universe(scenario: &Scenario) -> Universe {
    let mut universe = Universe::new();
    for (name, package) in &scenario.packages {
        for (version, meta) in &package.versions {
            let release = universe.version(name, version);
            release.requires_python(meta.requires_python());
            for requirement in &meta.requires {
                release.requires(requirement);
            }
            for (extra, requirements) in &meta.extras {
                let requirements: Vec<&str> = requirements.iter().map(String::as_str).collect();
                release.extra(extra, &requirements);
            }
            if meta.wheel {
                release.wheel_tags(&meta.wheel_tags());
            } else {
                release.no_wheel();
            }
            if !meta.sdist {
                release.no_sdist();
            }
            if meta.yanked {
                release.yanked();
            }
        }
    }
    universe
}

/// The `--python-platform` value for a scenario's `python_platform` (uv's target triples).
fn platform(scenario: &Scenario) -> &str {
    match scenario.resolver_options.python_platform.as_deref() {
        None => DEFAULT_PLATFORM,
        // uv's `x86_64-manylinux2014` is tailwheel's spelling too; other triples pass through
        // unchanged, so an unknown one shows up as tailwheel's usage error.
        Some(triple) => triple,
    }
}

/// pip-style values for a `no_build`/`no_binary` list: `:all:` when it names every package
/// of the universe, else the names one by one.
fn selection(names: &[String], scenario: &Scenario) -> Vec<String> {
    let listed: BTreeSet<String> = names.iter().map(|name| normalize_name(name)).collect();
    let universe: BTreeSet<String> = scenario
        .packages
        .keys()
        .map(|name| normalize_name(name))
        .collect();
    if !listed.is_empty() && universe.is_subset(&listed) {
        vec![":all:".to_string()]
    } else {
        names.to_vec()
    }
}

/// Every argument after `tailwheel`, for `scenario` against `index_url`, and the input file
/// (name and contents) to write first.
fn arguments(scenario: &Scenario, index_url: &str) -> (Vec<String>, &'static str, String) {
    let options = &scenario.resolver_options;
    let (input, contents) = if scenario.kind() == Kind::Lock {
        // `uv lock` reads a project; its requires-python bounds a universal resolution.
        let mut text = String::from("[project]\nname = \"project\"\nversion = \"0.1.0\"\n");
        let _ = writeln!(
            text,
            "requires-python = {}",
            toml_string(scenario.root.requires_python())
        );
        text.push_str("dependencies = [\n");
        for requirement in &scenario.root.requires {
            let _ = writeln!(text, "  {},", toml_string(requirement));
        }
        text.push_str("]\n");
        if !options.required_environments.is_empty() {
            text.push_str("\n[tool.uv]\nrequired-environments = [\n");
            for marker in &options.required_environments {
                let _ = writeln!(text, "  {},", toml_string(marker));
            }
            text.push_str("]\n");
        }
        ("pyproject.toml", text)
    } else {
        let mut text = scenario.root.requires.join("\n");
        text.push('\n');
        ("requirements.in", text)
    };
    let mut args: Vec<String> = [
        "resolve",
        "--no-progress",
        input,
        "--index-url",
        index_url,
        "--no-header",
        "--no-annotate",
        "--no-cache",
        "--python-version",
        scenario.target_python(),
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    // A universal resolution is for every platform (`--python-platform` conflicts with it).
    if !options.universal {
        args.extend([
            "--python-platform".to_string(),
            platform(scenario).to_string(),
        ]);
    }
    if options.prereleases {
        args.extend(["--prerelease".to_string(), "allow".to_string()]);
    }
    if let Some(resolution) = &options.resolution {
        args.extend(["--resolution".to_string(), resolution.clone()]);
    }
    if !options.no_build.is_empty() {
        for value in selection(&options.no_build, scenario) {
            args.extend(["--only-binary".to_string(), value]);
        }
    }
    if !options.no_binary.is_empty() {
        for value in selection(&options.no_binary, scenario) {
            args.extend(["--no-binary".to_string(), value]);
        }
    }
    if options.universal {
        args.push("--universal".to_string());
        for marker in &options.required_environments {
            args.extend(["--required-environment".to_string(), marker.clone()]);
        }
    }
    (args, input, contents)
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// What one run printed, filtered.
struct Run {
    command_line: String,
    input: &'static str,
    input_contents: String,
    code: i32,
    stdout: String,
    /// Without the timing line and log lines: what a snapshot holds.
    stderr: String,
}

/// Run `scenario`; `Ok` when the outcome matches `expected`, else a report of what differed.
pub(crate) fn run(scenario: &Scenario, source: &str) -> Result<Pass, String> {
    let index = TestIndex::start(&universe(scenario), IndexOptions::default());
    let dir = tempfile::tempdir().map_err(|err| format!("creating a temp dir: {err}"))?;
    let index_url = index.index_url();
    let (args, input, contents) = arguments(scenario, &index_url);
    fs_err::write(dir.path().join(input), &contents)
        .map_err(|err| format!("writing {input}: {err}"))?;

    let mut command = crate::hermetic::tailwheel(dir.path());
    command.args(&args);
    command.env("NO_COLOR", "1");
    let output = command
        .output()
        .map_err(|err| format!("running tailwheel: {err}"))?;

    let filter = Filter::new(&index_url, dir.path());
    let raw_stderr = filter.apply(&String::from_utf8_lossy(&output.stderr));
    let stderr: Vec<&str> = raw_stderr
        .lines()
        .filter(|line| !line.starts_with("Resolved ") && !is_log_line(line))
        .collect();
    let run = Run {
        command_line: filter.apply(&format!("tailwheel {}", args.join(" "))),
        input,
        input_contents: contents,
        code: output.status.code().unwrap_or(-1),
        stdout: filter.apply(&String::from_utf8_lossy(&output.stdout)),
        stderr: stderr.join("\n"),
    };
    check(scenario, &run).map_err(|problem| describe(scenario, source, &run, &problem))
}

/// Compare a run with `expected`; the problem when they differ.
fn check(scenario: &Scenario, run: &Run) -> Result<Pass, String> {
    let expected = &scenario.expected;
    if !expected.satisfiable {
        return match run.code {
            1 => Ok(Pass::Unsatisfiable(run.stderr.clone())),
            0 => Err("expected no solution (exit code 1), but it resolved".to_string()),
            code => Err(format!(
                "expected no solution (exit code 1), got exit code {code}: a harness or product failure"
            )),
        };
    }
    match run.code {
        0 => {}
        1 => return Err("expected a resolution, got no solution (exit code 1)".to_string()),
        code => {
            return Err(format!(
                "expected a resolution, got exit code {code}: a harness or product failure"
            ));
        }
    }
    let pins = pins(&run.stdout);
    let mut problems = Vec::new();
    for (name, version) in &expected.packages {
        let name = normalize_name(name);
        let found: Vec<&(String, String)> = pins.iter().filter(|(pin, _)| *pin == name).collect();
        if found.is_empty() {
            problems.push(format!("{name}=={version} expected, {name} is not pinned"));
        } else if !found
            .iter()
            .any(|(_, pinned)| same_version(pinned, version))
        {
            let got: Vec<&str> = found.iter().map(|(_, pinned)| pinned.as_str()).collect();
            problems.push(format!(
                "{name}=={version} expected, got {name}=={}",
                got.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        Ok(Pass::Resolved)
    } else {
        Err(problems.join("; "))
    }
}

/// A failure report: the scenario, the command, what came out and what was expected.
fn describe(scenario: &Scenario, source: &str, run: &Run, problem: &str) -> String {
    let expected = &scenario.expected;
    let mut text = String::new();
    let _ = writeln!(text, "scenario `{}` ({source})", scenario.name);
    let _ = writeln!(text, "problem: {problem}");
    if expected.satisfiable {
        let wanted: Vec<String> = expected
            .packages
            .iter()
            .map(|(name, version)| format!("{name}=={version}"))
            .collect();
        let _ = writeln!(text, "expected: satisfiable, with [{}]", wanted.join(", "));
    } else {
        let _ = writeln!(text, "expected: unsatisfiable");
    }
    if let Some(explanation) = &expected.explanation {
        let _ = writeln!(text, "explanation: {}", explanation.trim());
    }
    let pins: Vec<String> = pins(&run.stdout)
        .into_iter()
        .map(|(name, version)| format!("{name}=={version}"))
        .collect();
    let _ = writeln!(text, "actual pins: [{}]", pins.join(", "));
    let _ = writeln!(text, "command: {}", run.command_line);
    let _ = writeln!(text, "{}:", run.input);
    for line in run.input_contents.lines() {
        let _ = writeln!(text, "    {line}");
    }
    let _ = writeln!(text, "exit code: {}", run.code);
    let _ = writeln!(text, "--- stdout\n{}", run.stdout.trim_end());
    let _ = writeln!(text, "--- stderr\n{}", run.stderr.trim_end());
    text
}

/// `(normalized name, version)` of each `name==version` line of requirements.txt output
/// (markers and line continuations dropped).
fn pins(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter(|line| !line.starts_with([' ', '#', '-']))
        .filter_map(|line| {
            let requirement = line.split(';').next().unwrap_or(line);
            let requirement = requirement.trim().trim_end_matches('\\').trim();
            let (name, version) = requirement.split_once("==")?;
            Some((normalize_name(name.trim()), version.trim().to_string()))
        })
        .collect()
}

/// PEP 440 equality of two version strings (`1.0` == `1.0.0`; local segments count); plain
/// string equality when either does not parse.
fn same_version(left: &str, right: &str) -> bool {
    match (Version::from_str(left), Version::from_str(right)) {
        (Ok(left), Ok(right)) => left == right,
        _ => left == right,
    }
}

/// PEP 503 normalization: lowercase, and every run of `-`, `_` and `.` becomes one `-`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator_run {
                normalized.push('-');
            }
            in_separator_run = true;
        } else {
            normalized.extend(character.to_lowercase());
            in_separator_run = false;
        }
    }
    normalized
}

/// Replaces what changes between runs (the index port, the temp dir) with placeholders.
struct Filter {
    replacements: Vec<(String, String)>,
}

impl Filter {
    fn new(index_url: &str, dir: &Path) -> Self {
        let base = index_url.strip_suffix("/simple/").unwrap_or(index_url);
        // With the slash, port 4005 never matches inside port 40051.
        let mut replacements = vec![(format!("{base}/"), "[INDEX]/".to_string())];
        if let Ok(canonical) = dir.canonicalize() {
            replacements.push((canonical.display().to_string(), "[TEMP]".to_string()));
        }
        replacements.push((dir.display().to_string(), "[TEMP]".to_string()));
        Self { replacements }
    }

    fn apply(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (from, to) in &self.replacements {
            text = text.replace(from.as_str(), to);
        }
        text
    }
}

/// A `tracing` log line: it starts with a timestamp, possibly wrapped in ANSI escapes.
fn is_log_line(line: &str) -> bool {
    let line = line.strip_prefix("\u{1b}[2m").unwrap_or(line);
    let bytes = line.as_bytes();
    bytes.len() > 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[10] == b'T'
}
