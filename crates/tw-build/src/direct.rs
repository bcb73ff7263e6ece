//! The metadata of direct references (issue 16), read before the solve.
//!
//! [`DirectReader::read_all`] takes the [`DirectEntry`]s of the input and returns, for each
//! name, the one version its reference fixes with its metadata and source
//! ([`tw_resolver::DirectPackages`]), reading them in parallel:
//!
//! * **a local project**: its `pyproject.toml` `[project]` table when `dependencies`,
//!   `optional-dependencies`, `version` and `requires-python` are not `dynamic` (PEP 621: no
//!   build at all), else its PEP 517 backend (`prepare_metadata_for_build_wheel`, or for `-e`
//!   PEP 660's `prepare_metadata_for_build_editable`), cached under `direct-metadata-v1/` by
//!   the content of `pyproject.toml`, `setup.py` and `setup.cfg` (the files uv keys on too);
//! * **an archive** (local file or URL): downloaded whole and hashed (a lock needs its
//!   sha256; a `#sha256=` that does not match is an integrity error, before anything is
//!   resolved); a wheel's `METADATA` is read from it, an sdist is unpacked and read as a
//!   project (its `PKG-INFO` when static, PEP 643);
//! * **a git repository**: checked out by commit through `tw-git`, then read as a project.
//!
//! Direct references in the `Requires-Dist` of a direct package are read too, recursively
//! (uv's lookahead: a local project may depend on another local project). Two different
//! references for one name are an error naming both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use futures::StreamExt;
use pep508_rs::{PackageName, VersionOrUrl};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tracing::{debug, info};

use tw_client::Client;
use tw_index::{CoreMetadata, DistFilename, IndexFile, WheelFilename};
use tw_metadata::{DistMetadata, MetadataError};
use tw_requirements::{DirectEntry, DirectReference};
use tw_resolver::{DirectPackage, DirectPackages, DirectSource};

use crate::{BuildError, Builder, Limits, extract};

/// Why a direct reference could not be read; each names the reference.
#[derive(Debug, thiserror::Error)]
pub enum DirectError {
    /// Two lines name one package with different references.
    #[error(
        "`{name}` is named by two different references: `{first}` ({first_origin}) and `{second}` ({second_origin})"
    )]
    Conflict {
        /// The package.
        name: PackageName,
        /// The first reference as written.
        first: String,
        /// Where it was written.
        first_origin: String,
        /// The second reference as written.
        second: String,
        /// Where it was written.
        second_origin: String,
    },
    /// The name before `@` (or in `#egg=`) is not the name in the metadata.
    #[error("`{written}` ({origin}) names `{expected}`, but its metadata says `{found}`")]
    NameMismatch {
        /// The reference as written.
        written: String,
        /// Where.
        origin: String,
        /// The name written.
        expected: PackageName,
        /// The name in the metadata.
        found: PackageName,
    },
    /// A local path that is neither a project nor an archive, or does not exist.
    #[error("`{written}` ({origin}): `{}` is not a project directory (no `pyproject.toml` or `setup.py`), a wheel or an sdist", path.display())]
    NotAProject {
        /// The reference as written.
        written: String,
        /// Where.
        origin: String,
        /// The path.
        path: PathBuf,
    },
    /// The project's metadata is dynamic and no build may run.
    #[error(
        "`{written}` ({origin}): its dependencies are only known after running its build backend, and {reason}"
    )]
    NeedsBuild {
        /// The reference as written.
        written: String,
        /// Where.
        origin: String,
        /// Why no build runs.
        reason: &'static str,
    },
    /// The project's `pyproject.toml` is not valid.
    #[error("`{written}` ({origin}): {reason}")]
    Invalid {
        /// The reference as written.
        written: String,
        /// Where.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// The archive could not be fetched, failed its hash, or does not read.
    #[error("`{written}` ({origin})")]
    Archive {
        /// The reference as written.
        written: String,
        /// Where.
        origin: String,
        /// The cause (boxed: it is large).
        #[source]
        source: Box<MetadataError>,
    },
    /// The build backend failed.
    #[error("`{written}` ({origin})")]
    Build {
        /// The reference as written.
        written: String,
        /// Where.
        origin: String,
        /// The cause (boxed: it is large).
        #[source]
        source: Box<BuildError>,
    },
    /// git failed or is missing.
    #[error("`{written}` ({origin})")]
    Git {
        /// The reference as written.
        written: String,
        /// Where.
        origin: String,
        /// The cause (boxed: it is large).
        #[source]
        source: Box<tw_git::GitError>,
    },
}

