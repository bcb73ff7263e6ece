//! `tailwheel resolve`: requirements in, lock file out.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use jiff::Timestamp;
use pep508_rs::{ExtraName, PackageName};
use sha2::{Digest, Sha256};
use tracing::{debug, info};
use url::Url;

use tw_index::{DistFilename, Index, IndexCacheOptions};
use tw_lock::{Lock, LockFormat, LockedFile, LockedPackage, RequirementsTxtOptions, Via};
use tw_metadata::{MetadataFetcher, MetadataOptions, ProbeMode};
use tw_platform::Target;
use tw_requirements::{
    ExtrasSelection, GroupName, GroupsSelection, PyprojectSelection, RequirementEntry,
    RequirementsSet,
};
use tw_resolver::{
    Manifest, PackageSelection, PrereleaseMode, Requirer, Resolution, ResolutionMode,
    ResolverOptions, RootRequirement,
};

use crate::args::ResolveArgs;
use crate::environment::Environment;
use crate::failure::Failure;
use crate::printer::Printer;

/// The extras and dependency groups of a `pyproject.toml` that `--extra`, `--all-extras`,
/// `--group` and `--all-groups` select.
fn pyproject_selection(args: &ResolveArgs) -> Result<PyprojectSelection, Failure> {
    let extras = if args.all_extras {
        ExtrasSelection::All
    } else if args.extras.is_empty() {
        ExtrasSelection::None
    } else {
        let names = args
            .extras
            .iter()
            .map(|e| {
                ExtraName::from_str(e)
                    .map_err(|err| Failure::input(anyhow!("invalid extra name `{e}`: {err}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        ExtrasSelection::Some(names)
    };
    let groups = if args.all_groups {
        GroupsSelection::All
    } else if args.groups.is_empty() {
        GroupsSelection::None
    } else {
        let names = args
            .groups
            .iter()
            .map(|g| {
                GroupName::from_str(g).map_err(|err| {
                    Failure::input(anyhow!("invalid dependency group name `{g}`: {err}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        GroupsSelection::Some(names)
    };
    Ok(PyprojectSelection { extras, groups })
}

/// Run the command; the result is the process exit status.
pub(crate) async fn run(
    args: &ResolveArgs,
    env: &Environment,
    printer: &Printer,
    argv: &[String],
) -> Result<(), Failure> {
    let started = Instant::now();
    let lookup = |name: &str| env.var(name);
    let extras = pyproject_selection(args)?;
    let mut set = RequirementsSet::default();
    for file in &args.files {
        set.extend(tw_requirements::read_source(file, &extras, &lookup).map_err(Failure::input)?);
    }
    for file in &args.constraints {
        set.extend(tw_requirements::read_constraints_txt(file, &lookup).map_err(Failure::input)?);
    }
    let mut overrides = Vec::new();
    for file in &args.overrides {
        let read = tw_requirements::read_requirements_txt(file, &lookup).map_err(Failure::input)?;
        overrides.extend(read.requirements.into_iter().map(|entry| entry.requirement));
    }
    if let Some(entry) = set
        .requirements
        .iter()
        .chain(&set.constraints)
        .find(|entry| {
            matches!(
                entry.requirement.version_or_url,
                Some(pep508_rs::VersionOrUrl::Url(_))
            )
        })
    {
        return Err(Failure::input(anyhow!(
            "`{}`: direct URL requirements (`{} @ URL`) are not supported yet; pin a version from the index instead",
            entry.origin,
            entry.requirement.name
        )));
    }
    for warning in &set.warnings {
        printer.warn(warning);
    }

    let cache = cache_dir(args.cache_dir.as_deref(), args.no_cache, env);
    let (target, interpreter_index) = crate::settings::target(&args.target, env, cache.as_deref())?;
    info!(python = %target.python_full_version, platform = %target.platform, "target");
    let locations = crate::settings::index_locations(
        &args.index,
        args.target.python.as_deref(),
        env,
        &set.index,
        interpreter_index,
        cache.as_deref(),
    )?;
    let mut options = resolver_options(args, &set)?;
    // Issue 15: a tuning knob for benchmark sweeps of the speculation limits (not a user
    // setting; `bench/compare` clears `TAILWHEEL_*`, so its runs use the defaults).
    if let Some(value) = env.var("TAILWHEEL_SPECULATION") {
        options.speculation = value
            .parse()
            .map_err(|err: String| Failure::input(anyhow!("`TAILWHEEL_SPECULATION`: {err}")))?;
    }

    let client = crate::settings::client_builder(env, Some(&locations))?
        .concurrency(args.concurrency)
        .offline(args.offline)
        .build()
        .map_err(Failure::network)?;
    let index = Arc::new(
        Index::new(client.clone(), locations)
            .with_cache(IndexCacheOptions {
                cache_dir: cache.clone(),
                refresh: args.refresh,
                offline: args.offline,
                exclude_newer: options.exclude_newer,
            })
            .with_exclude_newer(options.exclude_newer),
    );
    let configured_indexes = index.locations().indexes.clone();
    let metadata_options = MetadataOptions {
        cache_dir: cache.clone(),
        lazy_wheel: !(args.no_lazy_wheel || env.no_lazy_wheel),
        probe_pep658: ProbeMode::from_str(&args.probe_metadata)
            .map_err(|e| Failure::input(anyhow!(e)))?,
    };
    let fetcher = Arc::new(MetadataFetcher::with_options(
        client.clone(),
        metadata_options,
    ));

    let format = match &args.format {
        Some(format) => LockFormat::from_str(format).map_err(Failure::input)?,
        None => args
            .output
            .as_deref()
            .map_or(LockFormat::RequirementsTxt, LockFormat::from_path),
    };
    let mut options = options;
    // `-P NAME` frees one package from the existing pins; `-P NAME==VERSION` (any PEP 508
    // requirement) also constrains it, as pip-compile does.
    let mut upgrade_constraints = Vec::new();
    let mut upgrade: Vec<PackageName> = Vec::new();
    for value in &args.upgrade_package {
        let requirement = tw_requirements::pep508::parse_pep508::<pep508_rs::VerbatimUrl>(value)
            .map_err(|err| Failure::input(anyhow!("invalid `--upgrade-package {value}`: {err}")))?;
        upgrade.push(requirement.name.clone());
        if requirement.version_or_url.is_some() {
            upgrade_constraints.push(requirement);
        }
    }
    if let Some(output) = &args.output
        && !args.upgrade
    {
        let pins = tw_lock::read_pins(output).map_err(Failure::input)?;
        options.preferences = pins
            .into_iter()
            .filter(|(name, _)| !upgrade.contains(name))
            .collect();
        debug!(
            pins = options.preferences.len(),
            "keeping pins of the existing output"
        );
    }

    let manifest = Manifest {
        requirements: set.requirements.iter().map(root_requirement).collect(),
        constraints: set
            .constraints
            .iter()
            .map(|entry| entry.requirement.clone())
            .chain(upgrade_constraints)
            .collect(),
        overrides,
    };
    let progress = printer.spinner("Resolving");
    let ticker = progress.clone().map(|bar| {
        let client = client.clone();
        tokio::spawn(async move {
            loop {
                let stats = client.stats();
                bar.set_message(format!(
                    "Resolving: {} requests, {} KiB",
                    stats.requests,
                    stats.bytes / 1024
                ));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let builder = crate::build::builder(
        &args.target,
        env,
        &target,
        &index,
        &fetcher,
        cache.clone(),
        &options,
    )?;
    options.builder = builder
        .clone()
        .map(|builder| builder as Arc<dyn tw_resolver::MetadataBuilder>);
    let result = tw_resolver::resolve(
        manifest,
        Arc::clone(&index),
        Arc::clone(&fetcher),
        target.clone(),
        options,
    )
    .await;
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let resolution = result.map_err(|err| {
        if err.is_no_solution() {
            Failure::no_solution(err)
        } else {
            Failure::network(err)
        }
    })?;

    let lock = build_lock(&resolution, &target, &configured_indexes);
    let contents = match format {
        LockFormat::Pylock => tw_lock::to_pylock_toml(&lock),
        LockFormat::RequirementsTxt => {
            let header = (!args.no_header).then(|| header(argv));
            let options = RequirementsTxtOptions {
                generate_hashes: args.generate_hashes,
                annotate: !args.no_annotate,
                header,
                index_url: None,
            };
            tw_lock::to_requirements_txt(&lock, &options)
        }
    };
    match &args.output {
        Some(path) => tw_lock::write_atomic(path, &contents).map_err(Failure::io)?,
        None => printer
            .stdout(&contents)
            .map_err(|err| Failure::io(anyhow!(err).context("cannot write the lock to stdout")))?,
    }
    let elapsed = started.elapsed();
    let count = resolution.packages.len();
    let noun = if count == 1 { "package" } else { "packages" };
    printer.info(&format!(
        "Resolved {count} {noun} in {:.2}s",
        elapsed.as_secs_f64()
    ));
    if args.stats {
        let stats = client.stats();
        let pages = index.page_stats();
        printer.always(&format!(
            "stats: {} requests, {} bytes, {:.3}s; pages: {} cached, {} revalidated, {} fetched",
            stats.requests,
            stats.bytes,
            elapsed.as_secs_f64(),
            pages.cached,
            pages.revalidated,
            pages.fetched
        ));
        for (strategy, cost) in fetcher.stats() {
            printer.always(&format!(
                "stats: metadata via {strategy}: {} files, {} requests, {} round trips, {} bytes",
                cost.files, cost.requests, cost.round_trips, cost.bytes
            ));
        }
        let solved = resolution.stats;
        printer.always(&format!(
            "stats: solver: {} decisions ({} repeated after a rejection or backtrack, {} restarts)",
            solved.decisions, solved.repeated_decisions, solved.restarts
        ));
        printer.always(&format!(
            "stats: fetches: {} by the solver, {} speculative ({} walk-back batch); speculative: {} used, {} unused, {} cancelled before sending",
            solved.solver_fetches,
            solved.speculative_fetches,
            solved.batch_fetches,
            solved.speculative_used,
            solved.speculative_unused(),
            solved.cancelled
        ));
        if let Some(builder) = &builder {
            let built = builder.stats();
            printer.always(&format!(
                "stats: builds: {} run, {} environments installed, {} bytes downloaded",
                built.built, built.environments, built.bytes
            ));
        }
    }
    if let Some(dest) = &args.download {
        // Same process, same client: connections and DNS answers are reused.
        let requests = crate::commands::download::from_resolution(&resolution)?;
        let options = tw_download::DownloadOptions {
            dest: dest.clone(),
            concurrency: args.concurrency.clamp(1, 16),
            retries: 3,
            cache_dir: cache,
        };
        let downloaded =
            crate::commands::download::fetch(&client, requests, &options, printer).await?;
        crate::commands::download::verify_metadata(
            &resolution,
            &downloaded,
            args.allow_metadata_mismatch,
            *printer,
        )?;
    }
    Ok(())
}

/// The cache directory: `--cache-dir`, else the default, none with `--no-cache`.
pub(crate) fn cache_dir(flag: Option<&Path>, no_cache: bool, env: &Environment) -> Option<PathBuf> {
    if no_cache {
        return None;
    }
    flag.map(Path::to_path_buf)
        .or_else(|| env.default_cache_dir())
}

fn root_requirement(entry: &RequirementEntry) -> RootRequirement {
    let path = &entry.origin.path;
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.clone());
    let source = if shown.file_name().is_some_and(|f| f == "pyproject.toml") {
        shown.display().to_string()
    } else {
        format!("-r {}", shown.display())
    };
    RootRequirement {
        requirement: entry.requirement.clone(),
        source,
    }
}

fn resolver_options(args: &ResolveArgs, set: &RequirementsSet) -> Result<ResolverOptions, Failure> {
    let mut prerelease =
        PrereleaseMode::from_str(&args.prerelease).map_err(|e| Failure::input(anyhow!(e)))?;
    if args.pre || set.index.pre {
        prerelease = PrereleaseMode::Allow;
    }
    let resolution =
        ResolutionMode::from_str(&args.resolution).map_err(|e| Failure::input(anyhow!(e)))?;
    let exclude_newer = args
        .exclude_newer
        .as_deref()
        .map(parse_exclude_newer)
        .transpose()
        .map_err(Failure::input)?;
    let mut only_binary = PackageSelection::None;
    for value in &args.only_binary {
        only_binary
            .apply(value)
            .map_err(|e| Failure::input(anyhow!("`--only-binary {value}`: {e}")))?;
    }
    let mut no_binary = PackageSelection::None;
    for value in &args.no_binary {
        no_binary
            .apply(value)
            .map_err(|e| Failure::input(anyhow!("`--no-binary {value}`: {e}")))?;
    }
    Ok(ResolverOptions {
        prerelease,
        resolution,
        exclude_newer,
        only_binary,
        allowed_hashes: allowed_hashes(set)?,
        no_build: args.no_build,
        builder: None,
        no_binary,
        preferences: Vec::new(),
        concurrency: args.concurrency,
        speculation: tw_resolver::SpeculationOptions::default(),
    })
}

/// The `--hash` values of the input, per package: sha256 digests only, as indexes publish
/// them (pip also accepts sha384/sha512, which no file here could be checked against).
fn allowed_hashes(
    set: &RequirementsSet,
) -> Result<std::collections::BTreeMap<PackageName, Vec<String>>, Failure> {
    let mut allowed = std::collections::BTreeMap::<PackageName, Vec<String>>::default();
    for entry in set.requirements.iter().chain(&set.constraints) {
        for hash in &entry.hashes {
            let Some(digest) = hash.strip_prefix("sha256:") else {
                return Err(Failure::input(anyhow!(
                    "`{}`: `--hash={hash}` for `{}`: only sha256 hashes can be checked against the index",
                    entry.origin,
                    entry.requirement.name
                )));
            };
            allowed
                .entry(entry.requirement.name.clone())
                .or_default()
                .push(digest.to_ascii_lowercase());
        }
    }
    Ok(allowed)
}

fn parse_exclude_newer(value: &str) -> anyhow::Result<Timestamp> {
    if let Ok(timestamp) = Timestamp::from_str(value) {
        return Ok(timestamp);
    }
    let date = jiff::civil::Date::from_str(value)
        .with_context(|| format!("invalid `--exclude-newer` value `{value}`: expected a date (2026-10-01) or an RFC 3339 instant (2026-10-01T00:00:00Z)"))?;
    Ok(date.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp())
}

fn header(argv: &[String]) -> String {
    let mut words = vec!["tailwheel".to_string()];
    words.extend(
        argv.iter()
            .skip(1)
            .map(|word| crate::settings::redact_word(word)),
    );
    words.join(" ")
}

/// An index URL without credentials, for lock files.
fn without_credentials(url: &Url) -> Url {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

fn locked_file(file: &tw_index::IndexFile) -> LockedFile {
    LockedFile {
        filename: file.filename.clone(),
        url: file.url.clone(),
        size: file.size,
        upload_time: file.upload_time,
        sha256: locked_file_hash(file),
    }
}

fn build_lock(resolution: &Resolution, target: &Target, indexes: &[Url]) -> Lock {
    let packages = resolution
        .packages
        .iter()
        .map(|package| {
            let mut wheels = Vec::new();
            let mut sdist = None;
            for file in &package.files {
                match &file.dist {
                    DistFilename::Wheel(wheel) => {
                        let (python, abi, platform) =
                            (wheel.python(), wheel.abi(), wheel.platform());
                        if target.tags.best_rank(&python, &abi, &platform).is_some()
                            && !file.is_yanked()
                            || Arc::ptr_eq(file, &package.chosen)
                        {
                            wheels.push(locked_file(file));
                        }
                    }
                    DistFilename::Sdist(_) => {
                        if sdist.is_none()
                            && (!file.is_yanked() || Arc::ptr_eq(file, &package.chosen))
                        {
                            sdist = Some(locked_file(file));
                        }
                    }
                }
            }
            let hashes = {
                let mut hashes: Vec<String> = package
                    .files
                    .iter()
                    .filter_map(|file| locked_file_hash(file))
                    .chain(
                        package
                            .other_wheels
                            .iter()
                            .filter_map(|wheel| wheel.sha256.clone()),
                    )
                    .map(|hash| format!("sha256:{hash}"))
                    .collect();
                hashes.sort();
                hashes.dedup();
                hashes
            };
            let via = package
                .required_by
                .iter()
                .map(|requirer| match requirer {
                    Requirer::Source(source) => Via::Source(source.clone()),
                    Requirer::Package(name) => Via::Package(name.clone()),
                })
                .collect();
            let index = indexes
                .iter()
                .find(|index| **index == *package.chosen.source)
                .map(without_credentials);
            LockedPackage {
                name: package.name.clone(),
                version: package.version.clone(),
                index,
                requires_python: package.requires_python.as_ref().map(ToString::to_string),
                dependencies: package.dependencies.clone(),
                via,
                wheels,
                sdist,
                hashes,
            }
        })
        .collect();
    let python = target.python_minor_version();
    Lock {
        requires_python: Some(format!(">={python}")),
        environments: vec![target.environment_marker()],
        packages,
    }
}

/// The sha256 of a file: the index's, or for a local find-links file (which carries none)
/// computed from the file itself (cheap, no network).
pub(crate) fn locked_file_hash(file: &tw_index::IndexFile) -> Option<String> {
    file.sha256.clone().or_else(|| {
        let path = file.url.to_file_path().ok()?;
        let bytes = fs_err::read(path).ok()?;
        Some(hex::encode(Sha256::digest(bytes)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_hidden() {
        assert_eq!(
            crate::settings::redact_word("--index-url=https://u:p@h.example.invalid/simple"),
            "--index-url=https://****@h.example.invalid/simple"
        );
        assert_eq!(
            crate::settings::redact_word("https://h.example.invalid/a@b"),
            "https://h.example.invalid/a@b"
        );
        assert_eq!(
            crate::settings::redact_word("requirements.in"),
            "requirements.in"
        );
        let url = Url::parse("https://u:p@h.example.invalid/simple/").unwrap();
        assert_eq!(
            without_credentials(&url).as_str(),
            "https://h.example.invalid/simple/"
        );
    }
}
