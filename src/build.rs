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

/// The interpreter that may run build backends: the target interpreter itself, which exists
/// only when the target was not described by `--python-version`/`--python-platform`.
fn build_python(args: &TargetArgs, env: &Environment) -> Option<PathBuf> {
    if args.python_version.is_some() || args.python_platform.is_some() {
        return None;
    }
    args.python
        .clone()
        .or_else(|| tw_platform::find_python(env.path.as_deref()))
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
    let Some(python) = build_python(args, env) else {
        return Ok(None);
    };
    let options = BuildOptions {
        python,
        target: target.clone(),
        cache_dir,
        timeout: timeout(env)?,
        resolver: resolver.clone(),
        limits: Limits::default(),
    };
    let builder = Builder::new(Arc::clone(index), Arc::clone(metadata), options)
        .map_err(|err| Failure::input(anyhow!(err)))?;
    Ok(Some(Arc::new(builder)))
}