impl DirectError {
    /// True when the input (or the machine's set-up) is at fault rather than the network or
    /// a server: exit code 2 rather than 3.
    pub fn is_input(&self) -> bool {
        match self {
            Self::Conflict { .. }
            | Self::NameMismatch { .. }
            | Self::NotAProject { .. }
            | Self::NeedsBuild { .. }
            | Self::Invalid { .. } => true,
            Self::Git { source, .. } => matches!(
                **source,
                tw_git::GitError::NotFound { .. }
                    | tw_git::GitError::UnknownRevision { .. }
                    | tw_git::GitError::Offline { .. }
            ),
            Self::Archive { .. } | Self::Build { .. } => false,
        }
    }
}

/// Reads direct references; see the module documentation.
#[derive(Debug)]
pub struct DirectReader {
    client: Client,
    builder: Option<Arc<Builder>>,
    /// Why `builder` is `None`, for [`DirectError::NeedsBuild`].
    no_build_reason: &'static str,
    git: tw_git::Git,
    cache_dir: Option<PathBuf>,
    scratch: tempfile::TempDir,
    concurrency: usize,
}

/// Settings of a [`DirectReader`].
#[derive(Debug, Clone)]
pub struct DirectOptions {
    /// Where git checkouts and built metadata are kept; `None`: a temporary folder.
    pub cache_dir: Option<PathBuf>,
    /// The `git` program.
    pub git: PathBuf,
    /// No network (git checkouts and archives must be cached).
    pub offline: bool,
    /// References read at once.
    pub concurrency: usize,
    /// `--no-build` was given (only said in messages; pass no builder).
    pub no_build: bool,
}

/// One reference being read, with the entry that named it first.
struct Job {
    reference: DirectReference,
    name: Option<PackageName>,
    editable: bool,
    written: String,
    origin: String,
    /// Extras asked of it (their dependencies are looked ahead too).
    extras: Vec<pep508_rs::ExtraName>,
    /// `--hash=sha256:…` values of the line: an archive must have one of them.
    hashes: Vec<String>,
}

impl DirectReader {
    /// A reader fetching through `client`, building with `builder` (`None`: no build may
    /// run, with `--no-build` or without an interpreter).
    pub fn new(
        client: Client,
        builder: Option<Arc<Builder>>,
        options: &DirectOptions,
    ) -> Result<Self, BuildError> {
        let scratch = tempfile::Builder::new()
            .prefix("tailwheel-direct-")
            .tempdir()
            .map_err(|err| BuildError::io("a temporary folder", err))?;
        let git_cache = options
            .cache_dir
            .clone()
            .unwrap_or_else(|| scratch.path().to_path_buf());
        Ok(Self {
            client,
            builder,
            no_build_reason: if options.no_build {
                "building is disabled (`--no-build`)"
            } else {
                "no Python interpreter was found to build it with; pass `--python`, or put `python3` on `PATH`"
            },
            git: tw_git::Git::new(tw_git::GitOptions {
                program: options.git.clone(),
                cache_dir: git_cache,
                offline: options.offline,
            }),
            cache_dir: options.cache_dir.clone(),
            scratch,
            concurrency: options.concurrency.max(1),
        })
    }

