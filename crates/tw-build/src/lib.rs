//! PEP 517 metadata builds: when an sdist's `PKG-INFO` cannot be trusted (metadata older
//! than 2.2, or `Requires-Dist` declared dynamic), run its build backend to learn its
//! dependencies, the way pip and uv do.
//!
//! For one sdist, [`Builder`]:
//! 1. downloads the sdist, checks its hash and unpacks it without trusting it
//!    ([`extract`]: no path leaves the tree, bounded size and ratio);
//! 2. reads `[build-system]` ([`BuildSystem`], defaulting to `setuptools>=40.8.0` and the
//!    legacy setuptools backend);
//! 3. resolves the build requirements with tailwheel's own resolver for the target
//!    interpreter (wheels only: build requirements are never built themselves), downloads
//!    those wheels and installs them into a private `site-packages` with a minimal installer
//!    (unpack, `.data/purelib|platlib`; no scripts), cached by the exact set of wheels;
//! 4. runs `get_requires_for_build_wheel`, and when that asks for more, builds the
//!    environment again with those requirements added;
//! 5. runs `prepare_metadata_for_build_wheel` (falling back to `build_wheel`) in an isolated
//!    subprocess with a timeout, and reads the produced `METADATA`, which must name the same
//!    distribution and version as the sdist.
//!
//! The produced `METADATA` goes into the metadata cache under the sdist's URL and sha256
//! ([`MetadataFetcher::remember`]), so a later run reads it from there: no request, no build.
//! At most two builds run at once. Backend output is logged at debug level (`-v`); a failure
//! names the sdist and ends with the last lines of the backend's output.

pub mod direct;
mod error;
pub mod extract;
mod hooks;
mod pyproject;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pep440_rs::Version;
use pep508_rs::PackageName;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use tokio::sync::{OnceCell, Semaphore};
use tracing::{debug, info, warn};

use tw_client::Client;
use tw_index::{DistFilename, Index, IndexFile, SdistExtension};
use tw_metadata::{DistMetadata, MetadataFetcher};
use tw_platform::Target;
use tw_resolver::{
    BoxFuture, BuildFailure, Manifest, MetadataBuilder, PackageSelection, ResolutionMode,
    ResolverOptions, RootRequirement,
};

pub use direct::{DirectError, DirectOptions, DirectReader};
pub use error::BuildError;
pub use extract::Limits;
pub use pyproject::{BuildSystem, DEFAULT_BACKEND, DEFAULT_REQUIRES};

/// How long one hook may run unless `TAILWHEEL_BUILD_TIMEOUT` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_mins(10);

/// Builds run at once (each is a Python process that may compile).
const PARALLEL_BUILDS: usize = 2;

/// Settings of a [`Builder`].
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The interpreter that runs the backends (the target interpreter).
    pub python: PathBuf,
    /// Its environment: markers and tags for resolving build requirements.
    pub target: Target,
    /// Where build results and environments are kept between runs; `None`: nowhere.
    pub cache_dir: Option<PathBuf>,
    /// How long one hook may run.
    pub timeout: Duration,
    /// Pre-release policy, `--exclude-newer` and concurrency for build requirements.
    pub resolver: ResolverOptions,
    /// Limits on unpacking sdists and wheels.
    pub limits: Limits,
    /// True when `target` was given by flags rather than asked of `python`: build
    /// requirements are then resolved for `python`'s own environment (asked of it at the
    /// first build), since that interpreter imports them.
    pub interpreter_environment: bool,
    /// True when `python` is a fallback (`python3` on `PATH`) for a target given by
    /// `--python-version`: the first build warns once if it is not the target's
    /// major.minor.
    pub python_is_fallback: bool,
}

/// Counts of one run, for `--stats` and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildStats {
    /// Sdists whose metadata was built (backend hooks ran).
    pub built: u64,
    /// Build environments installed.
    pub environments: u64,
    /// Bytes of sdists and wheels downloaded for builds.
    pub bytes: u64,
}

/// A build environment: a `site-packages` folder and what is installed in it.
#[derive(Debug)]
struct Environment {
    site: PathBuf,
    installed: Vec<(PackageName, Version)>,
}

