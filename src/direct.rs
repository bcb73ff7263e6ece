//! Direct references of the input (issue 16): local projects, editables, archive URLs and git
//! repositories are read before the solve ([`tw_build::DirectReader`]) and handed to the
//! resolver as [`tw_resolver::DirectPackages`], with one root requirement per line.

use std::path::Path;
use std::sync::Arc;

use anyhow::anyhow;
use pep508_rs::MarkerTree;
use pep508_rs::Requirement;
use tracing::debug;
use tw_requirements::{DirectEntry, ExtrasSelection, Origin, RequirementsSet};
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
    if set.direct.is_empty() && set.dynamic_projects.is_empty() {
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
    let mut entries: Vec<DirectEntry> = set
        .direct
        .iter()
        .filter(|entry| entry.marker.evaluate(&context.target.markers, &[]))
        .cloned()
        .collect();
    let lines = entries.len();
    // An input pyproject.toml with dynamic dependencies is read as a local project too; its
    // dependencies become root requirements and the project itself is not locked.
    entries.extend(set.dynamic_projects.iter().map(|project| DirectEntry {
        name: project.name.clone(),
        extras: match &project.extras {
            ExtrasSelection::Some(extras) => extras.clone(),
            ExtrasSelection::None | ExtrasSelection::All => Vec::new(),
        },
        marker: MarkerTree::TRUE,
        reference: tw_requirements::DirectReference::Path {
            path: project.path.clone(),
        },
        editable: false,
        written: project.origin.path.display().to_string(),
        hashes: Vec::new(),
        origin: project.origin.clone(),
    }));
    let (mut packages, names) = reader
        .read_all(&entries, &context.target.markers)
        .await
        .map_err(|err| {
            if err.is_input() {
                Failure::input(err)
            } else {
                Failure::network(err)
            }
        })?;
    let mut roots: Vec<RootRequirement> = entries
        .iter()
        .zip(&names)
        .take(lines)
        .map(|(entry, name)| RootRequirement {
            requirement: Requirement {
                name: name.clone(),
                extras: entry.extras.clone(),
                version_or_url: None,
                marker: entry.marker.clone(),
                origin: None,
            },
            source: source_label(&entry.origin),
        })
        .collect();
    for (project, name) in set.dynamic_projects.iter().zip(names.iter().skip(lines)) {
        let named_by_a_line = names.iter().take(lines).any(|other| other == name);
        let package = if named_by_a_line {
            packages.get(name).cloned()
        } else {
            packages.remove(name)
        };
        let Some(package) = package else {
            continue;
        };
        roots.extend(dynamic_roots(
            project,
            name,
            &package.metadata,
            &packages,
            context.target,
        )?);
    }
    Ok((packages, roots))
}

