//! Shared helpers: loopback indexes, a hermetic `tailwheel resolve` command and output filters.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;
use tw_test_index::{IndexOptions, TestIndex, Universe};

/// The target every test resolves for unless it says otherwise.
pub(crate) const PYTHON_VERSION: &str = "3.12";
/// The platform every test resolves for unless it says otherwise.
pub(crate) const PYTHON_PLATFORM: &str = "x86_64-manylinux_2_28";

/// A universe built by `describe`.
pub(crate) fn universe(describe: impl FnOnce(&mut Universe)) -> Universe {
    let mut universe = Universe::new();
    describe(&mut universe);
    universe
}

/// Start an index (default options: JSON, PEP 658 advertised) serving what `describe` adds.
pub(crate) fn index(describe: impl FnOnce(&mut Universe)) -> TestIndex {
    TestIndex::start(&universe(describe), IndexOptions::default())
}

/// Start an index with `options` serving what `describe` adds.
pub(crate) fn index_with(options: IndexOptions, describe: impl FnOnce(&mut Universe)) -> TestIndex {
    TestIndex::start(&universe(describe), options)
}

/// `http://127.0.0.1:PORT`: the part of every URL of `index` that changes between runs.
pub(crate) fn base_url(index: &TestIndex) -> String {
    index
        .index_url()
        .strip_suffix("/simple/")
        .expect("index URLs end with /simple/")
        .to_string()
}

/// What a finished `tailwheel` run printed, with ports and temp paths filtered.
#[derive(Debug)]
pub(crate) struct Output {
    /// The exit code.
    pub(crate) code: i32,
    /// stdout, filtered.
    pub(crate) stdout: String,
    /// stderr, filtered, without the timing-dependent "Resolved N packages in" line and
    /// without log lines (which carry timestamps).
    pub(crate) stderr: String,
    /// stderr, filtered but otherwise as printed (log lines and the summary line included).
    pub(crate) raw_stderr: String,
}

impl Output {
    /// Panic with both streams unless the exit code is `code`.
    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panic unless the run succeeded; returns stdout.
    #[track_caller]
    pub(crate) fn success(&self) -> &str {
        self.assert_code(0);
        &self.stdout
    }

    /// The first `--stats` line (or other stderr line) starting with `prefix`, or "".
    pub(crate) fn stat_line(&self, prefix: &str) -> &str {
        self.raw_stderr
            .lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or("")
    }

    /// `name==version` lines of a requirements.txt on stdout, in order.
    pub(crate) fn pins(&self) -> Vec<String> {
        pins(&self.stdout)
    }
}

/// The `name==version` lines of requirements.txt text, in order.
pub(crate) fn pins(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| !line.starts_with([' ', '#', '-']) && line.contains("=="))
        .map(|line| line.trim_end_matches(" \\").to_string())
        .collect()
}

/// A scratch project directory, the indexes it resolves against and the text filters.
pub(crate) struct Project {
    dir: TempDir,
    filters: Vec<(String, String)>,
    index_url: Option<String>,
}

impl Project {
    /// An empty project that resolves against `index` by default.
    pub(crate) fn new(index: &TestIndex) -> Self {
        let mut project = Self::bare();
        project.index_url = Some(index.index_url());
        project.filter_index(index, "[INDEX]");
        project
    }

    /// An empty project whose output filters know `index`, but that passes no `--index-url`
    /// (for tests of index discovery).
    pub(crate) fn unindexed(index: &TestIndex) -> Self {
        let mut project = Self::bare();
        project.filter_index(index, "[INDEX]");
        project
    }

    /// An empty project with no default index.
    pub(crate) fn bare() -> Self {
        let dir = tempfile::tempdir().expect("creating a temp dir must work");
        let mut filters = Vec::new();
        if let Ok(canonical) = dir.path().canonicalize() {
            filters.push((canonical.display().to_string(), "[TEMP]".to_string()));
        }
        filters.push((dir.path().display().to_string(), "[TEMP]".to_string()));
        Self {
            dir,
            filters,
            index_url: None,
        }
    }

