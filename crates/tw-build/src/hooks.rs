//! Running one PEP 517 hook of a backend in a subprocess of the target interpreter.
//!
//! The interpreter runs in isolated mode (`-I`: no `PYTHON*` variables, no user site) with
//! an embedded runner script (`hooks.py`) that also drops the system `site-packages` from
//! `sys.path` and adds the build environment (processing its `.pth` files), then the
//! backend's in-tree `backend-path`. The hook's answer comes back in a JSON file, so the
//! backend may print what it likes; that output is logged at debug level (`-v`) and its last
//! lines end the error when the hook fails. A hook that outlives the timeout is killed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tracing::debug;

use crate::error::BuildError;
use crate::pyproject::BuildSystem;

const RUNNER: &str = include_str!("hooks.py");

/// Lines of backend output shown when a hook fails.
const TAIL_LINES: usize = 20;

/// The answer of a hook.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct HookResult {
    /// `get_requires_for_build_wheel`: extra build requirements.
    #[serde(default)]
    pub(crate) requires: Vec<String>,
    /// `prepare_metadata_for_build_wheel`: the path of the produced `METADATA`.
    pub(crate) metadata: Option<PathBuf>,
}

/// One hook invocation.
pub(crate) struct Hook<'a> {
    pub(crate) python: &'a Path,
    pub(crate) source: &'a Path,
    pub(crate) site: &'a Path,
    pub(crate) work: &'a Path,
    pub(crate) system: &'a BuildSystem,
    /// Normalized names of the distributions installed in `site`.
    pub(crate) installed: &'a [String],
    pub(crate) subject: &'a str,
    pub(crate) timeout: Duration,
}

impl Hook<'_> {
    /// Run `hook` and return its answer.
    pub(crate) async fn run(&self, hook: &str) -> Result<HookResult, BuildError> {
        let failed = |reason: String| BuildError::Hook {
            subject: self.subject.to_string(),
            hook: hook.to_string(),
            backend: self.system.backend.clone(),
            reason,
        };
        fs_err::create_dir_all(self.work).map_err(|err| BuildError::io(self.subject, err))?;
        let runner = self.work.join("tailwheel_hooks.py");
        let result_path = self.work.join(format!("{hook}.json"));
        fs_err::write(&runner, RUNNER).map_err(|err| BuildError::io(self.subject, err))?;
        let backend_path = serde_json::to_string(&self.system.backend_path)
            .map_err(|err| failed(err.to_string()))?;
        let installed =
            serde_json::to_string(self.installed).map_err(|err| failed(err.to_string()))?;
        let mut command = tokio::process::Command::new(self.python);
        command
            .arg("-I")
            .arg(&runner)
            .arg(hook)
            .arg(&self.system.backend)
            .arg(self.site)
            .arg(&result_path)
            .arg(self.work.join("out"))
            .arg(backend_path)
            .arg(installed)
            .current_dir(self.source)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PIP_NO_INPUT", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        debug!(hook, backend = %self.system.backend, source = %self.source.display(), "running build hook");
        let child = command
            .spawn()
            .map_err(|err| failed(format!("cannot start `{}`: {err}", self.python.display())))?;
        let output = match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Ok(output) => output.map_err(|err| failed(err.to_string()))?,
            Err(_) => {
                return Err(failed(format!(
                    "it did not finish within {} s (set `TAILWHEEL_BUILD_TIMEOUT` to allow longer)",
                    self.timeout.as_secs()
                )));
            }
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        for line in stdout.lines().chain(stderr.lines()) {
            debug!(target: "tw_build::backend", "{line}");
        }
        if !output.status.success() {
            let shown = if stderr.trim().is_empty() {
                &stdout
            } else {
                &stderr
            };
            let lines: Vec<&str> = shown.lines().collect();
            let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n  ");
            return Err(failed(format!(
                "exited with {}; last lines of its output:\n  {tail}",
                output.status
            )));
        }
        let text = fs_err::read_to_string(&result_path)
            .map_err(|err| failed(format!("it wrote no result: {err}")))?;
        serde_json::from_str(&text).map_err(|err| failed(format!("unreadable result: {err}")))
    }
}