    /// Read every entry, and the direct references their metadata names, recursively. The
    /// result has one package per name, and for each entry (in order) its name.
    pub async fn read_all(
        &self,
        entries: &[DirectEntry],
        markers: &pep508_rs::MarkerEnvironment,
    ) -> Result<(DirectPackages, Vec<PackageName>), DirectError> {
        let mut packages = DirectPackages::new();
        // The first reference seen for each name, as written and where.
        let mut first: BTreeMap<PackageName, (DirectReference, String, String)> = BTreeMap::new();
        // Every reference read so far, and the name it turned out to have.
        let mut read: BTreeMap<DirectReference, PackageName> = BTreeMap::new();
        let mut names = vec![None; entries.len()];
        let mut wave: Vec<(Option<usize>, Job)> = entries
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                let job = Job {
                    reference: entry.reference.clone(),
                    name: entry.name.clone(),
                    editable: entry.editable,
                    written: entry.written.clone(),
                    origin: entry.origin.to_string(),
                    extras: entry.extras.clone(),
                    hashes: entry
                        .hashes
                        .iter()
                        .filter_map(|hash| hash.strip_prefix("sha256:"))
                        .map(str::to_ascii_lowercase)
                        .collect(),
                };
                (Some(index), job)
            })
            .collect();
        while !wave.is_empty() {
            let mut todo: Vec<&Job> = Vec::new();
            for (_, job) in &wave {
                if !read.contains_key(&job.reference)
                    && !todo.iter().any(|other| other.reference == job.reference)
                {
                    todo.push(job);
                }
            }
            let results: Vec<Result<(DirectReference, PackageName, DirectPackage), DirectError>> =
                futures::stream::iter(todo.into_iter().map(|job| async move {
                    let (name, package) = self.read(job).await?;
                    Ok((job.reference.clone(), name, package))
                }))
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            let mut fresh = BTreeMap::new();
            for result in results {
                let (reference, name, package) = result?;
                read.insert(reference.clone(), name);
                fresh.insert(reference, package);
            }
            let mut next = Vec::new();
            for (index, job) in wave {
                let Some(name) = read.get(&job.reference).cloned() else {
                    continue;
                };
                if let Some(expected) = &job.name
                    && *expected != name
                {
                    return Err(DirectError::NameMismatch {
                        written: job.written,
                        origin: job.origin,
                        expected: expected.clone(),
                        found: name,
                    });
                }
                match first.get(&name) {
                    Some((reference, written, origin)) if *reference != job.reference => {
                        return Err(DirectError::Conflict {
                            name,
                            first: written.clone(),
                            first_origin: origin.clone(),
                            second: job.written,
                            second_origin: job.origin,
                        });
                    }
                    Some(_) => {}
                    None => {
                        first.insert(
                            name.clone(),
                            (
                                job.reference.clone(),
                                job.written.clone(),
                                job.origin.clone(),
                            ),
                        );
                        if let Some(mut package) = fresh.remove(&job.reference) {
                            package.origin.clone_from(&job.origin);
                            packages.insert(name.clone(), package);
                        }
                    }
                }
                let Some(package) = packages.get_mut(&name) else {
                    continue;
                };
                if job.editable
                    && let DirectSource::Directory { editable, .. } = &mut package.source
                {
                    *editable = true;
                }
                if let Some(index) = index
                    && let Some(slot) = names.get_mut(index)
                {
                    *slot = Some(name.clone());
                }
                next.extend(lookahead(&name, package, &job.extras, markers));
            }
            wave = next;
        }
        Ok((packages, names.into_iter().flatten().collect()))
    }

    /// Read one reference: its name and the package it fixes.
    async fn read(&self, job: &Job) -> Result<(PackageName, DirectPackage), DirectError> {
        let origin = || job.origin.clone();
        let written = || job.written.clone();
        let (metadata, source) = match &job.reference {
            DirectReference::Path { path } if path.is_dir() => {
                let metadata = self.project(path, job.editable, job).await?;
                let source = DirectSource::Directory {
                    path: path.clone(),
                    editable: job.editable,
                };
                (metadata, source)
            }
            DirectReference::Path { path } if path.is_file() => {
                let bytes = fs_err::read(path).map_err(|err| DirectError::Invalid {
                    written: written(),
                    origin: origin(),
                    reason: err.to_string(),
                })?;
                let sha256 = hex::encode(Sha256::digest(&bytes));
                check_hashes(job, &sha256, &path.display().to_string())?;
                let name = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let url =
                    url::Url::from_file_path(path).map_err(|()| DirectError::NotAProject {
                        written: written(),
                        origin: origin(),
                        path: path.clone(),
                    })?;
                let metadata = self.archive(&bytes, &name, &url, None, job).await?;
                (
                    metadata,
                    DirectSource::LocalArchive {
                        path: path.clone(),
                        sha256,
                    },
                )
            }
            DirectReference::Path { path } => {
                return Err(DirectError::NotAProject {
                    written: written(),
                    origin: origin(),
                    path: path.clone(),
                });
            }
            DirectReference::Url {
                url,
                sha256,
                subdirectory,
            } => {
                let archive_error = |source| DirectError::Archive {
                    written: written(),
                    origin: origin(),
                    source: Box::new(source),
                };
                // With `#sha256=` the archive is known by its hash: metadata read before is
                // reused (no request). Without one the URL's content may change: fetched.
                let cached = sha256.as_ref().and_then(|sha256| {
                    let cache = self.cache_dir.as_ref()?;
                    let key = hex::encode(Sha256::digest(format!("{url} {sha256}")));
                    Some((
                        cache
                            .join("direct-metadata-v1")
                            .join(format!("{key}.METADATA")),
                        sha256.clone(),
                    ))
                });
                if let Some((path, sha256)) = &cached
                    && let Ok(bytes) = fs_err::read(path)
                    && let Ok(metadata) = DistMetadata::parse(&bytes, &job.written)
                {
                    debug!(url = %tw_client::redact_url(url), "direct archive metadata from the cache");
                    return Ok((
                        metadata.name.clone(),
                        DirectPackage {
                            version: metadata.version.clone(),
                            metadata: Arc::new(metadata),
                            source: DirectSource::Archive {
                                url: url.clone(),
                                sha256: sha256.clone(),
                                subdirectory: subdirectory.clone(),
                            },
                            origin: job.origin.clone(),
                        },
                    ));
                }
                info!(url = %tw_client::redact_url(url), "downloading a direct reference");
                let response = self
                    .client
                    .get_artifact(url)
                    .await
                    .and_then(tw_client::Response::error_for_status)
                    .map_err(|err| archive_error(MetadataError::Client(err)))?;
                let shown = tw_client::redact_url(url);
                if let Some(expected) = sha256 {
                    tw_metadata::verify(&response.body, expected, &shown).map_err(archive_error)?;
                }
                let actual = hex::encode(Sha256::digest(&response.body));
                check_hashes(job, &actual, &shown)?;
                let name = url
                    .path_segments()
                    .and_then(|mut segments| segments.next_back())
                    .unwrap_or_default()
                    .to_string();
                let metadata = self
                    .archive(&response.body, &name, url, subdirectory.as_deref(), job)
                    .await?;
                if let Some((path, _)) = &cached {
                    // A cache that cannot be written only costs a download next time.
                    let stored = path
                        .parent()
                        .map(fs_err::create_dir_all)
                        .transpose()
                        .is_ok()
                        && write_atomically(path, render(&metadata).as_bytes()).is_ok();
                    debug!(stored, path = %path.display(), "direct archive metadata cached");
                }
                (
                    metadata,
                    DirectSource::Archive {
                        url: url.clone(),
                        sha256: actual,
                        subdirectory: subdirectory.clone(),
                    },
                )
            }
            DirectReference::Git {
                repository,
                rev,
                subdirectory,
            } => {
                let checkout = self
                    .git
                    .checkout(repository, rev.as_deref())
                    .await
                    .map_err(|source| DirectError::Git {
                        written: written(),
                        origin: origin(),
                        source: Box::new(source),
                    })?;
                let tree = match subdirectory {
                    Some(subdirectory) => checkout.path.join(subdirectory),
                    None => checkout.path.clone(),
                };
                let metadata = self.project(&tree, false, job).await?;
                (
                    metadata,
                    DirectSource::Git {
                        repository: repository.clone(),
                        requested: rev.clone(),
                        commit: checkout.commit,
                        subdirectory: subdirectory.clone(),
                    },
                )
            }
        };
        debug!(name = %metadata.name, version = %metadata.version, reference = %job.written, "direct reference read");
        Ok((
            metadata.name.clone(),
            DirectPackage {
                version: metadata.version.clone(),
                metadata: Arc::new(metadata),
                source,
                origin: job.origin.clone(),
            },
        ))
    }

    /// The metadata of a wheel or sdist held in `bytes` (`filename` says which).
    async fn archive(
        &self,
        bytes: &[u8],
        filename: &str,
        url: &url::Url,
        subdirectory: Option<&str>,
        job: &Job,
    ) -> Result<DistMetadata, DirectError> {
        let archive_error = |source| DirectError::Archive {
            written: job.written.clone(),
            origin: job.origin.clone(),
            source: Box::new(source),
        };
        let lower = filename.to_ascii_lowercase();
        if lower.ends_with(".whl") {
            let wheel = WheelFilename::from_str(filename).map_err(|err| {
                archive_error(MetadataError::Archive {
                    subject: tw_client::redact_url(url),
                    reason: err.to_string(),
                })
            })?;
            let file = IndexFile {
                filename: filename.to_string(),
                dist: DistFilename::Wheel(wheel.clone()),
                url: url.clone(),
                sha256: None,
                requires_python: None,
                yanked: None,
                upload_time: None,
                size: None,
                core_metadata: CoreMetadata::Absent,
                source: Arc::new(url.clone()),
            };
            let text = tw_metadata::read_wheel_metadata(bytes, &file).map_err(archive_error)?;
            let metadata = DistMetadata::parse(&text, filename).map_err(archive_error)?;
            metadata
                .check_identity(&wheel.name, &wheel.version, filename)
                .map_err(archive_error)?;
            return Ok(metadata);
        }
        let zip = lower.ends_with(".zip");
        if !zip && !lower.ends_with(".tar.gz") && !lower.ends_with(".tgz") {
            return Err(archive_error(MetadataError::Archive {
                subject: tw_client::redact_url(url),
                reason: "not a wheel (`.whl`) or an sdist (`.tar.gz`, `.zip`)".into(),
            }));
        }
        let work = tempfile::Builder::new()
            .prefix("sdist-")
            .tempdir_in(self.scratch.path())
            .map_err(|err| DirectError::Invalid {
                written: job.written.clone(),
                origin: job.origin.clone(),
                reason: err.to_string(),
            })?;
        let dest = work.path().join("src");
        let body = bytes.to_vec();
        let target = dest.clone();
        let subject = filename.to_string();
        tokio::task::spawn_blocking(move || {
            if zip {
                extract::unpack_zip(&body, &target, &subject, Limits::default())
            } else {
                extract::unpack_tar_gz(&body, &target, &subject, Limits::default())
            }
        })
        .await
        .map_err(|err| BuildError::invalid(filename, err.to_string()))
        .and_then(|result| result)
        .map_err(|source| DirectError::Build {
            written: job.written.clone(),
            origin: job.origin.clone(),
            source: Box::new(source),
        })?;
        let root = extract::source_root(&dest).map_err(|err| DirectError::Invalid {
            written: job.written.clone(),
            origin: job.origin.clone(),
            reason: err.to_string(),
        })?;
        let tree = match subdirectory {
            Some(subdirectory) => root.join(subdirectory),
            None => root,
        };
        // A static PKG-INFO (metadata 2.2+, no dynamic dependencies, PEP 643) needs no build.
        if subdirectory.is_none()
            && let Ok(text) = fs_err::read(tree.join("PKG-INFO"))
            && let Ok(metadata) = DistMetadata::parse(&text, filename)
            && version_at_least(&metadata.metadata_version, 2, 2)
            && !metadata.has_dynamic_dependencies()
        {
            return Ok(metadata);
        }
        self.project(&tree, false, job).await
    }

    /// The metadata of a project directory: static `[project]` metadata, else a build.
    async fn project(
        &self,
        path: &Path,
        editable: bool,
        job: &Job,
    ) -> Result<DistMetadata, DirectError> {
        let invalid = |reason: String| DirectError::Invalid {
            written: job.written.clone(),
            origin: job.origin.clone(),
            reason,
        };
        let pyproject = match fs_err::read_to_string(path.join("pyproject.toml")) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(invalid(err.to_string())),
        };
        if pyproject.is_none() && !path.join("setup.py").is_file() {
            return Err(DirectError::NotAProject {
                written: job.written.clone(),
                origin: job.origin.clone(),
                path: path.to_path_buf(),
            });
        }
        if let Some(text) = &pyproject
            && let Some(metadata) = static_metadata(text).map_err(invalid)?
        {
            debug!(project = %path.display(), "static [project] metadata");
            return DistMetadata::parse(metadata.as_bytes(), &job.written)
                .map_err(|err| invalid(err.to_string()));
        }
        let key = tree_key(path, editable);
        let cached = self.cache_dir.as_ref().map(|cache| {
            cache
                .join("direct-metadata-v1")
                .join(format!("{key}.METADATA"))
        });
        if let Some(cached) = &cached
            && let Ok(bytes) = fs_err::read(cached)
            && let Ok(metadata) = DistMetadata::parse(&bytes, &job.written)
        {
            debug!(project = %path.display(), "built metadata from the cache");
            return Ok(metadata);
        }
        let Some(builder) = &self.builder else {
            return Err(DirectError::NeedsBuild {
                written: job.written.clone(),
                origin: job.origin.clone(),
                reason: self.no_build_reason,
            });
        };
        let bytes = builder
            .build_tree(path, &job.written, editable)
            .await
            .map_err(|source| DirectError::Build {
                written: job.written.clone(),
                origin: job.origin.clone(),
                source: Box::new(source),
            })?;
        let metadata =
            DistMetadata::parse(&bytes, &job.written).map_err(|err| invalid(err.to_string()))?;
        if let Some(cached) = &cached {
            // A cache that cannot be written only costs a build next time.
            let stored = cached
                .parent()
                .map(fs_err::create_dir_all)
                .transpose()
                .is_ok()
                && write_atomically(cached, &bytes).is_ok();
            debug!(stored, path = %cached.display(), "built metadata cached");
        }
        Ok(metadata)
    }
}

