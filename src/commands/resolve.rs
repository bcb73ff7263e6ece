//! `tailwheel resolve`: requirements in, lock file out.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use jiff::Timestamp;
use pep508_rs::{ExtraName, PackageName};
use tracing::{debug, info};
use url::Url;

use tw_index::{Index, IndexCacheOptions};
use tw_lock::{AnnotationStyle, Lock, LockFormat, RequirementsTxtOptions};
use tw_metadata::{MetadataFetcher, MetadataOptions, ProbeMode};
use tw_platform::Target;
use tw_requirements::{
    ExtrasSelection, GroupName, GroupsSelection, PyprojectSelection, RequirementEntry,
    RequirementsSet,
};
use tw_resolver::{
    Manifest, PackageSelection, PrereleaseMode, Resolution, ResolutionMode, ResolverOptions,
    RootRequirement,
};

use crate::args::{AnnotationStyleArg, ResolveArgs};
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
        ExtrasSelection::Some(parse_names::<ExtraName>(&args.extras, "extra name")?)
    };
    let groups = if args.all_groups {
        GroupsSelection::All
    } else if args.groups.is_empty() {
        GroupsSelection::None
    } else {
        GroupsSelection::Some(parse_names::<GroupName>(
            &args.groups,
            "dependency group name",
        )?)
    };
    Ok(PyprojectSelection { extras, groups })
}

/// Each of `values` as a `T` (names are normalized by their `FromStr`), or an input error
/// that names the bad one as a `what`.
fn parse_names<T>(values: &[String], what: &str) -> Result<Vec<T>, Failure>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    values
        .iter()
        .map(|value| {
            T::from_str(value)
                .map_err(|err| Failure::input(anyhow!("invalid {what} `{value}`: {err}")))
        })
        .collect()
}

/// Run the command: read the inputs, set up the index and metadata clients, resolve, build
/// the lock, then write (or `--check`) it and, with `--download`, fetch and check its files.
pub(crate) async fn run(
    args: &ResolveArgs,
    env: &Environment,
    printer: &Printer,
    argv: &[String],
) -> Result<(), Failure> {
    let started = Instant::now();
    let inputs = read_inputs(args, env, *printer)?;
    let session = Session::open(args, env, &inputs.set, *printer)?;
    let destination = Destination::from_args(args)?;
    let pins = Pins::read(args, destination.path, &session)?;

    let mut options = session.options.clone();
    options.preferences = pins.preferences;
    let manifest = Manifest {
        requirements: inputs
            .set
            .requirements
            .iter()
            .map(root_requirement)
            .collect(),
        constraints: inputs
            .set
            .constraints
            .iter()
            .map(|entry| entry.requirement.clone())
            .chain(pins.upgrade_constraints)
            .collect(),
        overrides: inputs.overrides,
        direct: tw_resolver::DirectPackages::default(),
    };
    let (resolution, builder) = session
        .resolve(
            args,
            env,
            (manifest, &inputs.set),
            options,
            *printer,
            started,
        )
        .await?;

    let mut lock = match &session.universal {
        Some(universal) => {
            let scope = tw_lock::UniversalScope {
                requires_python: Some(universal.requires_python.clone()),
                environments: universal.environments.clone(),
            };
            Lock::universal(&resolution, &scope, &session.indexes)
        }
        None => Lock::from_resolution(&resolution, &session.target, &session.indexes),
    };
    let excluded = no_emit_packages(args)?;
    lock.packages
        .retain(|package| !excluded.contains(&package.name));
    let contents = render(
        args,
        (&lock, destination.path),
        destination.format,
        excluded,
        &session.indexes,
        &inputs.set,
        argv,
    );
    if args.check {
        // `requires = "output"` and `Destination::from_args` make the path present here.
        let path = destination.path.unwrap_or(Path::new("-"));
        return check_output(path, &contents, *printer);
    }
    write_lock(destination.path, &contents, *printer)?;
    if let Some(previous) = pins.previous {
        for line in change_summary(&previous, &lock) {
            printer.info(&line);
        }
    }
    let elapsed = started.elapsed();
    let count = resolution.packages.len();
    let noun = if count == 1 { "package" } else { "packages" };
    printer.info(&format!(
        "Resolved {count} {noun} in {:.2}s",
        elapsed.as_secs_f64()
    ));
    if args.stats {
        session.print_stats(builder.as_deref(), elapsed, Some(&resolution), *printer);
    }
    if let Some(dest) = &args.download {
        session.download(args, dest, &resolution, printer).await?;
    }
    Ok(())
}