/// One build environment of a run, made by whoever asks first.
type EnvironmentSlot = Arc<OnceCell<Result<Arc<Environment>, String>>>;

/// Builds sdist metadata through PEP 517 backends; implements the resolver's
/// [`MetadataBuilder`].
#[derive(Debug)]
pub struct Builder {
    index: Arc<Index>,
    metadata: Arc<MetadataFetcher>,
    client: Client,
    options: BuildOptions,
    permits: Semaphore,
    /// Environments of this run, by their sorted requirement list.
    environments: Mutex<FxHashMap<Vec<String>, EnvironmentSlot>>,
    /// Holds environments and source trees when there is no cache directory.
    scratch: tempfile::TempDir,
    stats: Mutex<BuildStats>,
    /// The build interpreter's own environment and `sys.executable`, asked once when the
    /// target came from flags.
    interpreter_target: OnceCell<Result<(Target, PathBuf), String>>,
}

impl Builder {
    /// A builder that fetches through `index` and `metadata` (shared with the main
    /// resolution, so pages and metadata are read once).
    pub fn new(
        index: Arc<Index>,
        metadata: Arc<MetadataFetcher>,
        options: BuildOptions,
    ) -> Result<Self, BuildError> {
        let scratch = tempfile::Builder::new()
            .prefix("tailwheel-build-")
            .tempdir()
            .map_err(|err| BuildError::io("a temporary build folder", err))?;
        Ok(Self {
            client: index.client().clone(),
            index,
            metadata,
            options,
            permits: Semaphore::new(PARALLEL_BUILDS),
            environments: Mutex::new(FxHashMap::default()),
            scratch,
            stats: Mutex::new(BuildStats::default()),
            interpreter_target: OnceCell::new(),
        })
    }

    /// What this builder has done so far.
    pub fn stats(&self) -> BuildStats {
        self.stats.lock().map(|stats| *stats).unwrap_or_default()
    }

    fn count(&self, update: impl FnOnce(&mut BuildStats)) {
        if let Ok(mut stats) = self.stats.lock() {
            update(&mut stats);
        }
    }

    /// The environment build requirements are resolved for: the target's, unless the
    /// target was given by flags (`BuildOptions::interpreter_environment`); then the build
    /// interpreter's own, asked of it once (the wheels installed for a build are imported by
    /// that interpreter, so a macOS or Python 3.9 target must not choose them). Warns once
    /// when a fallback interpreter is another Python than the target's: the build still runs
    /// (most `setup.py` files give the same dependencies on any Python 3), but the user should
    /// know which interpreter answered.
    async fn environment_target(&self, subject: &str) -> Result<(Target, PathBuf), BuildError> {
        if !self.options.interpreter_environment {
            return Ok((self.options.target.clone(), self.options.python.clone()));
        }
        self.interpreter_target
            .get_or_init(|| async {
                let python = self.options.python.clone();
                let cache = self.options.cache_dir.clone();
                let found = tokio::task::spawn_blocking(move || {
                    tw_platform::query_interpreter_cached(&python, cache.as_deref())
                })
                .await
                .map_err(|err| err.to_string())?
                .map_err(|err| err.to_string())?;
                let wanted = &self.options.target.python_full_version;
                let wanted_release = wanted.release();
                let have = &found.target.python_full_version;
                if self.options.python_is_fallback
                    && have.release().get(..2) != wanted_release.get(..2)
                {
                    warn!(
                        "building source distributions with `{}` (Python {have}) for a Python {wanted} target: no `python{}.{}` on `PATH`; pass `--python` with `--python-version` to choose the build interpreter",
                        self.options.python.display(),
                        wanted_release.first().copied().unwrap_or(3),
                        wanted_release.get(1).copied().unwrap_or(0),
                    );
                }
                debug!(
                    python = %self.options.python.display(),
                    platform = %found.target.platform,
                    "build requirements are resolved for the build interpreter"
                );
                // Hooks run `sys.executable` itself: a version manager's shim (pyenv's
                // `python3.11` is a shell script) costs a fraction of a second per hook.
                Ok((found.target, found.executable))
            })
            .await
            .clone()
            .map_err(|reason| BuildError::Invalid {
                subject: subject.to_string(),
                reason: format!(
                    "cannot ask the build interpreter `{}` for its environment: {reason}",
                    self.options.python.display()
                ),
            })
    }