/// An archive whose line carries `--hash` values must have one of them.
fn check_hashes(job: &Job, actual: &str, subject: &str) -> Result<(), DirectError> {
    if job.hashes.is_empty() || job.hashes.iter().any(|hash| hash == actual) {
        return Ok(());
    }
    Err(DirectError::Archive {
        written: job.written.clone(),
        origin: job.origin.clone(),
        source: Box::new(MetadataError::Hash {
            subject: subject.to_string(),
            expected: job.hashes.join(" or "),
            actual: actual.to_string(),
        }),
    })
}

/// The jobs for the direct references among `package`'s dependencies in force (under the
/// target's markers and the `extras` asked of it).
fn lookahead(
    name: &PackageName,
    package: &DirectPackage,
    extras: &[pep508_rs::ExtraName],
    markers: &pep508_rs::MarkerEnvironment,
) -> Vec<(Option<usize>, Job)> {
    let base = match &package.source {
        DirectSource::Directory { path, .. } => path.clone(),
        _ => PathBuf::from("/"),
    };
    let mut jobs = Vec::new();
    for requirement in &package.metadata.requires_dist {
        let Some(VersionOrUrl::Url(url)) = &requirement.version_or_url else {
            continue;
        };
        if !requirement.marker.evaluate(markers, extras) {
            continue;
        }
        let text = url.given().unwrap_or(url.as_str()).to_string();
        let Ok((reference, _)) = DirectReference::parse(&text, &base) else {
            continue;
        };
        jobs.push((
            None,
            Job {
                reference,
                name: Some(requirement.name.clone()),
                editable: false,
                written: format!("{} @ {text}", requirement.name),
                origin: format!("a dependency of `{name}`"),
                extras: requirement.extras.clone(),
                hashes: Vec::new(),
            },
        ));
    }
    jobs
}

