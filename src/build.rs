//! Wiring PEP 517 builds into `tailwheel resolve`: which interpreter runs backends, and the
//! [`tw_build::Builder`] the resolver calls for sdists whose `PKG-INFO` is not enough.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use tw_build::{BuildOptions, Builder, Limits};
use tw_index::Index;
use tw_metadata::MetadataFetcher;
use tw_platform::Target;
use tw_resolver::ResolverOptions;

use crate::args::TargetArgs;
use crate::environment::Environment;
use crate::failure::Failure;

/// The interpreter that runs build backends, and whether it is only a fallback.
///
/// Without `--python-version`/`--python-platform` it is the target interpreter (`--python`,
/// else `python3` on `PATH`). With them (issue 14): `--python` when given, else
/// `python3.X` on `PATH` for the target's major.minor, else `python3` on `PATH` as a
/// fallback (the builder warns once if its version differs). `None`: no interpreter at all.
fn build_python(args: &TargetArgs, env: &Environment, target: &Target) -> Option<(PathBuf, bool)> {
    let path = env.path.as_deref();
    if let Some(python) = &args.python {
        return Some((python.clone(), false));
    }
    if args.python_version.is_none() && args.python_platform.is_none() {
        return tw_platform::find_python(path).map(|python| (python, false));
    }
    let release = target.python_full_version.release();
    let (major, minor) = (
        release.first().copied().unwrap_or(3),
        release.get(1).copied().unwrap_or(0),
    );
    if let Some(python) = tw_platform::find_python_version(path, major, minor) {
        return Some((python, false));
    }
    tw_platform::find_python(path).map(|python| (python, true))
}

/// `TAILWHEEL_BUILD_TIMEOUT` in seconds, else [`tw_build::DEFAULT_TIMEOUT`].
fn timeout(env: &Environment) -> Result<Duration, Failure> {
    match env
        .vars
        .iter()
        .find(|(key, _)| key == "TAILWHEEL_BUILD_TIMEOUT")
    {
        None => Ok(tw_build::DEFAULT_TIMEOUT),
        Some((_, value)) => value
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| {
                Failure::input(anyhow!(
                    "`TAILWHEEL_BUILD_TIMEOUT={value}`: expected a whole number of seconds"
                ))
            }),
    }
}

/// The builder for this run, or `None` with `--no-build` or without an interpreter (the
/// resolver then says why an sdist that needs a build cannot be used).
pub(crate) fn builder(
    args: &TargetArgs,
    env: &Environment,
    target: &Target,
    index: &Arc<Index>,
    metadata: &Arc<MetadataFetcher>,
    cache_dir: Option<PathBuf>,
    resolver: &ResolverOptions,
) -> Result<Option<Arc<Builder>>, Failure> {
    if resolver.no_build {
        return Ok(None);
    }
    let Some((python, python_is_fallback)) = build_python(args, env, target) else {
        return Ok(None);
    };
    tracing::debug!(python = %python.display(), python_is_fallback, "build interpreter");
    let options = BuildOptions {
        python,
        target: target.clone(),
        cache_dir,
        timeout: timeout(env)?,
        resolver: resolver.clone(),
        limits: Limits::default(),
        interpreter_environment: args.python_version.is_some() || args.python_platform.is_some(),
        python_is_fallback,
    };
    let builder = Builder::new(Arc::clone(index), Arc::clone(metadata), options)
        .map_err(|err| Failure::input(anyhow!(err)))?;
    Ok(Some(Arc::new(builder)))
}