    /// The metadata of `file`, an sdist: from the cache, else by running its backend.
    pub async fn build(&self, file: &IndexFile) -> Result<DistMetadata, BuildError> {
        let subject = file.filename.as_str();
        // Asked before a permit is taken: a first build may wait on the interpreter query.
        self.environment_target(subject).await?;
        let _permit = self.permits.acquire().await.ok();
        info!(sdist = subject, "building metadata");
        let work = tempfile::Builder::new()
            .prefix("sdist-")
            .tempdir_in(self.scratch.path())
            .map_err(|err| BuildError::io(subject, err))?;
        let archive = self.download(file).await?;
        let unpacked = work.path().join("src");
        let extension = match &file.dist {
            DistFilename::Sdist(sdist) => sdist.extension,
            DistFilename::Wheel(_) => {
                return Err(BuildError::invalid(subject, "a wheel needs no build"));
            }
        };
        let limits = self.options.limits;
        let target = unpacked.clone();
        let name = subject.to_string();
        tokio::task::spawn_blocking(move || match extension {
            SdistExtension::Zip => extract::unpack_zip(&archive, &target, &name, limits),
            SdistExtension::TarGz => extract::unpack_tar_gz(&archive, &target, &name, limits),
            SdistExtension::OtherTar => Err(BuildError::invalid(
                &name,
                "only .tar.gz and .zip source distributions can be built",
            )),
        })
        .await
        .map_err(|err| BuildError::invalid(subject, err.to_string()))??;
        let source = extract::source_root(&unpacked).map_err(|err| BuildError::io(subject, err))?;
        let bytes = self
            .tree_metadata(&source, work.path(), subject, false)
            .await?;
        let metadata = check(&bytes, file)?;
        self.count(|stats| stats.built += 1);
        self.metadata.remember(file, &bytes).await;
        Ok(metadata)
    }

    /// The `METADATA` of a local source tree (a project directory or a git checkout), from
    /// its backend's `prepare_metadata_for_build_wheel`, or with `editable` its PEP 660
    /// `prepare_metadata_for_build_editable`. The tree is built in place, as pip and uv build
    /// local projects. Not cached here: the caller keys results by the tree's content.
    pub async fn build_tree(
        &self,
        source: &std::path::Path,
        subject: &str,
        editable: bool,
    ) -> Result<Vec<u8>, BuildError> {
        self.environment_target(subject).await?;
        let _permit = self.permits.acquire().await.ok();
        info!(project = subject, editable, "building metadata");
        let work = tempfile::Builder::new()
            .prefix("tree-")
            .tempdir_in(self.scratch.path())
            .map_err(|err| BuildError::io(subject, err))?;
        let bytes = self
            .tree_metadata(source, work.path(), subject, editable)
            .await?;
        self.count(|stats| stats.built += 1);
        Ok(bytes)
    }

    /// The `METADATA` a source tree's backend prepares (`editable`: through the PEP 660
    /// hooks), in the build environment its `[build-system]` asks for. `work` holds the
    /// hook's files. The caller holds a build permit.
    async fn tree_metadata(
        &self,
        source: &std::path::Path,
        work: &std::path::Path,
        subject: &str,
        editable: bool,
    ) -> Result<Vec<u8>, BuildError> {
        let (environment_target, python) = self.environment_target(subject).await?;
        let system = BuildSystem::read(source, subject)?;
        let first = self
            .environment(&system.requires, subject, &environment_target)
            .await?;
        let installed: Vec<String> = first
            .installed
            .iter()
            .map(|(name, _)| name.to_string())
            .collect();
        let mut hook = hooks::Hook {
            python: &python,
            source,
            site: first.site.as_path(),
            work,
            system: &system,
            installed: &installed,
            timeout: self.options.timeout,
            subject,
        };
        // One process when the backend asks for nothing the environment lacks (the usual
        // case); otherwise a second environment and a second process.
        let first_answer = hook
            .run(&hook_name("get_requires_then_metadata", editable))
            .await?;
        let second;
        let result = if first_answer.metadata.is_some() {
            first_answer
        } else {
            let extra = first_answer.requires;
            if !extra.is_empty() && !satisfied(&extra, &first.installed, &environment_target) {
                let mut requires = system.requires.clone();
                requires.extend(extra);
                second = self
                    .environment(&requires, subject, &environment_target)
                    .await?;
                hook.site = second.site.as_path();
            }
            hook.installed = &[];
            hook.run(&hook_name("prepare_metadata_for_build_wheel", editable))
                .await?
        };
        let path = result.metadata.ok_or_else(|| BuildError::Hook {
            subject: subject.to_string(),
            hook: "prepare_metadata_for_build_wheel".into(),
            backend: system.backend.clone(),
            reason: "it named no metadata file".into(),
        })?;
        fs_err::read(&path).map_err(|err| BuildError::io(subject, err))
    }