/// Write `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let parent = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(parent)?;
    file.write_all(bytes)?;
    file.persist(path).map(|_| ()).map_err(|err| err.error)
}

/// Core metadata text of what the resolver uses of `metadata` (name, version,
/// `Requires-Python`, extras, `Requires-Dist`), for the cache; it parses back to the same.
fn render(metadata: &DistMetadata) -> String {
    let mut text = format!(
        "Metadata-Version: {}\nName: {}\nVersion: {}\n",
        metadata.metadata_version, metadata.name, metadata.version
    );
    if let Some(requires_python) = &metadata.requires_python {
        text.push_str(&format!("Requires-Python: {requires_python}\n"));
    }
    for extra in &metadata.provides_extra {
        text.push_str(&format!("Provides-Extra: {extra}\n"));
    }
    for requirement in &metadata.requires_dist {
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    text
}

/// `Metadata-Version` at least `major.minor`.
fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version
        .trim()
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (major, minor)
}

/// The cache key of a project tree: its path, whether editable, and the content of the files
/// that decide its metadata (uv's default `cache-keys`).
fn tree_key(path: &Path, editable: bool) -> String {
    let mut hash = Sha256::new();
    hash.update(path.to_string_lossy().as_bytes());
    hash.update([u8::from(editable)]);
    for file in ["pyproject.toml", "setup.py", "setup.cfg"] {
        hash.update(file.as_bytes());
        match fs_err::read(path.join(file)) {
            Ok(bytes) => {
                hash.update((bytes.len() as u64).to_le_bytes());
                hash.update(&bytes);
            }
            Err(_) => hash.update(b"-"),
        }
    }
    hex::encode(hash.finalize())
}