/// What the input files ask for: requirements, constraints, options of requirement files,
/// and the overrides.
struct Inputs {
    /// Requirements and constraints of every input and `-c` file, with their options.
    set: RequirementsSet,
    /// The `--override` requirements.
    overrides: Vec<pep508_rs::Requirement>,
}

/// Read the input files, `-c` and `--override` files; print the warnings they raise (and
/// those of pip.conf). Direct references in `--override` files are refused here.
fn read_inputs(args: &ResolveArgs, env: &Environment, printer: Printer) -> Result<Inputs, Failure> {
    let lookup = |name: &str| env.var(name);
    let extras = pyproject_selection(args)?;
    let mut set = RequirementsSet::default();
    for file in &args.files {
        let read = if file.as_os_str() == "-" {
            // pip-compile and uv read a requirements file from stdin for `-`.
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
                .map_err(|err| Failure::input(anyhow!(err).context("cannot read stdin")))?;
            tw_requirements::parse_requirements_txt_bytes(&bytes, file, &lookup)
        } else {
            tw_requirements::read_source(file, &extras, &lookup)
        };
        let read = read.map_err(Failure::input)?;
        if read.requirements.is_empty() && read.direct.is_empty() {
            // uv warns too; an empty lock is then the right answer, but rarely the intent.
            printer.warn(&format!(
                "`{}` does not contain any requirements",
                file.display()
            ));
        }
        set.extend(read);
    }
    for file in &args.constraints {
        set.extend(tw_requirements::read_constraints_txt(file, &lookup).map_err(Failure::input)?);
    }
    let mut overrides = Vec::new();
    for file in &args.overrides {
        let read = tw_requirements::read_requirements_txt(file, &lookup).map_err(Failure::input)?;
        if let Some(entry) = read.direct.first() {
            return Err(Failure::input(anyhow!(
                "`{}`: an override cannot be a direct reference (`{}`); name it in a requirements file",
                entry.origin,
                entry.written
            )));
        }
        overrides.extend(read.requirements.into_iter().map(|entry| entry.requirement));
    }
    for warning in set
        .warnings
        .iter()
        .chain(&crate::pip_conf::load(env).warnings)
    {
        printer.warn(warning);
    }
    Ok(Inputs { set, overrides })
}

/// What a resolve works with: the target, the HTTP client, the index and metadata fetchers
/// (sharing one cache) and the resolver options from the flags.
struct Session {
    /// The cache directory, unless `--no-cache`.
    cache: Option<PathBuf>,
    /// The environment resolved for.
    target: Target,
    /// The one HTTP client of the run.
    client: tw_client::Client,
    /// The package indexes and find-links locations.
    index: Arc<Index>,
    /// The metadata ladder.
    fetcher: Arc<MetadataFetcher>,
    /// The configured index URLs, in search order (for the lock's `index` and
    /// `--emit-index-url`).
    indexes: Vec<Url>,
    /// The resolver options from the flags and requirement files (no preferences yet).
    options: ResolverOptions,
    /// With `--universal`: the Python versions and environments the lock covers.
    universal: Option<tw_platform::UniversalTarget>,
}

