//! Direct references of the input (issue 16): local projects, editables, archive URLs and git
//! repositories are read before the solve ([`tw_build::DirectReader`]) and handed to the
//! resolver as [`tw_resolver::DirectPackages`], with one root requirement per line.

use std::path::Path;
use std::sync::Arc;

use anyhow::anyhow;
use pep508_rs::Requirement;
use tw_requirements::{Origin, RequirementsSet};
use tw_resolver::{DirectPackages, RootRequirement};

use crate::failure::Failure;

/// What reading the direct references needs from the run.
pub(crate) struct DirectContext<'a> {
    /// The HTTP client of the run.
    pub(crate) client: &'a tw_client::Client,
    /// The builder of the run, if builds may run.
    pub(crate) builder: Option<Arc<tw_build::Builder>>,
    /// The target (markers decide which dependencies are looked ahead).
    pub(crate) target: &'a tw_platform::Target,
    /// The cache directory.
    pub(crate) cache_dir: Option<&'a Path>,
    /// `--offline`.
    pub(crate) offline: bool,
    /// `--no-build`.
    pub(crate) no_build: bool,
    /// `--concurrency`.
    pub(crate) concurrency: usize,
}

/// Read every direct reference of `set`: the packages they fix, and a root requirement
/// (name, extras, marker; no version) for each line whose marker holds.
pub(crate) async fn read(
    set: &RequirementsSet,
    context: DirectContext<'_>,
) -> Result<(DirectPackages, Vec<RootRequirement>), Failure> {
    if set.direct.is_empty() {
        return Ok((DirectPackages::new(), Vec::new()));
    }
    let options = tw_build::DirectOptions {
        cache_dir: context.cache_dir.map(Path::to_path_buf),
        git: "git".into(),
        offline: context.offline,
        concurrency: context.concurrency.clamp(1, 8),
        no_build: context.no_build,
    };
    let reader = tw_build::DirectReader::new(context.client.clone(), context.builder, &options)
        .map_err(|err| Failure::io(anyhow!(err)))?;
    // Lines whose marker is false for the target are not read at all.
    let entries: Vec<_> = set
        .direct
        .iter()
        .filter(|entry| entry.marker.evaluate(&context.target.markers, &[]))
        .cloned()
        .collect();
    let (packages, names) = reader
        .read_all(&entries, &context.target.markers)
        .await
        .map_err(|err| {
            if err.is_input() {
                Failure::input(err)
            } else {
                Failure::network(err)
            }
        })?;
    let roots = entries
        .iter()
        .zip(names)
        .map(|(entry, name)| RootRequirement {
            requirement: Requirement {
                name,
                extras: entry.extras.clone(),
                version_or_url: None,
                marker: entry.marker.clone(),
                origin: None,
            },
            source: source_label(&entry.origin),
        })
        .collect();
    Ok((packages, roots))
}

/// `# via` label of a root requirement written at `origin`: `-r FILE`, or the
/// `pyproject.toml` path, relative to the current directory when inside it.
pub(crate) fn source_label(origin: &Origin) -> String {
    let path = &origin.path;
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.clone());
    if shown.file_name().is_some_and(|f| f == "pyproject.toml") {
        shown.display().to_string()
    } else {
        format!("-r {}", shown.display())
    }
}
