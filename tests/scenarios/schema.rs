//! The packse scenario format (`/work/shared/packse-scenarios/README.md`), as serde structs.
//!
//! Every struct denies unknown fields, as packse's and uv's loaders do, so a typo or a new
//! field in a scenario file is an error rather than a silently ignored option. Defaults are
//! applied by the accessor methods (`requires_python`, `python`, ...), never by the harness
//! guessing.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// `requires_python` of the root and of every package version when the file does not say.
pub(crate) const DEFAULT_REQUIRES_PYTHON: &str = ">=3.12";
/// `environment.python` when the file does not say.
pub(crate) const DEFAULT_PYTHON: &str = "3.12";

/// One scenario file (or one element of a JSON list).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Scenario {
    /// The scenario name, unique in its copy.
    pub(crate) name: String,
    /// Prose.
    #[serde(default)]
    #[expect(dead_code, reason = "prose, unused by the harness")]
    pub(crate) description: Option<String>,
    /// The user's requirements.
    #[serde(default)]
    pub(crate) root: Root,
    /// The package universe: name → versions.
    #[serde(default)]
    pub(crate) packages: BTreeMap<String, Package>,
    /// The outcome the resolver must produce.
    pub(crate) expected: Expected,
    /// The interpreter that is "running".
    #[serde(default)]
    pub(crate) environment: Environment,
    /// Resolver options.
    #[serde(default)]
    pub(crate) resolver_options: ResolverOptions,
    /// packse only: the build template (unused by every file).
    #[serde(default)]
    #[expect(dead_code, reason = "part of the format, unused by the harness")]
    pub(crate) template: Option<String>,
    /// uv only: how uv generates a test for the scenario.
    #[serde(default)]
    pub(crate) testgen: Testgen,
}

/// `[root]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Root {
    /// PEP 508 requirements.
    #[serde(default)]
    pub(crate) requires: Vec<String>,
    /// The root project's requires-python (default `>=3.12`).
    #[serde(default)]
    pub(crate) requires_python: Option<String>,
}

impl Root {
    /// `requires_python` with the default applied.
    pub(crate) fn requires_python(&self) -> &str {
        self.requires_python
            .as_deref()
            .unwrap_or(DEFAULT_REQUIRES_PYTHON)
    }
}

/// `[packages.<name>]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Package {
    /// Version → its metadata and files.
    #[serde(default)]
    pub(crate) versions: BTreeMap<String, PackageVersion>,
}

/// `[packages.<name>.versions.<version>]`; an empty table means all defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackageVersion {
    /// Requires-Python (default `>=3.12`).
    #[serde(default)]
    pub(crate) requires_python: Option<String>,
    /// Requires-Dist.
    #[serde(default)]
    pub(crate) requires: Vec<String>,
    /// Provides-Extra → its requirements.
    #[serde(default)]
    pub(crate) extras: BTreeMap<String, Vec<String>>,
    /// Publish a source distribution.
    #[serde(default = "yes")]
    pub(crate) sdist: bool,
    /// Publish wheels.
    #[serde(default = "yes")]
    pub(crate) wheel: bool,
    /// Every file is yanked.
    #[serde(default)]
    pub(crate) yanked: bool,
    /// Wheel tags; empty means one `py3-none-any` wheel.
    #[serde(default)]
    pub(crate) wheel_tags: Vec<String>,
    /// packse only; unused.
    #[serde(default)]
    #[expect(dead_code, reason = "part of the format, unused by the harness")]
    pub(crate) description: Option<String>,
}

impl PackageVersion {
    /// `requires_python` with the default applied.
    pub(crate) fn requires_python(&self) -> &str {
        self.requires_python
            .as_deref()
            .unwrap_or(DEFAULT_REQUIRES_PYTHON)
    }

    /// The wheel tags with the default applied (`py3-none-any` when none are listed).
    pub(crate) fn wheel_tags(&self) -> Vec<&str> {
        if self.wheel_tags.is_empty() {
            vec!["py3-none-any"]
        } else {
            self.wheel_tags.iter().map(String::as_str).collect()
        }
    }
}