impl Session {
    /// Find the target and the indexes, and build the client, index and metadata fetcher.
    fn open(
        args: &ResolveArgs,
        env: &Environment,
        set: &RequirementsSet,
        printer: Printer,
    ) -> Result<Self, Failure> {
        let cache = cache_dir(args.cache_dir.as_deref(), args.no_cache, env);
        let (target, interpreter_index) =
            crate::settings::target(&args.target, env, cache.as_deref())?;
        info!(python = %target.python_full_version, platform = %target.platform, "target");
        let locations = crate::settings::index_locations(
            &args.index,
            args.target.python.as_deref(),
            env,
            &set.index,
            interpreter_index,
            cache.as_deref(),
        )?;
        check_trusted_hosts(&set.index.trusted_hosts, &locations, printer)?;
        let mut options = resolver_options(args, set)?;
        options.skip_platform_check = args.no_platform_check;
        let universal = if args.universal {
            Some(crate::commands::universal::target(args, &target)?)
        } else {
            None
        };
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
        let indexes = index.locations().indexes.clone();
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
        Ok(Self {
            cache,
            target,
            client,
            index,
            fetcher,
            indexes,
            options,
            universal,
        })
    }

    /// Resolve `manifest`, showing progress; with `--stats`, a failed resolve prints its
    /// stats before the error. Also returns the build runner, for `--stats`.
    async fn resolve(
        &self,
        args: &ResolveArgs,
        env: &Environment,
        (mut manifest, set): (Manifest, &RequirementsSet),
        mut options: ResolverOptions,
        printer: Printer,
        started: Instant,
    ) -> Result<(Resolution, Option<Arc<tw_build::Builder>>), Failure> {
        let progress = printer.spinner("Resolving");
        let ticker = progress.clone().map(|bar| self.tick(bar));
        let builder = crate::build::builder(
            &args.target,
            env,
            &self.target,
            &self.index,
            &self.fetcher,
            self.cache.clone(),
            &options,
        )?;
        options.builder = builder
            .clone()
            .map(|builder| builder as Arc<dyn tw_resolver::MetadataBuilder>);
        // Issue 16: direct references are read before the solve, each fixing its package.
        let (direct, roots) = crate::direct::read(
            set,
            crate::direct::DirectContext {
                client: &self.client,
                builder: builder.clone(),
                target: &self.target,
                cache_dir: self.cache.as_deref(),
                offline: args.offline,
                no_build: args.no_build,
                concurrency: args.concurrency,
            },
        )
        .await?;
        manifest.direct = direct;
        manifest.requirements.extend(roots);
        let result = match self.universal.clone() {
            Some(universal) => {
                tw_resolver::resolve_universal(
                    manifest,
                    Arc::clone(&self.index),
                    Arc::clone(&self.fetcher),
                    universal,
                    options,
                )
                .await
            }
            None => {
                tw_resolver::resolve(
                    manifest,
                    Arc::clone(&self.index),
                    Arc::clone(&self.fetcher),
                    self.target.clone(),
                    options,
                )
                .await
            }
        };
        if let Some(ticker) = ticker {
            ticker.abort();
        }
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        let resolution = result.map_err(|err| {
            // `--stats` matters most when a run fails (how far did it get, what did it cost).
            if args.stats {
                self.print_stats(builder.as_deref(), started.elapsed(), None, printer);
            }
            if err.is_no_solution() {
                Failure::no_solution(err)
            } else if err.is_input() {
                Failure::input(err)
            } else {
                Failure::network(err)
            }
        })?;
        Ok((resolution, builder))
    }