/// The `[project]` table, as far as metadata goes.
#[derive(Deserialize)]
struct PyProject {
    project: Option<Project>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Project {
    name: Option<String>,
    version: Option<String>,
    requires_python: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    dynamic: Vec<String>,
}

/// Core metadata text from a `pyproject.toml` whose `[project]` table declares everything the
/// resolver needs statically (PEP 621), or `None` when a build must tell.
fn static_metadata(text: &str) -> Result<Option<String>, String> {
    let pyproject: PyProject =
        toml::from_str(text).map_err(|err| format!("its pyproject.toml is not valid: {err}"))?;
    let Some(project) = pyproject.project else {
        return Ok(None);
    };
    let dynamic = |field: &str| project.dynamic.iter().any(|name| name == field);
    if [
        "version",
        "dependencies",
        "optional-dependencies",
        "requires-python",
    ]
    .iter()
    .any(|field| dynamic(field))
    {
        return Ok(None);
    }
    let (Some(name), Some(version)) = (&project.name, &project.version) else {
        return Ok(None);
    };
    let mut metadata = format!("Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n");
    if let Some(requires_python) = &project.requires_python {
        metadata.push_str(&format!("Requires-Python: {requires_python}\n"));
    }
    for dependency in &project.dependencies {
        let requirement =
            tw_requirements::pep508::parse_pep508::<pep508_rs::VerbatimUrl>(dependency)
                .map_err(|err| format!("`{dependency}` in `[project] dependencies`: {err}"))?;
        metadata.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    for (extra, dependencies) in &project.optional_dependencies {
        let extra = pep508_rs::ExtraName::from_str(extra)
            .map_err(|err| format!("extra `{extra}`: {err}"))?;
        metadata.push_str(&format!("Provides-Extra: {extra}\n"));
        let marker = pep508_rs::MarkerTree::from_str(&format!("extra == '{extra}'"))
            .map_err(|err| err.to_string())?;
        for dependency in dependencies {
            let mut requirement =
                tw_requirements::pep508::parse_pep508::<pep508_rs::VerbatimUrl>(dependency)
                    .map_err(|err| format!("`{dependency}` in extra `{extra}`: {err}"))?;
            requirement.marker.and(marker.clone());
            metadata.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
    }
    Ok(Some(metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_metadata_from_project_table() {
        let text = "[project]\nname = \"App\"\nversion = \"1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"lib>=1 ; python_version >= '3.8'\"]\n[project.optional-dependencies]\ntest = [\"pytest\", \"cov ; sys_platform == 'linux'\"]\n";
        let metadata = static_metadata(text).unwrap().unwrap();
        let parsed = DistMetadata::parse(metadata.as_bytes(), "app").unwrap();
        assert_eq!(parsed.name.as_ref(), "app");
        assert_eq!(parsed.requires_dist.len(), 3);
        assert_eq!(parsed.provides_extra.len(), 1);
        assert_eq!(
            parsed.requires_dist[2].to_string(),
            "cov ; sys_platform == 'linux' and extra == 'test'"
        );
        // Dynamic dependencies (or no [project] table) need a build.
        assert!(
            static_metadata(
                "[project]\nname = \"a\"\nversion = \"1\"\ndynamic = [\"dependencies\"]\n"
            )
            .unwrap()
            .is_none()
        );
        assert!(
            static_metadata("[build-system]\nrequires = []\n")
                .unwrap()
                .is_none()
        );
    }
}