    /// Replace the URLs of `index` with `placeholder` in outputs.
    pub(crate) fn filter_index(&mut self, index: &TestIndex, placeholder: &str) {
        // With the slash, port 4005 never matches inside port 40051.
        self.filters.insert(
            0,
            (format!("{}/", base_url(index)), format!("{placeholder}/")),
        );
    }

    /// The project directory.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `relative` inside the project directory.
    pub(crate) fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Write `contents` to `relative` (creating parent directories); returns the path.
    pub(crate) fn write(&self, relative: &str, contents: &str) -> PathBuf {
        let path = self.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating a directory in a temp dir");
        }
        fs_err::write(&path, contents).expect("writing a file in a temp dir");
        path
    }

    /// Read `relative` from the project directory.
    pub(crate) fn read(&self, relative: &str) -> String {
        fs_err::read_to_string(self.join(relative)).expect("reading a file in the temp dir")
    }

    /// Apply the URL and path filters to `text`.
    pub(crate) fn filter(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (from, to) in &self.filters {
            text = text.replace(from.as_str(), to);
        }
        text
    }

    /// `tailwheel resolve` run in the project directory with a scrubbed environment: no index
    /// variables, pip config files pointed at nothing, no proxies. No target or index flags.
    pub(crate) fn bare_command(&self) -> Command {
        let mut command = Command::from_std(crate::hermetic::tailwheel(self.path()));
        command.arg("resolve").arg("--no-progress");
        command
    }

    /// `tailwheel download` in the project directory, with the same scrubbed environment.
    pub(crate) fn download_command(&self) -> Command {
        let mut command = Command::from_std(crate::hermetic::tailwheel(self.path()));
        command.arg("download").arg("--no-progress");
        command
    }

    /// [`Self::bare_command`] with the standard target flags and the project's index.
    pub(crate) fn command(&self) -> Command {
        self.command_for(PYTHON_VERSION, PYTHON_PLATFORM)
    }

    /// [`Self::bare_command`] with `--python-version version --python-platform platform` and
    /// the project's index.
    pub(crate) fn command_for(&self, version: &str, platform: &str) -> Command {
        let mut command = self.bare_command();
        command.args(["--python-version", version, "--python-platform", platform]);
        if let Some(url) = &self.index_url {
            command.args(["--index-url", url]);
        }
        command
    }

    /// Run `command` and collect its filtered output.
    pub(crate) fn run_command(&self, mut command: Command) -> Output {
        let output = command.output().expect("running tailwheel");
        let raw_stderr = self.filter(&String::from_utf8_lossy(&output.stderr));
        let stderr: Vec<&str> = raw_stderr
            .lines()
            .filter(|line| !line.starts_with("Resolved ") && !is_log_line(line))
            .collect();
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: self.filter(&String::from_utf8_lossy(&output.stdout)),
            stderr: stderr.join("\n"),
            raw_stderr,
        }
    }

    /// `tailwheel resolve <args> --python-version 3.12 --python-platform x86_64-manylinux_2_28
    /// --index-url <index>`.
    pub(crate) fn resolve(&self, args: &[&str]) -> Output {
        let mut command = self.command();
        command.args(args);
        self.run_command(command)
    }

    /// Like [`Self::resolve`] for another target.
    pub(crate) fn resolve_for(&self, version: &str, platform: &str, args: &[&str]) -> Output {
        let mut command = self.command_for(version, platform);
        command.args(args);
        self.run_command(command)
    }

    /// Resolve `requirements.in` (uncached, no header, no annotations) with one more
    /// environment variable, e.g. `NETRC` or `SSL_CERT_FILE`.
    pub(crate) fn resolve_with_env(&self, name: &str, value: &std::path::Path) -> Output {
        let mut command = self.command();
        command
            .args([
                "requirements.in",
                "--no-cache",
                "--no-header",
                "--no-annotate",
            ])
            .env(name, value);
        self.run_command(command)
    }

    /// Write `requirements.in` with `contents` and resolve it with `args`.
    pub(crate) fn resolve_in(&self, contents: &str, args: &[&str]) -> Output {
        self.write("requirements.in", contents);
        let mut all = vec!["requirements.in"];
        all.extend_from_slice(args);
        self.resolve(&all)
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