    /// A task that refreshes the progress line every 100 ms until aborted.
    fn tick(&self, bar: indicatif::ProgressBar) -> tokio::task::JoinHandle<()> {
        let client = self.client.clone();
        let index = Arc::clone(&self.index);
        let fetcher = Arc::clone(&self.fetcher);
        tokio::spawn(async move {
            loop {
                let pages = index.page_stats();
                let progress = Progress {
                    projects: pages.cached + pages.revalidated + pages.fetched,
                    metadata: fetcher.stats().iter().map(|(_, cost)| cost.files).sum(),
                    bytes: client.stats().bytes,
                    current: fetcher.last_fetched(),
                };
                bar.set_message(progress.message());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    }

    /// `--download DIR`: fetch the chosen file of every package with the same client
    /// (connections and DNS answers are reused), then check each wheel's METADATA.
    async fn download(
        &self,
        args: &ResolveArgs,
        dest: &Path,
        resolution: &Resolution,
        printer: &Printer,
    ) -> Result<(), Failure> {
        let mut plan = crate::direct::DownloadPlan::default();
        let requests = crate::commands::download::from_resolution(resolution, &mut plan)?;
        let options = tw_download::DownloadOptions {
            dest: dest.to_path_buf(),
            concurrency: args.concurrency.clamp(1, 16),
            retries: 3,
            cache_dir: self.cache.clone(),
        };
        let downloaded =
            crate::commands::download::fetch(&self.client, requests, &options, printer).await?;
        crate::commands::download::verify_metadata(
            resolution,
            &downloaded,
            args.allow_metadata_mismatch,
            *printer,
        )?;
        // `resolve --download` clones no git source; `tailwheel download --vcs` does.
        plan.finish(dest, false, *printer).await
    }

    /// The `--stats` lines of this run.
    fn print_stats(
        &self,
        builder: Option<&tw_build::Builder>,
        elapsed: Duration,
        resolution: Option<&Resolution>,
        printer: Printer,
    ) {
        print_stats(
            &self.client,
            &self.index,
            &self.fetcher,
            builder,
            elapsed,
            resolution,
            printer,
        );
    }
}

/// Where the lock goes and in which format; checked before anything is fetched.
struct Destination<'a> {
    /// The `-o` file; `None` for stdout (no `-o`, or `-o -` as in pip-compile).
    path: Option<&'a Path>,
    /// `--format`, else from the file name.
    format: LockFormat,
}

impl<'a> Destination<'a> {
    /// The destination of `args`: a pylock must have a PEP 751 name, `--check` needs a file.
    fn from_args(args: &'a ResolveArgs) -> Result<Self, Failure> {
        let path = args
            .output
            .as_deref()
            .filter(|path| path.as_os_str() != "-");
        let format = match &args.format {
            Some(format) => LockFormat::from_str(format).map_err(Failure::input)?,
            None => path.map_or(LockFormat::RequirementsTxt, LockFormat::from_path),
        };
        if format == LockFormat::Pylock
            && let Some(path) = path
        {
            check_pylock_name(path)?;
        }
        if args.check && path.is_none() {
            return Err(Failure::input(anyhow!(
                "`--check` needs an output file to compare with (`-o FILE`)"
            )));
        }
        Ok(Self { path, format })
    }
}

/// The pins of an existing `-o` file and what `-U`/`-P` make of them.
struct Pins {
    /// The pins of the file as it was, for the change summary (a new file has none).
    previous: Option<Vec<(PackageName, pep440_rs::Version)>>,
    /// The pins to keep (all but `-P` names; none with `-U`).
    preferences: Vec<(PackageName, pep440_rs::Version)>,
    /// `-P NAME==VERSION` (any PEP 508 requirement) also constrains the package, as in
    /// pip-compile.
    upgrade_constraints: Vec<pep508_rs::Requirement>,
}

impl Pins {
    /// Read the pins of `output`, if it exists, and apply `-U`/`-P`. Of a universal lock,
    /// only the entries whose marker holds for `target` count.
    fn read(args: &ResolveArgs, output: Option<&Path>, session: &Session) -> Result<Self, Failure> {
        let scope = session
            .universal
            .as_ref()
            .map(tw_platform::UniversalTarget::marker);
        let for_target = |pins: Vec<tw_lock::LockedPin>| -> Vec<(PackageName, pep440_rs::Version)> {
            pins.into_iter()
                .filter(|pin| match &scope {
                    Some(scope) => pin.can_hold_within(scope),
                    None => pin.holds_for(&session.target.markers),
                })
                .map(|pin| (pin.name, pin.version))
                .collect()
        };
        let mut upgrade_constraints = Vec::new();
        let mut upgrade: Vec<PackageName> = Vec::new();
        for value in &args.upgrade_package {
            let requirement = tw_requirements::pep508::parse_pep508::<pep508_rs::VerbatimUrl>(
                value,
            )
            .map_err(|err| Failure::input(anyhow!("invalid `--upgrade-package {value}`: {err}")))?;
            upgrade.push(requirement.name.clone());
            if requirement.version_or_url.is_some() {
                upgrade_constraints.push(requirement);
            }
        }
        let previous = output.filter(|path| path.is_file()).and_then(|path| {
            match tw_lock::read_locked_pins(path) {
                Ok(pins) => Some(for_target(pins)),
                Err(err) => {
                    debug!("no change summary: {err}");
                    None
                }
            }
        });
        let mut preferences = Vec::new();
        if let Some(output) = output
            && !args.upgrade
        {
            let pins = tw_lock::read_locked_pins(output).map_err(Failure::input)?;
            preferences = for_target(pins)
                .into_iter()
                .filter(|(name, _)| !upgrade.contains(name))
                .collect();
            debug!(
                pins = preferences.len(),
                "keeping pins of the existing output"
            );
        }
        Ok(Self {
            previous,
            preferences,
            upgrade_constraints,
        })
    }
}

/// The text of the lock in `format`, with the requirements.txt options of `args`.
fn render(
    args: &ResolveArgs,
    (lock, output): (&Lock, Option<&Path>),
    format: LockFormat,
    excluded: Vec<PackageName>,
    indexes: &[Url],
    set: &RequirementsSet,
    argv: &[String],
) -> String {
    // Local direct references are written relative to the output file's folder (issue 16).
    let output_dir = output
        .and_then(|path| std::path::absolute(path).ok())
        .and_then(|path| path.parent().map(Path::to_path_buf))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    match format {
        LockFormat::Pylock => tw_lock::to_pylock_toml_at(lock, &output_dir),
        LockFormat::RequirementsTxt => {
            let header = (!args.no_header).then(|| header(argv));
            let mut options = RequirementsTxtOptions {
                generate_hashes: args.generate_hashes,
                annotate: !args.no_annotate,
                header,
                annotation_style: match args.annotation_style {
                    AnnotationStyleArg::Split => AnnotationStyle::Split,
                    AnnotationStyleArg::Line => AnnotationStyle::Line,
                },
                strip_extras: !args.no_strip_extras,
                excluded,
                output_dir: Some(output_dir),
                ..RequirementsTxtOptions::default()
            };
            if args.emit_index_url {
                // uv's layout: the main index (searched last here) as `--index-url`, the
                // others as `--extra-index-url`, credentials never written.
                let mut urls: Vec<String> = indexes
                    .iter()
                    .map(|url| tw_lock::without_credentials(url).to_string())
                    .collect();
                options.index_url = urls.pop();
                options.extra_index_urls = urls;
            }
            if args.emit_find_links {
                options.find_links = args
                    .index
                    .find_links
                    .iter()
                    .chain(&set.index.find_links)
                    .map(|link| crate::settings::redact_word(link))
                    .collect();
            }
            tw_lock::to_requirements_txt(lock, &options)
        }
    }
}

/// Write the lock to `path` atomically, or to stdout.
fn write_lock(path: Option<&Path>, contents: &str, printer: Printer) -> Result<(), Failure> {
    match path {
        Some(path) => tw_lock::write_atomic(path, contents).map_err(Failure::io),
        None => printer
            .stdout(contents)
            .map_err(|err| Failure::io(anyhow!(err).context("cannot write the lock to stdout"))),
    }
}

/// What the progress line shows while resolving (uv shows counts and `name==version` too).
#[derive(Debug, Default)]
struct Progress {
    /// Project pages read (from the cache or the index).
    projects: u64,
    /// Distributions whose metadata was read.
    metadata: u64,
    /// Bytes received.
    bytes: u64,
    /// The distribution whose metadata was asked for last.
    current: Option<String>,
}

impl Progress {
    fn message(&self) -> String {
        let mut message = format!(
            "Resolving: {} projects, {} metadata files, {}",
            self.projects,
            self.metadata,
            human_bytes(self.bytes)
        );
        if let Some(current) = &self.current {
            message.push_str(" · ");
            message.push_str(current);
        }
        message
    }
}

/// The `--stats` lines: requests, bytes and time; metadata per strategy; builds. Byte counts
/// are exact (scripts read them) and followed by a readable size.
fn print_stats(
    client: &tw_client::Client,
    index: &Index,
    fetcher: &MetadataFetcher,
    builder: Option<&tw_build::Builder>,
    elapsed: Duration,
    resolution: Option<&tw_resolver::Resolution>,
    printer: Printer,
) {
    let stats = client.stats();
    let pages = index.page_stats();
    printer.always(&format!(
        "stats: {} requests, {} bytes ({}), {:.3}s; pages: {} cached, {} revalidated, {} fetched",
        stats.requests,
        stats.bytes,
        human_bytes(stats.bytes),
        elapsed.as_secs_f64(),
        pages.cached,
        pages.revalidated,
        pages.fetched
    ));
    for (strategy, cost) in fetcher.stats() {
        printer.always(&format!(
            "stats: metadata via {strategy}: {} files, {} requests, {} round trips, {} bytes ({})",
            cost.files,
            cost.requests,
            cost.round_trips,
            cost.bytes,
            human_bytes(cost.bytes)
        ));
    }
    if let Some(resolution) = resolution {
        if resolution.other_target_wheels > 0 {
            printer.always(&format!(
                "stats: wheels read for another target: {}",
                resolution.other_target_wheels
            ));
        }
        if resolution.requires_python.is_some() {
            // Issue 17: what the universal resolution forked and what the per-platform
            // metadata check cost.
            let check = &resolution.platform_check;
            let differing: Vec<String> = check
                .differing
                .iter()
                .map(|(name, version)| format!("{name}=={version}"))
                .collect();
            printer.always(&format!(
                "stats: universal: {} forks; per-platform metadata: {} versions with wheels for several platforms, {} extra metadata reads ({} skipped: same PEP 658 hash; {} versions vouched for by a static sdist), {} disagreeing{}",
                resolution.fork_markers.len().max(1),
                check.versions_checked,
                check.reads,
                check.same_hash,
                check.static_sdist,
                differing.len(),
                if differing.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", differing.join(", "))
                }
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
    }
    if let Some(builder) = builder {
        let built = builder.stats();
        printer.always(&format!(
            "stats: builds: {} run, {} environments installed, {} bytes downloaded ({})",
            built.built,
            built.environments,
            built.bytes,
            human_bytes(built.bytes)
        ));
    }
}

/// `bytes` in binary units with one decimal: `512 B`, `1.5 KiB`, `12.0 MiB`.
#[expect(
    clippy::cast_precision_loss,
    reason = "a size shown with one decimal needs no more than f64's 52 bits"
)]
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The cache directory: `--cache-dir`, else the default, none with `--no-cache`.
pub(crate) fn cache_dir(flag: Option<&Path>, no_cache: bool, env: &Environment) -> Option<PathBuf> {
    if no_cache {
        return None;
    }
    // Absolute: build backends run in other directories and are handed paths inside it.
    flag.map(Path::to_path_buf)
        .or_else(|| env.default_cache_dir())
        .map(|dir| std::path::absolute(&dir).unwrap_or(dir))
}

fn root_requirement(entry: &RequirementEntry) -> RootRequirement {
    RootRequirement {
        requirement: entry.requirement.clone(),
        source: crate::direct::source_label(&entry.origin),
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
    // Requirement files first, then the command line (pip's order: later values win).
    let mut only_binary = PackageSelection::None;
    for value in set.index.only_binary.iter().chain(&args.only_binary) {
        only_binary
            .apply(value)
            .map_err(|e| Failure::input(anyhow!("`--only-binary {value}`: {e}")))?;
    }
    let mut no_binary = PackageSelection::None;
    for value in set.index.no_binary.iter().chain(&args.no_binary) {
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
        skip_platform_check: false,
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

/// `--trusted-host` lines of requirement files: pip needs them to use a plain-HTTP index,
/// which tailwheel allows anyway (honoured); for an HTTPS location they would turn certificate
/// checks off, which tailwheel never does (refused); naming no location at all, a warning.
fn check_trusted_hosts(
    hosts: &[(String, tw_requirements::Origin)],
    locations: &tw_index::IndexLocations,
    printer: Printer,
) -> Result<(), Failure> {
    let urls: Vec<&Url> = locations
        .indexes
        .iter()
        .chain(
            locations
                .find_links
                .iter()
                .filter_map(|location| match location {
                    tw_index::FindLinks::Url(url) => Some(url),
                    tw_index::FindLinks::Directory(_) => None,
                }),
        )
        .collect();
    for (host, origin) in hosts {
        // pip's value is `HOST` or `HOST:PORT`.
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) if port.parse::<u16>().is_ok() => (name, port.parse().ok()),
            _ => (host.as_str(), None),
        };
        let matching: Vec<&&Url> = urls
            .iter()
            .filter(|url| {
                url.host_str() == Some(name)
                    && port.is_none_or(|port| url.port_or_known_default() == Some(port))
            })
            .collect();
        if let Some(https) = matching.iter().find(|url| url.scheme() == "https") {
            return Err(Failure::input(anyhow!(
                "`{origin}`: `--trusted-host {host}` would turn off certificate checks for `{}`, which tailwheel never does; trust its CA with `SSL_CERT_FILE` and remove the option",
                crate::settings::redact_word(https.as_str())
            )));
        }
        if matching.is_empty() {
            printer.warn(&format!(
                "`{origin}`: `--trusted-host {host}` names no index or find-links host; ignoring it"
            ));
        } else {
            debug!(%host, "trusted host: plain HTTP is allowed without it");
        }
    }
    Ok(())
}

/// Refuse a pylock output whose name PEP 751 does not allow (uv refuses it too). Existing
/// devices and FIFOs (`/dev/stdout`) are not lock files and may take any name.
fn check_pylock_name(path: &Path) -> Result<(), Failure> {
    if path
        .metadata()
        .is_ok_and(|metadata| !metadata.is_file() && !metadata.is_dir())
    {
        return Ok(());
    }
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    if LockFormat::is_pylock_file_name(name) {
        return Ok(());
    }
    Err(Failure::input(anyhow!(
        "`{}` is not a valid pylock file name: PEP 751 names a lock `pylock.toml` or `pylock.<name>.toml` (no dots in `<name>`); use `--format requirements-txt` for another name, or stdout",
        path.display()
    )))
}

/// `--check`: succeed when `path` already holds `contents`, else fail (exit 1) with a unified
/// diff from the file to what this resolve would write. Nothing is written either way.
fn check_output(path: &Path, contents: &str, printer: Printer) -> Result<(), Failure> {
    let existing = match fs_err::read_to_string(path) {
        Ok(existing) => existing,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(Failure::check(anyhow!(
                "`{}` does not exist; this resolve would create it",
                path.display()
            )));
        }
        Err(err) => return Err(Failure::input(anyhow!(err))),
    };
    // The header comment only records the command line that wrote the file (flag order, the
    // target flags a hook adds); it does not change what gets installed.
    if without_header(&existing) == without_header(contents) {
        printer.info(&format!("`{}` is up to date", path.display()));
        return Ok(());
    }
    let shown = path.display().to_string();
    let diff = similar::TextDiff::from_lines(existing.as_str(), contents)
        .unified_diff()
        .context_radius(1)
        .header(&shown, &format!("{shown} (this resolve)"))
        .to_string();
    Err(Failure::check(anyhow!(
        "`{shown}` is not what this resolve would write:\n{}",
        diff.trim_end()
    )))
}

/// `text` after its leading `#` comment lines (the requirements.txt header).
fn without_header(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// One line per package whose pin changed from `previous` (the output file before this run) to
/// `lock`, sorted by name: `Updated a 1.0 -> 1.1`, `Added b 2.0`, `Removed c 3.0`.
fn change_summary(previous: &[(PackageName, pep440_rs::Version)], lock: &Lock) -> Vec<String> {
    use std::collections::BTreeMap;
    // Direct references (issue 16) are not pins a lock reads back (`-e ./app` has no
    // version): they are left out on both sides rather than reported as added every run.
    let direct: Vec<&PackageName> = lock
        .packages
        .iter()
        .filter(|package| package.source.is_some())
        .map(|package| &package.name)
        .collect();
    let before: BTreeMap<&PackageName, &pep440_rs::Version> = previous
        .iter()
        .filter(|(name, _)| !direct.contains(&name))
        .map(|(name, version)| (name, version))
        .collect();
    let after: BTreeMap<&PackageName, &pep440_rs::Version> = lock
        .packages
        .iter()
        .filter(|package| package.source.is_none())
        .map(|package| (&package.name, &package.version))
        .collect();
    let names: std::collections::BTreeSet<&PackageName> =
        before.keys().chain(after.keys()).copied().collect();
    names
        .into_iter()
        .filter_map(|name| match (before.get(name), after.get(name)) {
            (Some(old), Some(new)) if old != new => Some(format!("Updated {name} {old} -> {new}")),
            (None, Some(new)) => Some(format!("Added {name} {new}")),
            (Some(old), None) => Some(format!("Removed {name} {old}")),
            _ => None,
        })
        .collect()
}

/// The names of `--no-emit-package`, normalized.
fn no_emit_packages(args: &ResolveArgs) -> Result<Vec<PackageName>, Failure> {
    args.no_emit_package
        .iter()
        .map(|name| {
            PackageName::from_str(name).map_err(|err| {
                Failure::input(anyhow!("invalid `--no-emit-package` name `{name}`: {err}"))
            })
        })
        .collect()
}

/// `--exclude-newer`: a date (midnight UTC), an RFC 3339 instant, or, as uv accepts, a
/// duration before now (`1 week`, `24 hours`, ISO 8601 `P7D`); days are 24 hours in UTC.
fn parse_exclude_newer(value: &str) -> anyhow::Result<Timestamp> {
    parse_exclude_newer_at(value, Timestamp::now())
}

fn parse_exclude_newer_at(value: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    if let Ok(timestamp) = Timestamp::from_str(value) {
        return Ok(timestamp);
    }
    if let Ok(date) = jiff::civil::Date::from_str(value) {
        return Ok(date.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp());
    }
    let span = jiff::Span::from_str(value.trim()).with_context(|| {
        format!(
            "invalid `--exclude-newer` value `{value}`: expected a date (2026-10-01), an RFC 3339 instant (2026-10-01T00:00:00Z) or a duration (`1 week`, `24 hours`, `P7D`)"
        )
    })?;
    let span = span.abs();
    let cutoff = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_sub(span)
        .with_context(|| format!("`--exclude-newer {value}` reaches before the year -9999"))?;
    Ok(cutoff.timestamp())
}

fn header(argv: &[String]) -> String {
    let mut words = vec!["tailwheel".to_string()];
    // `--check` leaves the header as the run that wrote the file made it.
    words.extend(
        argv.iter()
            .skip(1)
            .filter(|word| *word != "--check")
            .map(|word| crate::settings::redact_word(word)),
    );
    words.join(" ")
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
    }

    #[test]
    fn progress_shows_counts_and_the_package() {
        let progress = Progress {
            projects: 12,
            metadata: 30,
            bytes: 1536 * 1024,
            current: Some("flask==3.0.3".to_string()),
        };
        assert_eq!(
            progress.message(),
            "Resolving: 12 projects, 30 metadata files, 1.5 MiB · flask==3.0.3"
        );
        let start = Progress::default();
        assert_eq!(
            start.message(),
            "Resolving: 0 projects, 0 metadata files, 0 B"
        );
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12 * 1024 * 1024), "12.0 MiB");
    }

    #[test]
    fn exclude_newer_durations() {
        let now = Timestamp::from_str("2026-03-10T12:00:00Z").unwrap();
        for (value, expected) in [
            ("2026-03-01", "2026-03-01T00:00:00Z"),
            ("2026-03-01T05:00:00Z", "2026-03-01T05:00:00Z"),
            ("1 week", "2026-03-03T12:00:00Z"),
            ("24 hours", "2026-03-09T12:00:00Z"),
            ("P7D", "2026-03-03T12:00:00Z"),
            ("3 days ago", "2026-03-07T12:00:00Z"),
        ] {
            let cutoff = parse_exclude_newer_at(value, now).unwrap();
            assert_eq!(cutoff.to_string(), expected, "{value}");
        }
        assert!(parse_exclude_newer_at("soon", now).is_err());
    }
}