/// `[expected]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expected {
    /// Whether resolution must succeed.
    pub(crate) satisfiable: bool,
    /// Versions that must be in the result (not necessarily all of it).
    #[serde(default)]
    pub(crate) packages: BTreeMap<String, String>,
    /// Why.
    #[serde(default)]
    pub(crate) explanation: Option<String>,
}

/// `[environment]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Environment {
    /// The running interpreter's version (default 3.12).
    #[serde(default)]
    pub(crate) python: Option<String>,
    /// Other interpreters available.
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "tailwheel resolves for one target; nothing to map this to"
    )]
    pub(crate) additional_python: Vec<String>,
}

/// `[resolver_options]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResolverOptions {
    /// Target Python for resolution (`--python-version`).
    #[serde(default)]
    pub(crate) python: Option<String>,
    /// `--prerelease allow`.
    #[serde(default)]
    pub(crate) prereleases: bool,
    /// Packages that must come from wheels.
    #[serde(default)]
    pub(crate) no_build: Vec<String>,
    /// Packages that must come from sdists.
    #[serde(default)]
    pub(crate) no_binary: Vec<String>,
    /// Universal (forking) resolution.
    #[serde(default)]
    pub(crate) universal: bool,
    /// Target platform (a uv triple).
    #[serde(default)]
    pub(crate) python_platform: Option<String>,
    /// Environments that must have a compatible wheel (universal only).
    #[serde(default)]
    pub(crate) required_environments: Vec<String>,
    /// uv only: `highest`, `lowest` or `lowest-direct`.
    #[serde(default)]
    pub(crate) resolution: Option<String>,
}

/// `[testgen]` (uv only).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Testgen {
    /// uv generates no test for this scenario.
    #[serde(default)]
    pub(crate) disable: bool,
    /// Force the kind of test: `install`, `compile` or `lock`.
    #[serde(default)]
    pub(crate) kind: Option<String>,
}

/// How uv would test a scenario (README, "How uv runs them").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `uv pip install`.
    Install,
    /// `uv pip compile`.
    Compile,
    /// `uv lock` (universal).
    Lock,
}

impl Scenario {
    /// `environment.python` with the default applied.
    pub(crate) fn interpreter_python(&self) -> &str {
        self.environment.python.as_deref().unwrap_or(DEFAULT_PYTHON)
    }

    /// The Python version to resolve for: the target when set, else the interpreter.
    pub(crate) fn target_python(&self) -> &str {
        self.resolver_options
            .python
            .as_deref()
            .unwrap_or_else(|| self.interpreter_python())
    }

    /// The kind of test uv generates: `testgen.kind`, else lock for universal, compile when a
    /// target Python is set, install otherwise.
    pub(crate) fn kind(&self) -> Kind {
        match self.testgen.kind.as_deref() {
            Some("install") => Kind::Install,
            Some("compile") => Kind::Compile,
            Some("lock") => Kind::Lock,
            _ if self.resolver_options.universal => Kind::Lock,
            _ if self.resolver_options.python.is_some() => Kind::Compile,
            _ => Kind::Install,
        }
    }
}

fn yes() -> bool {
    true
}

/// Every scenario in one file: a `.toml` file holds one, a `.json` file one or a list.
pub(crate) fn load(path: &Path) -> Result<Vec<Scenario>, String> {
    let text = fs_err::read_to_string(path).map_err(|err| format!("reading: {err}"))?;
    match path.extension().and_then(|ext| ext.to_str()) {
        Some("toml") => toml::from_str::<Scenario>(&text)
            .map(|scenario| vec![scenario])
            .map_err(|err| err.to_string()),
        Some("json") => {
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|err| err.to_string())?;
            let items = match value {
                serde_json::Value::Array(items) => items,
                single => vec![single],
            };
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    serde_json::from_value::<Scenario>(item)
                        .map_err(|err| format!("scenario #{index}: {err}"))
                })
                .collect()
        }
        _ => Err("not a .toml or .json scenario file".to_string()),
    }
}