    /// Download a file whole, as stored (`Accept-Encoding: identity`, never content-decoded),
    /// and check its hash.
    async fn download(&self, file: &IndexFile) -> Result<Vec<u8>, BuildError> {
        let fetch_error = |reason: String| BuildError::Fetch {
            subject: file.filename.clone(),
            reason,
        };
        let response = self
            .client
            .get_artifact(&file.url)
            .await
            .and_then(tw_client::Response::error_for_status)
            .map_err(|err| fetch_error(err.to_string()))?;
        if file.url.scheme() != "file" {
            self.count(|stats| stats.bytes += response.body.len() as u64);
        }
        if let Some(expected) = &file.sha256 {
            tw_metadata::verify(&response.body, expected, &file.filename)
                .map_err(|err| fetch_error(err.to_string()))?;
        }
        Ok(response.body.to_vec())
    }

    /// The build environment for `requires`, made once per run (and once per cache).
    async fn environment(
        &self,
        requires: &[String],
        subject: &str,
        target: &Target,
    ) -> Result<Arc<Environment>, BuildError> {
        let mut key = requires.to_vec();
        key.sort();
        let cell = match self.environments.lock() {
            Ok(mut environments) => Arc::clone(environments.entry(key).or_default()),
            Err(_) => Arc::new(OnceCell::new()),
        };
        cell.get_or_init(|| async {
            self.make_environment(requires, subject, target)
                .await
                .map(Arc::new)
                .map_err(|err| err.to_string())
        })
        .await
        .clone()
        .map_err(|reason| BuildError::Invalid {
            subject: subject.to_string(),
            reason: format!("no build environment: {reason}"),
        })
    }