/// The root requirements of an input project whose dependencies were built: its
/// `Requires-Dist` with the selected extras' markers resolved (self-references such as
/// `all = ["me[fast]"]` expanded), labelled with its `pyproject.toml`.
fn dynamic_roots(
    project: &tw_requirements::DynamicProject,
    name: &pep508_rs::PackageName,
    metadata: &tw_metadata::DistMetadata,
    packages: &DirectPackages,
    target: &tw_platform::Target,
) -> Result<Vec<RootRequirement>, Failure> {
    let mut extras: Vec<pep508_rs::ExtraName> = match &project.extras {
        ExtrasSelection::None => Vec::new(),
        ExtrasSelection::Some(extras) => extras.clone(),
        ExtrasSelection::All => metadata.provides_extra.clone(),
    };
    for extra in &extras {
        if !metadata.provides_extra.contains(extra) {
            return Err(Failure::input(anyhow!(
                "`{}`: the project `{name}` has no extra `{extra}` (its build says: {})",
                project.origin,
                metadata
                    .provides_extra
                    .iter()
                    .map(|extra| format!("`{extra}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let in_force = |requirement: &Requirement, extras: &[pep508_rs::ExtraName]| {
        requirement.marker.evaluate(&target.markers, &[])
            || extras.iter().any(|extra| {
                requirement
                    .marker
                    .evaluate(&target.markers, std::slice::from_ref(extra))
            })
    };
    // `me[fast]` in the project's own metadata switches its extra `fast` on.
    loop {
        let more: Vec<pep508_rs::ExtraName> = metadata
            .requires_dist
            .iter()
            .filter(|requirement| requirement.name == *name && in_force(requirement, &extras))
            .flat_map(|requirement| requirement.extras.iter().cloned())
            .filter(|extra| !extras.contains(extra))
            .collect();
        if more.is_empty() {
            break;
        }
        extras.extend(more);
        extras.sort();
        extras.dedup();
    }
    let source = source_label(&project.origin);
    let mut roots = Vec::new();
    for requirement in &metadata.requires_dist {
        if requirement.name == *name {
            continue;
        }
        let mut requirement = requirement.clone();
        requirement.marker = requirement.marker.simplify_extras(&extras);
        if matches!(
            requirement.version_or_url,
            Some(pep508_rs::VersionOrUrl::Url(_))
        ) {
            if !packages.contains_key(&requirement.name)
                && requirement.marker.evaluate(&target.markers, &[])
            {
                return Err(Failure::input(anyhow!(
                    "`{}`: `{requirement}` of the project `{name}` is a direct reference; name it in your requirements too",
                    project.origin
                )));
            }
            // The direct reference fixes it (read with the project's).
            requirement.version_or_url = None;
        }
        roots.push(RootRequirement {
            requirement,
            source: source.clone(),
        });
    }
    Ok(roots)
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

/// Direct packages met while planning a download (issue 16): archives are downloaded and
/// checked like any file, local projects are skipped (there is nothing to download), git
/// sources are cloned only with `--vcs`.
#[derive(Debug, Default)]
pub(crate) struct DownloadPlan {
    /// Archives to fetch (hash-checked by `tw-download`).
    pub(crate) requests: Vec<tw_download::DownloadRequest>,
    /// Local projects skipped.
    projects: Vec<String>,
    /// Git sources: name, repository, commit.
    git: Vec<(String, url::Url, String)>,
}

impl DownloadPlan {
    /// Plan the package `name` from `source`.
    pub(crate) fn add(
        &mut self,
        name: &str,
        source: &tw_lock::LockedSource,
    ) -> Result<(), Failure> {
        match source {
            tw_lock::LockedSource::Directory { .. } => self.projects.push(name.to_string()),
            tw_lock::LockedSource::Archive {
                url, path, sha256, ..
            } => {
                let url = match (url, path) {
                    (Some(url), _) => url.clone(),
                    (None, Some(path)) => url::Url::from_file_path(path).map_err(|()| {
                        Failure::input(anyhow!(
                            "`{name}`: `{}` is not an absolute path",
                            path.display()
                        ))
                    })?,
                    (None, None) => {
                        return Err(Failure::input(anyhow!(
                            "`{name}`: its archive has neither a URL nor a path"
                        )));
                    }
                };
                let filename = url
                    .path_segments()
                    .and_then(|mut segments| segments.next_back())
                    .filter(|segment| !segment.is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| Failure::input(anyhow!("`{name}`: `{url}` names no file")))?;
                self.requests.push(tw_download::DownloadRequest {
                    name: name.to_string(),
                    filename,
                    url,
                    sha256: sha256.clone(),
                    size: None,
                });
            }
            tw_lock::LockedSource::Vcs { url, commit_id, .. } => {
                self.git
                    .push((name.to_string(), url.clone(), commit_id.clone()));
            }
        }
        Ok(())
    }

    /// Plan a direct reference line of a hashed requirements.txt (`-e ./app`,
    /// `name @ URL --hash=…`, `name @ git+URL@commit`).
    pub(crate) fn add_entry(
        &mut self,
        entry: &tw_requirements::DirectEntry,
    ) -> Result<(), Failure> {
        use tw_requirements::DirectReference;
        let name = entry
            .name
            .as_ref()
            .map_or_else(|| entry.written.clone(), ToString::to_string);
        let hash = entry
            .hashes
            .iter()
            .find_map(|hash| hash.strip_prefix("sha256:"))
            .map(str::to_ascii_lowercase);
        let source = match &entry.reference {
            DirectReference::Path { path } if path.is_dir() => tw_lock::LockedSource::Directory {
                path: path.clone(),
                editable: entry.editable,
            },
            DirectReference::Path { path } => tw_lock::LockedSource::Archive {
                url: None,
                path: Some(path.clone()),
                sha256: hash.ok_or_else(|| no_hash(entry))?,
                subdirectory: None,
            },
            DirectReference::Url {
                url,
                sha256,
                subdirectory,
            } => tw_lock::LockedSource::Archive {
                url: Some(url.clone()),
                path: None,
                sha256: hash
                    .or_else(|| sha256.clone())
                    .ok_or_else(|| no_hash(entry))?,
                subdirectory: subdirectory.clone(),
            },
            DirectReference::Git {
                repository,
                rev,
                subdirectory,
            } => {
                let commit = rev
                    .clone()
                    .filter(|rev| tw_git::is_full_commit(rev))
                    .ok_or_else(|| {
                        Failure::input(anyhow!(
                            "`{}`: `{}` is not locked to a commit (`@` and 40 hexadecimal digits)",
                            entry.origin,
                            entry.written
                        ))
                    })?;
                tw_lock::LockedSource::Vcs {
                    url: repository.clone(),
                    requested_revision: None,
                    commit_id: commit,
                    subdirectory: subdirectory.clone(),
                }
            }
        };
        self.add(&name, &source)
    }

    /// Clone the git sources into `dest` when `vcs` is set (`<name>-<commit prefix>`), and
    /// say what was skipped or cloned.
    pub(crate) async fn finish(
        self,
        dest: &Path,
        vcs: bool,
        printer: crate::printer::Printer,
    ) -> Result<(), Failure> {
        let list = |names: &[String]| {
            names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.projects.is_empty() {
            let count = self.projects.len();
            let noun = if count == 1 { "project" } else { "projects" };
            printer.info(&format!(
                "Skipped {count} local {noun} (nothing to download): {}",
                list(&self.projects)
            ));
        }
        if self.git.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self.git.iter().map(|(name, _, _)| name.clone()).collect();
        let count = names.len();
        let (noun, it) = if count == 1 {
            ("source", "it")
        } else {
            ("sources", "them")
        };
        if !vcs {
            printer.info(&format!(
                "{count} git {noun} not cloned (pass `--vcs` to clone {it}): {}",
                list(&names)
            ));
            return Ok(());
        }
        let git = tw_git::Git::new(tw_git::GitOptions::new(dest));
        for (name, repository, commit) in &self.git {
            let short = commit.get(..12).unwrap_or(commit);
            let dir = dest.join(format!("{name}-{short}"));
            if dir.join(".git").is_dir() {
                debug!(dir = %dir.display(), "git checkout already present");
                continue;
            }
            git.checkout_into(repository, commit, &dir)
                .await
                .map_err(|err| match err {
                    tw_git::GitError::NotFound { .. } | tw_git::GitError::Offline { .. } => {
                        Failure::input(err)
                    }
                    other => Failure::network(other),
                })?;
        }
        printer.info(&format!(
            "Also cloned {count} git {noun} into `{}`: {}",
            dest.display(),
            list(&names)
        ));
        Ok(())
    }
}

/// The error for an archive line without a sha256 to check it against.
fn no_hash(entry: &tw_requirements::DirectEntry) -> Failure {
    Failure::input(anyhow!(
        "`{}`: `{}` has no `--hash=sha256:…` (or `#sha256=`) to check the download against",
        entry.origin,
        entry.written
    ))
}
