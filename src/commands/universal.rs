//! `--universal` in the CLI (issue 17): the [`UniversalTarget`] from the flags and the
//! project's `requires-python`. The lock itself is built by `tw_lock::Lock::universal` and
//! written by the same writers as a single-target lock.

use std::path::Path;
use std::str::FromStr;

use anyhow::{Context as _, anyhow};
use pep440_rs::VersionSpecifiers;
use pep508_rs::MarkerTree;
use tw_platform::{Target, UniversalTarget};

use crate::args::ResolveArgs;
use crate::failure::Failure;

/// The universal target: `requires-python` from the `pyproject.toml` inputs when one says,
/// else `>=X.Y` of the target Python (`--python-version`, or the interpreter's).
pub(crate) fn target(args: &ResolveArgs, target: &Target) -> Result<UniversalTarget, Failure> {
    let mut requires_python: Option<String> = None;
    for file in &args.files {
        if file.extension().and_then(|ext| ext.to_str()) != Some("toml") {
            continue;
        }
        if let Some(specifiers) = pyproject_requires_python(file).map_err(Failure::input)? {
            requires_python = Some(match requires_python {
                None => specifiers,
                Some(earlier) => format!("{earlier}, {specifiers}"),
            });
        }
    }
    let requires_python =
        requires_python.unwrap_or_else(|| format!(">={}", target.python_minor_version()));
    let requires_python = VersionSpecifiers::from_str(&requires_python).map_err(|err| {
        Failure::input(anyhow!(
            "invalid `requires-python` `{requires_python}`: {err}"
        ))
    })?;
    let markers = |values: &[String], flag: &str| -> Result<Vec<MarkerTree>, Failure> {
        values
            .iter()
            .map(|value| {
                MarkerTree::from_str(value).map_err(|err| {
                    Failure::input(anyhow!("invalid `{flag}` marker `{value}`: {err}"))
                })
            })
            .collect()
    };
    UniversalTarget::new(
        requires_python,
        markers(&args.environment, "--environment")?,
        markers(&args.required_environment, "--required-environment")?,
    )
    .map_err(Failure::input)
}

/// `[project] requires-python` of a pyproject.toml, if it has one.
fn pyproject_requires_python(path: &Path) -> anyhow::Result<Option<String>> {
    let text = fs_err::read_to_string(path)?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("cannot read `{}`", path.display()))?;
    let value = table
        .get("project")
        .and_then(|project| project.get("requires-python"));
    match value {
        None => Ok(None),
        Some(toml::Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(anyhow!(
            "`{}`: `project.requires-python` must be a string",
            path.display()
        )),
    }
}