    async fn make_environment(
        &self,
        requires: &[String],
        subject: &str,
        target: &Target,
    ) -> Result<Environment, BuildError> {
        let requirements_error = |reason: String| BuildError::Requirements {
            subject: subject.to_string(),
            requires: requires.join(", "),
            reason,
        };
        let mut requirements = Vec::new();
        for text in requires {
            let requirement = tw_requirements::pep508::parse_pep508(text)
                .map_err(|err| requirements_error(format!("`{text}`: {err}")))?;
            requirements.push(RootRequirement {
                requirement,
                source: format!("build-system.requires of {subject}"),
            });
        }
        // Build requirements take their highest versions whatever `--resolution` says (as
        // pip and uv do): the lowest `setuptools>=40.8.0` cannot build today's sdists. The
        // rest (`--exclude-newer`, pre-releases, indexes) is the main resolution's.
        let options = ResolverOptions {
            resolution: ResolutionMode::Highest,
            only_binary: PackageSelection::All,
            no_build: true,
            builder: None,
            preferences: Vec::new(),
            ..self.options.resolver.clone()
        };
        let resolution = tw_resolver::resolve(
            Manifest {
                requirements,
                constraints: Vec::new(),
                overrides: Vec::new(),
                direct: tw_resolver::DirectPackages::default(),
            },
            Arc::clone(&self.index),
            Arc::clone(&self.metadata),
            target.clone(),
            options,
        )
        .await
        .map_err(|err| requirements_error(err.to_string()))?;
        let mut wheels: Vec<Arc<IndexFile>> = resolution
            .packages
            .iter()
            .map(|package| Arc::clone(&package.chosen))
            .collect();
        wheels.sort_by(|a, b| a.filename.cmp(&b.filename));
        let installed = resolution
            .packages
            .iter()
            .map(|package| (package.name.clone(), package.version.clone()))
            .collect();
        let mut identity = Sha256::new();
        identity.update(self.options.python.to_string_lossy().as_bytes());
        for wheel in &wheels {
            identity.update(format!(
                "\n{} {}",
                wheel.filename,
                wheel.sha256.as_deref().unwrap_or(wheel.url.as_str())
            ));
        }
        let key = hex::encode(identity.finalize());
        let root = match &self.options.cache_dir {
            Some(cache) => cache.join("build-envs-v1"),
            None => self.scratch.path().join("envs"),
        };
        let site = root.join(&key[..16]).join("site");
        if site.is_dir() {
            debug!(site = %site.display(), "reusing a build environment");
            return Ok(Environment { site, installed });
        }
        let bodies =
            futures::future::try_join_all(wheels.iter().map(|wheel| self.download(wheel))).await?;
        fs_err::create_dir_all(&root).map_err(|err| BuildError::io(subject, err))?;
        let staging = tempfile::Builder::new()
            .prefix(".env-")
            .tempdir_in(&root)
            .map_err(|err| BuildError::io(subject, err))?;
        let staged_site = staging.path().join("site");
        let limits = self.options.limits;
        let names: Vec<String> = wheels.iter().map(|wheel| wheel.filename.clone()).collect();
        let target = staged_site.clone();
        tokio::task::spawn_blocking(move || {
            for (body, name) in bodies.iter().zip(&names) {
                extract::install_wheel(body, &target, name, limits)?;
            }
            Ok::<(), BuildError>(())
        })
        .await
        .map_err(|err| BuildError::invalid(subject, err.to_string()))??;
        let final_dir = root.join(&key[..16]);
        let staged = staging.keep();
        if let Err(err) = fs_err::rename(&staged, &final_dir) {
            // Another process finished the same environment first: use theirs.
            let _ = fs_err::remove_dir_all(&staged);
            if !site.is_dir() {
                return Err(BuildError::io(subject, err));
            }
        }
        self.count(|stats| stats.environments += 1);
        info!(packages = wheels.len(), site = %site.display(), "installed a build environment");
        Ok(Environment { site, installed })
    }
}

/// The hook name for the runner: `_editable` asks for the PEP 660 variants.
fn hook_name(hook: &str, editable: bool) -> String {
    if editable {
        format!("{hook}_editable")
    } else {
        hook.to_string()
    }
}

/// Parse built METADATA and check it is the sdist's distribution and version.
fn check(bytes: &[u8], file: &IndexFile) -> Result<DistMetadata, BuildError> {
    let metadata = DistMetadata::parse(bytes, &file.filename)
        .map_err(|err| BuildError::invalid(&file.filename, err.to_string()))?;
    metadata
        .check_identity(file.dist.name(), file.dist.version(), &file.filename)
        .map_err(|err| BuildError::invalid(&file.filename, err.to_string()))?;
    Ok(metadata)
}

/// Whether every requirement in `extra` is met by `installed` (or its marker excludes it).
fn satisfied(extra: &[String], installed: &[(PackageName, Version)], target: &Target) -> bool {
    extra.iter().all(|text| {
        let Ok(requirement) = tw_requirements::pep508::parse_pep508::<url::Url>(text) else {
            return false;
        };
        if !requirement.marker.evaluate(&target.markers, &[]) {
            return true;
        }
        installed.iter().any(|(name, version)| {
            *name == requirement.name
                && match &requirement.version_or_url {
                    None => true,
                    Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => {
                        specifiers.contains(version)
                    }
                    Some(pep508_rs::VersionOrUrl::Url(_)) => false,
                }
        })
    })
}

impl MetadataBuilder for Builder {
    fn build_metadata<'a>(
        &'a self,
        file: &'a IndexFile,
    ) -> BoxFuture<'a, Result<DistMetadata, BuildFailure>> {
        Box::pin(async move {
            self.build(file).await.map_err(|err| BuildFailure {
                message: err.to_string(),
            })
        })
    }
}
